import { assert, assertEquals } from "../_assert.ts";
import { benchmark } from "../../lib/run/benchmark.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { Workload } from "../../lib/core/workload.ts";
import type { LlmClient } from "../../lib/core/llm_client.ts";
import { applyLens } from "../../lib/core/lenses.ts";

const RUN = {
  model: "sim",
  meanInputTokens: 20,
  stddevInputTokens: 0,
  meanOutputTokens: 4,
  stddevOutputTokens: 0,
  gracePeriodS: 0,
} as const;

Deno.test("benchmark() stamps every request's send and flags the requests that opened a connection", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
  const spec = {
    api: "openai",
    options: { baseUrl: `${sim.url}/v1` },
    transport: "http1",
  } as const;
  const client = createOpenAiClient(spec.options);
  // Two Workers, three streams: three connections, each opened by its first request.
  const cold = await benchmark(client, {
    ...RUN,
    concurrency: 3,
    maxRequests: 12,
    spec,
    workers: 2,
    simulator: sim,
  });
  assertEquals(cold.records.length, 12);
  for (const r of cold.records) {
    assert(r.requestSentMs !== undefined && r.requestSentMs >= 0, JSON.stringify(r));
    assert(r.ttftMs !== null && r.ttftMs >= r.requestSentMs);
  }
  const coldCount = cold.records.filter((r) => r.coldStart === true).length;
  assert(coldCount >= 3 && coldCount < 12, `${coldCount} cold starts`);
  const parts = cold.report.summary.summary.ttftParts;
  assertEquals(parts?.coldStarts, coldCount);
  assertEquals(parts?.ttftWarmMs.count, 12 - coldCount);

  // --preconnect: the connections are open before the first request, none is cold.
  const warm = await benchmark(client, {
    ...RUN,
    concurrency: 3,
    maxRequests: 12,
    spec,
    workers: 2,
    simulator: sim,
    preconnect: true,
  });
  assertEquals(warm.records.filter((r) => r.coldStart === true).length, 0);
  assertEquals(warm.report.summary.summary.ttftParts?.coldStarts, 0);
});

Deno.test("benchmark() makes each prompt as it is needed: a million-request run makes only what it sends", async () => {
  const made: number[] = [];
  const sent: string[] = [];
  const workload: Workload = {
    kind: "synthetic",
    size: Infinity,
    request(i) {
      made.push(i);
      return { prompt: `prompt ${i}`, inputTokens: 3, maxOutputTokens: 2 };
    },
  };
  const client: LlmClient = {
    api: "fake",
    async *stream(request) {
      sent.push(request.prompt);
      yield { kind: "headers", status: 200 };
      await new Promise((r) => setTimeout(r, 1));
      for (let i = 0; i < request.maxTokens; i++) yield { kind: "content", text: " x" };
      yield { kind: "done" };
    },
  };
  const stop = new AbortController();
  const run = await benchmark(client, {
    ...RUN,
    workload,
    maxRequests: 1_000_000,
    concurrency: 2,
    lookahead: 4,
    signal: stop.signal,
    onRecord: (r) => {
      if (r.requestId >= 20) stop.abort("enough");
    },
  });
  assertEquals(run.finished, false);
  const ids = run.records.map((r) => r.requestId).sort((a, b) => a - b);
  // Every record carries the prompt made for its id; nothing far ahead was made.
  assertEquals(sent.length, run.records.length);
  for (const id of ids) assert(sent.includes(`prompt ${id}`), `prompt ${id}`);
  assert(Math.max(...made) <= Math.max(...ids) + 4 + 1, `made up to ${Math.max(...made)}`);
  assertEquals(new Set(made).size, made.length);
});

Deno.test("benchmark() with a shard makes only the shard's prompts", async () => {
  const made: number[] = [];
  const workload: Workload = {
    kind: "synthetic",
    size: Infinity,
    request(i) {
      made.push(i);
      return { prompt: `prompt ${i}`, inputTokens: 3, maxOutputTokens: 2 };
    },
  };
  const client: LlmClient = {
    api: "fake",
    async *stream(request) {
      yield { kind: "headers", status: 200 };
      for (let i = 0; i < request.maxTokens; i++) yield { kind: "content", text: " x" };
      yield { kind: "done" };
    },
  };
  const run = await benchmark(client, {
    ...RUN,
    workload,
    warmup: 2,
    maxRequests: 9,
    concurrency: 3,
    shard: { index: 1, count: 3 },
  });
  const ids = run.records.map((r) => r.requestId);
  // shardPlan's ids: warm-up 1; measured 2 + 1, 2 + 4, 2 + 7.
  assertEquals([...ids].sort((a, b) => a - b), [1, 3, 6, 9]);
  assertEquals([...made].sort((a, b) => a - b), [1, 3, 6, 9]);
});

