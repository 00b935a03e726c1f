/**
 * The Vertex AI Gemini streaming client: `streamGenerateContent?alt=sse` over `fetch` and
 * server-sent events, with an OAuth access token (`gcloud auth print-access-token`) or an API
 * key (Vertex AI express mode), thought parts counted apart and Gemini's usage metadata kept.
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

/** Default region (`--region`). */
export const VERTEX_DEFAULT_REGION = "us-central1";

/**
 * HTTP status of each `google.rpc.Code` name, as Google APIs map them (`error.status` in an
 * error body). Used when an error carries a status name without a usable numeric `code`; the
 * first name of each status is its usual one (the simulator sends it).
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

/** Options of {@link createVertexClient}. */
export interface VertexClientOptions {
  /** Google Cloud project id. With it, requests go to
   * `/v1/projects/{project}/locations/{region}/publishers/google/models/{model}`; without it, to
   * the express-mode path `/v1/publishers/google/models/{model}` (API key). Default none. */
  project?: string;
  /** Region (location). Default {@link VERTEX_DEFAULT_REGION}; `global` uses
   * `aiplatform.googleapis.com`. */
  region?: string;
  /** OAuth 2 access token, sent as `Authorization: Bearer …`. Default none. */
  accessToken?: string;
  /** API key, sent as `x-goog-api-key` (never in the URL). Default none. */
  apiKey?: string;
  /** Endpoint origin, e.g. the simulator's `http://127.0.0.1:PORT`. Default
   * `https://{region}-aiplatform.googleapis.com` (`https://aiplatform.googleapis.com` for
   * `global`). */
  baseUrl?: string;
  /** API version path segment. Default `v1`. */
  apiVersion?: string;
  /** Model publisher. Default `google`. */
  publisher?: string;
  /** A system instruction (`systemInstruction`). Default none. */
  systemPrompt?: string;
  /** Extra request headers; they override the defaults. Default none. */
  headers?: Record<string, string>;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

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

const _SENT_AT_FIELD = "tokenbench_sent_at_ms";

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
    message: _oneLine(`${prefix}${status ? `${status}: ` : ""}${message}`),
  };
  if (status) event.name = status;
  return event;
}

/** The request body: contents, generationConfig (with `maxOutputTokens`), the rest merged. */
function _body(request: LlmRequest, systemPrompt: string | undefined): Json {
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
    contents: [{ role: "user", parts: [{ text: request.prompt }] }],
    generationConfig,
    ...rest,
  };
  if (systemPrompt !== undefined) body.systemInstruction = { parts: [{ text: systemPrompt }] };
  return body;
}

