import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { quickBenchmark } from "../../lib/run/quick_benchmark.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { readRunJsonl } from "../../lib/report/read_run_jsonl.ts";

const small = {
  meanInputTokens: 40,
  stddevInputTokens: 0,
  meanOutputTokens: 12,
  stddevOutputTokens: 0,
} as const;

Deno.test("quickBenchmark() runs, reports progress and derives the tables without writing", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1, seed: 2 });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const lines: string[] = [];
  const run = await quickBenchmark(client, {
    model: "sim",
    maxRequests: 8,
    concurrency: 4,
    warmup: 2,
    ...small,
    simulator: sim,
    onProgress: (line) => lines.push(line),
  });
  assertEquals(run.dir, null);
  assertEquals(run.paths, []);
  assertEquals(sim.log().length, 10, "warm-up requests are sent too");
  assertEquals(run.records.filter((r) => r.phase === "warmup").length, 2);
  assertEquals(run.report.summary.summary.numCompleted, 8);
  assert(run.records.every((r) => r.status === "ok" && r.outputTokens === 12));
  assert(run.report.tables.includes("| openai (simulated) | sim "), run.report.tables);
  assertEquals(run.metadata.simulated, true);
  assertEquals(run.metadata.endpoint, sim.url);
  assertEquals(run.metadata.numConcurrentRequests, 4);
  assertEquals(run.metadata.finished, true);
  assert(lines.length >= 1 && lines.at(-1)!.startsWith("8/8 done | 0 errors"), lines.join("\n"));
});

Deno.test("quickBenchmark() sends the same prompts for the same seed", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 0 });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const options = {
    model: "sim",
    maxRequests: 3,
    meanInputTokens: 60,
    stddevInputTokens: 20,
    meanOutputTokens: 4,
    stddevOutputTokens: 0,
    seed: 5,
  };
  const a = await quickBenchmark(client, options);
  const b = await quickBenchmark(client, options);
  const c = await quickBenchmark(client, { ...options, seed: 6 });
  const lengths = (run: typeof a) => run.records.map((r) => r.inputTokens).join();
  assertEquals(lengths(a), lengths(b));
  assert(lengths(a) !== lengths(c), `seeds 5 and 6 gave the same prompts: ${lengths(a)}`);
});

Deno.test("quickBenchmark() writes a new run folder like deno task bench, never overwriting", async () => {
  const root = await Deno.makeTempDir();
  try {
    await using sim = await startSimulator({ ttftMs: 2, itlMs: 0, errorRate: 0.5, seed: 4 });
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
    const options = { model: "my/model", maxRequests: 6, concurrency: 2, ...small, simulator: sim };
    const run = await quickBenchmark(client, { ...options, resultsDir: `${root}/nested` });
    assert(run.dir !== null && run.dir.startsWith(`${root}/nested/`), String(run.dir));
    assert(run.dir.endsWith("_my-model"), run.dir);
    const names = run.paths.map((p) => p.slice(run.dir!.length + 1));
    assertEquals(names, [
      "requests.jsonl",
      "summary.json",
      "requests.csv",
      "tables.md",
      "report.html",
      "my-model_40_12_summary.json",
      "my-model_40_12_individual_responses.json",
    ]);
    const jsonl = readRunJsonl(await Deno.readTextFile(`${run.dir}/requests.jsonl`));
    assert(jsonl.finished, "the JSONL has its end line");
    assertEquals(jsonl.report.records.length, 6);
    assertEquals(await Deno.readTextFile(`${run.dir}/tables.md`), run.report.tables);
    const summary = JSON.parse(await Deno.readTextFile(`${run.dir}/summary.json`));
    assertEquals(summary.metadata.simulated, true);
    const failed = run.records.filter((r) => r.status === "error").length;
    assert(failed > 0 && failed < 6, `errorRate 0.5 should fail some of 6, failed ${failed}`);
    assertEquals(summary.summary.numErrors, failed);

    const again = await quickBenchmark(client, { ...options, resultsDir: `${root}/nested` });
    assert(again.dir !== run.dir, "a second run gets its own folder");
    assertEquals((await Deno.readTextFile(`${run.dir}/requests.jsonl`)).split("\n").length, 9);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("quickBenchmark() rejects bad options before sending anything", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 0 });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  await assertRejects(
    () => quickBenchmark(client, { model: "m", concurrency: 0 }),
    RangeError,
    "Cannot run benchmark: 'concurrency' must be a positive integer, got 0",
  );
  await assertRejects(
    () => quickBenchmark(client, { model: "m", maxRequests: 2.5 }),
    RangeError,
    "'maxRequests' must be a positive integer, got 2.5",
  );
  await assertRejects(
    () => quickBenchmark(client, { model: "" }),
    TypeError,
    "'model' must be a non-empty string",
  );
  await assertRejects(
    () => quickBenchmark(client, { model: "m", progressEveryMs: 0 }),
    RangeError,
    "'progressEveryMs' must be a positive number, got 0",
  );
  await assertRejects(
    () => quickBenchmark(client, { model: "m", meanInputTokens: 0 }),
    RangeError,
    "meanInputTokens",
  );
  assertEquals(sim.log().length, 0);
});

Deno.test("quickBenchmark() passes serverMetrics on to the run", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
  const run = await quickBenchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
    model: "sim",
    maxRequests: 3,
    meanInputTokens: 20,
    stddevInputTokens: 0,
    meanOutputTokens: 5,
    stddevOutputTokens: 0,
    simulator: sim,
    serverMetrics: { url: `${sim.url}/metrics`, intervalMs: 20 },
  });
  const metrics = run.report.summary.serverMetrics!;
  assert(metrics.scrapes >= 2);
  assertEquals(
    metrics
      .counters['vllm:request_success_total{finished_reason="length",model_name="tokenbench-sim"}']
      .last,
    3,
  );
});
