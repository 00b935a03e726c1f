/**
 * Reading a run's `server_metrics.jsonl` (the `--server-metrics` scrapes) back, and where the
 * run's clock starts, so the scrapes line up with the records. Pure: the caller reads the file.
 *
 * @module
 */
import type {
  ServerMetricsHeader,
  ServerMetricsRun,
  ServerMetricsScrape,
} from "../core/summarize_server_metrics.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { quantile } from "../core/quantile.ts";

/**
 * The file name of a run's server metrics, in the run folder.
 *
 * @example
 * ```ts
 * import { SERVER_METRICS_FILE } from "./read_server_metrics.ts";
 * if (SERVER_METRICS_FILE !== "server_metrics.jsonl") throw new Error();
 * ```
 */
export const SERVER_METRICS_FILE = "server_metrics.jsonl";

/**
 * Parses `server_metrics.jsonl`: the header line, then `scrape` and `scrape-error` lines (a
 * torn last line, from a run that was killed, is left out; so are lines of unknown kinds).
 * Throws an `Error` naming the file when the first line is not a server-metrics header.
 *
 * @example A header and one scrape
 * ```ts
 * import { readServerMetricsJsonl } from "./read_server_metrics.ts";
 * const text = [
 *   { kind: "server-metrics", schemaVersion: 1, tool: { name: "tokenbench", version: "0" },
 *     url: "http://127.0.0.1:8000/metrics", intervalMs: 1000, startEpochMs: 5, names: [] },
 *   { kind: "scrape", tMs: 1, epochMs: 6, scrapeMs: 1, values: { queue: 2 },
 *     types: { queue: "gauge" } },
 * ].map((line) => JSON.stringify(line)).join("\n") + "\n" + '{"kind":"scr';
 * const run = readServerMetricsJsonl(text);
 * if (run.scrapes.length !== 1 || run.types.queue !== "gauge") throw new Error();
 * ```
 */
export function readServerMetricsJsonl(
  text: string,
  options: { path?: string } = {},
): ServerMetricsRun {
  const path = options.path ?? SERVER_METRICS_FILE;
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  let header: ServerMetricsHeader;
  try {
    header = JSON.parse(lines[0] ?? "");
  } catch {
    throw new Error(`Cannot read ${path}: the first line is not JSON`);
  }
  if (header?.kind !== "server-metrics" || typeof header.startEpochMs !== "number") {
    throw new Error(`Cannot read ${path}: the first line is not a server-metrics header`);
  }
  const run: ServerMetricsRun = { header, scrapes: [], failures: [], types: {} };
  for (let i = 1; i < lines.length; i++) {
    let line: { kind?: unknown };
    try {
      line = JSON.parse(lines[i]);
    } catch {
      if (i === lines.length - 1) break; // torn last line
      throw new Error(`Cannot read ${path}: line ${i + 1} is not JSON`);
    }
    if (line?.kind === "scrape") {
      const scrape = line as ServerMetricsScrape;
      run.scrapes.push(scrape);
      Object.assign(run.types, scrape.types ?? {});
    } else if (line?.kind === "scrape-error") {
      run.failures.push(line as ServerMetricsRun["failures"][number]);
    }
  }
  return run;
}

/**
 * Where a run's clock starts, epoch ms: the median over the records of `startEpochMs −
 * actualSendMs` (each record's send, less its send on the run's clock), or `null` without
 * records.
 *
 * @example
 * ```ts
 * import { runClockOriginEpochMs } from "./read_server_metrics.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const records = [
 *   { startEpochMs: 10_050, actualSendMs: 50 }, { startEpochMs: 10_300, actualSendMs: 300 },
 * ] as RequestRecord[];
 * if (runClockOriginEpochMs(records) !== 10_000) throw new Error();
 * ```
 */
export function runClockOriginEpochMs(records: readonly RequestRecord[]): number | null {
  const origins = records.map((r) => r.startEpochMs - r.actualSendMs).filter(Number.isFinite);
  return quantile(origins, 0.5);
}
