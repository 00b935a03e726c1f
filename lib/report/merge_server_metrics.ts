/**
 * Merging the server metrics of a sharded run's shards (`server_metrics.jsonl` of each) into
 * one, for `deno task merge`, and writing a run's server metrics back as JSONL.
 *
 * @module
 */
import type {
  ServerMetricsFailure,
  ServerMetricsRun,
  ServerMetricsScrape,
} from "../core/summarize_server_metrics.ts";

/** One shard's server metrics. */
export interface ShardServerMetrics {
  /** Where they came from (the shard's folder), named in errors. */
  source: string;
  /** Its `server_metrics.jsonl`, read (`readServerMetricsJsonl`). */
  run: ServerMetricsRun;
}

/**
 * Merges the shards' scrapes of one server into one run of server metrics: every scrape and
 * failed scrape of every shard, in epoch order (`tMs` counted again from the earliest shard's
 * start), the union of their types and names, the shortest interval. The shards must have
 * scraped the same URL: several scrapers of one server sample the same gauges and counters, so
 * their samples interleave into one denser series (on synced epoch clocks, as the merge of the
 * records assumes); shards that scraped different URLs (different servers, or one server under
 * two names) are refused with a `RangeError` naming both, since their gauges would need summing
 * at common instants and their counters apart, which a merge cannot tell from the URLs.
 *
 * @example Two shards scraping one server, a second apart
 * ```ts
 * import { mergeServerMetrics } from "./merge_server_metrics.ts";
 * const shard = (startEpochMs: number, running: number) => ({
 *   source: `shard-${startEpochMs}`,
 *   run: {
 *     header: { kind: "server-metrics" as const, schemaVersion: 1,
 *       tool: { name: "tokenbench" as const, version: "0" },
 *       url: "http://127.0.0.1:8000/metrics", intervalMs: 1000, startEpochMs, names: [] },
 *     scrapes: [{ kind: "scrape" as const, tMs: 5, epochMs: startEpochMs + 5, scrapeMs: 1,
 *       values: { "vllm:num_requests_running": running } }],
 *     failures: [],
 *     types: { "vllm:num_requests_running": "gauge" },
 *   },
 * });
 * const merged = mergeServerMetrics([shard(2000, 3), shard(1000, 4)]);
 * if (merged.scrapes.map((s) => s.tMs).join() !== "5,1005") throw new Error("order");
 * ```
 */
export function mergeServerMetrics(shards: readonly ShardServerMetrics[]): ServerMetricsRun {
  if (!Array.isArray(shards) || shards.length === 0) {
    throw new RangeError("Cannot merge server metrics: no shards given");
  }
  const first = shards[0];
  for (const s of shards) {
    if (s?.run?.header?.kind !== "server-metrics" || !Array.isArray(s.run.scrapes)) {
      throw new TypeError(
        `Cannot merge server metrics: ${s?.source} holds no server metrics run`,
      );
    }
    if (s.run.header.url !== first.run.header.url) {
      throw new RangeError(
        `Cannot merge server metrics: ${s.source} scraped ${s.run.header.url}, ${first.source} ` +
          `scraped ${first.run.header.url}: not the same server (merge the shards without ` +
          `their server_metrics.jsonl, or scrape one URL from every shard)`,
      );
    }
  }
  const startEpochMs = Math.min(...shards.map((s) => s.run.header.startEpochMs));
  const scrapes: ServerMetricsScrape[] = shards
    .flatMap((s) => s.run.scrapes)
    .map(({ types: _types, ...scrape }) => ({ ...scrape, tMs: scrape.epochMs - startEpochMs }))
    .sort((a, b) => a.epochMs - b.epochMs);
  const failures: ServerMetricsFailure[] = shards
    .flatMap((s) => s.run.failures)
    .map((f) => ({ ...f, tMs: f.epochMs - startEpochMs }))
    .sort((a, b) => a.epochMs - b.epochMs);
  const types: Record<string, string> = {};
  for (const s of shards) Object.assign(types, s.run.types);
  const names = [...new Set(shards.flatMap((s) => s.run.header.names))].sort();
  return {
    header: {
      ...first.run.header,
      intervalMs: Math.min(...shards.map((s) => s.run.header.intervalMs)),
      startEpochMs,
      names,
    },
    scrapes,
    failures,
    types,
  };
}

/**
 * A run's server metrics as the text of `server_metrics.jsonl`: the header, then scrapes and
 * failed scrapes in epoch order, the first scrape carrying every type (as
 * `readServerMetricsJsonl` reads them back).
 *
 * @example It reads back
 * ```ts
 * import { serverMetricsJsonl } from "./merge_server_metrics.ts";
 * import { readServerMetricsJsonl } from "./read_server_metrics.ts";
 * const run = {
 *   header: { kind: "server-metrics" as const, schemaVersion: 1,
 *     tool: { name: "tokenbench" as const, version: "0" },
 *     url: "http://127.0.0.1:8000/metrics", intervalMs: 1000, startEpochMs: 0, names: [] },
 *   scrapes: [{ kind: "scrape" as const, tMs: 5, epochMs: 5, scrapeMs: 1, values: { q: 1 } }],
 *   failures: [{ kind: "scrape-error" as const, tMs: 1, epochMs: 1, message: "HTTP 503" }],
 *   types: { q: "gauge" },
 * };
 * const back = readServerMetricsJsonl(serverMetricsJsonl(run));
 * if (back.types.q !== "gauge" || back.failures.length !== 1) throw new Error();
 * ```
 */
export function serverMetricsJsonl(run: ServerMetricsRun): string {
  const lines: (ServerMetricsScrape | ServerMetricsFailure)[] = [
    ...run.scrapes.map(({ types: _types, ...s }, i) =>
      i === 0 && Object.keys(run.types).length > 0 ? { ...s, types: run.types } : s
    ),
    ...run.failures,
  ].sort((a, b) => a.epochMs - b.epochMs);
  return [run.header, ...lines].map((line) => JSON.stringify(line)).join("\n") + "\n";
}
