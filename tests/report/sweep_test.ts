import { assert, assertEquals } from "../_assert.ts";
import { parseSweepLevels, sweepSummary, sweepTable } from "../../lib/report/sweep.ts";
import type { RunSummaryDocument } from "../../lib/report/run_report.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { main as benchMain } from "../../scripts/token_benchmark.ts";
import { sweepRequest } from "../../lib/cli/sweep_flags.ts";

Deno.test("parseSweepLevels() takes integers for concurrency and numbers for rate", () => {
  assertEquals(parseSweepLevels("1,4,16,64", "concurrency"), [1, 4, 16, 64]);
  assertEquals(parseSweepLevels("0.5, 2,10", "rate"), [0.5, 2, 10]);
  for (
    const [text, variable, expected] of [
      ["1,2.5", "concurrency", "positive integers"],
      ["1,,2", "rate", "positive numbers"],
      ["0,1", "rate", "positive numbers"],
      ["2,2", "concurrency", "repeat"],
    ] as const
  ) {
    let message = "";
    try {
      parseSweepLevels(text, variable);
    } catch (err) {
      assert(err instanceof RangeError);
      message = err.message;
    }
    assert(message.includes(expected), `${text}: ${message}`);
  }
});

function doc(ttftP50: number, goodputShare: number | null): RunSummaryDocument {
  return {
    metadata: { model: "m" },
    summary: {
      numRequestsStarted: 10,
      numCompleted: 9,
      errorRate: 0.1,
      outputTokensPerS: 123.4,
      completedRequestsPerMin: 60,
      stats: {
        ttftMs: { p50: ttftP50, p99: ttftP50 * 3 },
        e2eMs: { p50: 1000, p99: 1500 },
        interTokenLatencyMs: { p50: 20 },
      },
    },
    confidence: { warnings: ["p99 of 9 values rests on too few samples"] },
    ...(goodputShare === null
      ? {}
      : { goodput: { share: goodputShare, ratePerS: goodputShare * 2 } }),
    clientHealth: { loopLagMsP99: 1.5, warnings: [] },
  } as unknown as RunSummaryDocument;
}

Deno.test("sweepSummary() and sweepTable() give one row per level with goodput when present", () => {
  const summary = sweepSummary("rate", [
    { level: 1, dir: "r1", summary: doc(100, 0.9) },
    { level: 5, dir: "r5", summary: doc(400, 0.5) },
  ]);
  assertEquals(summary.kind, "sweep-summary");
  assertEquals(summary.rows.map((r) => [r.load, r.ttftP99Ms, r.goodputShare]), [
    [1, 300, 0.9],
    [5, 1200, 0.5],
  ]);
  assertEquals(summary.rows[0].warnings, ["p99 of 9 values rests on too few samples"]);
  const table = sweepTable(summary);
  const lines = table.trim().split("\n");
  assert(lines[0].startsWith("### Latency and throughput vs rate (m)"), lines[0]);
  assert(lines[2].includes("Rate (req/s)") && lines[2].includes("Goodput %"), lines[2]);
  assert(lines[5].includes("| 5 ") && lines[5].includes("50.0") && lines[5].includes("400.0"));
});

Deno.test("sweepSummary() and sweepTable() put each level's server metrics beside it when scraped", () => {
  const stats = (mean: number, max = mean) => ({ count: 3, mean, max });
  const scraped = {
    ...doc(100, null),
    serverMetrics: {
      scrapes: 12,
      roles: {
        running: { name: "vllm:num_requests_running", series: 1, stats: stats(3.5) },
        waiting: { name: "vllm:num_requests_waiting", series: 1, stats: stats(1.25) },
        kvCacheUsage: { name: "vllm:kv_cache_usage_perc", series: 1, stats: stats(0.2, 0.5) },
        prefixCacheHitRate: {
          name: "vllm:prefix_cache_hits_total/vllm:prefix_cache_queries_total",
          series: 1,
          stats: stats(0.4),
          overall: 0.375,
        },
      },
    },
  } as unknown as RunSummaryDocument;
  const summary = sweepSummary("concurrency", [
    { level: 1, dir: "c1", summary: doc(90, null) },
    { level: 4, dir: "c4", summary: scraped },
  ]);
  assertEquals(summary.rows[0].server, null);
  assertEquals(summary.rows[1].server, {
    runningMean: 3.5,
    waitingMean: 1.25,
    kvCacheUsageMean: 0.2,
    kvCacheUsageMax: 0.5,
    prefixCacheHitRate: 0.375,
    scrapes: 12,
  });
  const lines = sweepTable(summary).trim().split("\n");
  for (const title of ["Server running (mean)", "Server waiting (mean)", "KV cache % (mean)"]) {
    assert(lines[2].includes(title), lines[2]);
  }
  assert(lines[2].includes("Prefix-cache hit %"), lines[2]);
  const cells = (line: string) => line.split("|").map((c) => c.trim()).filter((c) => c !== "");
  assertEquals(cells(lines[5]).slice(-5), ["3.50", "1.25", "20.0", "50.0", "37.5"]);
  assertEquals(cells(lines[4]).slice(-5), ["n/a", "n/a", "n/a", "n/a", "n/a"]);
  // no level scraped: no server column
  const plain = sweepTable(sweepSummary("rate", [{ level: 1, dir: "r1", summary: doc(1, null) }]));
  assert(!plain.includes("Server"), plain);
});

