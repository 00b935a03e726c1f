/**
 * Load sweeps: one run per concurrency or rate level, and a summary of latency and throughput
 * against load (a table, JSON, and the rows `plotLoadCurve` draws).
 *
 * @module
 */
import type { LoadPoint } from "../core/load_point.ts";
import type { RunSummaryDocument } from "./run_report.ts";
import { SCHEMA_VERSION, TOOL_VERSION } from "./run_metadata.ts";
import { formatCell, gridTable } from "./grid_table.ts";
import type { ServerMetricsSummary } from "../core/summarize_server_metrics.ts";

/** What a sweep varies. */
export const SWEEP_VARIABLES = ["concurrency", "rate"] as const;

/** One of {@link SWEEP_VARIABLES}. */
export type SweepVariable = typeof SWEEP_VARIABLES[number];

/**
 * Parse a sweep's levels: `1,4,16,64` (concurrency: positive integers) or `1,2.5,5` (rate:
 * positive numbers). A single value is a sweep of one. Duplicates are an error; the order is
 * kept (runs go in the order given).
 *
 * @example
 * ```ts
 * import { parseSweepLevels } from "./sweep.ts";
 * if (parseSweepLevels("1, 4,16", "concurrency").join() !== "1,4,16") throw new Error("levels");
 * ```
 */
export function parseSweepLevels(text: string, variable: SweepVariable): number[] {
  const parts = String(text).split(",").map((p) => p.trim());
  const levels = parts.map(Number);
  const syntax = variable === "rate" ? /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/ : /^\d+$/; // no 0x2, no 1e1
  const ok = parts.every((p) => syntax.test(p)) &&
    levels.every((n) =>
      Number.isFinite(n) && n > 0 && (variable === "rate" || Number.isInteger(n))
    );
  if (!ok) {
    throw new RangeError(
      `Cannot parse sweep: ${variable} levels must be ${
        variable === "rate" ? "positive numbers" : "positive integers"
      } separated by commas (e.g. ${
        variable === "rate" ? "1,2,5,10" : "1,4,16,64"
      }), got '${text}'`,
    );
  }
  if (new Set(levels).size !== levels.length) {
    throw new RangeError(`Cannot parse sweep: ${variable} levels repeat, got '${text}'`);
  }
  return levels;
}

/** One level's run, as its folder holds it. */
export interface SweepLevelRun {
  /** The concurrency or rate of the run. */
  level: number;
  /** Its results folder. */
  dir: string;
  /** Its `summary.json`. */
  summary: RunSummaryDocument;
}

/** One row of the sweep summary: a level's headline figures. `null` where not measured. */
export interface SweepRow {
  /** Concurrency or rate. */
  load: number;
  /** Results folder of the level. */
  dir: string;
  numRequestsStarted: number;
  numCompleted: number;
  errorRate: number | null;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
  e2eP50Ms: number | null;
  e2eP99Ms: number | null;
  /** Median decode-only inter-token latency. */
  itlP50Ms: number | null;
  /** Aggregate output throughput of the level, tokens/s. */
  outputTokensPerS: number | null;
  completedRequestsPerMin: number | null;
  /** Share of started requests meeting every SLO, when the run had SLOs. */
  goodputShare: number | null;
  /** Requests per second meeting every SLO, when the run had SLOs. */
  goodputRatePerS: number | null;
  /** Worst thread's p99 event-loop lag of the client, when recorded. */
  clientLoopLagMsP99: number | null;
  /** Client-health and small-sample warnings of the level. */
  warnings: string[];
  /** The server's own view of the level, when it was scraped (`--server-metrics`), else null. */
  server: SweepServerFigures | null;
}

/** A level's server metrics in short (from its `summary.json` `serverMetrics`); `null` where
 * the server reported no such metric. */
export interface SweepServerFigures {
  /** Mean of the server's running requests over the scrapes. */
  runningMean: number | null;
  /** Mean of the server's waiting (queued) requests over the scrapes. */
  waitingMean: number | null;
  /** Mean KV-cache usage over the scrapes, as a fraction (0–1). */
  kvCacheUsageMean: number | null;
  /** Highest KV-cache usage seen, as a fraction. */
  kvCacheUsageMax: number | null;
  /** Prefix-cache hit rate over the level: Σ hits / Σ queries of the counters, else the mean
   * of the server's own rate gauge. */
  prefixCacheHitRate: number | null;
  /** Successful scrapes. */
  scrapes: number;
}

