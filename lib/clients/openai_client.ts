/**
 * The OpenAI-compatible streaming client (chat completions, completions and the Responses API)
 * over `fetch` and server-sent events: OpenAI, Azure OpenAI, vLLM, TGI, SGLang, llama.cpp,
 * Ollama, LiteLLM, the built-in simulator. The wire formats themselves (body, SSE payload
 * decoding) are lib/wire/openai.ts and lib/wire/openai_responses.ts.
 *
 * @module
 */
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import type { StreamEvent } from "../core/stream_event.ts";
import {
  decodeOpenAiData,
  openAiHttpError,
  openAiRequestBody,
  openAiStreamEnd,
  type OpenAiStreamState,
} from "../wire/openai.ts";
import {
  decodeOpenAiResponsesData,
  openAiResponsesRequestBody,
  openAiResponsesStreamEnd,
  type OpenAiResponsesStreamState,
} from "../wire/openai_responses.ts";
import { postSse, scrubber, secretValues } from "./_sse_post.ts";
import { secretsFromUrl } from "../core/redact_secrets.ts";

/**
 * The `endpoint` values of {@link createOpenAiClient}.
 *
 * @example
 * ```ts
 * import { OPENAI_ENDPOINTS } from "./openai_client.ts";
 * if (!OPENAI_ENDPOINTS.includes("responses")) throw new Error();
 * ```
 */
export const OPENAI_ENDPOINTS = ["chat", "completions", "responses"] as const;
/** One of {@link OPENAI_ENDPOINTS}. */
export type OpenAiEndpoint = typeof OPENAI_ENDPOINTS[number];

