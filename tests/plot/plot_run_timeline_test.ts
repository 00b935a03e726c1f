import { assert, assertEquals } from "../_assert.ts";

function assertThrows(fn: () => unknown, type: ErrorConstructor, includes: string): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof type && e.message.includes(includes), String(e));
    return;
  }
  throw new Error("did not throw");
}
import { plotRunTimeline } from "../../lib/plot/plot_run_timeline.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts } from "../_plot_fixture.ts";
import type { ServerMetricsRun } from "../../lib/core/summarize_server_metrics.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

/** Scrapes every 500 ms from epoch 10 000; the run starts at epoch 9 000. */
const RUN: ServerMetricsRun = {
  header: {
    kind: "server-metrics",
    schemaVersion: 1,
    tool: { name: "tokenbench", version: "0" },
    url: "http://127.0.0.1:8000/metrics",
    intervalMs: 500,
    startEpochMs: 10_000,
    names: [],
  },
  scrapes: [[0, 0, 0, 0], [1, 2, 1, 0.25], [2, 2, 0, 0.5], [3, 0, 0, 0]].map((
    [i, running, waiting, kv],
  ) => ({
    kind: "scrape" as const,
    tMs: i * 500,
    epochMs: 10_000 + i * 500,
    scrapeMs: 2,
    values: {
      "vllm:num_requests_running": running,
      "vllm:num_requests_waiting": waiting,
      "vllm:kv_cache_usage_perc": kv,
    },
  })),
  failures: [],
  types: {
    "vllm:num_requests_running": "gauge",
    "vllm:num_requests_waiting": "gauge",
    "vllm:kv_cache_usage_perc": "gauge",
  },
};

const record = (
  requestId: number,
  actualSendMs: number,
  ttftMs: number | null,
  e2eMs: number,
  status: "ok" | "error" = "ok",
) =>
  ({
    requestId,
    status,
    actualSendMs,
    ttftMs,
    e2eMs,
    startEpochMs: 9_000 + actualSendMs,
  }) as RequestRecord;

Deno.test("plotRunTimeline() draws each request's wait and stream on the run's clock", () => {
  const records = [record(1, 1200, null, 600, "error"), record(0, 1000, 300, 1500)];
  const [bars] = dataValues(plotRunTimeline(records));
  assertEquals(bars.map((b) => [b.row, b.requestId, b.phase, b.fromS, b.toS]), [
    [0, 0, "waiting for first token", 1, 1.3],
    [0, 0, "streaming", 1.3, 2.5],
    [1, 1, "failed", 1.2, 1.8],
  ]);
});

Deno.test("plotRunTimeline() puts the server's running, waiting and KV cache on the same time axis", async () => {
  const records = [
    record(0, 1000, 300, 1500),
    record(1, 1200, 100, 600),
    record(2, 1400, 200, 1000),
  ];
  const spec = plotRunTimeline(records, { serverMetrics: RUN });
  const [bars, requests, kv] = dataValues(spec);
  assertEquals(bars.length, 6);
  // Scrapes at epoch 10 000 + 500 i are 1, 1.5, 2, 2.5 s on the run's clock (from 9 000).
  assertEquals(
    requests.filter((p) => p.series === "server: running").map((p) => [p.tS, p.value]),
    [[1, 0], [1.5, 2], [2, 2], [2.5, 0]],
  );
  assertEquals(
    requests.filter((p) => p.series === "server: waiting").map((p) => p.value),
    [0, 1, 0, 0],
  );
  assertEquals(kv.map((p) => p.value), [0, 25, 50, 0]);
  // Every panel shares one time domain, reaching the last request's end (2.5 s).
  const domains = (spec as { vconcat: { encoding: { x: { scale: { domain: number[] } } } }[] })
    .vconcat.map((p) => p.encoding.x.scale.domain);
  assertEquals(domains.length, 3);
  for (const d of domains) assertEquals(d, [0, 2.5]);
  const texts = svgTexts(await renderSvg(spec));
  for (
    const t of [
      "Requests (one row each, by send)",
      "KV-cache usage",
      "server: waiting",
      "streaming",
    ]
  ) {
    assert(texts.includes(t), `${t} in ${texts}`);
  }
});

Deno.test("plotRunTimeline() draws a deterministic, stated sample beyond maxRequests", () => {
  const records = Array.from({ length: 1000 }, (_, i) => record(i, i * 10, 5, 50));
  const a = plotRunTimeline(records, { maxRequests: 100 });
  const [bars] = dataValues(a);
  const ids = [...new Set(bars.map((b) => b.requestId))];
  assertEquals(ids.length, 100);
  assertEquals(ids.slice(0, 3), [0, 10, 20]);
  assertEquals(JSON.stringify(plotRunTimeline(records, { maxRequests: 100 })), JSON.stringify(a));
  assert(JSON.stringify(a).includes("1000 requests · 100 of them drawn"));
  assertThrows(() => plotRunTimeline(records, { maxRequests: 0 }), RangeError, "'maxRequests'");
  assertThrows(() => plotRunTimeline(null as never), TypeError, "'records'");
});
