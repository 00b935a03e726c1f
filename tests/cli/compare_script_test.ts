import { assert, assertEquals } from "../_assert.ts";
import { benchmark } from "../../lib/run/benchmark.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { compareMain } from "../../lib/cli/compare_command.ts";
import type { RunComparison } from "../../lib/report/compare_runs.ts";

/** One closed-loop run of 80 requests against a simulator answering after `ttftMs` ± 15 ms. */
async function simRun(resultsDir: string, ttftMs: number, seed: number): Promise<string> {
  await using sim = await startSimulator({ ttftMs, itlMs: 1, jitterMs: 15, seed });
  const run = await benchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
    model: "sim",
    maxRequests: 80,
    concurrency: 4,
    meanInputTokens: 20,
    stddevInputTokens: 0,
    meanOutputTokens: 4,
    stddevOutputTokens: 0,
    gracePeriodS: 0,
    simulator: sim,
    resultsDir,
  });
  assert(run.dir !== null);
  return run.dir;
}

Deno.test("deno task compare: a run 60 ms slower to first token is 'slower', its CI covers 60 ms", async () => {
  const root = await Deno.makeTempDir();
  try {
    const fast = await simRun(root, 60, 1);
    const slow = await simRun(root, 120, 2);
    const out = `${root}/comparison.json`;
    const log = console.log;
    console.log = () => {};
    let code;
    try {
      code = await compareMain([fast, slow, "--format", "json", "--out", out]);
    } finally {
      console.log = log;
    }
    assertEquals(code, 0);
    const c: RunComparison = JSON.parse(await Deno.readTextFile(out));
    assertEquals(c.confidence, 0.95);
    const ttft = c.metrics.find((m) => m.metric === "ttftMs")!;
    const [base, other] = ttft.statistics.p50;
    assertEquals([base.count, other.count], [80, 80]);
    assert(other.difference! > 0, `slower run has a positive difference: ${other.difference}`);
    const [lo, hi] = other.ci!;
    assert(lo > 0 && lo <= 60 && 60 <= hi, `CI [${lo}, ${hi}] excludes 0 and covers 60`);
    assertEquals(other.verdict, "slower");
    // the other way round: faster, a negative difference
    const md = `${root}/comparison.md`;
    console.log = () => {};
    try {
      assertEquals(await compareMain([slow, fast, "--out", md]), 0);
    } finally {
      console.log = log;
    }
    const text = await Deno.readTextFile(md);
    const row = text.split("\n").find((l) => l.startsWith("| TTFT (ms)") && l.includes(" p50 "));
    assert(row !== undefined && /\| +-\d/.test(row) && row.includes(" faster |"), row);
    // the same workload but for the endpoint (each simulator has its own port)
    const workload = text.split("\n").filter((l) => l.includes("differ in workload"));
    assertEquals(workload.length, 1, text);
    assert(workload[0].includes('endpoint "http://127.0.0.1:'), workload[0]);
    // never overwrites
    const error = console.error;
    let said = "";
    console.error = (s: string) => said += s;
    try {
      assertEquals(await compareMain([slow, fast, "--out", md]), 2);
    } finally {
      console.error = error;
    }
    assert(said.includes("already exists"), said);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
