import { assert, assertEquals } from "../_assert.ts";
import { mergeServerMetrics, serverMetricsJsonl } from "../../lib/report/merge_server_metrics.ts";
import { readServerMetricsJsonl } from "../../lib/report/read_server_metrics.ts";
import { summarizeServerMetrics } from "../../lib/core/summarize_server_metrics.ts";
import type { ServerMetricsRun } from "../../lib/core/summarize_server_metrics.ts";

const URL = "http://127.0.0.1:8000/metrics";

/** A shard's scrapes: `[epochMs, running, requests done]` each, the first carrying the types. */
function shard(
  startEpochMs: number,
  points: [number, number, number][],
  url = URL,
): ServerMetricsRun {
  const types = { running: "gauge", done_total: "counter" };
  return {
    header: {
      kind: "server-metrics",
      schemaVersion: 1,
      tool: { name: "tokenbench", version: "0" },
      url,
      intervalMs: 1000,
      startEpochMs,
      names: ["extra"],
    },
    scrapes: points.map(([epochMs, running, done], i) => ({
      kind: "scrape" as const,
      tMs: epochMs - startEpochMs,
      epochMs,
      scrapeMs: 1,
      values: { running, done_total: done },
      ...(i === 0 ? { types } : {}),
    })),
    failures: [{ kind: "scrape-error", tMs: 1, epochMs: startEpochMs + 1, message: "HTTP 503" }],
    types,
  };
}

Deno.test("mergeServerMetrics() interleaves the shards' scrapes of one server in epoch order", () => {
  const a = shard(1000, [[1000, 1, 0], [2000, 3, 10], [3000, 2, 20]]);
  const b = shard(1500, [[1500, 2, 5], [2500, 4, 15]]);
  const merged = mergeServerMetrics([{ source: "a", run: a }, { source: "b", run: b }]);
  assertEquals(merged.scrapes.map((s) => [s.epochMs, s.tMs, s.values.running]), [
    [1000, 0, 1],
    [1500, 500, 2],
    [2000, 1000, 3],
    [2500, 1500, 4],
    [3000, 2000, 2],
  ]);
  assertEquals(merged.failures.map((f) => f.tMs), [1, 501]);
  assertEquals(merged.header.startEpochMs, 1000);
  // one server's counter, sampled by both shards: its increase over the run is 20, not 35
  const summary = summarizeServerMetrics(merged);
  assertEquals(summary.counters.done_total.increase, 20);
  assertEquals(summary.roles.running, undefined, "'running' is no known role name");
  assertEquals(summary.gauges.running.mean, (1 + 2 + 3 + 4 + 2) / 5);
  // written and read back: the same run
  const back = readServerMetricsJsonl(serverMetricsJsonl(merged));
  assertEquals(back.scrapes.map((s) => s.values), merged.scrapes.map((s) => s.values));
  assertEquals(back.types, { running: "gauge", done_total: "counter" });
  assertEquals(back.failures.length, 2);
});

Deno.test("mergeServerMetrics() refuses shards that scraped different servers", () => {
  const a = shard(1000, [[1000, 1, 0]]);
  const b = shard(1000, [[1200, 1, 0]], "http://127.0.0.1:9000/metrics");
  let message = "";
  try {
    mergeServerMetrics([{ source: "dir-a", run: a }, { source: "dir-b", run: b }]);
  } catch (error) {
    assert(error instanceof RangeError);
    message = error.message;
  }
  for (const part of ["dir-b scraped http://127.0.0.1:9000/metrics", `dir-a scraped ${URL}`]) {
    assert(message.includes(part), message);
  }
  let none = "";
  try {
    mergeServerMetrics([]);
  } catch (error) {
    none = (error as Error).message;
  }
  assert(none.includes("no shards"), none);
});
