/**
 * The Vertex AI Gemini streaming client: `streamGenerateContent?alt=sse` over `fetch` and
 * server-sent events, with an OAuth access token (`gcloud auth print-access-token`) or an API
 * key (Vertex AI express mode), thought parts counted apart and Gemini's usage metadata kept.
 * The wire format itself (body, SSE payload decoding) is lib/wire/vertex.ts.
 *
 * @module
 */
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import type { StreamEvent } from "../core/stream_event.ts";
import {
  decodeVertexData,
  vertexHttpError,
  vertexRequestBody,
  vertexStreamEnd,
  type VertexStreamState,
} from "../wire/vertex.ts";
import { postSse, scrubber, secretValues } from "./_sse_post.ts";
import { secretsFromUrl } from "../core/redact_secrets.ts";

/** Default region (`--region`). */
export const VERTEX_DEFAULT_REGION = "us-central1";

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
 * if (kinds.join() !== "sent,headers,message,content,message,content,usage,done") throw new Error(kinds.join());
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
    ...secretsFromUrl(options.baseUrl),
    options.apiKey,
    ...secretValues(options.headers),
  ]);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const systemPrompt = options.systemPrompt;

  function stream(request: LlmRequest): AsyncGenerator<StreamEvent> {
    const state: VertexStreamState = {};
    return postSse({
      fetch: fetchImpl,
      headers,
      signal: request.signal,
      scrub,
      request: () => ({
        url: urlFor(request.model),
        body: JSON.stringify(vertexRequestBody(request, { systemPrompt })),
      }),
      errorFromBody: (status, text, statusText) => vertexHttpError({ status, text, statusText }),
      onMessage: (message) => decodeVertexData(message.data, state),
      onEnd: () => vertexStreamEnd(state),
    });
  }

  return { api: "vertexai", stream };
}
