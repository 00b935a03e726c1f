/**
 * The OpenAI-compatible wire format (chat completions and completions, streamed as server-sent
 * events): the request body ({@link openAiRequestBody}), one SSE `data` payload → events
 * ({@link decodeOpenAiData}), usage objects ({@link openAiUsage}), error bodies
 * ({@link parseOpenAiError}, {@link openAiHttpError}) and a body that ends early
 * ({@link openAiStreamEnd}).
 *
 * @module
 */
import type { LlmRequest } from "../core/llm_client.ts";
import { flattenTurns } from "../core/chat_turn.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { type HttpErrorResponse, malformedData, oneLine, type SseDecoded } from "./sse.ts";
import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";

/**
 * Options of {@link openAiRequestBody}.
 *
 * @example A completions body for a newer OpenAI model
 * ```ts
 * import { openAiRequestBody, type OpenAiRequestBodyOptions } from "./openai.ts";
 * const options: OpenAiRequestBodyOptions = {
 *   chat: false, maxTokensField: "max_completion_tokens", includeUsage: false,
 * };
 * const body = openAiRequestBody({ model: "m", prompt: "Hi", maxTokens: 4 }, options);
 * if (body.prompt !== "Hi" || body.max_completion_tokens !== 4 || "stream_options" in body) {
 *   throw new Error(JSON.stringify(body));
 * }
 * ```
 */
export interface OpenAiRequestBodyOptions {
  /** `true`: a chat completions body (`messages`); `false`: a completions body (`prompt`).
   * Default `true`. */
  chat?: boolean;
  /** A system message sent before the user message (chat only). Default none. */
  systemPrompt?: string;
  /** Body field carrying `maxTokens`. Default `"max_tokens"`. */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** Ask for a final usage chunk (`stream_options.include_usage`). Default `true`. */
  includeUsage?: boolean;
}

/**
 * The streaming request body for one request: `{ model, messages | prompt, max_tokens, stream:
 * true, stream_options: { include_usage: true }, …samplingParams }` (sampling parameters are
 * merged last, so they may override any field). A chat body carries the request's `history` as
 * user/assistant messages before the prompt; a completions body the flattened conversation.
 *
 * @example A chat body with a system prompt
 * ```ts
 * import { openAiRequestBody } from "./openai.ts";
 * const body = openAiRequestBody(
 *   { model: "m", prompt: "Hi", maxTokens: 8, samplingParams: { temperature: 0 } },
 *   { systemPrompt: "Be brief." },
 * );
 * const messages = body.messages as { role: string }[];
 * if (messages.map((m) => m.role).join() !== "system,user") throw new Error("messages");
 * if (body.max_tokens !== 8 || body.stream !== true || body.temperature !== 0) throw new Error();
 * ```
 */
export function openAiRequestBody(
  request: Pick<LlmRequest, "model" | "prompt" | "maxTokens" | "samplingParams" | "history">,
  options: OpenAiRequestBodyOptions = {},
): Record<string, unknown> {
  const { chat = true, systemPrompt, maxTokensField = "max_tokens", includeUsage = true } = options;
  const body: Record<string, unknown> = { model: request.model };
  if (chat) {
    body.messages = [
      ...(systemPrompt === undefined ? [] : [{ role: "system", content: systemPrompt }]),
      ...(request.history ?? []).map((t) => ({ role: t.role, content: t.text })),
      { role: "user", content: request.prompt },
    ];
  } else {
    body.prompt = flattenTurns(request.history, request.prompt);
  }
  body[maxTokensField] = request.maxTokens;
  body.stream = true;
  if (includeUsage) body.stream_options = { include_usage: true };
  Object.assign(body, request.samplingParams ?? {});
  return body;
}

/**
 * What {@link parseOpenAiError} reads from an error body.
 *
 * @example FastAPI's `detail`
 * ```ts
 * import { type OpenAiError, parseOpenAiError } from "./openai.ts";
 * const error: OpenAiError | null = parseOpenAiError('{"detail":"Not Found"}');
 * if (error?.message !== "Not Found" || error.name !== undefined) throw new Error();
 * ```
 */
export interface OpenAiError {
  /** `error.message` (or `error.detail`, a string `error`, the error object as JSON). */
  message: string;
  /** `error.type`, when a string. */
  name?: string;
  /** The status: `error.code` when a number, else `status_code` (Groq), else what
   * `error.type` stands for (`invalid_request_error` 400, `rate_limit_error` 429, …). */
  code?: number;
}

/** HTTP-like statuses of the error types OpenAI-compatible servers name without a number. */
const _ERROR_TYPES: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  tokens: 429,
  server_error: 500,
  service_unavailable: 503,
  overloaded_error: 529,
};

/**
 * Reads an OpenAI-style error body (`{"error": {"message", "type", "code"}}`, a string `error`,
 * FastAPI's `{"detail": …}`), or `null` when `text` is not JSON.
 *
 * @example A rate-limit body
 * ```ts
 * import { parseOpenAiError } from "./openai.ts";
 * const text = '{"error":{"message":"slow down","type":"rate_limit","code":429}}';
 * const error = parseOpenAiError(text);
 * if (error?.message !== "slow down" || error.name !== "rate_limit" || error.code !== 429) {
 *   throw new Error(JSON.stringify(error));
 * }
 * if (parseOpenAiError("<html>") !== null) throw new Error("not JSON");
 * ```
 */
