import { assert, assertEquals } from "../_assert.ts";
import { throws } from "node:assert/strict";
import { compareRuns, renderComparisonMarkdown } from "../../lib/report/compare_runs.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";
import type { RunMetadata } from "../../lib/report/run_metadata.ts";
import { createRandom, sampleNormal } from "../../lib/core/random.ts";

/** `n` completed records with normal TTFTs and throughputs. */
function records(
  n: number,
  ttft: number,
  throughput: number,
  seed: number,
): RequestRecord[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => ({
    phase: "measure",
    status: "ok",
    ttftMs: sampleNormal(random, ttft, 10),
    e2eMs: sampleNormal(random, 1000, 50),
    interTokenLatencyMs: sampleNormal(random, 20, 2),
    outputThroughputTokPerS: sampleNormal(random, throughput, 3),
  })) as unknown as RequestRecord[];
}

const META = {
  llmApi: "openai",
  model: "m",
  endpoint: "http://127.0.0.1:1/",
  simulated: true,
  tokenizer: "cl100k_base",
  promptMode: "llmperf",
  meanInputTokens: 550,
  stddevInputTokens: 150,
  meanOutputTokens: 150,
  stddevOutputTokens: 10,
  numConcurrentRequests: 8,
  rate: null,
} as unknown as RunMetadata;

Deno.test("compareRuns() calls lower latency and higher throughput 'faster'", () => {
  const c = compareRuns([
    { label: "base", records: records(300, 200, 40, 1) },
    { label: "better", records: records(300, 150, 60, 2) },
  ]);
  const by = (metric: string) => c.metrics.find((m) => m.metric === metric)!;
  const ttft = by("ttftMs").statistics.p50[1];
  assert(ttft.difference! < -40 && ttft.difference! > -60, `${ttft.difference}`);
  assert(ttft.ci![0] <= -50 && -50 <= ttft.ci![1], `${ttft.ci}`);
  assertEquals(ttft.verdict, "faster");
  const throughput = by("outputThroughputTokPerS").statistics.p50[1];
  assert(throughput.difference! > 15, `${throughput.difference}`);
  assertEquals(throughput.verdict, "faster");
  // the same e2e distribution: no significant difference (its interval holds 0)
  const e2e = by("e2eMs").statistics.p50[1];
  assert(e2e.ci![0] <= 0 && 0 <= e2e.ci![1], `${e2e.ci}`);
  assertEquals(e2e.verdict, "no significant difference");
  // the first run is the baseline: no difference of its own
  assertEquals(c.metrics[0].statistics.p50[0].verdict, null);
  assertEquals(c.baseline, "base");
});

Deno.test("compareRuns() warns about different workloads and thin percentiles", () => {
  const c = compareRuns([
    { label: "a", records: records(50, 200, 40, 1), metadata: META },
    {
      label: "b",
      records: records(50, 200, 40, 2),
      metadata: { ...META, numConcurrentRequests: 16, tokenizer: "llama", meanInputTokens: 1000 },
    },
  ]);
  const workload = c.warnings.filter((w) => w.startsWith("runs differ in workload"));
  assertEquals(workload.length, 3, workload.join("\n"));
  assert(workload.some((w) => w.includes("concurrency 8 (a) vs 16 (b)")), workload.join("\n"));
  assert(workload.some((w) => w.includes('tokenizer "cl100k_base" (a) vs "llama" (b)')));
  assert(workload.some((w) => w.includes("mean input tokens 550 (a) vs 1000 (b)")));
  assert(c.warnings.some((w) => w.startsWith("a: p99 of 50 values")), c.warnings.join("\n"));
});

Deno.test("compareRuns() leaves out errors and warm-up, and says 'no data' for a run without values", () => {
  const ok = records(40, 100, 40, 1);
  const noise = [
    { ...ok[0], status: "error", ttftMs: 1e6 },
    { ...ok[0], phase: "warmup", ttftMs: 1e6 },
  ] as unknown as RequestRecord[];
  const c = compareRuns([
    { label: "a", records: ok },
    { label: "b", records: [...ok, ...noise] },
    { label: "empty", records: noise },
  ]);
  const [a, b, empty] = c.metrics[0].statistics.p99;
  assertEquals(b.value, a.value);
  assertEquals(b.count, 40);
  assertEquals(empty.verdict, "no data");
  assertEquals(empty.value, null);
});

Deno.test("compareRuns() refuses fewer than two runs, duplicate labels and bad confidences", () => {
  const r = records(10, 100, 40, 1);
  throws(() => compareRuns([{ label: "a", records: r }]), /at least two runs, got 1/);
  throws(
    () => compareRuns([{ label: "a", records: r }, { label: "a", records: r }]),
    /unique, got 'a' twice/,
  );
  throws(
    () => compareRuns([{ label: "a", records: r }, { label: "b", records: r }], { confidence: 1 }),
    /'confidence' must be in \(0, 1\), got 1/,
  );
});

Deno.test("renderComparisonMarkdown() gives one row per metric, statistic and run, at the stated confidence", () => {
  const c = compareRuns([
    { label: "a", records: records(100, 200, 40, 1) },
    { label: "b", records: records(100, 300, 40, 2) },
    { label: "c", records: records(100, 200, 40, 3) },
  ], { confidence: 0.9 });
  const md = renderComparisonMarkdown(c);
  assert(md.includes("90% confidence") && md.includes("90% CI"), md);
  const rows = md.split("\n").filter((l) => /^\| (TTFT|End|Inter|Output)/.test(l));
  assertEquals(rows.length, 4 * 2 * 2);
  const ttftB = rows.find((l) =>
    l.startsWith("| TTFT") && l.includes(" p50 ") && l.includes(" b ")
  );
  assert(ttftB !== undefined && ttftB.includes(" slower |"), ttftB);
});
