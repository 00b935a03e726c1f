/**
 * The Vertex AI Gemini client, against hand-written streams and through the simulator's Vertex
 * wire format, compared with the simulator's ground truth.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { createVertexClient } from "../../lib/clients/vertex_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";
import { collect } from "../_events.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";

const PROMPT = "Randomly stream lines from the following text. The quick brown fox.";
const TOKEN = "ya29.TokenbenchFakeAccessTokenDoNotLeak";
const API_KEY = "AIzaTokenbenchFakeApiKeyDoNotLeak";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function fakeFetch(body: string, status = 200) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return Promise.resolve(new Response(body, { status }));
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const sse = (...payloads: object[]) =>
  payloads.map((p) => `data: ${JSON.stringify(p)}\r\n\r\n`).join("");

Deno.test("createVertexClient() posts to the regional, global and express-mode URLs with its auth", async () => {
  const cases: [Parameters<typeof createVertexClient>[0], string, string, string][] = [
    [
      { project: "my-proj", region: "europe-west4", accessToken: TOKEN },
      "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      "authorization",
      `Bearer ${TOKEN}`,
    ],
    [
      { project: "my-proj", region: "global", accessToken: TOKEN },
      "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      "authorization",
      `Bearer ${TOKEN}`,
    ],
    [
      { apiKey: API_KEY },
      "https://us-central1-aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      "x-goog-api-key",
      API_KEY,
    ],
  ];
  for (const [options, url, header, value] of cases) {
    const { fetch, calls } = fakeFetch("");
    await collect(
      createVertexClient({ ...options, fetch }).stream({
        model: "gemini-2.5-flash",
        prompt: "Hi",
        maxTokens: 5,
      }),
    );
    assertEquals(calls[0].url, url);
    assertEquals((calls[0].init.headers as Record<string, string>)[header], value);
    assert(!calls[0].url.includes(API_KEY), "the key is never in the URL");
  }
});

Deno.test("createVertexClient() maps sampling parameters into generationConfig, the rest into the body", async () => {
  const { fetch, calls } = fakeFetch("");
  await collect(
    createVertexClient({ project: "p", fetch, systemPrompt: "Be brief." }).stream({
      model: "gemini-2.0-flash-001",
      prompt: "Hi",
      maxTokens: 9,
      samplingParams: {
        temperature: 0,
        top_p: 0.5,
        stop: "END",
        thinkingConfig: { thinkingBudget: 0 },
        safetySettings: [],
      },
    }),
  );
  assertEquals(JSON.parse(calls[0].init.body as string), {
    contents: [{ role: "user", parts: [{ text: "Hi" }] }],
    generationConfig: {
      maxOutputTokens: 9,
      temperature: 0,
      topP: 0.5,
      stopSequences: ["END"],
      thinkingConfig: { thinkingBudget: 0 },
    },
    safetySettings: [],
    systemInstruction: { parts: [{ text: "Be brief." }] },
  });
});

Deno.test("createVertexClient() yields thoughts as reasoning, text as content and usage metadata", async () => {
  const body = sse(
    {
      candidates: [{ content: { role: "model", parts: [{ text: "Think", thought: true }] } }],
      usageMetadata: { trafficType: "ON_DEMAND" },
    },
    {
      candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] } }],
      tokenbench_sent_at_ms: 7.25,
    },
    {
      candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP" }],
      usageMetadata: {
        promptTokenCount: 4,
        candidatesTokenCount: 1,
        thoughtsTokenCount: 1,
        cachedContentTokenCount: 2,
        totalTokenCount: 6,
      },
    },
  );
  const events = await collect(
    createVertexClient({ fetch: fakeFetch(body).fetch }).stream({
      model: "m",
      prompt: "x",
      maxTokens: 2,
    }),
  );
  assertEquals(events, [
    { kind: "headers", status: 200 },
    { kind: "message" },
    { kind: "reasoning", text: "Think" },
    { kind: "message", sentAtEpochMs: 7.25 },
    { kind: "content", text: "Hello", sentAtEpochMs: 7.25 },
    { kind: "message" },
    {
      kind: "usage",
      inputTokens: 4,
      outputTokens: 1,
      reasoningTokens: 1,
      cacheReadInputTokens: 2,
    },
    { kind: "done", finishReason: "STOP" },
  ] as StreamEvent[]);
});

Deno.test("createVertexClient() turns HTTP, in-stream, blocked and truncated failures into error events", async () => {
  const error = (code: number, status: string) => ({
    error: { code, message: `quota for ${TOKEN}`, status },
  });
  const cases: [string, number, number, string | undefined][] = [
    [JSON.stringify(error(429, "RESOURCE_EXHAUSTED")), 429, 429, "RESOURCE_EXHAUSTED"],
    [JSON.stringify([error(403, "PERMISSION_DENIED")]), 403, 403, "PERMISSION_DENIED"],
    [
      sse({ candidates: [{ content: { parts: [{ text: "a" }] } }] }, error(0, "UNAVAILABLE")),
      200,
      503,
      "UNAVAILABLE",
    ],
    [sse({ promptFeedback: { blockReason: "SAFETY" } }), 200, 400, "PromptBlocked"],
    [sse({ candidates: [{ content: { parts: [{ text: "a" }] } }] }), 200, 599, undefined],
  ];
  for (const [body, status, code, name] of cases) {
    const events = await collect(
      createVertexClient({ accessToken: TOKEN, fetch: fakeFetch(body, status).fetch }).stream({
        model: "m",
        prompt: "x",
        maxTokens: 3,
      }),
    );
    const last = events.at(-1);
    assert(last?.kind === "error", JSON.stringify(events));
    assertEquals([last.code, last.name], [code, name]);
    assert(!last.message.includes(TOKEN), last.message);
    assertEquals(events.filter((e) => e.kind === "error").length, 1);
  }
  await assertRejects(() => createVertexClient({ region: "us central" }), TypeError, "region");
  await assertRejects(() => createVertexClient({ baseUrl: "ftp://x" }), TypeError, "baseUrl");
});

Deno.test("createVertexClient() streams through the simulator with its tokens and timings", async () => {
  await using sim = await startSimulator({ ttftMs: 30, itlMs: 3, seed: 6 });
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const client = createVertexClient({
      project: "my-proj",
      region: "us-east5",
      accessToken: TOKEN,
      baseUrl: sim.url,
    });
    const maxTokens = 12;
    const lags = { ttft: [] as number[], e2e: [] as number[], headers: [] as number[] };
    for (let i = 0; i < 4; i++) {
      sim.clearLog();
      const t = await timeStream(
        client.stream({ model: "gemini-2.5-flash", prompt: PROMPT, maxTokens }),
      );
      const [truth] = sim.log();
      assertEquals(t.error, null);
      assertEquals(truth.format, "vertex-gemini");
      assertEquals(truth.model, "gemini-2.5-flash");
      assertEquals(truth.query, { alt: "sse" });
      assertEquals(truth.headers.authorization, "[redacted]");
      assertEquals(truth.outputTokens, maxTokens);
      assertEquals(t.chunkArrivalMs.length, maxTokens);
      assertEquals(tokenizer.countTokens(t.text), truth.outputTokens);
      assertEquals(t.usage.inputTokens, truth.inputTokens);
      assertEquals(t.usage.outputTokens, truth.outputTokens);
      assertEquals(t.chunkSentEpochMs, truth.chunkSentEpochMs);
      assertEquals(t.finishReason, "MAX_TOKENS");
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

Deno.test("createVertexClient() counts thought parts apart from the answer through the simulator", async () => {
  await using sim = await startSimulator({ ttftMs: 10, itlMs: 2, seed: 2 });
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const result = await runBenchmark(createVertexClient({ apiKey: API_KEY, baseUrl: sim.url }), {
      model: "gemini-2.5-pro",
      prompt: () => ({ prompt: PROMPT, inputTokens: 14, maxOutputTokens: 10 }),
      samplingParams: { thinkingConfig: { thinkingBudget: 4, includeThoughts: true } },
      countTokens: (text) => tokenizer.countTokens(text),
      maxRequests: 2,
      concurrency: 1,
    });
    const log = sim.log();
    for (const r of result.records) {
      assertEquals(r.status, "ok");
      assertEquals([r.reasoningTokens, r.outputTokens], [4, 6]);
      assertEquals(r.serverOutputTokens, 6); // candidatesTokenCount excludes thoughts
      assert(r.firstReasoningMs! < r.ttftMs!, "thoughts come first");
      assertEquals(r.chunkSentEpochMs, log[r.requestId].chunkSentEpochMs.slice(4));
    }
  } finally {
    tokenizer.free();
  }
});

Deno.test("createVertexClient() errors from the simulator become error records and the run completes", async () => {
  {
    await using sim = await startSimulator({ errorRate: 1, errorStatuses: [429] });
    const events = await collect(
      createVertexClient({ project: "p", baseUrl: sim.url }).stream({
        model: "gemini-2.5-flash",
        prompt: PROMPT,
        maxTokens: 3,
      }),
    );
    const last = events.at(-1);
    assert(last?.kind === "error", JSON.stringify(events));
    assertEquals([last.code, last.name], [429, "RESOURCE_EXHAUSTED"]);
  }
  await using sim = await startSimulator({
    ttftMs: 5,
    itlMs: 1,
    streamErrorRate: 0.5,
    errorStatuses: [503],
    seed: 3,
  });
  const result = await runBenchmark(createVertexClient({ project: "p", baseUrl: sim.url }), {
    model: "gemini-2.5-flash",
    prompt: () => ({ prompt: PROMPT, inputTokens: 14, maxOutputTokens: 6 }),
    concurrency: 1,
    maxRequests: 8,
  });
  const log = sim.log();
  const errors = result.records.filter((r) => r.status === "error");
  assert(errors.length > 0 && errors.length < 8, `${errors.length} errors`);
  for (const r of result.records) {
    assertEquals(r.chunkCount, log[r.requestId].chunkSentEpochMs.length);
    if (r.status === "error") assertEquals(r.errorCode, 503);
  }
  // A simulator that requires a key refuses a wrong one; the key never shows.
  await using locked = await startSimulator({ apiKey: API_KEY });
  const denied = await collect(
    createVertexClient({ baseUrl: locked.url, apiKey: "AIzaWrongKeyWrongKey" }).stream({
      model: "m",
      prompt: PROMPT,
      maxTokens: 2,
    }),
  );
  const error = denied.at(-1);
  assert(error?.kind === "error" && error.code === 401, JSON.stringify(denied));
  assert(!JSON.stringify(denied).includes("AIzaWrongKeyWrongKey"), "the key leaked");
  const allowed = await collect(
    createVertexClient({ baseUrl: locked.url, apiKey: API_KEY }).stream({
      model: "m",
      prompt: PROMPT,
      maxTokens: 2,
    }),
  );
  assertEquals(allowed.filter((e) => e.kind === "content").length, 2);
});
