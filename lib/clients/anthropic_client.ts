/**
 * The Anthropic Messages API streaming client (`POST /v1/messages`, `stream: true`) over `fetch`
 * and server-sent events, with extended thinking counted apart from the answer.
 *
 * @module
 */
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import {
  malformedData,
  oneLine as _oneLine,
  postSse,
  scrubber,
  secretValues,
} from "./_sse_post.ts";
import { type Json, num, obj } from "../wire/json_fields.ts";

/** The `anthropic-version` header sent by default. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** The API's public base URL (without `/v1`), used when no `baseUrl` is given. */
export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/**
 * HTTP status of each Anthropic error `type`, as the API documents them. In-stream `error`
 * events carry only the type, so the client maps it back with this table (unknown types: 500).
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

/** A key of {@link ANTHROPIC_ERROR_CODES}. */
export type AnthropicErrorType = keyof typeof ANTHROPIC_ERROR_CODES;

/** Options of {@link createAnthropicClient}. */
export interface AnthropicClientOptions {
  /** Sent as `x-api-key` (`ANTHROPIC_API_KEY`). Default: no key header (proxies, simulator). */
  apiKey?: string;
  /** Base URL without `/v1` (`ANTHROPIC_BASE_URL`); requests go to `{baseUrl}/v1/messages`.
   * Default {@link ANTHROPIC_BASE_URL}. */
  baseUrl?: string;
  /** The `anthropic-version` header. Default {@link ANTHROPIC_VERSION}. */
  version?: string;
  /** A system prompt (the body's `system`). Default none. */
  systemPrompt?: string;
  /** Extra request headers (e.g. `anthropic-beta`); they override the defaults. Default none. */
  headers?: Record<string, string>;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

const _SENT_AT_FIELD = "tokenbench_sent_at_ms";

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
    message: _oneLine(`${prefix}${type ? `${type}: ` : ""}${message}`),
  };
  if (type) event.name = type;
  return event;
}

/** State of one stream's decoding. */
interface _State {
  finishReason?: string;
}

/** Decodes one SSE message; `end` is true after `message_stop` or an `error` event. */
function _decode(
  eventName: string | undefined,
  data: string,
  state: _State,
): { events: StreamEvent[]; end: boolean } {
  let json: Json;
  try {
    json = obj(JSON.parse(data));
  } catch {
    return malformedData(data);
  }
  const type = typeof json.type === "string" ? json.type : eventName;
  if (type === "error") return { events: [_anthropicError(json)], end: true };
  const sentAt = num(json[_SENT_AT_FIELD]);
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
 * Creates a streaming client for Anthropic's Messages API. Each `stream()` call posts
 * `{ model, max_tokens, messages: [{ role: "user", content }], stream: true, …samplingParams }`
 * to `{baseUrl}/v1/messages` with the `x-api-key` and `anthropic-version` headers; extended
 * thinking is asked for through the sampling parameters
 * (`{"thinking": {"type": "enabled", "budget_tokens": 1024}}`).
 *
 * It yields `headers`, then for every SSE message a `message` event followed by what it
 * carries: `content` for `text_delta`, `reasoning` for `thinking_delta` (so thinking is timed
 * and counted apart: `firstReasoningMs` vs `ttftMs`), `usage` from `message_start`
 * (`input_tokens`, cache counts) and `message_delta` (`output_tokens`, which for Anthropic
 * includes thinking tokens), and `done` with the `stop_reason` at `message_stop`. `ping`,
 * `content_block_start/stop` and `signature_delta` are messages without content. It never
 * throws for endpoint failures: an HTTP error (status and `error.type: message`), an in-stream
 * `error` event (code from {@link ANTHROPIC_ERROR_CODES}, e.g. `overloaded_error` → 529), a
 * stream that ends before `message_stop` or malformed data (599), a timeout (408) and a
 * cancellation (499) become one `error` event. Messages never contain the API key.
 *
 * @example Stream from a fake endpoint
 * ```ts
 * import { createAnthropicClient } from "./anthropic_client.ts";
 * const sse = [
 *   ["message_start", { type: "message_start", message: { usage: { input_tokens: 5, output_tokens: 1 } } }],
 *   ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } }],
 *   ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }],
 *   ["message_stop", { type: "message_stop" }],
 * ].map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
 * const client = createAnthropicClient({
 *   apiKey: "sk-ant-test",
 *   fetch: () => Promise.resolve(new Response(sse)),
 * });
 * const kinds = [];
 * for await (const event of client.stream({ model: "claude-sonnet-4-5", prompt: "Hello", maxTokens: 8 })) {
 *   kinds.push(event.kind);
 * }
 * if (kinds.join() !== "headers,message,usage,message,content,message,usage,message,done") {
 *   throw new Error(kinds.join());
 * }
 * ```
 */
export function createAnthropicClient(options: AnthropicClientOptions = {}): LlmClient {
  let base: URL;
  const baseText = options.baseUrl ?? ANTHROPIC_BASE_URL;
  try {
    base = new URL(baseText);
  } catch {
    throw new TypeError(
      `Cannot create Anthropic client: 'baseUrl' must be an http(s) URL, got ${
        JSON.stringify(String(baseText))
      }`,
    );
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError(
      `Cannot create Anthropic client: 'baseUrl' must be an http(s) URL, got ${
        JSON.stringify(base.protocol)
      }`,
    );
  }
  const version = options.version ?? ANTHROPIC_VERSION;
  if (typeof version !== "string" || version === "") {
    throw new TypeError(
      `Cannot create Anthropic client: 'version' must be a non-empty string, got ${
        JSON.stringify(version)
      }`,
    );
  }
  const url = new URL(base.href);
  // ANTHROPIC_BASE_URL is the origin (the SDK appends /v1/messages); tolerate a trailing /v1.
  url.pathname = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "") + "/v1/messages";
  const href = url.href;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "accept": "text/event-stream",
    "anthropic-version": version,
  };
  if (options.apiKey !== undefined && options.apiKey !== "") headers["x-api-key"] = options.apiKey;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const scrub = scrubber([options.apiKey, ...secretValues(options.headers)]);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const systemPrompt = options.systemPrompt;

  function stream(request: LlmRequest): AsyncGenerator<StreamEvent> {
    const state: _State = {};
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => {
        const body: Record<string, unknown> = {
          model: request.model,
          max_tokens: request.maxTokens,
          messages: [{ role: "user", content: request.prompt }],
          stream: true,
        };
        if (systemPrompt !== undefined) body.system = systemPrompt;
        Object.assign(body, request.samplingParams ?? {});
        return { url: href, body: JSON.stringify(body) };
      },
      errorFromBody: (status, text, statusText) => {
        let json: Json = {};
        try {
          json = obj(JSON.parse(text));
        } catch { /* not JSON */ }
        return json.error !== undefined ? _anthropicError(json, status) : {
          kind: "error" as const,
          code: status,
          message: _oneLine(`HTTP ${status}: ${text || statusText || "HTTP error"}`),
        };
      },
      onMessage: (message) => _decode(message.event, message.data, state),
      onEnd: () => ({
        kind: "error",
        code: CLIENT_ERROR_CODES.network,
        message: "Stream ended before message_stop",
      }),
    });
  }

  return { api: "anthropic", stream };
}
