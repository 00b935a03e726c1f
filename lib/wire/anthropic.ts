/**
 * The Anthropic Messages wire format (`POST /v1/messages`, `stream: true`, server-sent events):
 * the request body ({@link anthropicRequestBody}), one SSE message → events
 * ({@link decodeAnthropicMessage}), error bodies and their codes ({@link ANTHROPIC_ERROR_CODES},
 * {@link anthropicHttpError}) and a body that ends early ({@link anthropicStreamEnd}).
 *
 * @module
 */
import type { LlmRequest } from "../core/llm_client.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { type Json, num, obj } from "./json_fields.ts";
import {
  type HttpErrorResponse,
  malformedData,
  oneLine,
  type SseDecoded,
  type SseMessage,
} from "./sse.ts";
import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";

/**
 * HTTP status of each Anthropic error `type`, as the API documents them. In-stream `error`
 * events carry only the type, so the client maps it back with this table (unknown types: 500);
 * the simulator names the errors it injects with it.
 *
 * @example Overloaded is 529
 * ```ts
 * import { ANTHROPIC_ERROR_CODES } from "./anthropic.ts";
 * if (ANTHROPIC_ERROR_CODES.overloaded_error !== 529) throw new Error();
 * ```
 */
export const ANTHROPIC_ERROR_CODES = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

/**
 * A key of {@link ANTHROPIC_ERROR_CODES}.
 *
 * @example The type of a rate-limit error
 * ```ts
 * import { ANTHROPIC_ERROR_CODES, type AnthropicErrorType } from "./anthropic.ts";
 * const type: AnthropicErrorType = "rate_limit_error";
 * if (ANTHROPIC_ERROR_CODES[type] !== 429) throw new Error();
 * ```
 */
export type AnthropicErrorType = keyof typeof ANTHROPIC_ERROR_CODES;

/**
 * Options of {@link anthropicRequestBody}.
 *
 * @example A system prompt
 * ```ts
 * import { anthropicRequestBody, type AnthropicRequestBodyOptions } from "./anthropic.ts";
 * const options: AnthropicRequestBodyOptions = { systemPrompt: "Be brief." };
 * const body = anthropicRequestBody({ model: "m", prompt: "Hi", maxTokens: 8 }, options);
 * if (body.system !== "Be brief.") throw new Error(JSON.stringify(body));
 * ```
 */
export interface AnthropicRequestBodyOptions {
  /** A system prompt (the body's `system`). Default none. */
  systemPrompt?: string;
}

/**
 * The streaming request body for one request: `{ model, max_tokens, messages: [{ role: "user",
 * content }], stream: true, system?, …samplingParams }` (sampling parameters are merged last, so
 * `thinking` and any override go through them).
 *
 * @example A body with extended thinking
 * ```ts
 * import { anthropicRequestBody } from "./anthropic.ts";
 * const body = anthropicRequestBody({
 *   model: "claude-sonnet-4-5", prompt: "Hi", maxTokens: 2048,
 *   samplingParams: { thinking: { type: "enabled", budget_tokens: 1024 } },
 * });
 * if (body.max_tokens !== 2048 || body.stream !== true || !("thinking" in body)) throw new Error();
 * ```
 */
export function anthropicRequestBody(
  request: Pick<
    LlmRequest,
    | "model"
    | "prompt"
    | "maxTokens"
    | "samplingParams"
    | "cachePrefixChars"
    | "history"
    | "cacheHistory"
  >,
  options: AnthropicRequestBodyOptions = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens,
    messages: [...anthropicHistory(request), {
      role: "user",
      content: anthropicContent(request.prompt, request.cachePrefixChars),
    }],
    stream: true,
  };
  if (options.systemPrompt !== undefined) body.system = options.systemPrompt;
  Object.assign(body, request.samplingParams ?? {});
  return body;
}

/**
 * A request's earlier turns as Anthropic messages (`{ role, content }`), oldest first; with
 * `cacheHistory`, the last one's content is a text block with `cache_control: { type:
 * "ephemeral" }`, so the whole conversation so far is the prefix to cache.
 *
 * @example Two earlier turns, the answer marked for the cache
 * ```ts
 * import { anthropicHistory } from "./anthropic.ts";
 * const messages = anthropicHistory({
 *   history: [{ role: "user", text: "Hi" }, { role: "assistant", text: "Hello!" }],
 *   cacheHistory: true,
 * });
 * if (messages.length !== 2 || messages[0].content !== "Hi") throw new Error();
 * const last = messages[1].content as { text: string; cache_control?: unknown }[];
 * if (last[0].text !== "Hello!" || last[0].cache_control === undefined) throw new Error();
 * ```
 */
