/**
 * The Vertex AI Gemini wire format (`streamGenerateContent?alt=sse`, server-sent events): the
 * request body ({@link vertexRequestBody}), one SSE `data` payload → events
 * ({@link decodeVertexData}), Google's error bodies and status names
 * ({@link GOOGLE_RPC_STATUS_CODES}, {@link vertexHttpError}) and the end of a stream, which
 * Gemini does not mark ({@link vertexStreamEnd}).
 *
 * @module
 */
import type { LlmRequest } from "../core/llm_client.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { type Json, num, obj } from "./json_fields.ts";
import { type HttpErrorResponse, malformedData, oneLine, type SseDecoded } from "./sse.ts";
import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";

/**
 * HTTP status of each `google.rpc.Code` name, as Google APIs map them (`error.status` in an
 * error body). Used when an error carries a status name without a usable numeric `code`; the
 * first name of each status is its usual one (the simulator sends it).
 *
 * @example Quota errors are 429
 * ```ts
 * import { GOOGLE_RPC_STATUS_CODES } from "./vertex.ts";
 * if (GOOGLE_RPC_STATUS_CODES.RESOURCE_EXHAUSTED !== 429) throw new Error();
 * ```
 */
export const GOOGLE_RPC_STATUS_CODES = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

/** Sampling parameters that go into `generationConfig` (LLMPerf-style snake_case names are
 * mapped to Gemini's camelCase); anything else is merged into the body itself. */
const _GENERATION_CONFIG: Record<string, string> = {
  temperature: "temperature",
  topP: "topP",
  top_p: "topP",
  topK: "topK",
  top_k: "topK",
  candidateCount: "candidateCount",
  candidate_count: "candidateCount",
  stopSequences: "stopSequences",
  stop_sequences: "stopSequences",
  stop: "stopSequences",
  seed: "seed",
  presencePenalty: "presencePenalty",
  presence_penalty: "presencePenalty",
  frequencyPenalty: "frequencyPenalty",
  frequency_penalty: "frequencyPenalty",
  responseMimeType: "responseMimeType",
  responseSchema: "responseSchema",
  responseLogprobs: "responseLogprobs",
  logprobs: "logprobs",
  thinkingConfig: "thinkingConfig",
  maxOutputTokens: "maxOutputTokens",
};

/** `{ error: { code, message, status } }` (or a one-element array of it) → an error event. */
function _googleError(body: unknown, httpStatus?: number): ErrorEvent | null {
  const first = Array.isArray(body) ? body[0] : body;
  const error = obj(first).error;
  if (error === undefined || error === null) return null;
  const e = obj(error);
  const status = typeof e.status === "string" ? e.status : undefined;
  const numeric = typeof e.code === "number" && e.code >= 400 && e.code <= 599 ? e.code : undefined;
  const code = httpStatus ??
    numeric ??
    (status && status in GOOGLE_RPC_STATUS_CODES
      ? GOOGLE_RPC_STATUS_CODES[status as keyof typeof GOOGLE_RPC_STATUS_CODES]
      : 500);
  const message = typeof e.message === "string"
    ? e.message
    : typeof error === "string"
    ? error
    : "error";
  const prefix = httpStatus === undefined ? "" : `HTTP ${httpStatus}: `;
  const event: ErrorEvent = {
    kind: "error",
    code,
    message: oneLine(`${prefix}${status ? `${status}: ` : ""}${message}`),
  };
  if (status) event.name = status;
  return event;
}

/**
 * Options of {@link vertexRequestBody}.
 *
 * @example A system instruction
 * ```ts
 * import { vertexRequestBody, type VertexRequestBodyOptions } from "./vertex.ts";
 * const options: VertexRequestBodyOptions = { systemPrompt: "Be brief." };
 * const body = vertexRequestBody({ prompt: "Hi", maxTokens: 8 }, options);
 * if (!("systemInstruction" in body)) throw new Error(JSON.stringify(body));
 * ```
 */