/**
 * A level's server metrics in short: mean running and waiting requests, KV-cache usage (mean,
 * max) and prefix-cache hit rate, each `null` when the server did not report it; `null` for a
 * level not scraped.
 *
 * @example
 * ```ts
 * import { sweepServerFigures } from "./sweep.ts";
 * import type { ServerMetricsSummary } from "../core/summarize_server_metrics.ts";
 * const stats = (mean: number) => ({ count: 2, mean, max: mean }) as never;
 * const figures = sweepServerFigures({ scrapes: 2, roles: { running: { name: "r", series: 1,
 *   stats: stats(3) } } } as unknown as ServerMetricsSummary);
 * if (figures?.runningMean !== 3 || figures.waitingMean !== null) throw new Error();
 * ```
 */
export function sweepServerFigures(
  summary: ServerMetricsSummary | undefined,
): SweepServerFigures | null {
  if (summary === undefined || summary === null) return null;
  const r = summary.roles ?? {};
  const hit = r.prefixCacheHitRate;
  return {
    runningMean: r.running?.stats.mean ?? null,
    waitingMean: r.waiting?.stats.mean ?? null,
    kvCacheUsageMean: r.kvCacheUsage?.stats.mean ?? null,
    kvCacheUsageMax: r.kvCacheUsage?.stats.max ?? null,
    prefixCacheHitRate: hit === undefined ? null : hit.overall ?? hit.stats.mean ?? null,
    scrapes: summary.scrapes,
  };
}

/** The sweep's own summary (`sweep.json`). */
export interface SweepSummary {
  schemaVersion: number;
  tool: { name: "tokenbench"; version: string };
  kind: "sweep-summary";
  /** What was varied. */
  variable: SweepVariable;
  /** Model of the runs. */
  model: string;
  /** One row per level, in run order. */
  rows: SweepRow[];
}

/**
 * Summarize a sweep from its levels' summaries: one row of headline figures per level.
 *
 * @example
 * ```ts
 * import { sweepSummary } from "./sweep.ts";
 * import type { RunSummaryDocument } from "./run_report.ts";
 * const doc = (ttft: number) => ({
 *   metadata: { model: "m" },
 *   summary: { numRequestsStarted: 4, numCompleted: 4, errorRate: 0, outputTokensPerS: 50,
 *     completedRequestsPerMin: 60, stats: { ttftMs: { p50: ttft, p99: ttft * 2 },
 *     e2eMs: { p50: 900, p99: 1000 }, interTokenLatencyMs: { p50: 20 } } },
 *   confidence: { warnings: [] },
 * }) as unknown as RunSummaryDocument;
 * const s = sweepSummary("concurrency", [
 *   { level: 1, dir: "c1", summary: doc(100) }, { level: 4, dir: "c4", summary: doc(150) },
 * ]);
 * if (s.rows[1].ttftP99Ms !== 300 || s.model !== "m") throw new Error(JSON.stringify(s));
 * ```
 */