/** Decodes one SSE `data` payload. */
function _decode(data: string, state: { finishReason?: string }): {
  events: StreamEvent[];
  end: boolean;
} {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return malformedData(data);
  }
  const error = _googleError(json);
  if (error) return { events: [error], end: true };
  const chunk = obj(json);
  const sentAt = num(chunk[_SENT_AT_FIELD]);
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
 * Creates a streaming client for Gemini models on Vertex AI. Each `stream()` call posts
 * `{ contents: [{ role: "user", parts: [{ text }] }], generationConfig: { maxOutputTokens, … } }`
 * to `…/models/{model}:streamGenerateContent?alt=sse`; sampling parameters named like
 * `generationConfig` fields (or LLMPerf's snake_case `top_p`, `top_k`, `stop`) go into it,
 * others (`safetySettings`, `labels`) into the body. A model containing `/` is taken as a path
 * below the API version (`projects/p/locations/l/endpoints/123`).
 *
 * It yields `headers`, then for every SSE message a `message` event followed by `content` for
 * text parts, `reasoning` for thought parts (`thought: true`, with
 * `thinkingConfig.includeThoughts`), and `usage` from `usageMetadata` (`promptTokenCount`,
 * `candidatesTokenCount` — answer tokens only —, `thoughtsTokenCount`,
 * `cachedContentTokenCount`); `done` with the last `finishReason` when the stream ends (Gemini
 * sends no end marker). It never throws for endpoint failures: an HTTP error (`error.status:
 * message`), an in-stream `{"error": …}`, a blocked prompt (400), a stream that ends without a
 * `finishReason` or malformed data (599), a timeout (408) and a cancellation (499) become one
 * `error` event. Messages never contain the token or key.
 *
 * @example Stream from a fake endpoint
 * ```ts
 * import { createVertexClient } from "./vertex_client.ts";
 * const sse = 'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}]}\n\n' +
 *   'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP"}],' +
 *   '"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}}\n\n';
 * const client = createVertexClient({
 *   project: "p", accessToken: "ya29.test",
 *   fetch: () => Promise.resolve(new Response(sse)),
 * });
 * const kinds = [];
 * for await (const event of client.stream({ model: "gemini-2.5-flash", prompt: "Hello", maxTokens: 8 })) {
 *   kinds.push(event.kind);
 * }
 * if (kinds.join() !== "headers,message,content,message,content,usage,done") throw new Error(kinds.join());
 * ```
 */
export function createVertexClient(options: VertexClientOptions = {}): LlmClient {
  const region = options.region ?? VERTEX_DEFAULT_REGION;
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new TypeError(
      `Cannot create Vertex AI client: 'region' must look like us-central1, got ${
        JSON.stringify(region)
      }`,
    );
  }
  const project = options.project;
  if (project !== undefined && !/^[A-Za-z0-9._:-]+$/.test(project)) {
    throw new TypeError(
      `Cannot create Vertex AI client: 'project' must be a project id, got ${
        JSON.stringify(project)
      }`,
    );
  }
  const baseText = options.baseUrl ??
    (region === "global"
      ? "https://aiplatform.googleapis.com"
      : `https://${region}-aiplatform.googleapis.com`);
  let base: URL;
  try {
    base = new URL(baseText);
  } catch {
    throw new TypeError(
      `Cannot create Vertex AI client: 'baseUrl' must be an http(s) URL, got ${
        JSON.stringify(String(baseText))
      }`,
    );
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError(
      `Cannot create Vertex AI client: 'baseUrl' must be an http(s) URL, got ${
        JSON.stringify(base.protocol)
      }`,
    );
  }
  const apiVersion = options.apiVersion ?? "v1";
  const publisher = options.publisher ?? "google";
  const root = base.href.replace(/\/+$/, "");
  const urlFor = (model: string) => {
    const path = model.includes("/")
      ? model.replace(/^\/+/, "")
      : project === undefined
      ? `publishers/${publisher}/models/${encodeURIComponent(model)}`
      : `projects/${project}/locations/${region}/publishers/${publisher}/models/${
        encodeURIComponent(model)
      }`;
    return `${root}/${apiVersion}/${path}:streamGenerateContent?alt=sse`;
  };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "accept": "text/event-stream",
  };
  if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`;
  if (options.apiKey) headers["x-goog-api-key"] = options.apiKey;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const scrub = scrubber([
    options.accessToken,
    options.apiKey,
    ...secretValues(options.headers),
  ]);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const systemPrompt = options.systemPrompt;

  function stream(request: LlmRequest): AsyncGenerator<StreamEvent> {
    const state: { finishReason?: string } = {};
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => ({
        url: urlFor(request.model),
        body: JSON.stringify(_body(request, systemPrompt)),
      }),
      errorFromBody: (status, text, statusText) => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch { /* not JSON */ }
        return _googleError(parsed, status) ?? {
          kind: "error" as const,
          code: status,
          message: _oneLine(`HTTP ${status}: ${text || statusText || "error"}`),
        };
      },
      onMessage: (message) => _decode(message.data, state),
      onEnd: () =>
        state.finishReason === undefined
          ? {
            kind: "error",
            code: CLIENT_ERROR_CODES.network,
            message: "Stream ended without a finishReason",
          }
          : { kind: "done", finishReason: state.finishReason },
    });
  }

  return { api: "vertexai", stream };
}