/** Options of {@link createOpenAiClient}. */
export interface OpenAiClientOptions {
  /** API base URL including the version path, e.g. `https://api.openai.com/v1` or
   * `http://127.0.0.1:8000/v1` (LLMPerf's `OPENAI_API_BASE`). Required. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (LLMPerf's `OPENAI_API_KEY`). Default: no
   * `Authorization` header. */
  apiKey?: string;
  /** `chat` posts to `{baseUrl}/chat/completions` with one user message, `completions` to
   * `{baseUrl}/completions` with `prompt`, `responses` to `{baseUrl}/responses` (the Responses
   * API) with `input`. Default `"chat"`. */
  endpoint?: OpenAiEndpoint;
  /** A system message sent before the user message (chat; the Responses API's
   * `instructions`). Default none. */
  systemPrompt?: string;
  /** Extra request headers, e.g. Azure's `{ "api-key": "…" }`; they override the defaults.
   * Default none. */
  headers?: Record<string, string>;
  /** Extra query parameters, e.g. Azure's `{ "api-version": "2024-10-21" }`. Default none. */
  query?: Record<string, string>;
  /** Body field carrying `maxTokens`: newer OpenAI models want `max_completion_tokens`
   * (chat and completions; the Responses API always sends `max_output_tokens`).
   * Default `"max_tokens"`. */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** Ask for a final usage chunk (`stream_options.include_usage`; the Responses API always
   * reports usage in `response.completed`). Default true. */
  includeUsage?: boolean;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/**
 * Creates a streaming client for OpenAI-compatible `chat/completions` or `completions`
 * endpoints. Each `stream()` call posts `{ model, messages | prompt, max_tokens, stream: true,
 * stream_options: { include_usage } , …samplingParams }` and yields `headers`, then for every SSE
 * chunk `content` / `reasoning` (`delta.reasoning_content` or `delta.reasoning`) events, or a
 * `message` event when a chunk carries no text (role-only, empty `choices`, finish or usage-only
 * chunks), `usage` when the chunk has usage, and `done` at `data: [DONE]` (or at the end of a
 * stream that gave a `finish_reason`). It never throws for endpoint failures: an HTTP error
 * status (code and body message), an in-stream `{"error": …}`, malformed data or a broken
 * connection (599), a timeout (408, when `signal.reason` is a `TimeoutError`) and a cancellation
 * (499) become one `error` event, which ends the stream. With `endpoint: "responses"` the body is
 * `{ model, input, instructions?, max_output_tokens, stream: true, …samplingParams }` and the
 * events are decoded by `decodeOpenAiResponsesData` (output-text deltas → `content`, reasoning
 * and reasoning-summary deltas → `reasoning`, `response.completed` → `usage` and `done`,
 * `response.failed` and `error` → `error`). Messages never contain the API key or
 * secret-looking header and query values. The simulator's send stamp is passed on as
 * `sentAtEpochMs`.
 *
 * @example Stream from a fake endpoint
 * ```ts
 * import { createOpenAiClient } from "./openai_client.ts";
 * const sse = 'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n' +
 *   'data: {"choices":[{"delta":{"content":"Hi"},"finish_reason":"stop"}]}\n\n' +
 *   "data: [DONE]\n\n";
 * const client = createOpenAiClient({
 *   baseUrl: "http://fake/v1",
 *   fetch: () => Promise.resolve(new Response(sse)),
 * });
 * const kinds = [];
 * for await (const event of client.stream({ model: "m", prompt: "Hello", maxTokens: 8 })) {
 *   kinds.push(event.kind);
 * }
 * if (kinds.join() !== "sent,headers,message,message,content,done,body-end") {
 *   throw new Error(kinds.join());
 * }
 * ```
 */
export function createOpenAiClient(options: OpenAiClientOptions): LlmClient {
  const endpoint = options.endpoint ?? "chat";
  if (!(OPENAI_ENDPOINTS as readonly string[]).includes(endpoint)) {
    throw new RangeError(
      `Cannot create OpenAI client: 'endpoint' must be "chat", "completions" or "responses", got ${
        JSON.stringify(endpoint)
      }`,
    );
  }
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError(
      `Cannot create OpenAI client: 'baseUrl' must be an http(s) URL, got ${
        JSON.stringify(String(options.baseUrl))
      }`,
    );
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError(
      `Cannot create OpenAI client: 'baseUrl' must be an http(s) URL, got ${
        JSON.stringify(base.protocol)
      }`,
    );
  }
  const chat = endpoint === "chat";
  const url = new URL(base.href);
  const path = { chat: "/chat/completions", completions: "/completions", responses: "/responses" };
  url.pathname = url.pathname.replace(/\/+$/, "") + path[endpoint];
  for (const [name, value] of Object.entries(options.query ?? {})) {
    url.searchParams.set(name, value);
  }
  const href = url.href;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "accept": "text/event-stream",
  };
  if (options.apiKey !== undefined && options.apiKey !== "") {
    headers.authorization = `Bearer ${options.apiKey}`;
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const scrub = scrubber([
    options.apiKey,
    ...secretsFromUrl(options.baseUrl),
    ...secretValues(options.headers),
    ...secretValues(options.query).flatMap((v) => [v, encodeURIComponent(v)]),
  ]);
  const includeUsage = options.includeUsage ?? true;
  const maxTokensField = options.maxTokensField ?? "max_tokens";
  if (maxTokensField !== "max_tokens" && maxTokensField !== "max_completion_tokens") {
    throw new RangeError(
      `Cannot create OpenAI client: 'maxTokensField' must be "max_tokens" or "max_completion_tokens", got ${
        JSON.stringify(maxTokensField)
      }`,
    );
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const systemPrompt = options.systemPrompt;

  function streamResponses(request: LlmRequest): AsyncGenerator<StreamEvent> {
    const state: OpenAiResponsesStreamState = {};
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => ({
        url: href,
        body: JSON.stringify(openAiResponsesRequestBody(request, { instructions: systemPrompt })),
      }),
      errorFromBody: (status, text, statusText) => openAiHttpError({ status, text, statusText }),
      onMessage: (message) => decodeOpenAiResponsesData(message.data, state),
      onEnd: () => openAiResponsesStreamEnd(state),
    });
  }

  function stream(request: LlmRequest): AsyncGenerator<StreamEvent> {
    if (endpoint === "responses") return streamResponses(request);
    const state: OpenAiStreamState = { chat };
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => ({
        url: href,
        body: JSON.stringify(
          openAiRequestBody(request, { chat, systemPrompt, maxTokensField, includeUsage }),
        ),
      }),
      errorFromBody: (status, text, statusText) => openAiHttpError({ status, text, statusText }),
      onMessage: (message) => decodeOpenAiData(message.data, state, message.event),
      onEnd: () => openAiStreamEnd(state),
    });
  }

  return { api: "openai", stream };
}