export function parseOpenAiError(text: string): OpenAiError | null {
  try {
    const json = JSON.parse(text);
    const error = json?.error ?? json;
    if (typeof error === "string") return { message: error };
    if (error && typeof error === "object") {
      const message = typeof error.message === "string"
        ? error.message
        : typeof error.detail === "string"
        ? error.detail
        : JSON.stringify(error);
      const name = typeof error.type === "string"
        ? error.type
        : typeof error.code === "string"
        ? error.code
        : undefined;
      // `code` is a number (OpenAI, vLLM) or a string beside a `status_code` (Groq:
      // `"code":"tool_use_failed"`, `"status_code":400`, in the error or beside it).
      const status = [error.code, error.status_code, error.status, json?.status_code]
        .find((c) => typeof c === "number" && Number.isInteger(c));
      const code = status ??
        (typeof error.type === "string" ? _ERROR_TYPES[error.type] : undefined);
      return code === undefined ? { message, name } : { message, name, code };
    }
  } catch { /* not JSON */ }
  return null;
}

/**
 * The `error` event of a non-2xx response: the HTTP status as `code`, `HTTP {status}: {message}`
 * on one line (the body's message, else its text, else the reason phrase), `error.type` as
 * `name`.
 *
 * @example A 429
 * ```ts
 * import { openAiHttpError } from "./openai.ts";
 * const text = '{"error":{"message":"slow","type":"rate"}}';
 * const event = openAiHttpError({ status: 429, text });
 * if (event.code !== 429 || event.message !== "HTTP 429: slow" || event.name !== "rate") {
 *   throw new Error(JSON.stringify(event));
 * }
 * ```
 */
export function openAiHttpError(response: HttpErrorResponse): ErrorEvent {
  const { status, text, statusText } = response;
  const parsed = parseOpenAiError(text);
  const message = parsed?.message ?? (text || statusText || "HTTP error");
  const event: ErrorEvent = {
    kind: "error",
    code: status,
    message: oneLine(`HTTP ${status}: ${message}`),
  };
  if (parsed?.name) event.name = parsed.name;
  return event;
}

/**
 * A `usage` event from an OpenAI `usage` object: `prompt_tokens`, `completion_tokens`,
 * `completion_tokens_details.reasoning_tokens`, `prompt_tokens_details.cached_tokens`.
 *
 * @example Usage with reasoning tokens
 * ```ts
 * import { openAiUsage } from "./openai.ts";
 * const usage = openAiUsage({
 *   prompt_tokens: 5, completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 4 },
 * });
 * if (usage.inputTokens !== 5 || usage.outputTokens !== 9 || usage.reasoningTokens !== 4) {
 *   throw new Error(JSON.stringify(usage));
 * }
 * ```
 */
export function openAiUsage(usage: Record<string, unknown>): UsageEvent {
  const event: UsageEvent = { kind: "usage" };
  const num = (value: unknown) => (typeof value === "number" ? value : undefined);
  const input = num(usage.prompt_tokens);
  const output = num(usage.completion_tokens);
  const completionDetails = usage.completion_tokens_details as Record<string, unknown> | null;
  const promptDetails = usage.prompt_tokens_details as Record<string, unknown> | null;
  const reasoning = num(completionDetails?.reasoning_tokens);
  const cached = num(promptDetails?.cached_tokens);
  if (input !== undefined) event.inputTokens = input;
  if (output !== undefined) event.outputTokens = output;
  if (reasoning !== undefined) event.reasoningTokens = reasoning;
  if (cached !== undefined) event.cacheReadInputTokens = cached;
  return event;
}

/**
 * What decoding an OpenAI stream carries from one SSE message to the next: one per stream.
 *
 * @example The finish reason is kept
 * ```ts
 * import { decodeOpenAiData, type OpenAiStreamState } from "./openai.ts";
 * const state: OpenAiStreamState = { chat: false };
 * decodeOpenAiData('{"choices":[{"text":"!","finish_reason":"length"}]}', state);
 * if (state.finishReason !== "length") throw new Error();
 * ```
 */
export interface OpenAiStreamState {
  /** `true`: chat completion chunks (`choices[].delta`); `false`: completions
   * (`choices[].text`). */
  chat: boolean;
  /** The last `finish_reason` seen; {@link decodeOpenAiData} sets it. */
  finishReason?: string;
}