export function sweepSummary(
  variable: SweepVariable,
  levels: readonly SweepLevelRun[],
): SweepSummary {
  if (!(SWEEP_VARIABLES as readonly string[]).includes(variable)) {
    throw new RangeError(
      `Cannot summarize sweep: 'variable' must be one of ${
        SWEEP_VARIABLES.join(", ")
      }, got ${variable}`,
    );
  }
  if (!Array.isArray(levels)) {
    throw new TypeError(`Cannot summarize sweep: 'levels' must be an array, got ${typeof levels}`);
  }
  const rows = levels.map(({ level, dir, summary: doc }): SweepRow => {
    const s = doc.summary;
    const g = doc.goodput;
    return {
      load: level,
      dir,
      numRequestsStarted: s.numRequestsStarted,
      numCompleted: s.numCompleted,
      errorRate: s.errorRate,
      ttftP50Ms: s.stats.ttftMs?.p50 ?? null,
      ttftP99Ms: s.stats.ttftMs?.p99 ?? null,
      e2eP50Ms: s.stats.e2eMs?.p50 ?? null,
      e2eP99Ms: s.stats.e2eMs?.p99 ?? null,
      itlP50Ms: s.stats.interTokenLatencyMs?.p50 ?? null,
      outputTokensPerS: s.outputTokensPerS,
      completedRequestsPerMin: s.completedRequestsPerMin,
      goodputShare: g?.share ?? null,
      goodputRatePerS: g?.ratePerS ?? null,
      clientLoopLagMsP99: doc.clientHealth?.loopLagMsP99 ?? null,
      warnings: [...(doc.clientHealth?.warnings ?? []), ...(doc.confidence?.warnings ?? [])],
      server: sweepServerFigures(doc.serverMetrics),
    };
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    kind: "sweep-summary",
    variable,
    model: levels[0]?.summary.metadata?.model ?? "",
    rows,
  };
}

/** Server columns of the sweep table: title, figure, digits (fractions shown as percent). */
const _SERVER_COLUMNS: [string, (f: SweepServerFigures) => number | null, number][] = [
  ["Server running (mean)", (f) => f.runningMean, 2],
  ["Server waiting (mean)", (f) => f.waitingMean, 2],
  ["KV cache % (mean)", (f) => f.kvCacheUsageMean === null ? null : 100 * f.kvCacheUsageMean, 1],
  ["KV cache % (max)", (f) => f.kvCacheUsageMax === null ? null : 100 * f.kvCacheUsageMax, 1],
  [
    "Prefix-cache hit %",
    (f) => f.prefixCacheHitRate === null ? null : 100 * f.prefixCacheHitRate,
    1,
  ],
];

/**
 * The sweep as a markdown table: latency and throughput against load, goodput when the runs
 * had SLOs, the client's loop lag when recorded, and the server's mean running and waiting
 * requests, KV-cache usage and prefix-cache hit rate when some level scraped them (a column per
 * figure some level's server reported).
 *
 * @example
 * ```ts
 * import { sweepTable, type SweepSummary } from "./sweep.ts";
 * const table = sweepTable({ variable: "rate", model: "m", rows: [{ load: 2, dir: "r2",
 *   numRequestsStarted: 10, numCompleted: 10, errorRate: 0, ttftP50Ms: 120, ttftP99Ms: 200,
 *   e2eP50Ms: 900, e2eP99Ms: 1100, itlP50Ms: 20, outputTokensPerS: 300,
 *   completedRequestsPerMin: 120, goodputShare: null, goodputRatePerS: null,
 *   clientLoopLagMsP99: 0.4, warnings: [] }] } as unknown as SweepSummary);
 * if (!table.includes("| Rate (req/s) |") || !table.includes("120")) throw new Error(table);
 * ```
 */
export function sweepTable(summary: SweepSummary): string {
  const goodput = summary.rows.some((r) => r.goodputShare !== null);
  const lag = summary.rows.some((r) => r.clientLoopLagMsP99 !== null);
  // A server column shows when some level's server reported it.
  const server = _SERVER_COLUMNS.filter(([, pick]) =>
    summary.rows.some((r) => r.server != null && pick(r.server) !== null)
  );
  const headings = [
    summary.variable === "rate" ? "Rate (req/s)" : "Concurrency",
    "Requests",
    "Errors",
    "TTFT p50 ms",
    "TTFT p99 ms",
    "E2E p50 ms",
    "E2E p99 ms",
    "ITL p50 ms",
    "Output tok/s",
    "Req/min",
    ...(goodput ? ["Goodput %", "Goodput req/s"] : []),
    ...(lag ? ["Client lag p99 ms"] : []),
    ...server.map(([title]) => title),
  ];
  const rows = summary.rows.map((r) => [
    String(r.load),
    `${r.numCompleted}/${r.numRequestsStarted}`,
    r.errorRate === null ? "n/a" : `${(r.errorRate * 100).toFixed(1)}%`,
    formatCell(r.ttftP50Ms, 1),
    formatCell(r.ttftP99Ms, 1),
    formatCell(r.e2eP50Ms, 1),
    formatCell(r.e2eP99Ms, 1),
    formatCell(r.itlP50Ms, 2),
    formatCell(r.outputTokensPerS, 1),
    formatCell(r.completedRequestsPerMin, 1),
    ...(goodput
      ? [
        r.goodputShare === null ? "n/a" : (r.goodputShare * 100).toFixed(1),
        formatCell(r.goodputRatePerS, 2),
      ]
      : []),
    ...(lag ? [formatCell(r.clientLoopLagMsP99, 2)] : []),
    ...server.map(([, pick, digits]) =>
      r.server == null ? "n/a" : formatCell(pick(r.server), digits)
    ),
  ]);
  return `### Latency and throughput vs ${summary.variable} (${summary.model})\n\n` +
    gridTable(headings, rows);
}

/**
 * The sweep's rows as {@link LoadPoint}s for `plotLoadCurve`, under one label.
 *
 * @example
 * ```ts
 * import { sweepLoadPoints, type SweepSummary } from "./sweep.ts";
 * const points = sweepLoadPoints({ rows: [{ load: 4, ttftP50Ms: 1, ttftP99Ms: 2, e2eP50Ms: 3,
 *   e2eP99Ms: 4, outputTokensPerS: 5, completedRequestsPerMin: 6, errorRate: 0 }] } as unknown as SweepSummary, "sim");
 * if (points[0].label !== "sim" || points[0].load !== 4) throw new Error("points");
 * ```
 */
export function sweepLoadPoints(summary: SweepSummary, label: string): LoadPoint[] {
  return summary.rows.map((r) => ({
    label,
    load: r.load,
    ttftP50Ms: r.ttftP50Ms,
    ttftP99Ms: r.ttftP99Ms,
    e2eP50Ms: r.e2eP50Ms,
    e2eP99Ms: r.e2eP99Ms,
    outputTokensPerS: r.outputTokensPerS,
    completedRequestsPerMin: r.completedRequestsPerMin,
    errorRate: r.errorRate,
  }));
}
