/**
 * tokenbench/wire: each provider's wire format, shared by the clients that read it and the
 * simulator that writes it: field names, request-body builders, payload decoders that turn one
 * wire message into `StreamEvent`s, error tables, AWS event-stream framing, HTTP/1.1 framing.
 * Pure: no I/O.
 *
 * @example
 * ```ts
 * import { bedrockModelFamily } from "tokenbench/wire";
 * if (bedrockModelFamily("anthropic.claude-instant-v1") !== "anthropic-text") throw new Error("family");
 * ```
 *
 * @module
 */
export * from "./anthropic.ts";
export * from "./bedrock_bodies.ts";
export * from "./bedrock_errors.ts";
export * from "./eventstream_frames.ts";
export * from "./http1_wire.ts";
export * from "./is_error_status.ts";
export * from "./json_fields.ts";
export * from "./openai.ts";
export * from "./openai_responses.ts";
export * from "./prometheus_text.ts";
export * from "./sagemaker.ts";
export * from "./sim_stamp.ts";
export * from "./sse.ts";
export * from "./vertex.ts";
export * from "./retry_after.ts";