export function anthropicHistory(
  request: Pick<LlmRequest, "history" | "cacheHistory">,
): { role: string; content: string | Json[] }[] {
  const history = request.history ?? [];
  return history.map((t, i) => ({
    role: t.role,
    content: request.cacheHistory && i === history.length - 1
      ? [{ type: "text", text: t.text, cache_control: { type: "ephemeral" } }]
      : t.text,
  }));
}

/**
 * A user message's content: the prompt as a string, or, with a cache mark after
 * `cachePrefixChars` characters, two text blocks, the first with
 * `cache_control: { type: "ephemeral" }` (Anthropic prompt caching).
 *
 * @example A cache mark after the shared context
 * ```ts
 * import { anthropicContent } from "./anthropic.ts";
 * const content = anthropicContent("Context. Question?", 9) as { text: string; cache_control?: unknown }[];
 * if (content[0].text !== "Context. " || content[0].cache_control === undefined) throw new Error();
 * if (anthropicContent("Hi") !== "Hi") throw new Error("plain");
 * ```
 */
export function anthropicContent(prompt: string, cachePrefixChars?: number): string | Json[] {
  if (cachePrefixChars === undefined || !(cachePrefixChars > 0)) return prompt;
  const head = prompt.slice(0, cachePrefixChars);
  const rest = prompt.slice(cachePrefixChars);
  return [
    { type: "text", text: head, cache_control: { type: "ephemeral" } },
    ...(rest === "" ? [] : [{ type: "text", text: rest }]),
  ];
}

/** `{ type: "error", error: { type, message } }` → code, name, message. */
function _anthropicError(body: Json, status?: number): ErrorEvent {
  const error = obj(body.error);
  const type = typeof error.type === "string" ? error.type : undefined;
  const message = typeof error.message === "string"
    ? error.message
    : typeof body.error === "string"
    ? body.error
    : "error";
  const code = status ??
    (type !== undefined && type in ANTHROPIC_ERROR_CODES
      ? ANTHROPIC_ERROR_CODES[type as AnthropicErrorType]
      : 500);
  const prefix = status === undefined ? "" : `HTTP ${status}: `;
  const event: ErrorEvent = {
    kind: "error",
    code,
    message: oneLine(`${prefix}${type ? `${type}: ` : ""}${message}`),
  };
  if (type) event.name = type;
  return event;
}

/**
 * The `error` event of a non-2xx response: the HTTP status as `code`, `HTTP {status}: {type}:
 * {message}` on one line from Anthropic's error body (else the body's text or the reason
 * phrase), the error `type` as `name`.
 *
 * @example A 429
 * ```ts
 * import { anthropicHttpError } from "./anthropic.ts";
 * const text = '{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}';
 * const event = anthropicHttpError({ status: 429, text });
 * if (event.message !== "HTTP 429: rate_limit_error: slow" || event.name !== "rate_limit_error") {
 *   throw new Error(JSON.stringify(event));
 * }
 * ```
 */
export function anthropicHttpError(response: HttpErrorResponse): ErrorEvent {
  const { status, text, statusText } = response;
  let json: Json = {};
  try {
    json = obj(JSON.parse(text));
  } catch { /* not JSON */ }
  return json.error !== undefined ? _anthropicError(json, status) : {
    kind: "error" as const,
    code: status,
    message: oneLine(`HTTP ${status}: ${text || statusText || "HTTP error"}`),
  };
}

/**
 * What decoding an Anthropic stream carries from one SSE message to the next: one per stream.
 *
 * @example The stop reason of `message_delta`
 * ```ts
 * import { type AnthropicStreamState, decodeAnthropicMessage } from "./anthropic.ts";
 * const state: AnthropicStreamState = {};
 * decodeAnthropicMessage({
 *   data: '{"type":"message_delta","delta":{"stop_reason":"max_tokens"}}',
 * }, state);
 * if (state.finishReason !== "max_tokens") throw new Error();
 * ```
 */
export interface AnthropicStreamState {
  /** The `stop_reason` of `message_delta`; {@link decodeAnthropicMessage} sets it. */
  finishReason?: string;
}