/**
 * Decodes one SSE `data` payload of an OpenAI-compatible stream. `[DONE]` gives `done` (with the
 * last `finish_reason`) and ends the stream; a chunk gives a `message` event (`choices` says
 * whether its `choices` were non-empty), then `reasoning` (`delta.reasoning_content` or
 * `delta.reasoning`) and `content` events for its text (`delta.refusal` too, flagged
 * `refusal`), and `usage` when it has `usage`; each
 * carries the simulator's send stamp ({@link SIM_SENT_AT_FIELD}) when present. An in-stream
 * `{"error": …}` (its status as {@link parseOpenAiError} reads it when 400–599, else 500) or
 * data that is not a JSON object (599) gives one `error` event and ends the stream; so does
 * any message of an `event: error` (Groq), whose data is the error.
 *
 * @example A content chunk, then the end
 * ```ts
 * import { decodeOpenAiData } from "./openai.ts";
 * const state = { chat: true };
 * const chunk = decodeOpenAiData(
 *   '{"choices":[{"delta":{"content":"Hi"},"finish_reason":"stop"}]}',
 *   state,
 * );
 * if (chunk.events.map((e) => e.kind).join() !== "message,content") throw new Error();
 * const done = decodeOpenAiData("[DONE]", state);
 * const [event] = done.events;
 * if (!done.end || event.kind !== "done" || event.finishReason !== "stop") throw new Error();
 * ```
 */
export function decodeOpenAiData(
  data: string,
  state: OpenAiStreamState,
  event?: string,
): SseDecoded {
  if (event === "error") {
    if (data.trimStart().startsWith("{") && parseOpenAiError(data) === null) {
      return malformedData(data); // cut short
    }
    const parsed = parseOpenAiError(data);
    const code = parsed?.code !== undefined && parsed.code >= 400 && parsed.code <= 599
      ? parsed.code
      : 500;
    const error: StreamEvent = {
      kind: "error",
      code,
      message: oneLine(parsed?.message ?? (data || "In-stream error")),
    };
    if (parsed?.name) error.name = parsed.name;
    return { events: [error], end: true };
  }
  if (data === "[DONE]") {
    return { events: [{ kind: "done", finishReason: state.finishReason }], end: true };
  }
  let chunk: Record<string, unknown>;
  try {
    chunk = JSON.parse(data);
  } catch {
    return malformedData(data);
  }
  if (chunk === null || typeof chunk !== "object") {
    return {
      events: [{ kind: "error", code: CLIENT_ERROR_CODES.network, message: "Malformed chunk" }],
      end: true,
    };
  }
  if (chunk.error !== undefined && chunk.error !== null) {
    const parsed = parseOpenAiError(JSON.stringify({ error: chunk.error }));
    const code = parsed?.code !== undefined && parsed.code >= 400 && parsed.code <= 599
      ? parsed.code
      : 500;
    const event: StreamEvent = {
      kind: "error",
      code,
      message: oneLine(parsed?.message ?? "In-stream error"),
    };
    if (parsed?.name) event.name = parsed.name;
    return { events: [event], end: true };
  }
  const sentAt = chunk[SIM_SENT_AT_FIELD];
  const stamp = typeof sentAt === "number" ? { sentAtEpochMs: sentAt } : {};
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  const chat = state.chat;
  // Every wire message first yields a `message` event; its text and usage follow.
  const events: StreamEvent[] = [{ kind: "message", choices: choices.length > 0, ...stamp }];
  for (const choice of choices) {
    if (!choice || typeof choice !== "object") continue;
    if (typeof choice.finish_reason === "string") state.finishReason = choice.finish_reason;
    if (chat) {
      const delta = choice.delta ?? choice.message;
      if (!delta || typeof delta !== "object") continue;
      const reasoning = typeof delta.reasoning_content === "string"
        ? delta.reasoning_content
        : typeof delta.reasoning === "string"
        ? delta.reasoning
        : "";
      if (reasoning !== "") events.push({ kind: "reasoning", text: reasoning, ...stamp });
      if (typeof delta.content === "string" && delta.content !== "") {
        events.push({ kind: "content", text: delta.content, ...stamp });
      }
      // Structured outputs: a refusal streams in `delta.refusal`, answer text all the same.
      if (typeof delta.refusal === "string" && delta.refusal !== "") {
        events.push({ kind: "content", text: delta.refusal, refusal: true, ...stamp });
      }
    } else if (typeof choice.text === "string" && choice.text !== "") {
      events.push({ kind: "content", text: choice.text, ...stamp });
    }
  }
  if (chunk.usage && typeof chunk.usage === "object") {
    events.push(openAiUsage(chunk.usage as Record<string, unknown>));
  }
  return { events, end: false };
}

/**
 * The last event of an OpenAI stream whose body ended without `[DONE]`: `done` when a
 * `finish_reason` was seen (some servers omit `[DONE]`), else a 599 `error`.
 *
 * @example A body cut before any finish reason
 * ```ts
 * import { openAiStreamEnd } from "./openai.ts";
 * const event = openAiStreamEnd({ chat: true });
 * if (event.kind !== "error" || event.code !== 599) throw new Error(JSON.stringify(event));
 * ```
 */
export function openAiStreamEnd(state: OpenAiStreamState): StreamEvent {
  return state.finishReason !== undefined ? { kind: "done", finishReason: state.finishReason } : {
    kind: "error",
    code: CLIENT_ERROR_CODES.network,
    message: "Stream ended before [DONE]",
  };
}
