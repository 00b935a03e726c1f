import { assert, assertEquals } from "../_assert.ts";
import { benchmark } from "../../lib/run/benchmark.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
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

Deno.test("benchmark() scrapes the server's /metrics into server_metrics.jsonl and summary.json", async () => {
  await using sim = await startSimulator({ ttftMs: 60, itlMs: 5, maxRunning: 2 });
  const resultsDir = await Deno.makeTempDir();
  try {
    const run = await benchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
      ...RUN,
      meanOutputTokens: 10,
      concurrency: 4,
      maxRequests: 12,
      simulator: sim,
      resultsDir,
      serverMetrics: { url: `${sim.url}/metrics`, intervalMs: 25 },
    });
    assert(run.dir !== null);
    const lines = (await Deno.readTextFile(`${run.dir}/server_metrics.jsonl`)).trim().split("\n")
      .map((line) => JSON.parse(line));
    assertEquals(lines[0].kind, "server-metrics");
    assertEquals(lines[0].schemaVersion, 1);
    assertEquals(lines[0].url, `${sim.url}/metrics`);
    const scrapes = lines.filter((line) => line.kind === "scrape");
    assert(scrapes.length >= 10, `${scrapes.length} scrapes`);
    const summary = JSON.parse(await Deno.readTextFile(`${run.dir}/summary.json`));
    const metrics = summary.serverMetrics;
    assertEquals(metrics.scrapes, scrapes.length);
    assertEquals(metrics.failedScrapes, 0);
    // Four in flight against two slots: two run, two wait.
    assertEquals(metrics.roles.running.name, "vllm:num_requests_running");
    assertEquals(metrics.roles.running.stats.max, 2);
    assertEquals(metrics.roles.waiting.stats.max, 2);
    assert(metrics.roles.kvCacheUsage.stats.max > 0);
    const success = metrics.counters[
      'vllm:request_success_total{finished_reason="length",model_name="tokenbench-sim"}'
    ];
    assertEquals(success.last, 12);
    assertEquals(success.increase, 12);
    // On the run's clock: the first scrape starts before the first request, the last one after
    // the last request.
    const firstStart = metrics.firstMs - scrapes[0].scrapeMs;
    assert(firstStart < 5 && firstStart > -1000, `${metrics.firstMs} - ${scrapes[0].scrapeMs}`);
    assert(metrics.lastMs >= run.wallTimeMs - 5, `${metrics.lastMs} vs ${run.wallTimeMs}`);
    assertEquals(run.serverMetricsRun?.scrapes.length, scrapes.length);
    assert(run.paths.some((p) => p.endsWith("server_metrics.jsonl")));
    // The client's view beside it: TTFT grew by the wait of the queued requests.
    const ttfts = run.records.map((r) => r.ttftMs!).sort((a, b) => a - b);
    assert(ttfts.at(-1)! > 100, ttfts.join());
  } finally {
    await Deno.remove(resultsDir, { recursive: true });
  }
});

Deno.test("benchmark() records failed scrapes and checks the serverMetrics option", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const run = await benchmark(client, {
    ...RUN,
    concurrency: 1,
    maxRequests: 2,
    simulator: sim,
    serverMetrics: { url: `${sim.url}/nothing-here`, intervalMs: 20 },
  });
  assertEquals(run.records.length, 2);
  const metrics = run.report.summary.serverMetrics!;
  assertEquals(metrics.scrapes, 0);
  assert(metrics.failedScrapes >= 2);
  assert(metrics.firstError!.startsWith("HTTP 404"), metrics.firstError!);
  let message = "";
  try {
    await benchmark(client, { ...RUN, serverMetrics: { url: "localhost:8000/metrics" } });
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes("'serverMetrics.url' must be an http(s) URL"), message);
  try {
    await benchmark(client, { ...RUN, serverMetrics: { url: sim.url, intervalMs: 1 } });
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes("'serverMetrics.intervalMs' must be a number >= 10, got 1"), message);
  assertEquals(sim.log().length, 2);
});