export interface VertexRequestBodyOptions {
  /** A system instruction (`systemInstruction`). Default none. */
  systemPrompt?: string;
}

/**
 * The request body for one request: `{ contents: [{ role: "user", parts: [{ text }] }],
 * generationConfig: { maxOutputTokens, … }, systemInstruction?, … }`. Sampling parameters named
 * like `generationConfig` fields (or LLMPerf's snake_case `top_p`, `top_k`, `stop`; a string
 * `stop` becomes a one-element `stopSequences`) go into `generationConfig`, a
 * `generationConfig` object is merged into it, anything else (`safetySettings`, `labels`) into
 * the body.
 *
 * @example Snake-case sampling parameters
 * ```ts
 * import { vertexRequestBody } from "./vertex.ts";
 * const body = vertexRequestBody({
 *   prompt: "Hi", maxTokens: 16,
 *   samplingParams: { top_p: 0.9, stop: "END", labels: { team: "a" } },
 * });
 * const config = body.generationConfig as Record<string, unknown>;
 * if (config.maxOutputTokens !== 16 || config.topP !== 0.9) throw new Error("generationConfig");
 * if ((config.stopSequences as string[])[0] !== "END" || !("labels" in body)) throw new Error();
 * ```
 */
export function vertexRequestBody(
  request: Pick<LlmRequest, "prompt" | "maxTokens" | "samplingParams" | "history">,
  options: VertexRequestBodyOptions = {},
): Json {
  const generationConfig: Json = { maxOutputTokens: request.maxTokens };
  const rest: Json = {};
  for (const [name, value] of Object.entries(request.samplingParams ?? {})) {
    const mapped = _GENERATION_CONFIG[name];
    if (mapped === "stopSequences" && typeof value === "string") {
      generationConfig.stopSequences = [value];
    } else if (mapped !== undefined) {
      generationConfig[mapped] = value;
    } else if (name === "generationConfig") {
      Object.assign(generationConfig, obj(value));
    } else {
      rest[name] = value;
    }
  }
  const body: Json = {
    contents: [
      ...(request.history ?? []).map((t) => ({
        role: t.role === "assistant" ? "model" : "user",
        parts: [{ text: t.text }],
      })),
      { role: "user", parts: [{ text: request.prompt }] },
    ],
    generationConfig,
    ...rest,
  };
  if (options.systemPrompt !== undefined) {
    body.systemInstruction = { parts: [{ text: options.systemPrompt }] };
  }
  return body;
}

/**
 * The `error` event of a non-2xx response: the HTTP status as `code`, `HTTP {status}: {status
 * name}: {message}` on one line from Google's error body (also a one-element array of it), else
 * the body's text or the reason phrase; the status name (`RESOURCE_EXHAUSTED`) as `name`.
 *
 * @example A quota error
 * ```ts
 * import { vertexHttpError } from "./vertex.ts";
 * const text = '{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}';
 * const event = vertexHttpError({ status: 429, text });
 * if (event.code !== 429 || event.name !== "RESOURCE_EXHAUSTED") throw new Error(event.message);
 * ```
 */
export function vertexHttpError(response: HttpErrorResponse): ErrorEvent {
  const { status, text, statusText } = response;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return _googleError(parsed, status) ?? {
    kind: "error" as const,
    code: status,
    message: oneLine(`HTTP ${status}: ${text || statusText || "error"}`),
  };
}

/**
 * What decoding a Gemini stream carries from one SSE message to the next: one per stream.
 *
 * @example A stream cut before any finish reason
 * ```ts
 * import { decodeVertexData, vertexStreamEnd, type VertexStreamState } from "./vertex.ts";
 * const state: VertexStreamState = {};
 * decodeVertexData('{"candidates":[{"content":{"parts":[{"text":"Hi"}]}}]}', state);
 * if (vertexStreamEnd(state).kind !== "error") throw new Error();
 * ```
 */
export interface VertexStreamState {
  /** The last candidate `finishReason` seen; {@link decodeVertexData} sets it. */
  finishReason?: string;
}

