/**
 * Client warm-up that sends nothing: the code a client runs for a request (body building, the
 * transport's request writing and response parsing, SSE decoding, the streaming timer), run
 * end to end against a canned in-memory answer, so the first measured request does not pay
 * for JIT compilation and lazy imports. Bedrock runs the whole AWS SDK path (SDK client,
 * credentials from the default chain, endpoint rules, SigV4 signing, the event-stream decoder) on
 * canned frames over an in-memory connection; SageMaker loads its SDK only.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import { timeStream } from "../core/time_stream.ts";
import type { ClientSpec } from "./create_client.ts";
import { createHttp1Fetch } from "./http1_fetch.ts";

/** Canned SSE bodies of each SSE provider: two pieces of text and the end. */
const _CANNED_SSE: Record<"openai" | "openai-responses" | "anthropic" | "vertexai", string> = {
  openai: [
    `data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}`,
    `data: {"choices":[{"index":0,"delta":{"content":"warm"}}]}`,
    `data: {"choices":[{"index":0,"delta":{"content":" up"},"finish_reason":"stop"}]}`,
    `data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}`,
    `data: [DONE]`,
  ].map((line) => `${line}\n\n`).join(""),
  "openai-responses": [
    `event: response.created\ndata: {"type":"response.created","response":{"status":"in_progress"}}`,
    `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"warm"}`,
    `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":" up"}`,
    `event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":1,"output_tokens":2}}}`,
  ].map((line) => `${line}\n\n`).join(""),
  anthropic: [
    `event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":1}}}`,
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"warm"}}`,
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" up"}}`,
    `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}`,
    `event: message_stop\ndata: {"type":"message_stop"}`,
  ].map((line) => `${line}\n\n`).join(""),
  vertexai: [
    `data: {"candidates":[{"content":{"role":"model","parts":[{"text":"warm"}]}}]}`,
    `data: {"candidates":[{"content":{"role":"model","parts":[{"text":" up"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":2}}`,
  ].map((line) => `${line}\n\n`).join(""),
};

/** What {@link warmUpClient} did. */
export interface WarmUpResult {
  /** Canned exchanges run (0 for SageMaker, whose SDK only loads). */
  exchanges: number;
  /** Time it took, ms. */
  ms: number;
  /** Why it did less than asked (an exchange failed); empty when all went well. */
  notes: string[];
}

/**
 * Warm up the code path of the client `spec` describes, in this thread, without any network:
 * `rounds` canned exchanges through a client built like the real one (same API, same
 * transport: the `http1` transport over an in-memory connection). Never throws; what failed is
 * in `notes`.
 *
 * @example Warm up an OpenAI client over the http1 transport (nothing is sent)
 * ```ts
 * import { warmUpClient } from "./warm_up.ts";
 * const result = await warmUpClient({
 *   api: "openai", options: { baseUrl: "http://127.0.0.1:9/v1" }, transport: "http1",
 * });
 * if (result.exchanges !== 3 || result.notes.length !== 0) throw new Error(JSON.stringify(result));
 * ```
 */
