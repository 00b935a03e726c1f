/**
 * The Anthropic client, against hand-written streams and through the simulator's Anthropic wire
 * format, compared with the simulator's ground truth.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { createAnthropicClient } from "../../lib/clients/anthropic_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";
import { collect } from "../_events.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";

const PROMPT = "Randomly stream lines from the following text. The quick brown fox.";
const KEY = "sk-ant-api03-TokenbenchFakeKeyDoNotLeak";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const sse = (...events: [string, object][]) =>
  events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");

function fakeFetch(body: string, status = 200) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return Promise.resolve(new Response(body, { status }));
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

Deno.test("createAnthropicClient() posts the Messages body with x-api-key and anthropic-version", async () => {
  const { fetch, calls } = fakeFetch(sse(["message_stop", { type: "message_stop" }]));
  const client = createAnthropicClient({
    apiKey: KEY,
    baseUrl: "https://proxy.example/",
    systemPrompt: "Be brief.",
    fetch,
  });
  await collect(client.stream({
    model: "claude-sonnet-4-5",
    prompt: "Hi",
    maxTokens: 9,
    samplingParams: { temperature: 0, thinking: { type: "enabled", budget_tokens: 4 } },
  }));
  assertEquals(calls[0].url, "https://proxy.example/v1/messages");
  const headers = calls[0].init.headers as Record<string, string>;
  assertEquals(headers["x-api-key"], KEY);
  assertEquals(headers["anthropic-version"], "2023-06-01");
  assertEquals(JSON.parse(calls[0].init.body as string), {
    model: "claude-sonnet-4-5",
    max_tokens: 9,
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
    system: "Be brief.",
    temperature: 0,
    thinking: { type: "enabled", budget_tokens: 4 },
  });
  // A base URL given with /v1 (as some proxies document it) is not doubled.
  const again = fakeFetch("");
  await collect(
    createAnthropicClient({ baseUrl: "http://h/v1", fetch: again.fetch }).stream({
      model: "m",
      prompt: "x",
      maxTokens: 1,
    }),
  );
  assertEquals(again.calls[0].url, "http://h/v1/messages");
});

Deno.test("createAnthropicClient() yields a message per event, thinking as reasoning, usage and stop reason", async () => {
  const body = sse(
    ["message_start", {
      type: "message_start",
      message: { usage: { input_tokens: 12, cache_read_input_tokens: 3, output_tokens: 1 } },
    }],
    ["content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "" },
    }],
    ["ping", { type: "ping" }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "Hmm" },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "signature_delta", signature: "sig" },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ["content_block_start", {
      type: "content_block_start",
      index: 1,
      content_block: { type: "text", text: "" },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "text_delta", text: "Hello" },
      tokenbench_sent_at_ms: 42.5,
    }],
    ["content_block_stop", { type: "content_block_stop", index: 1 }],
    ["message_delta", {
      type: "message_delta",
      delta: { stop_reason: "max_tokens", stop_sequence: null },
      usage: { output_tokens: 7 },
    }],
    ["message_stop", { type: "message_stop" }],
  );
  const events = await collect(
    createAnthropicClient({ fetch: fakeFetch(body).fetch }).stream({
      model: "m",
      prompt: "x",
      maxTokens: 7,
    }),
  );
  assertEquals(events, [
    { kind: "headers", status: 200 },
    { kind: "message" },
    { kind: "usage", inputTokens: 12, cacheReadInputTokens: 3 },
    { kind: "message" },
    { kind: "message" },
    { kind: "message" },
    { kind: "reasoning", text: "Hmm" },
    { kind: "message" },
    { kind: "message" },
    { kind: "message" },
    { kind: "message", sentAtEpochMs: 42.5 },
    { kind: "content", text: "Hello", sentAtEpochMs: 42.5 },
    { kind: "message" },
    { kind: "message" },
    { kind: "usage", outputTokens: 7 },
    { kind: "message" },
    { kind: "done", finishReason: "max_tokens" },
  ] as StreamEvent[]);
});

Deno.test("createAnthropicClient() turns HTTP, in-stream, truncated and malformed failures into error events", async () => {
  const cases: [string, number, Partial<StreamEvent>][] = [
    [
      JSON.stringify({
        type: "error",
        error: { type: "rate_limit_error", message: `slow down ${KEY}` },
      }),
      429,
      { kind: "error", code: 429, name: "rate_limit_error" },
    ],
    ["<html>Bad gateway</html>", 502, { kind: "error", code: 502 }],
    [
      sse(["message_start", { type: "message_start", message: {} }], ["error", {
        type: "error",
        error: { type: "overloaded_error", message: "Overloaded" },
      }]),
      200,
      { kind: "error", code: 529, name: "overloaded_error" },
    ],
    [sse(["message_start", { type: "message_start", message: {} }]), 200, {
      kind: "error",
      code: 599,
    }],
    ["event: content_block_delta\ndata: {not json\n\n", 200, { kind: "error", code: 599 }],
  ];
  for (const [body, status, expected] of cases) {
    const events = await collect(
      createAnthropicClient({ apiKey: KEY, fetch: fakeFetch(body, status).fetch }).stream({
        model: "m",
        prompt: "x",
        maxTokens: 3,
      }),
    );
    const last = events.at(-1)!;
    assertEquals({ ...last, message: undefined }, { ...expected, message: undefined } as never);
    assert(last.kind === "error" && !last.message.includes(KEY), JSON.stringify(last));
    assertEquals(events.filter((e) => e.kind === "error").length, 1);
  }
  await assertRejects(() => createAnthropicClient({ baseUrl: "ftp://x" }), TypeError, "baseUrl");
});

Deno.test("createAnthropicClient() streams through the simulator with its tokens and timings", async () => {
  await using sim = await startSimulator({ ttftMs: 30, itlMs: 3, seed: 5 });
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const client = createAnthropicClient({ apiKey: KEY, baseUrl: sim.url });
    const maxTokens = 12;
    const lags = { ttft: [] as number[], e2e: [] as number[], headers: [] as number[] };
    // One warm-up request, then three measured; the median lag is compared.
    for (let i = 0; i < 4; i++) {
      sim.clearLog();
      const t = await timeStream(
        client.stream({ model: "claude-sonnet-4-5", prompt: PROMPT, maxTokens }),
      );
      const [truth] = sim.log();
      assertEquals(t.error, null);
      assertEquals(truth.format, "anthropic-messages");
      assertEquals(truth.headers["x-api-key"], "[redacted]");
      assertEquals(truth.outputTokens, maxTokens);
      assertEquals(t.chunkArrivalMs.length, maxTokens);
      assertEquals(tokenizer.countTokens(t.text), truth.outputTokens);
      assertEquals(t.usage.inputTokens, truth.inputTokens);
      assertEquals(t.usage.outputTokens, truth.outputTokens);
      assertEquals(t.chunkSentEpochMs, truth.chunkSentEpochMs);
      assertEquals(t.finishReason, "max_tokens");
      assertEquals(t.reasoningText, "");
      if (i === 0) continue;
      lags.ttft.push(t.ttftMs! - (truth.chunkSentEpochMs[0] - t.startEpochMs));
      lags.e2e.push(t.endMs - (truth.endSentEpochMs! - t.startEpochMs));
      lags.headers.push(t.headersMs! - (truth.headersSentEpochMs! - t.startEpochMs));
    }
    for (const [name, values] of Object.entries(lags)) {
      assertAlmostEquals(median(values), 2.45, 2.55, `${name} lag ${values.join(", ")} ms`);
    }
  } finally {
    tokenizer.free();
  }
});

Deno.test("createAnthropicClient() counts thinking apart: first token of any kind vs first answer token", async () => {
  await using sim = await startSimulator({ ttftMs: 20, itlMs: 4, seed: 9 });
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const client = createAnthropicClient({ baseUrl: sim.url });
    const budget = 5;
    const maxTokens = 12;
    const result = await runBenchmark(client, {
      model: "claude-sonnet-4-5",
      prompt: () => ({ prompt: PROMPT, inputTokens: 14, maxOutputTokens: maxTokens }),
      samplingParams: { thinking: { type: "enabled", budget_tokens: budget } },
      countTokens: (text) => tokenizer.countTokens(text),
      maxRequests: 3,
      concurrency: 1,
    });
    const log = sim.log();
    for (const r of result.records) {
      const truth = log[r.requestId];
      assertEquals(r.status, "ok");
      assertEquals(r.reasoningTokens, budget);
      assertEquals(r.outputTokens, maxTokens - budget);
      assertEquals(r.reasoningArrivalMs.length, budget);
      assertEquals(r.chunkCount, maxTokens - budget);
      assertEquals(r.serverOutputTokens, maxTokens);
      // The answer's stamps are those of the chunks after the thinking budget.
      assertEquals(r.chunkSentEpochMs, truth.chunkSentEpochMs.slice(budget));
      // First token of any kind (thinking) comes before the first answer token.
      const anyTokenMs = Math.min(r.ttftMs!, r.firstReasoningMs!);
      assertEquals(anyTokenMs, r.firstReasoningMs);
      const sentGap = truth.chunkSentEpochMs[budget] - truth.chunkSentEpochMs[0];
      assertAlmostEquals(r.ttftMs! - r.firstReasoningMs!, sentGap, 5);
    }
  } finally {
    tokenizer.free();
  }
});

Deno.test("createAnthropicClient() errors from the simulator become error records and the run completes", async () => {
  // HTTP errors keep their status and Anthropic's error type.
  for (const [status, type] of [[429, "rate_limit_error"], [529, "overloaded_error"]] as const) {
    await using sim = await startSimulator({ errorRate: 1, errorStatuses: [status] });
    const events = await collect(
      createAnthropicClient({ baseUrl: sim.url }).stream({
        model: "m",
        prompt: PROMPT,
        maxTokens: 3,
      }),
    );
    const last = events.at(-1);
    assert(last?.kind === "error", JSON.stringify(events));
    assertEquals([last.code, last.name], [status, type]);
  }
  // In-stream errors arrive as `error` events mid-stream; the run goes on.
  await using sim = await startSimulator({
    ttftMs: 5,
    itlMs: 1,
    streamErrorRate: 0.5,
    errorStatuses: [529],
    seed: 4,
  });
  const result = await runBenchmark(createAnthropicClient({ baseUrl: sim.url }), {
    model: "claude-haiku-4-5",
    prompt: () => ({ prompt: PROMPT, inputTokens: 14, maxOutputTokens: 6 }),
    concurrency: 1,
    maxRequests: 8,
  });
  const log = sim.log();
  const errors = result.records.filter((r) => r.status === "error");
  assertEquals(result.records.length, 8);
  assert(errors.length > 0 && errors.length < 8, `${errors.length} errors`);
  for (const r of result.records) {
    const truth = log.find((l) => l.requestId === r.requestId)!;
    assertEquals(r.chunkCount, truth.chunkSentEpochMs.length);
    if (r.status === "error") {
      assertEquals(truth.error?.where, "stream");
      assertEquals(r.errorCode, 529);
      assert(r.errorMessage.startsWith("overloaded_error: "), r.errorMessage);
    }
  }
  // A simulator that requires a key answers 401 without it; the key never shows.
  await using locked = await startSimulator({ apiKey: KEY });
  const denied = await collect(
    createAnthropicClient({ baseUrl: locked.url, apiKey: "sk-ant-wrong-key" }).stream({
      model: "m",
      prompt: PROMPT,
      maxTokens: 2,
    }),
  );
  const error = denied.at(-1);
  assert(error?.kind === "error" && error.code === 401, JSON.stringify(denied));
  assert(!JSON.stringify(denied).includes("sk-ant-wrong-key"), "the key leaked");
});

Deno.test("createAnthropicClient() turns an abort into 499 and a timeout into 408", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 20 });
  const client = createAnthropicClient({ baseUrl: sim.url });
  const controller = new AbortController();
  const events: StreamEvent[] = [];
  for await (
    const event of client.stream({
      model: "m",
      prompt: PROMPT,
      maxTokens: 50,
      signal: controller.signal,
    })
  ) {
    events.push(event);
    if (events.filter((e) => e.kind === "content").length === 2) controller.abort();
  }
  const last = events.at(-1);
  assert(last?.kind === "error" && last.code === 499, JSON.stringify(last));
  const timedOut = await collect(
    client.stream({ model: "m", prompt: PROMPT, maxTokens: 50, signal: AbortSignal.timeout(60) }),
  );
  const error = timedOut.at(-1);
  assert(error?.kind === "error" && error.code === 408, JSON.stringify(error));
});
