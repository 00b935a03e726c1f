/**
 * The OpenAI-compatible streaming client (chat completions and completions) over `fetch` and
 * server-sent events: OpenAI, Azure OpenAI, vLLM, TGI, SGLang, llama.cpp, Ollama, LiteLLM, the
 * built-in simulator.
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

/** Options of {@link createOpenAiClient}. */
export interface OpenAiClientOptions {
  /** API base URL including the version path, e.g. `https://api.openai.com/v1` or
   * `http://127.0.0.1:8000/v1` (LLMPerf's `OPENAI_API_BASE`). Required. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (LLMPerf's `OPENAI_API_KEY`). Default: no
   * `Authorization` header. */
  apiKey?: string;
  /** `chat` posts to `{baseUrl}/chat/completions` with one user message, `completions` to
   * `{baseUrl}/completions` with `prompt`. Default `"chat"`. */
  endpoint?: "chat" | "completions";
  /** A system message sent before the user message (chat only). Default none. */
  systemPrompt?: string;
  /** Extra request headers, e.g. Azure's `{ "api-key": "…" }`; they override the defaults.
   * Default none. */
  headers?: Record<string, string>;
  /** Extra query parameters, e.g. Azure's `{ "api-version": "2024-10-21" }`. Default none. */
  query?: Record<string, string>;
  /** Body field carrying `maxTokens`: newer OpenAI models want `max_completion_tokens`.
   * Default `"max_tokens"`. */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** Ask for a final usage chunk (`stream_options.include_usage`). Default true. */
  includeUsage?: boolean;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

const _SENT_AT_FIELD = "tokenbench_sent_at_ms";

function _errorFromBody(text: string): { message: string; name?: string; code?: number } | null {
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
      const name = typeof error.type === "string" ? error.type : undefined;
      const code = typeof error.code === "number" ? error.code : undefined;
      return { message, name, code };
    }
  } catch { /* not JSON */ }
  return null;
}

function _usage(usage: Record<string, unknown>): UsageEvent {
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

/** Result of decoding one SSE `data` payload. */
interface _Decoded {
  events: StreamEvent[];
  /** The stream is over (`[DONE]` or an in-stream error). */
  end: boolean;
}

function _decodeData(
  data: string,
  chat: boolean,
  state: { finishReason?: string },
): _Decoded {
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
    const parsed = _errorFromBody(JSON.stringify({ error: chunk.error }));
    const code = parsed?.code !== undefined && parsed.code >= 400 && parsed.code <= 599
      ? parsed.code
      : 500;
    const event: StreamEvent = {
      kind: "error",
      code,
      message: _oneLine(parsed?.message ?? "In-stream error"),
    };
    if (parsed?.name) event.name = parsed.name;
    return { events: [event], end: true };
  }
  const sentAt = chunk[_SENT_AT_FIELD];
  const stamp = typeof sentAt === "number" ? { sentAtEpochMs: sentAt } : {};
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
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
    } else if (typeof choice.text === "string" && choice.text !== "") {
      events.push({ kind: "content", text: choice.text, ...stamp });
    }
  }
  if (chunk.usage && typeof chunk.usage === "object") {
    events.push(_usage(chunk.usage as Record<string, unknown>));
  }
  return { events, end: false };
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
 * (499) become one `error` event, which ends the stream. Messages never contain the API key or
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
 * if (kinds.join() !== "headers,message,message,content,done") throw new Error(kinds.join());
 * ```
 */
export function createOpenAiClient(options: OpenAiClientOptions): LlmClient {
  const endpoint = options.endpoint ?? "chat";
  if (endpoint !== "chat" && endpoint !== "completions") {
    throw new RangeError(
      `Cannot create OpenAI client: 'endpoint' must be "chat" or "completions", got ${
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
  url.pathname = url.pathname.replace(/\/+$/, "") + (chat ? "/chat/completions" : "/completions");
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

  function stream(request: LlmRequest): AsyncGenerator<StreamEvent> {
    const state: { finishReason?: string } = {};
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => {
        const body: Record<string, unknown> = { model: request.model };
        if (chat) {
          body.messages = systemPrompt === undefined
            ? [{ role: "user", content: request.prompt }]
            : [{ role: "system", content: systemPrompt }, {
              role: "user",
              content: request.prompt,
            }];
        } else {
          body.prompt = request.prompt;
        }
        body[maxTokensField] = request.maxTokens;
        body.stream = true;
        if (includeUsage) body.stream_options = { include_usage: true };
        Object.assign(body, request.samplingParams ?? {});
        return { url: href, body: JSON.stringify(body) };
      },
      errorFromBody: (status, text, statusText) => {
        const parsed = _errorFromBody(text);
        const message = parsed?.message ?? (text || statusText || "HTTP error");
        const event: ErrorEvent = {
          kind: "error",
          code: status,
          message: _oneLine(`HTTP ${status}: ${message}`),
        };
        if (parsed?.name) event.name = parsed.name;
        return event;
      },
      onMessage: (message) => _decodeData(message.data, chat, state),
      onEnd: () =>
        state.finishReason !== undefined ? { kind: "done", finishReason: state.finishReason } : {
          kind: "error",
          code: CLIENT_ERROR_CODES.network,
          message: "Stream ended before [DONE]",
        },
    });
  }

  return { api: "openai", stream };
}
