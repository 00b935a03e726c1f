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