Deno.test("sweepRequest() finds a list in --concurrency, --num-concurrent-requests or --rate", () => {
  assertEquals(sweepRequest({ model: "m", concurrency: "4" }), null);
  assertEquals(sweepRequest({ model: "m", "num-concurrent-requests": "1,2" })?.levels, [1, 2]);
  const rate = sweepRequest({ model: "m", rate: "1,2.5" });
  assertEquals([rate?.variable, rate?.flag, rate?.levels], ["rate", "rate", [1, 2.5]]);
  let message = "";
  try {
    sweepRequest({ model: "m", rate: "1,2", concurrency: "1,2" });
  } catch (err) {
    message = (err as Error).message;
  }
  assert(message.includes("not both"), message);
});

Deno.test("deno task bench --concurrency 1,2 writes one folder per level and the sweep summary", async () => {
  await using sim = await startSimulator({ ttftMs: 10, itlMs: 2 });
  const root = await Deno.makeTempDir();
  const out: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = () => {};
  let code: number;
  try {
    code = await benchMain([
      "--model",
      "sim",
      "--base-url",
      `${sim.url}/v1`,
      "--concurrency",
      "1,2",
      "--max-num-completed-requests",
      "4",
      "--mean-input-tokens",
      "20",
      "--stddev-input-tokens",
      "0",
      "--mean-output-tokens",
      "5",
      "--stddev-output-tokens",
      "0",
      "--workers",
      "1",
      "--slo",
      "ttft:1000",
      "--server-metrics",
      `${sim.url}/metrics`,
      "--server-metrics-interval-ms",
      "20",
      "--quiet",
      "--results-dir",
      root,
    ]);
  } finally {
    console.log = log;
    console.error = error;
  }
  try {
    assertEquals(code, 0, out.join("\n"));
    const [sweepName] = [...Deno.readDirSync(root)].map((e) => e.name);
    const sweepDir = `${root}/${sweepName}`;
    assert(sweepName.endsWith("sim-concurrency-sweep"), sweepName);
    const names = [...Deno.readDirSync(sweepDir)].map((e) => e.name).sort();
    assertEquals(names, ["c1", "c2", "report.html", "sweep.json", "sweep.md", "sweep.svg"]);
    const page = await Deno.readTextFile(`${sweepDir}/report.html`);
    assert(page.includes('data-plot="load_curve"') && page.includes("Chosen point"), "sweep page");
    const sweep = JSON.parse(await Deno.readTextFile(`${sweepDir}/sweep.json`));
    assertEquals(sweep.rows.map((r: { load: number }) => r.load), [1, 2]);
    assert(sweep.rows.every((r: { numCompleted: number }) => r.numCompleted === 4));
    assert(sweep.rows.every((r: { goodputShare: number }) => r.goodputShare === 1), "SLO met");
    // each level's server metrics, in sweep.json, sweep.md and the sweep's report.html
    for (const row of sweep.rows) {
      assert(row.server !== null && row.server.scrapes > 0, JSON.stringify(row.server));
      assert(typeof row.server.runningMean === "number", JSON.stringify(row.server));
    }
    const md = await Deno.readTextFile(`${sweepDir}/sweep.md`);
    assert(md.includes("Server running (mean)") && md.includes("Server waiting (mean)"), md);
    assert(page.includes("<h4>Server metrics per level</h4>"), "server metrics per level");
    assert(page.includes('data-plot="server_metrics"'), "each level's server metrics plot");
    for (const [i, level] of [[0, 1], [1, 2]]) {
      const levelDir = sweep.rows[i].dir;
      const summary = JSON.parse(await Deno.readTextFile(`${levelDir}/summary.json`));
      assertEquals(summary.metadata.numConcurrentRequests, level);
      assertEquals(summary.metadata.sweep, { variable: "concurrency", level, levels: [1, 2] });
      assertEquals(summary.clientHealth.workers, 1);
      assert(summary.confidence.metrics.ttftMs.ci.p50 !== null, "bootstrap interval");
    }
    const svg = await Deno.readTextFile(`${sweepDir}/sweep.svg`);
    assert(svg.startsWith("<svg") && svg.includes("Output throughput"), "load curve");
    assert(out.join("\n").includes("Latency and throughput vs concurrency"), "table printed");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a sweep with bad input writes nothing and exits 2", async () => {
  const root = await Deno.makeTempDir();
  const error = console.error;
  const lines: string[] = [];
  console.error = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    const code = await benchMain([
      "--model",
      "m",
      "--base-url",
      "http://127.0.0.1:9/v1",
      "--concurrency",
      "1,2",
      "--results-dir",
      root,
    ]);
    assertEquals(code, 2);
    assertEquals(lines.length, 1, lines.join("\n"));
    assertEquals([...Deno.readDirSync(root)].length, 0);
  } finally {
    console.error = error;
    await Deno.remove(root, { recursive: true });
  }
});
