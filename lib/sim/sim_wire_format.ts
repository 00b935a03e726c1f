/**
 * The contract between the simulator's neutral core ({@link startSimulator}, `sim_plan.ts`) and
 * one wire format (OpenAI SSE, Bedrock event streams, Anthropic, …). A format recognises its
 * requests, parses them into a {@link SimParsedRequest}, and encodes the played
 * {@link SimStep}s of each response. Formats hold no state between requests.
 *
 * @module
 */
import type { SimErrorPlan, SimResponsePlan, SimStep } from "./sim_plan.ts";

/** A request, reduced to what the simulator needs. */
export interface SimParsedRequest {
  /** Model id asked for (`""` when the format has none in the body). */
  model: string;
  /** All prompt text (message contents joined by newlines). */
  prompt: string;
  /** `max_tokens` (or the format's equivalent); `null` when absent (the simulator's default). */
  maxTokens: number | null;
  /** Streamed response wanted. */
  stream: boolean;
  /** Usage report wanted at the end of a stream (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
}

/** A request the format rejects (bad JSON, missing fields): sent as an HTTP error. */
export interface SimBadRequest {
  /** HTTP status, usually 400. */
  status: number;
  /** Error message for the body. */
  message: string;
}

/** Per-response context given to a format's encoder. */
export interface SimResponseContext {
  /** The simulator's 0-based request counter. */
  requestId: number;
  /** Request arrival, epoch ms. */
  arrivalEpochMs: number;
  /** Prompt tokens counted by the simulator's tokenizer. */
  inputTokens?: number;
  /** Of those, tokens found in the prefix cache, when the simulator has one. */
  cachedInputTokens?: number;
}

/** Encodes one response of a wire format. */
export interface SimResponseEncoder {
  /** Content type of a streamed response. */
  readonly streamContentType: string;
  /** Bytes (or text, sent as UTF-8) of one step of a stream; `null` sends nothing. For an
   * in-stream error, what ends the stream after it (e.g. `data: [DONE]`) is included. */
  encodeStep(step: SimStep, sentAtEpochMs: number): string | Uint8Array | null;
  /** The whole non-streamed response, built when the plan's end (or in-stream error) is due. */
  encodeWhole(plan: SimResponsePlan, sentAtEpochMs: number): Response;
}

/** One wire format the simulator speaks. */
export interface SimWireFormat {
  /** Name used in the simulator's log (`openai-chat`, `bedrock-converse`, …). */
  readonly name: string;
  /** Whether this format serves a request to `pathname` with `method`. */
  matches(method: string, pathname: string): boolean;
  /** Parses a request body (already read as text). */
  parse(body: string, url: URL, headers: Headers): SimParsedRequest | SimBadRequest;
  /** The HTTP error response for a bad request or an injected HTTP error. */
  errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response;
  /** An encoder for one response. */
  encoder(request: SimParsedRequest, context: SimResponseContext): SimResponseEncoder;
}
