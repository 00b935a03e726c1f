/**
 * Real response bodies (tests/testdata/streams/, with their sources) replayed byte for byte over
 * both transports and in several byte layouts, and the provider shapes the reviews found read
 * wrong: OpenAI refusals, Groq's `event: error`, Bedrock's error chunk after a 200, SageMaker
 * LMI's `outputs` lines, `Retry-After`, and the head's stamp on http1.
 */
import { assert, assertEquals } from "../_assert.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { createAnthropicClient } from "../../lib/clients/anthropic_client.ts";
import { createHttp1Fetch } from "../../lib/clients/http1_fetch.ts";
import { createSageMakerClient } from "../../lib/clients/sagemaker_client.ts";
import { createBedrockClient } from "../../lib/clients/bedrock_client.ts";
import { createEventstreamFrames } from "../../lib/wire/eventstream_frames.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { toRequestRecord } from "../../lib/core/to_request_record.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { FAKE_AWS, withEnv } from "../_env.ts";

const DATA = new URL("../testdata/streams/", import.meta.url);
const bytesOf = async (name: string) => await Deno.readFile(new URL(name, DATA));

/** How a body is cut into writes. */
type Layout = "one write" | "every byte" | "mid-line" | "crlf" | "cut short";
const LAYOUTS: Layout[] = ["one write", "every byte", "mid-line", "crlf", "cut short"];

function writesOf(body: Uint8Array, layout: Layout): Uint8Array[] {
  const text = new TextDecoder().decode(body);
  switch (layout) {
    case "one write":
      return [body];
    case "every byte":
      return Array.from(body, (b) => Uint8Array.of(b)); // splits every UTF-8 sequence too
    case "mid-line": {
      const out: Uint8Array[] = [];
      const enc = new TextEncoder();
      for (const line of text.split(/(?<=\n)/)) {
        const half = Math.floor(line.length / 2);
        out.push(enc.encode(line.slice(0, half)), enc.encode(line.slice(half)));
      }
      return out.filter((b) => b.length > 0);
    }
    case "crlf":
      return [new TextEncoder().encode(text.replace(/\n/g, "\r\n"))];
    case "cut short":
      return [body.subarray(0, Math.floor(body.length * 0.6))];
  }
}

/** A raw HTTP/1.1 server answering every request with `status`, `headers` and these writes,
 * then closing the connection. */
function rawServer(respond: () => { status?: string; headers?: string[]; writes: Uint8Array[] }) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        try {
          const buf = new Uint8Array(65536);
          let text = "";
          while (!text.includes("\r\n\r\n")) {
            const n = await conn.read(buf);
            if (n === null) return;
            text += new TextDecoder().decode(buf.subarray(0, n));
          }
          const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
          let got = text.length - text.indexOf("\r\n\r\n") - 4;
          while (got < length) {
            const n = await conn.read(buf);
            if (n === null) return;
            got += n;
          }
          const r = respond();
          const head = `HTTP/1.1 ${r.status ?? "200 OK"}\r\n` +
            [...(r.headers ?? ["content-type: text/event-stream"]), "connection: close"]
              .map((h) => h + "\r\n").join("") +
            "\r\n";
          await conn.write(new TextEncoder().encode(head));
          for (const piece of r.writes) {
            await conn.write(piece);
            // A pause between the writes of a short list, so that they arrive apart.
            if (r.writes.length < 100) await new Promise((resolve) => setTimeout(resolve, 1));
          }
        } catch {
          /* the client went away */
        } finally {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        }
      })();
    }
  };
  const done = serve().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await done;
    },
  };
}

const TRANSPORTS = ["fetch", "http1"] as const;

