import { assert, assertEquals } from "../_assert.ts";
import { rejects } from "node:assert/strict";
import { HTML_REPORT_PLOTS, htmlReport, htmlRunLabel } from "../../lib/report/html_report.ts";
import { runReport, type RunReportInput } from "../../lib/report/run_report.ts";
import type { RunMetadata } from "../../lib/report/run_metadata.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";
import { syntheticRun } from "../_plot_fixture.ts";

const META: RunMetadata = {
  llmApi: "openai",
  model: "acme-model",
  endpoint: "http://127.0.0.1:9/v1",
  simulated: true,
  tokenizer: "cl100k_base",
  promptMode: "llmperf",
  seed: 7,
  meanInputTokens: 550,
  stddevInputTokens: 50,
  meanOutputTokens: 60,
  stddevOutputTokens: 5,
  numConcurrentRequests: 4,
  rate: null,
  arrival: null,
  maxInFlight: null,
  maxRequests: 60,
  warmup: 2,
  timeoutS: 600,
  requestTimeoutS: null,
  additionalSamplingParams: {},
  userMetadata: { team: "<perf & co>" },
};

function run(concurrency: number, seed: number, extra: RequestRecord[] = []): RunReportInput {
  const records = [
    ...syntheticRun({ requests: 60, concurrency, ttftMs: 200, itlMs: 20, errorRate: 0.1, seed }),
    ...extra,
  ];
  return {
    records,
    wallTimeMs: 30_000,
    startEpochMs: 1_764_000_000_000,
    metadata: { ...META, numConcurrentRequests: concurrency },
  };
}

/** The embedded JSON block. */
function data(html: string) {
  const m = html.match(/<script type="application\/json" id="tokenbench-data">([^<]*)<\/script>/);
  assert(m !== null, "the data block");
  return JSON.parse(m[1]);
}