export async function warmUpClient(spec: ClientSpec, rounds = 3): Promise<WarmUpResult> {
  const start = performance.now();
  const notes: string[] = [];
  let exchanges = 0;
  try {
    if (spec.api === "bedrock") {
      // The whole SDK path (client, credentials from the chain, endpoint rules, SigV4 signing,
      // the event-stream decoder) on canned frames over an in-memory connection.
      const { createBedrockClient } = await import("./bedrock_client.ts");
      const api = spec.options.api ?? "converse";
      const body = await _cannedBedrockFrames(api);
      const fetch1 = createHttp1Fetch({
        connect: () => Promise.resolve(_cannedConn(body, "application/vnd.amazon.eventstream")),
      });
      const client = createBedrockClient({
        ...spec.options,
        api,
        // An http: URL, so that the canned connection serves it (nothing is sent).
        endpointUrl: "http://warm-up.invalid",
        region: spec.options.region ?? "us-east-1",
        retries: 0,
        fetch: fetch1,
      });
      const model = api === "converse" ? "warm-up" : "anthropic.claude-3-haiku-20240307-v1:0";
      exchanges = await _exchanges(client, model, rounds, notes);
      fetch1.close();
      return { exchanges, ms: performance.now() - start, notes };
    }
    if (spec.api === "sagemaker") {
      await Promise.all([
        import("@aws-sdk/client-sagemaker-runtime"),
        import("@smithy/fetch-http-handler"),
      ]);
      return { exchanges, ms: performance.now() - start, notes };
    }
    const body = _CANNED_SSE[
      spec.api === "openai" && spec.options.endpoint === "responses" ? "openai-responses" : spec.api
    ];
    const transport = spec.transport ?? "fetch";
    const fetch = transport === "http1"
      ? createHttp1Fetch({ connect: () => Promise.resolve(_cannedConn(body)) })
      : ((() => Promise.resolve(new Response(body))) as unknown as typeof globalThis.fetch);
    const client = await _sseClient(spec, fetch);
    exchanges = await _exchanges(client, "warm-up", rounds, notes);
    if ("close" in fetch) (fetch as { close(): void }).close();
  } catch (error) {
    notes.push(`warm-up failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { exchanges, ms: performance.now() - start, notes };
}

async function _sseClient(
  spec: Extract<ClientSpec, { api: "openai" | "anthropic" | "vertexai" }>,
  fetch: typeof globalThis.fetch,
): Promise<LlmClient> {
  if (spec.api === "openai") {
    const { createOpenAiClient } = await import("./openai_client.ts");
    return createOpenAiClient({ ...spec.options, fetch });
  }
  if (spec.api === "anthropic") {
    const { createAnthropicClient } = await import("./anthropic_client.ts");
    return createAnthropicClient({ ...spec.options, fetch });
  }
  const { createVertexClient } = await import("./vertex_client.ts");
  return createVertexClient({ ...spec.options, fetch });
}

/** Up to `rounds` canned exchanges of `client`; the number that succeeded (a failure noted). */
async function _exchanges(
  client: LlmClient,
  model: string,
  rounds: number,
  notes: string[],
): Promise<number> {
  let done = 0;
  for (let i = 0; i < rounds; i++) {
    const t = await timeStream(client.stream({ model, prompt: "Hi", maxTokens: 2 }));
    if (t.error !== null) {
      notes.push(`warm-up exchange failed: ${t.error.message}`);
      break;
    }
    done++;
  }
  return done;
}

/** A canned Bedrock answer ("warm up"), as ConverseStream or InvokeModel (Anthropic Messages)
 * event-stream frames. */
async function _cannedBedrockFrames(api: "converse" | "invoke"): Promise<Uint8Array> {
  const { createEventstreamFrames } = await import("../wire/eventstream_frames.ts");
  const f = createEventstreamFrames();
  const frames = api === "converse"
    ? [
      f.event("messageStart", { role: "assistant" }),
      f.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "warm" } }),
      f.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: " up" } }),
      f.event("contentBlockStop", { contentBlockIndex: 0 }),
      f.event("messageStop", { stopReason: "end_turn" }),
      f.event("metadata", {
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
        metrics: { latencyMs: 1 },
      }),
    ]
    : [
      f.chunk({ type: "message_start", message: { usage: { input_tokens: 1 } } }),
      f.chunk({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "warm" },
      }),
      f.chunk({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: " up" },
      }),
      f.chunk({
        type: "message_delta",
        delta: { stop_reason: "end_turn" },
        usage: { output_tokens: 2 },
      }),
      f.chunk({ type: "message_stop" }),
    ];
  const out = new Uint8Array(frames.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of frames) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * An in-memory connection that takes whatever is written and answers with `body` (of
 * `contentType`) as a chunked HTTP/1.1 response, then closes.
 */
function _cannedConn(body: string | Uint8Array, contentType = "text/event-stream"): Deno.Conn {
  const encoder = new TextEncoder();
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const head = encoder.encode(
    `HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\nx-amzn-requestid: warm-up\r\n` +
      `transfer-encoding: chunked\r\nconnection: close\r\n\r\n${bytes.length.toString(16)}\r\n`,
  );
  const tail = encoder.encode("\r\n0\r\n\r\n");
  const answer = new Uint8Array(head.length + bytes.length + tail.length);
  answer.set(head);
  answer.set(bytes, head.length);
  answer.set(tail, head.length + bytes.length);
  let at = 0;
  const conn = {
    write: (p: Uint8Array) => Promise.resolve(p.length),
    read: (p: Uint8Array) => {
      if (at >= answer.length) return Promise.resolve(null);
      const n = Math.min(p.length, answer.length - at, 64);
      p.set(answer.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    close: () => {},
  };
  return conn as unknown as Deno.Conn;
}