Deno.test("benchmark() with shared prefixes hits the simulator's prefix cache: cached tokens per request and in the summary", async () => {
  await using sim = await startSimulator({
    ttftMs: 60,
    itlMs: 1,
    prefixCache: { capacityTokens: 1_000_000 },
  });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const run = await benchmark(client, {
    ...RUN,
    meanInputTokens: 400,
    stddevInputTokens: 20,
    prefixTokens: 256,
    numPrefixes: 2,
    maxRequests: 12,
    concurrency: 1,
    simulator: sim,
  });
  assertEquals(run.records.length, 12);
  assertEquals(run.metadata.workload, { kind: "synthetic", prefixTokens: 256, numPrefixes: 2 });
  const truth = new Map(sim.log().map((t) => [t.requestId, t]));
  let hits = 0;
  for (const r of run.records) {
    assert(r.cachedInputTokens !== undefined, "every record says");
    if (r.cachedInputTokens > 0) hits++;
    // 256 prefix tokens: all 16 blocks, or 15 where the join changes the last one's tokens.
    if (r.cachedInputTokens > 0) assert(r.cachedInputTokens >= 240, String(r.cachedInputTokens));
  }
  const cachedInLog = [...truth.values()].filter((t) => (t.cachedInputTokens ?? 0) > 0).length;
  assertEquals(hits, cachedInLog);
  // Each of the two prefixes misses once at most (its first use), every other request hits.
  assert(hits >= 10, `${hits} hits`);
  const cache = run.report.summary.summary.promptCache!;
  assertEquals(cache.requests, 12);
  assertEquals(cache.hits, hits);
  assertEquals(cache.hitShare, hits / 12);
  assert(
    cache.cachedTokenShare > 0.5 && cache.cachedTokenShare < 0.7,
    String(cache.cachedTokenShare),
  );
  assert(cache.ttftCachedMs.p50! < cache.ttftUncachedMs.p50! - 20, JSON.stringify(cache));
});

Deno.test("benchmark() runs the Responses API from Workers: reasoning apart, server counts, lenses on deltas", async () => {
  await using sim = await startSimulator({ ttftMs: 20, itlMs: 5, tokensPerChunk: 1 });
  const spec = {
    api: "openai",
    options: { baseUrl: `${sim.url}/v1`, endpoint: "responses" },
    transport: "http1",
  } as const;
  const run = await benchmark(createOpenAiClient(spec.options), {
    ...RUN,
    meanOutputTokens: 16,
    concurrency: 2,
    maxRequests: 4,
    spec,
    workers: 1,
    simulator: sim,
    samplingParams: { reasoning: { effort: "medium" } },
  });
  assertEquals(run.records.length, 4);
  assertEquals(run.report.summary.metadata.endpointKind, "responses");
  for (const r of run.records) {
    assert(r.status === "ok", JSON.stringify(r));
    // 16 × 0.25 = 4 reasoning tokens, then 12 answer tokens; the server counts both.
    assertEquals(r.reasoningTokens, 4);
    assertEquals(r.outputTokens, 12);
    assertEquals(r.serverOutputTokens, 16);
    assert(r.firstReasoningMs !== null && r.ttftMs !== null && r.firstReasoningMs < r.ttftMs);
    // vLLM's "choices" messages are the 16 deltas, not the bookkeeping events around them.
    assertEquals(r.choicesArrivalMs.length, 16);
    assert(r.messageCount > 16);
  }
  const vllm = applyLens("vllm", run.records);
  const ours = applyLens("tokenbench", run.records);
  // vLLM stops TTFT at the first delta (reasoning here), ours at the first answer text.
  assert(vllm.stats.ttftMs!.p50! < ours.stats.ttftMs!.p50!);
  assertEquals(sim.log().every((entry) => entry.format === "openai-responses"), true);
});
