import { assert, assertEquals } from "../_assert.ts";
import {
  type ServerMetricsRun,
  type ServerMetricsScrape,
  serverMetricsTimeline,
  summarizeServerMetrics,
} from "../../lib/core/summarize_server_metrics.ts";

function run(
  values: Record<string, number | null>[],
  types: Record<string, string>,
  intervalMs = 1000,
): ServerMetricsRun {
  const scrapes: ServerMetricsScrape[] = values.map((v, i) => ({
    kind: "scrape",
    tMs: i * intervalMs,
    epochMs: 50_000 + i * intervalMs,
    scrapeMs: 1,
    values: v,
  }));
  return {
    header: {
      kind: "server-metrics",
      schemaVersion: 1,
      tool: { name: "tokenbench", version: "0" },
      url: "http://h/metrics",
      intervalMs,
      startEpochMs: 50_000,
      names: [],
    },
    scrapes,
    failures: [],
    types,
  };
}

Deno.test("summarizeServerMetrics() sums a role's series per scrape (two vLLM engines)", () => {
  const summary = summarizeServerMetrics(run([
    { 'vllm:num_requests_running{engine="0"}': 1, 'vllm:num_requests_running{engine="1"}': 2 },
    { 'vllm:num_requests_running{engine="0"}': 3, 'vllm:num_requests_running{engine="1"}': 4 },
  ], { "vllm:num_requests_running": "gauge" }));
  assertEquals(summary.roles.running?.series, 2);
  assertEquals(summary.roles.running?.stats.min, 3);
  assertEquals(summary.roles.running?.stats.max, 7);
  assertEquals(summary.roles.running?.stats.mean, 5);
  // Each series has its own statistics too.
  assertEquals(summary.gauges['vllm:num_requests_running{engine="1"}'].max, 4);
});

Deno.test("summarizeServerMetrics() picks SGLang's and TGI's names when vLLM's are absent", () => {
  const summary = summarizeServerMetrics(run([
    { "sglang:num_queue_reqs": 5, "tgi_batch_current_size": 8, "sglang:token_usage": 0.4 },
  ], {}));
  assertEquals(summary.roles.waiting?.name, "sglang:num_queue_reqs");
  assertEquals(summary.roles.running?.name, "tgi_batch_current_size");
  assertEquals(summary.roles.kvCacheUsage?.stats.p50, 0.4);
  assertEquals(summary.roles.prefixCacheHitRate, undefined);
});

Deno.test("summarizeServerMetrics() reads counters with resets and the prefix-cache hit rate", () => {
  const summary = summarizeServerMetrics(run([
    { "vllm:prefix_cache_hits_total": 0, "vllm:prefix_cache_queries_total": 0, "reqs_total": 10 },
    {
      "vllm:prefix_cache_hits_total": 50,
      "vllm:prefix_cache_queries_total": 100,
      "reqs_total": 15,
    },
    { "vllm:prefix_cache_hits_total": 50, "vllm:prefix_cache_queries_total": 100, "reqs_total": 3 },
    {
      "vllm:prefix_cache_hits_total": 200,
      "vllm:prefix_cache_queries_total": 300,
      "reqs_total": 9,
    },
  ], {
    "vllm:prefix_cache_hits_total": "counter",
    "vllm:prefix_cache_queries_total": "counter",
    reqs_total: "counter",
  }));
  // 10 → 15 (+5), reset to 3 (+3), → 9 (+6): 14 over 3 s.
  assertEquals(summary.counters.reqs_total, { first: 10, last: 9, increase: 14, perS: 14 / 3 });
  const hit = summary.roles.prefixCacheHitRate!;
  assertEquals(hit.name, "vllm:prefix_cache_hits_total/vllm:prefix_cache_queries_total");
  assertEquals(hit.overall, 200 / 300);
  // Per interval with queries: 50/100, then 150/200 (the interval without queries is left out).
  assertEquals(hit.stats.count, 2);
  assertEquals(hit.stats.min, 0.5);
  assertEquals(hit.stats.max, 0.75);
  assertEquals(Object.keys(summary.gauges), []);
});

Deno.test("summarizeServerMetrics() puts the scrapes on the run's clock and counts failures", () => {
  const metrics = run([{ g: 1 }, { g: null }, { g: 3 }], { g: "gauge" }, 500);
  metrics.failures.push({ kind: "scrape-error", tMs: 700, epochMs: 50_700, message: "HTTP 500" });
  const summary = summarizeServerMetrics(metrics, { runStartEpochMs: 49_900 });
  assertEquals(summary.firstMs, 100);
  assertEquals(summary.lastMs, 1100);
  assertEquals(summary.scrapes, 3);
  assertEquals(summary.failedScrapes, 1);
  assertEquals(summary.firstError, "HTTP 500");
  // A NaN value (stored as null) is in no statistic.
  assertEquals(summary.gauges.g.count, 2);
  const empty = summarizeServerMetrics(run([], {}));
  assertEquals([empty.firstMs, empty.lastMs, empty.scrapes], [null, null, 0]);
});

Deno.test("serverMetricsTimeline() gives the gauge roles and asked names as points", () => {
  const metrics = run(
    [
      { "vllm:num_requests_waiting": 1, 'x{a="1"}': 5, 'x{a="2"}': 6, c_total: 0 },
      { "vllm:num_requests_waiting": 2, 'x{a="1"}': 7, 'x{a="2"}': 8, c_total: 30 },
    ],
    { c_total: "counter", x: "gauge" },
    2000,
  );
  const points = serverMetricsTimeline(metrics, { names: ["x", 'x{a="2"}', "c_total"] });
  const by = (metric: string) => points.filter((p) => p.metric === metric).map((p) => p.value);
  assertEquals(by("Waiting requests"), [1, 2]);
  assertEquals(by("x"), [11, 15]);
  assertEquals(by('x{a="2"}'), [6, 8]);
  assertEquals(by("c_total (per s)"), [15]);
  assert(serverMetricsTimeline(metrics, { roles: false }).length === 0);
});
