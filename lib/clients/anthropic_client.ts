/**
 * The Anthropic Messages API streaming client (`POST /v1/messages`, `stream: true`) over `fetch`
 * and server-sent events, with extended thinking counted apart from the answer. The wire format
 * itself (body, SSE message decoding) is lib/wire/anthropic.ts.
 *
 * @module
 */
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import type { StreamEvent } from "../core/stream_event.ts";
import {
  anthropicHttpError,
  anthropicRequestBody,
  anthropicStreamEnd,
  type AnthropicStreamState,
  decodeAnthropicMessage,
} from "../wire/anthropic.ts";
import { postSse, scrubber, secretValues } from "./_sse_post.ts";
import { secretsFromUrl } from "../core/redact_secrets.ts";

/** The `anthropic-version` header sent by default. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** The API's public base URL (without `/v1`), used when no `baseUrl` is given. */
export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

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
 * `error` event (code from `ANTHROPIC_ERROR_CODES` of lib/wire/anthropic.ts, e.g.
 * `overloaded_error` → 529), a stream that ends before `message_stop` or malformed data (599), a
 * timeout (408) and a cancellation (499) become one `error` event. Messages never contain the API
 * key.
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
 * if (kinds.join() !== "sent,headers,message,usage,message,content,message,usage,message,done,body-end") {
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
  const scrub = scrubber([
    options.apiKey,
    ...secretsFromUrl(options.baseUrl),
    ...secretValues(options.headers),
  ]);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const systemPrompt = options.systemPrompt;

  function stream(request: LlmRequest): AsyncGenerator<StreamEvent> {
    const state: AnthropicStreamState = {};
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => ({
        url: href,
        body: JSON.stringify(anthropicRequestBody(request, { systemPrompt })),
      }),
      errorFromBody: (status, text, statusText) => anthropicHttpError({ status, text, statusText }),
      onMessage: (message) => decodeAnthropicMessage(message, state),
      onEnd: anthropicStreamEnd,
    });
  }

  return { api: "anthropic", stream };
}