async function replay(
  name: string,
  layout: Layout,
  transport: typeof TRANSPORTS[number],
  api: "openai" | "anthropic" = "openai",
  tokenizerName: "cl100k_base" | "o200k_base" = "cl100k_base",
) {
  const body = await bytesOf(name);
  const server = rawServer(() => ({ writes: writesOf(body, layout) }));
  const http1 = transport === "http1" ? createHttp1Fetch() : undefined;
  const tokenizer = createTokenizer(tokenizerName);
  try {
    const client = api === "openai"
      ? createOpenAiClient({ baseUrl: `${server.url}/v1`, fetch: http1 })
      : createAnthropicClient({ baseUrl: server.url, fetch: http1 });
    const timing = await timeStream(client.stream({ model: "m", prompt: "hi", maxTokens: 64 }));
    const record = toRequestRecord(timing, {
      requestId: 0,
      inputTokens: 1,
      maxOutputTokens: 64,
      countTokens: (t) => tokenizer.countTokens(t),
      keepText: true,
    });
    return { timing, record };
  } finally {
    tokenizer.free();
    http1?.close();
    await server.close();
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`an OpenAI refusal stream (recorded) is answer output, flagged, in every byte layout over ${transport}`, async () => {
    for (const layout of LAYOUTS) {
      const { timing, record } = await replay("openai_refusal.sse", layout, transport);
      const where = `${layout} over ${transport}`;
      assert(timing.headersMs !== null && timing.firstMessageMs !== null, where);
      assert(timing.headersMs <= timing.firstMessageMs, `${where}: head stamped before the body`);
      if (layout === "cut short") {
        assertEquals(record.status, "error", where);
        assertEquals(record.errorCode, 599, where);
        continue;
      }
      assertEquals(record.status, "ok", `${where}: ${record.errorMessage}`);
      assertEquals(record.outputText, "I'm sorry, but I can't assist with that request.", where);
      assertEquals(record.refusal, true, where);
      assert(record.ttftMs !== null && record.ttftMs > 0, where);
      assertEquals(record.chunkCount, 11, where);
      assert(record.outputTokens >= 10, `${where}: ${record.outputTokens} tokens`);
      assertEquals(record.serverOutputTokens, 12, where);
    }
  });

  Deno.test(`an OpenAI content stream (recorded) gives the server's 47 tokens in every byte layout over ${transport}`, async () => {
    for (const layout of LAYOUTS) {
      const { timing, record } = await replay(
        "openai_content.sse",
        layout,
        transport,
        "openai",
        "o200k_base",
      );
      const where = `${layout} over ${transport}`;
      if (layout === "cut short") {
        assertEquals([record.status, record.errorCode], ["error", 599], where);
        continue;
      }
      assertEquals(record.status, "ok", `${where}: ${record.errorMessage}`);
      assertEquals(record.chunkCount, 47, where);
      assertEquals(record.serverOutputTokens, 47, where);
      // gpt-4o's tokenizer on the text read gives the server's own count: no byte lost or doubled.
      assertEquals(record.outputTokens, 47, where);
      assert(record.outputText!.endsWith("a local San Francisco news station."), where);
      assertEquals(record.refusal, undefined, where);
      assertEquals(timing.finishReason, "stop", where);
    }
  });

  Deno.test(`a Groq event: error with a string code and status_code 400 is a 400 record in every byte layout over ${transport}`, async () => {
    for (const layout of LAYOUTS) {
      const { record } = await replay("groq_event_error.sse", layout, transport);
      const where = `${layout} over ${transport}`;
      assertEquals(record.status, "error", where);
      if (layout === "cut short") {
        assertEquals(record.errorCode, 599, where);
        continue;
      }
      assertEquals(record.errorCode, 400, where);
      assert(record.errorMessage!.startsWith("Failed to call a function"), record.errorMessage!);
      assertEquals(record.outputText, "Voilà ", `${where}: the text before the error`);
    }
  });

  Deno.test(`an Anthropic stream (SDK fixture, no final blank line) reads right in every byte layout over ${transport}`, async () => {
    for (const layout of LAYOUTS) {
      const { timing, record } = await replay(
        "anthropic_basic.sse",
        layout,
        transport,
        "anthropic",
      );
      const where = `${layout} over ${transport}`;
      if (layout === "cut short") {
        assertEquals([record.status, record.errorCode], ["error", 599], where);
        continue;
      }
      assertEquals(record.status, "ok", `${where}: ${record.errorMessage}`);
      assertEquals(record.outputText, "Hello there!", where);
      assertEquals(record.chunkCount, 3, where);
      assertEquals([record.serverInputTokens, record.serverOutputTokens], [11, 6], where);
      assertEquals(timing.finishReason, "end_turn", where);
      assert(timing.headersMs! <= timing.firstMessageMs!, `${where}: head stamped first`);
    }
  });

  Deno.test(`a 429's Retry-After is kept on the record over ${transport}`, async () => {
    const server = rawServer(() => ({
      status: "429 Too Many Requests",
      headers: ["content-type: application/json", "retry-after: 7"],
      writes: [new TextEncoder().encode('{"error":{"message":"slow down","type":"tokens"}}')],
    }));
    const http1 = transport === "http1" ? createHttp1Fetch() : undefined;
    try {
      const client = createOpenAiClient({ baseUrl: `${server.url}/v1`, fetch: http1 });
      const timing = await timeStream(client.stream({ model: "m", prompt: "hi", maxTokens: 4 }));
      const record = toRequestRecord(timing, { requestId: 0, inputTokens: 1, maxOutputTokens: 4 });
      assertEquals([record.status, record.errorCode, record.retryAfterMs], ["error", 429, 7000]);
    } finally {
      http1?.close();
      await server.close();
    }
  });
}