Deno.test("htmlReport() of one run: context, tables, statistics with CIs, every plot, errors, health", async () => {
  const input = run(4, 1);
  const secretError = {
    ...input.records.find((r) => r.status === "error")!,
    requestId: 999,
    errorCode: 401,
    errorMessage: "bad key sk-abcdefghijklmnopqrstuvwx in header",
  } as RequestRecord;
  input.records.push(secretError);
  const html = await htmlReport({ label: "acme <c=4>", run: input });
  // context, escaped
  for (
    const text of [
      "tokenbench report: acme &lt;c=4&gt;",
      "acme-model",
      "closed loop, concurrency 4",
      "cl100k_base",
      "llmperf: input 550 ± 50 tokens",
      "tokenbench 0.1.0",
      "&lt;perf &amp; co&gt;",
      "Simulated: these figures",
    ]
  ) assert(html.includes(text), `page holds ${text}`);
  assert(!html.includes("<perf & co>") && !html.includes("acme <c=4>"), "labels are escaped");
  // the seed card's two tables and the statistics with their intervals
  assert(html.includes("<h4>Time to First Token (seconds)</h4>"));
  assert(html.includes("<h4>Output Tokens Throughput (tokens/s)</h4>"));
  const ci = [...html.matchAll(/<span class="ci">\[([\d.]+), ([\d.]+)\]<\/span>/g)];
  assertEquals(ci.length, 4 * 3, "p50/p95/p99 intervals of the four CI metrics");
  assert(html.includes("Small-sample notes") && html.includes("p99 of "), "small-sample notes");
  // the plots of a run, as inline SVG
  for (const id of HTML_REPORT_PLOTS.filter((p) => p !== "load_curve" && p !== "server_metrics")) {
    const m = html.match(new RegExp(`<figure class="plot" data-plot="${id}"><svg[^>]*>`));
    assert(m !== null, `plot ${id}`);
  }
  assert(!html.includes('data-plot="load_curve"'), "no load curve for one run");
  // errors: codes with example messages, redacted
  assert(/<table class="errors">[\s\S]*<td>429<\/td>/.test(html), "error code 429 listed");
  assert(html.includes("bad key [redacted] in header"), "the example message, redacted");
  assert(!html.includes("sk-abcdefghijklmnopqrstuvwx"), "no secret on the page");
  assert(html.includes("did not record client health"), "client health section");
  assert(html.includes('class="server-metrics"'), "a place for server metrics");
  // self-contained: no script to run, nothing to load
  assert(html.includes(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`));
  assertEquals([...html.matchAll(/<script/g)].length, 1, "only the JSON data block");
  assert(!/\b(src|href)="(https?:)?\/\//.test(html), "no remote src or href");
  const d = data(html);
  assertEquals(d.runs.length, 1);
  assertEquals(d.runs[0].summary.kind, "run-summary");
  assertEquals(d.runs[0].summary.metadata.model, "acme-model");
});

Deno.test("htmlReport() of several runs compares them and draws the load curve with its chosen point", async () => {
  // without their errors, so that every level can be chosen
  const clean = (input: RunReportInput): RunReportInput => ({
    ...input,
    records: input.records.filter((r) => r.status === "ok"),
  });
  const runs = [
    { label: "c=1", run: clean(run(1, 2)) },
    { label: "c=4", run: clean(run(4, 3)) },
    { label: "c=16", run: clean(run(16, 4)) },
  ];
  const html = await htmlReport(runs);
  assert(html.includes('<section id="comparison">'));
  assert(html.includes("runs differ in workload: concurrency 1 (c=1) vs 4 (c=4)"), "warning");
  const verdicts = [...html.matchAll(/<span class="verdict [a-z]+">([^<]+)<\/span>/g)];
  assertEquals(verdicts.length, 4 * 2 * 2, "metric × statistic × run after the first");
  assert(html.includes('data-plot="load_curve"'), "load curve");
  // the same wall time for all: the most output tokens is the highest throughput
  const tokens = runs.map((r) =>
    r.run.records.filter((x) => x.phase === "measure").reduce((n, x) => n + x.outputTokens, 0)
  );
  const best = tokens.indexOf(Math.max(...tokens));
  const load = runs[best].run.metadata.numConcurrentRequests;
  const chosen = html.match(
    /Chosen point \(highest output throughput without errors\): ([^<]+) at load (\d+), ([\d.]+) tokens\/s/,
  );
  assert(chosen !== null, "a chosen point");
  assertEquals(Number(chosen[2]), load);
  assert(Math.abs(Number(chosen[3]) - tokens[best] / 30) < 0.01, chosen[3]);
  assertEquals([...html.matchAll(/<section class="run"/g)].length, 3);
  const d = data(html);
  assertEquals(d.comparison.baseline, "c=1");
  assertEquals(d.runs.map((r: { label: string }) => r.label), ["c=1", "c=4", "c=16"]);
});

Deno.test("htmlReport() refuses no runs and duplicate labels; htmlRunLabel() names the load", async () => {
  await rejects(htmlReport([]), /at least one run, got none/);
  await rejects(
    htmlReport([{ label: "a", run: run(1, 1) }, { label: "a", run: run(1, 2) }]),
    /labels must be unique, got 'a' twice/,
  );
  assertEquals(htmlRunLabel(META), "acme-model c=4");
  assertEquals(
    htmlRunLabel({ ...META, rate: 2.5, userMetadata: { provider: "bedrock" } }),
    "bedrock 2.5 req/s",
  );
});

Deno.test("htmlReport() takes TTFT apart when the client stamped its sends", async () => {
  const input = run(4, 5);
  input.records = input.records.map((r, i) => ({ ...r, requestSentMs: 3, coldStart: i < 4 }));
  const html = await htmlReport({ label: "stamped", run: input });
  assert(html.includes("<h4>TTFT taken apart</h4>"), "the section");
  assert(html.includes("<td>T0 to the wire send</td><td>"), "send part");
  const cold =
    input.records.filter((r) => r.phase === "measure" && r.status === "ok" && r.coldStart)
      .length;
  assert(html.includes(`${cold} completed request(s) opened a connection`), "cold starts");
  // without stamps, no such section
  assert(!(await htmlReport({ label: "plain", run: run(4, 5) })).includes("TTFT taken apart"));
});

Deno.test("htmlReport() shows the server metrics' summary, and says so when there are none", async () => {
  const input = run(4, 6);
  const plain = await htmlReport({ label: "plain", run: input });
  assert(plain.includes("No server metrics were recorded for this run"), "the empty place");
  const stats = (mean: number) => ({
    count: 3,
    mean,
    stddev: 0,
    min: mean,
    max: mean,
    p25: mean,
    p50: mean,
    p75: mean,
    p90: mean,
    p95: mean,
    p99: mean,
  });
  input.serverMetrics = {
    url: "http://user:hunter2-secret@127.0.0.1:8000/metrics",
    intervalMs: 500,
    scrapes: 3,
    failedScrapes: 1,
    firstError: "connection refused",
    firstMs: 0,
    lastMs: 1000,
    roles: { running: { name: "vllm:num_requests_running", series: 1, stats: stats(3.5) } },
    gauges: { "vllm:num_requests_running": stats(3.5) },
    counters: {
      "vllm:prompt_tokens_total": { first: 0, last: 1200, increase: 1200, perS: 1200 },
    },
  };
  const html = await htmlReport({ label: "scraped", run: input });
  assert(html.includes("3 scrape(s) of <code>"), "scrape count");
  assert(html.includes("1 failed (first: connection refused)"), "failed scrapes");
  assert(
    /<td>Running requests<\/td><td><code>vllm:num_requests_running<\/code><\/td><td>1<\/td><td>3\.50<\/td>/
      .test(html),
  );
  assert(html.includes("<code>vllm:prompt_tokens_total</code>"), "every series");
  assert(!html.includes("hunter2-secret"), "the URL's password is redacted");
  // no scrapes given: no server plot, only the summary
  assert(!html.includes('data-plot="server_metrics"'));
});

Deno.test("htmlReport() puts the server's running and waiting requests on the run timeline", async () => {
  const input = run(4, 3);
  const origin = input.records[0].startEpochMs - input.records[0].actualSendMs;
  const serverMetrics = {
    header: {
      kind: "server-metrics" as const,
      schemaVersion: 1,
      tool: { name: "tokenbench" as const, version: "0" },
      url: "http://127.0.0.1:8000/metrics",
      intervalMs: 1000,
      startEpochMs: origin,
      names: [],
    },
    scrapes: [0, 1, 2].map((i) => ({
      kind: "scrape" as const,
      tMs: 1000 * i,
      epochMs: origin + 1000 * i,
      scrapeMs: 1,
      values: { "vllm:num_requests_running": 4, "vllm:num_requests_waiting": i },
    })),
    failures: [],
    types: {},
  };
  const html = await htmlReport({ label: "scraped", run: input, serverMetrics });
  const figure = html.match(/<figure class="plot" data-plot="run_timeline">[\s\S]*?<\/figure>/);
  assert(figure !== null, "a run timeline");
  for (const text of [">server: waiting<", ">server: running<", ">streaming<"]) {
    assert(figure[0].includes(text), `${text} on the run timeline`);
  }
  // without server metrics the run timeline shows the client's requests alone
  const plain = await htmlReport({ label: "plain", run: input });
  const alone = plain.match(/<figure class="plot" data-plot="run_timeline">[\s\S]*?<\/figure>/);
  assert(alone !== null && !alone[0].includes(">server: waiting<"), "client only");
});

Deno.test("htmlReport() draws the distribution plots of a big run from a stated sample, its statistics from every request", async () => {
  const input = run(4, 5);
  const measured = input.records.filter((r) => r.phase === "measure").length;
  const whole = await htmlReport({ label: "all", run: input });
  assert(!whole.includes('class="note sample"'), "no sample below the bound");
  const html = await htmlReport({ label: "sampled", run: input }, { plotRecords: 20 });
  assert(
    html.includes(
      `draw 20 of the run's ${measured} measured requests (evenly spaced by request id)`,
    ),
    "the page says so",
  );
  // the statistics are those of every request: the same as without the bound
  assertEquals(data(html).runs[0].summary, data(whole).runs[0].summary);
  // the TTFT histogram's bars count 20 requests, not all of them
  const figure = (page: string, id: string) =>
    page.match(new RegExp(`<figure class="plot" data-plot="${id}">[\\s\\S]*?</figure>`))![0];
  assert(figure(html, "ttft_distribution") !== figure(whole, "ttft_distribution"));
  const drawn = (page: string, label: string) =>
    Number(figure(page, "ttft_distribution").match(new RegExp(`${label}: (\\d+) completed`))![1]);
  const completed = input.records.filter((r) => r.phase === "measure" && r.status === "ok").length;
  assertEquals(drawn(whole, "all"), completed);
  assert(drawn(html, "sampled") <= 20 && drawn(html, "sampled") >= 15, `${drawn(html, "sampled")}`);
  // the same records give the same page
  assertEquals(await htmlReport({ label: "sampled", run: input }, { plotRecords: 20 }), html);
  await rejects(() => htmlReport({ label: "x", run: input }, { plotRecords: 0 }), /'plotRecords'/);
});

Deno.test("htmlReport() uses the run's reports it is given instead of deriving them again", async () => {
  const input = run(2, 9);
  const report = runReport(input);
  const marked = { ...report, tables: report.tables.replace("Time to First Token", "MARKED TTFT") };
  const html = await htmlReport({ label: "given", run: input, report: marked });
  assert(html.includes("MARKED TTFT"), "the given tables are shown");
  assertEquals(
    await htmlReport({ label: "given", run: input, report }),
    await htmlReport({ label: "given", run: input }),
  );
});
