/**
 * tokenbench/clients: streaming clients of every provider (OpenAI-compatible, Bedrock through
 * the AWS SDK, Anthropic, SageMaker, Vertex AI), each an `LlmClient` that yields `StreamEvent`s and
 * never throws for an endpoint's failure; `createClient` builds one from plain data (a
 * `ClientSpec`, as a Worker needs); `createHttp1Fetch` is the light HTTP/1.1 transport.
 *
 * @example
 * ```ts
 * import { createOpenAiClient } from "tokenbench/clients";
 * const client = createOpenAiClient({ baseUrl: "http://127.0.0.1:8000/v1" });
 * if (client.api !== "openai") throw new Error(client.api);
 * ```
 *
 * @module
 */
export * from "./anthropic_client.ts";
export * from "./bedrock_client.ts";
export * from "./bedrock_error_event.ts";
export * from "./create_client.ts";
export * from "./http1_fetch.ts";
export * from "./openai_client.ts";
export * from "./sagemaker_client.ts";
export * from "./vertex_client.ts";
export * from "./warm_up.ts";