Deno.test("a Bedrock InvokeModel stream that sends an error chunk after its 200 is an error record (429, 529)", async () => {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const saved = names.map((n) => Deno.env.get(n));
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIATOKENBENCHFAKE03");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "tokenbench/fake/secret/0123456789abcdefgh");
  Deno.env.delete("AWS_SESSION_TOKEN");
  let errorType = "rate_limit_error";
  const frames = createEventstreamFrames();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    const chunks = [
      { type: "message_start", message: { usage: { input_tokens: 9 } } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Par" } },
      // The in-band error of anthropic-sdk-python's tests/lib/streaming/test_bedrock_stream_errors.py
      { type: "error", error: { type: errorType, message: "Rate limited" }, request_id: "req_123" },
    ];
    const bytes = new Uint8Array(
      chunks.flatMap((c) => [...frames.chunk(c)]),
    );
    // Written in pieces of 7 bytes: frames split anywhere.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    return new Response(body, {
      headers: { "content-type": "application/vnd.amazon.eventstream" },
    });
  });
  try {
    const bedrock = createBedrockClient({
      api: "invoke",
      region: "us-east-1",
      endpointUrl: `http://127.0.0.1:${server.addr.port}`,
    });
    const cases = [
      ["rate_limit_error", 429],
      ["overloaded_error", 529],
      ["invalid_request_error", 400],
    ] as const;
    for (const [type, code] of cases) {
      errorType = type;
      const timing = await timeStream(
        bedrock.stream({
          model: "anthropic.claude-3-haiku-20240307-v1:0",
          prompt: "hi",
          maxTokens: 9,
        }),
      );
      assertEquals(timing.httpStatus, 200);
      assertEquals(timing.text, "Par", "the text before the error");
      assertEquals(timing.error?.code, code, JSON.stringify(timing.error));
      assertEquals(timing.error?.name, type);
    }
  } finally {
    await server.shutdown();
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
});

Deno.test('SageMaker LMI lines {"outputs": [...]}, one split across two payload parts, give their text', async () => {
  const sdk = new SageMakerRuntimeClient({ region: "us-east-1" });
  const parts = ['{"outputs": [" a"', ']}\n{"outputs": [" b"]}\n', '{"outputs": [" c"]}'];
  sdk.send = (() => {
    async function* body() {
      for (const part of parts) yield { PayloadPart: { Bytes: new TextEncoder().encode(part) } };
    }
    return Promise.resolve({ Body: body() });
  }) as typeof sdk.send;
  const timing = await timeStream(
    createSageMakerClient({ client: sdk }).stream({ model: "lmi", prompt: "x", maxTokens: 3 }),
  );
  assertEquals(timing.error, null);
  assertEquals(timing.text, " a b c");
  assertEquals(timing.chunkArrivalMs.length, 3);
});

Deno.test("the simulator's 429 with Retry-After reaches the record through the whole run", async () => {
  const { startSimulator } = await import("../../lib/sim/simulator.ts");
  const { runBenchmark } = await import("../../lib/run/run_benchmark.ts");
  await using sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    faults: [{ kind: "http-429", every: 2, retryAfterS: 3 }],
  });
  const result = await runBenchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
    model: "m",
    maxRequests: 4,
    concurrency: 1,
    prompt: () => ({ prompt: "hi", inputTokens: 1, maxOutputTokens: 3 }),
  });
  const throttled = result.records.filter((r) => r.errorCode === 429);
  assertEquals(throttled.length, 2);
  for (const r of throttled) assertEquals(r.retryAfterMs, 3000);
  for (const r of result.records.filter((r) => r.status === "ok")) {
    assertEquals(r.retryAfterMs, undefined);
  }
});

Deno.test("a throttled Bedrock answer's Retry-After reaches the record through the AWS SDK", async () => {
  const { startSimulator } = await import("../../lib/sim/simulator.ts");
  const { runBenchmark } = await import("../../lib/run/run_benchmark.ts");
  const { createBedrockClient } = await import("../../lib/clients/bedrock_client.ts");
  await using sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    faults: [{ kind: "http-429", every: 2, retryAfterS: 3 }],
  });
  await withEnv(FAKE_AWS, async () => {
    for (const api of ["converse", "invoke"] as const) {
      const client = createBedrockClient({ api, region: "us-east-1", endpointUrl: sim.url });
      const result = await runBenchmark(client, {
        model: "anthropic.claude-instant-v1",
        maxRequests: 4,
        concurrency: 1,
        prompt: () => ({ prompt: "hi", inputTokens: 1, maxOutputTokens: 3 }),
      });
      const throttled = result.records.filter((r) => r.errorCode === 429);
      assertEquals(throttled.length, 2, api);
      for (const r of throttled) assertEquals(r.retryAfterMs, 3000, api);
      for (const r of result.records.filter((r) => r.status === "ok")) {
        assertEquals(r.retryAfterMs, undefined, api);
      }
    }
  });
});