/**
 * Decodes one SSE `data` payload of a Gemini stream: a `message` event (with the simulator's
 * send stamp {@link SIM_SENT_AT_FIELD} when present), then for the first candidate's parts
 * `content` (text parts) or `reasoning` (`thought: true`) events, and `usage` from
 * `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`, `thoughtsTokenCount`,
 * `cachedContentTokenCount`). An in-stream `{"error": …}`, a blocked prompt
 * (`promptFeedback.blockReason` without candidates: 400 `PromptBlocked`) or data that is not
 * JSON (599) gives an `error` event and ends the stream. Gemini sends no end marker: see
 * {@link vertexStreamEnd}.
 *
 * @example A text chunk with its finish reason
 * ```ts
 * import { decodeVertexData } from "./vertex.ts";
 * const state: { finishReason?: string } = {};
 * const decoded = decodeVertexData(
 *   '{"candidates":[{"content":{"parts":[{"text":"Hi"}]},"finishReason":"STOP"}]}',
 *   state,
 * );
 * if (decoded.events.map((e) => e.kind).join() !== "message,content") throw new Error();
 * if (decoded.end || state.finishReason !== "STOP") throw new Error();
 * ```
 */
export function decodeVertexData(data: string, state: VertexStreamState): SseDecoded {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return malformedData(data);
  }
  const error = _googleError(json);
  if (error) return { events: [error], end: true };
  const chunk = obj(json);
  const sentAt = num(chunk[SIM_SENT_AT_FIELD]);
  const stamp = sentAt === undefined ? {} : { sentAtEpochMs: sentAt };
  // Every wire message first yields a `message` event; its text and usage follow.
  const events: StreamEvent[] = [{ kind: "message", ...stamp }];
  const candidates = Array.isArray(chunk.candidates) ? chunk.candidates : [];
  for (const candidate of candidates.slice(0, 1)) {
    const c = obj(candidate);
    if (typeof c.finishReason === "string") state.finishReason = c.finishReason;
    const parts = obj(c.content).parts;
    for (const part of Array.isArray(parts) ? parts : []) {
      const p = obj(part);
      if (typeof p.text !== "string" || p.text === "") continue;
      events.push(
        p.thought === true
          ? { kind: "reasoning", text: p.text, ...stamp }
          : { kind: "content", text: p.text, ...stamp },
      );
    }
  }
  const meta = obj(chunk.usageMetadata);
  const usage: UsageEvent = { kind: "usage" };
  const set = (key: Exclude<keyof UsageEvent, "kind">, value: unknown) => {
    const n = num(value);
    if (n !== undefined) usage[key] = n;
  };
  set("inputTokens", meta.promptTokenCount);
  set("outputTokens", meta.candidatesTokenCount);
  set("reasoningTokens", meta.thoughtsTokenCount);
  set("cacheReadInputTokens", meta.cachedContentTokenCount);
  if (Object.keys(usage).length > 1) events.push(usage);
  const blocked = obj(chunk.promptFeedback).blockReason;
  if (candidates.length === 0 && typeof blocked === "string") {
    events.push({
      kind: "error",
      code: 400,
      name: "PromptBlocked",
      message: `PromptBlocked: the prompt was blocked (${blocked})`,
    });
    return { events, end: true };
  }
  return { events, end: false };
}

/**
 * The last event of a Gemini stream when its body ends: `done` with the last `finishReason`, or
 * a 599 `error` when none came (a stream cut short).
 *
 * @example The end of a finished stream
 * ```ts
 * import { vertexStreamEnd } from "./vertex.ts";
 * const event = vertexStreamEnd({ finishReason: "STOP" });
 * if (event.kind !== "done" || event.finishReason !== "STOP") throw new Error(event.kind);
 * ```
 */
export function vertexStreamEnd(state: VertexStreamState): StreamEvent {
  return state.finishReason === undefined
    ? {
      kind: "error",
      code: CLIENT_ERROR_CODES.network,
      message: "Stream ended without a finishReason",
    }
    : { kind: "done", finishReason: state.finishReason };
}
