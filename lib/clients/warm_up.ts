/**
 * Client warm-up that sends nothing: the code a client runs for a request (body building, the
 * transport's request writing and response parsing, SSE decoding, the streaming timer), run
 * end to end against a canned in-memory answer, so the first measured request does not pay
 * for JIT compilation and lazy imports. For the AWS SDK clients it loads the SDK (the largest
 * import) without signing or sending.
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
  /** Canned exchanges run (0 for the SDK clients, which only load). */
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
    if (spec.api === "bedrock" || spec.api === "sagemaker") {
      await Promise.all([
        spec.api === "bedrock"
          ? import("@aws-sdk/client-bedrock-runtime")
          : import("@aws-sdk/client-sagemaker-runtime"),
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
    for (let i = 0; i < rounds; i++) {
      const t = await timeStream(client.stream({ model: "warm-up", prompt: "Hi", maxTokens: 2 }));
      if (t.error !== null) {
        notes.push(`warm-up exchange failed: ${t.error.message}`);
        break;
      }
      exchanges++;
    }
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

/**
 * An in-memory connection that takes whatever is written and answers with `body` as a chunked
 * HTTP/1.1 event stream, then closes.
 */
function _cannedConn(body: string): Deno.Conn {
  const encoder = new TextEncoder();
  const bytes = encoder.encode(body);
  const head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n" +
    "transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
  const answer = encoder.encode(`${head}${bytes.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
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