/**
 * Decodes one SSE message of a Messages stream (its type from the data's `type`, else the
 * `event` name). Each gives a `message` event (with the simulator's send stamp
 * {@link SIM_SENT_AT_FIELD} when present), then: `content` for `text_delta` and text block
 * starts, `reasoning` for `thinking_delta` and thinking block starts, `usage` from
 * `message_start` (`input_tokens`, cache counts) and `message_delta` (`output_tokens`), and
 * `done` with the `stop_reason` at `message_stop`, which ends the stream. An `error` event
 * (code from {@link ANTHROPIC_ERROR_CODES}) or data that is not JSON (599) gives one `error`
 * event and ends the stream.
 *
 * @example A text delta, then the stop
 * ```ts
 * import { decodeAnthropicMessage } from "./anthropic.ts";
 * const state = {};
 * const delta = decodeAnthropicMessage({
 *   event: "content_block_delta",
 *   data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}',
 * }, state);
 * if (delta.events.map((e) => e.kind).join() !== "message,content") throw new Error();
 * const stop = decodeAnthropicMessage({ data: '{"type":"message_stop"}' }, state);
 * if (!stop.end || stop.events.at(-1)?.kind !== "done") throw new Error();
 * ```
 */
export function decodeAnthropicMessage(
  message: SseMessage,
  state: AnthropicStreamState,
): SseDecoded {
  const { event: eventName, data } = message;
  let json: Json;
  try {
    json = obj(JSON.parse(data));
  } catch {
    return malformedData(data);
  }
  const type = typeof json.type === "string" ? json.type : eventName;
  if (type === "error") return { events: [_anthropicError(json)], end: true };
  const sentAt = num(json[SIM_SENT_AT_FIELD]);
  const stamp = sentAt === undefined ? {} : { sentAtEpochMs: sentAt };
  // Every wire message first yields a `message` event; its text and usage follow.
  const events: StreamEvent[] = [{ kind: "message", ...stamp }];
  switch (type) {
    case "message_start": {
      const usage = obj(obj(json.message).usage);
      const event: UsageEvent = { kind: "usage" };
      const input = num(usage.input_tokens);
      const cacheRead = num(usage.cache_read_input_tokens);
      const cacheWrite = num(usage.cache_creation_input_tokens);
      if (input !== undefined) event.inputTokens = input;
      if (cacheRead !== undefined) event.cacheReadInputTokens = cacheRead;
      if (cacheWrite !== undefined) event.cacheWriteInputTokens = cacheWrite;
      // message_start's output_tokens is a placeholder (1); message_delta has the count.
      if (Object.keys(event).length > 1) events.push(event);
      break;
    }
    case "content_block_start": {
      const block = obj(json.content_block);
      if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
        events.push({ kind: "content", text: block.text, ...stamp });
      } else if (
        block.type === "thinking" && typeof block.thinking === "string" && block.thinking !== ""
      ) {
        events.push({ kind: "reasoning", text: block.thinking, ...stamp });
      }
      break;
    }
    case "content_block_delta": {
      const delta = obj(json.delta);
      if (delta.type === "text_delta" && typeof delta.text === "string" && delta.text !== "") {
        events.push({ kind: "content", text: delta.text, ...stamp });
      } else if (
        delta.type === "thinking_delta" && typeof delta.thinking === "string" &&
        delta.thinking !== ""
      ) {
        events.push({ kind: "reasoning", text: delta.thinking, ...stamp });
      }
      break;
    }
    case "message_delta": {
      const delta = obj(json.delta);
      if (typeof delta.stop_reason === "string") state.finishReason = delta.stop_reason;
      const usage = obj(json.usage);
      const event: UsageEvent = { kind: "usage" };
      const output = num(usage.output_tokens);
      const input = num(usage.input_tokens);
      if (output !== undefined) event.outputTokens = output;
      if (input !== undefined) event.inputTokens = input;
      if (Object.keys(event).length > 1) events.push(event);
      break;
    }
    case "message_stop":
      events.push({ kind: "done", finishReason: state.finishReason });
      return { events, end: true };
  }
  return { events, end: false };
}

/**
 * The last event of a Messages stream whose body ended before `message_stop`: a 599 `error`.
 *
 * @example A body cut before message_stop
 * ```ts
 * import { anthropicStreamEnd } from "./anthropic.ts";
 * const event = anthropicStreamEnd();
 * if (event.kind !== "error" || event.code !== 599) throw new Error(JSON.stringify(event));
 * ```
 */
export function anthropicStreamEnd(): StreamEvent {
  return {
    kind: "error",
    code: CLIENT_ERROR_CODES.network,
    message: "Stream ended before message_stop",
  };
}
