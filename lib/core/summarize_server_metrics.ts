/**
 * Server metrics of a run (the samples a `--server-metrics` scraper stored in
 * `server_metrics.jsonl`) as data, their summary for `summary.json`
 * ({@link summarizeServerMetrics}) and their timeline on the run's clock
 * ({@link serverMetricsTimeline}). Pure.
 *
 * @module
 */
import { type Stats, summarize } from "./summarize.ts";
import {
  SERVER_METRIC_ROLE_NAMES,
  SERVER_METRIC_ROLES,
  type ServerMetricRole,
} from "./server_metric_roles.ts";

/**
 * Version of `server_metrics.jsonl` (its header's `schemaVersion`).
 *
 * @example
 * ```ts
 * import { SERVER_METRICS_SCHEMA_VERSION } from "./summarize_server_metrics.ts";
 * if (SERVER_METRICS_SCHEMA_VERSION !== 1) throw new Error();
 * ```
 */
export const SERVER_METRICS_SCHEMA_VERSION = 1;

/** The first line of `server_metrics.jsonl`. */
export interface ServerMetricsHeader {
  kind: "server-metrics";
  schemaVersion: number;
  tool: { name: "tokenbench"; version: string };
  /** The scraped URL, without credentials. */
  url: string;
  /** Time between scrape starts, ms. */
  intervalMs: number;
  /** When scraping started (`tMs` 0), epoch ms. */
  startEpochMs: number;
  /** Sample or family names kept besides every counter, gauge and untyped series. */
  names: string[];
}

/** One successful scrape. */
export interface ServerMetricsScrape {
  kind: "scrape";
  /** When the answer arrived, ms after the header's `startEpochMs`. */
  tMs: number;
  /** When the answer arrived, epoch ms. */
  epochMs: number;
  /** How long the scrape took (request to body read), ms. */
  scrapeMs: number;
  /** Series key (`name{label="v",…}`, labels sorted) → value; `null` for NaN and ±Inf. */
  values: Record<string, number | null>;
  /** Sample name → its family's type, for the names first seen in this scrape. */
  types?: Record<string, string>;
}

/** One failed scrape (network error, HTTP error status, nothing readable). */
export interface ServerMetricsFailure {
  kind: "scrape-error";
  tMs: number;
  epochMs: number;
  /** Why, on one line. */
  message: string;
}

/** A line of `server_metrics.jsonl`. */
export type ServerMetricsLine = ServerMetricsHeader | ServerMetricsScrape | ServerMetricsFailure;

/** A run's server metrics, read. */
export interface ServerMetricsRun {
  header: ServerMetricsHeader;
  /** Successful scrapes, in time order. */
  scrapes: ServerMetricsScrape[];
  /** Failed scrapes, in time order. */
  failures: ServerMetricsFailure[];
  /** Sample name → type, over every scrape. */
  types: Record<string, string>;
}

/** What a counter did over the run. */
export interface ServerCounterSummary {
  /** First value seen. */
  first: number;
  /** Last value seen. */
  last: number;
  /** Increase over the scrapes (a drop is a counter reset: the new value counts whole). */
  increase: number;
  /** `increase` per second between the first and last scrape (null with one scrape). */
  perS: number | null;
}

/** What a role says over the run. */
export interface ServerRoleSummary {
  /** The sample name(s) read (a ratio's `hits/queries`). */
  name: string;
  /** Series summed (one per label set). */
  series: number;
  /** Statistics of the per-scrape values (a ratio's: of its per-interval values). */
  stats: Stats;
  /** A ratio's value over the whole run: Σ hits / Σ queries (null without queries). */
  overall?: number | null;
}

/** The `serverMetrics` section of `summary.json`. */
export interface ServerMetricsSummary {
  url: string;
  intervalMs: number;
  /** Successful scrapes. */
  scrapes: number;
  /** Failed scrapes, and the first one's message. */
  failedScrapes: number;
  firstError: string | null;
  /** First and last scrape on the run's clock (ms since the run's start), null without any. */
  firstMs: number | null;
  lastMs: number | null;
  /** The roles found (running, waiting, KV-cache usage, prefix-cache hit rate). */
  roles: Partial<Record<ServerMetricRole, ServerRoleSummary>>;
  /** Every gauge (and untyped) series: statistics of its values. */
  gauges: Record<string, Stats>;
  /** Every counter series. */
  counters: Record<string, ServerCounterSummary>;
}

/**
 * The sample name of a series key (what comes before its labels).
 *
 * @example
 * ```ts
 * import { seriesName } from "./summarize_server_metrics.ts";
 * if (seriesName('vllm:num_requests_running{model_name="m"}') !== "vllm:num_requests_running") {
 *   throw new Error();
 * }
 * ```
 */
export function seriesName(key: string): string {
  const brace = key.indexOf("{");
  return brace < 0 ? key : key.slice(0, brace);
}

/** Per scrape: the sum of every series named `name`, or null when none is there. */
function _sums(run: ServerMetricsRun, name: string): { values: (number | null)[]; series: number } {
  const keys = new Set<string>();
  for (const scrape of run.scrapes) {
    for (const key of Object.keys(scrape.values)) if (seriesName(key) === name) keys.add(key);
  }
  const values = run.scrapes.map((scrape) => {
    let sum: number | null = null;
    for (const key of keys) {
      const v = scrape.values[key];
      if (typeof v === "number") sum = (sum ?? 0) + v;
    }
    return sum;
  });
  return { values, series: keys.size };
}

/** Σ positive steps of a counter's values (a drop is a reset: the new value counts whole). */
function _increase(values: readonly (number | null)[]): { increase: number; steps: number[] } {
  let last: number | null = null;
  let increase = 0;
  const steps: number[] = [];
  for (const v of values) {
    if (v === null) continue;
    if (last !== null) {
      const step = v >= last ? v - last : v;
      increase += step;
      steps.push(step);
    }
    last = v;
  }
  return { increase, steps };
}

const _present = (values: readonly (number | null)[]): number[] =>
  values.filter((v): v is number => v !== null);

/** The run's start, epoch ms: the option, else the header's. */
function _origin(run: ServerMetricsRun, runStartEpochMs: number | undefined): number {
  return runStartEpochMs ?? run.header.startEpochMs;
}

/** Options of {@link summarizeServerMetrics} and {@link serverMetricsTimeline}. */
export interface ServerMetricsClockOptions {
  /** The run's start, epoch ms (what the records' `actualSendMs` count from). Default: when
   * scraping started (the header's `startEpochMs`). */
  runStartEpochMs?: number;
}

/**
 * Summarizes a run's server metrics: for each role of {@link SERVER_METRIC_ROLES} found (its
 * first name present, every series of it summed per scrape) the statistics of its values; a
 * ratio role from its counters' increases (`overall` = Σ Δhits / Σ Δqueries, statistics over the
 * intervals with queries) or else from its gauge; then statistics of every gauge and untyped
 * series, and each counter's first, last, increase and rate.
 *
 * @example Running requests of a vLLM server
 * ```ts
 * import { summarizeServerMetrics, type ServerMetricsRun } from "./summarize_server_metrics.ts";
 * const scrape = (tMs: number, running: number, done: number) => ({
 *   kind: "scrape" as const, tMs, epochMs: 1000 + tMs, scrapeMs: 1,
 *   values: { 'vllm:num_requests_running{model_name="m"}': running,
 *     'vllm:request_success_total{model_name="m"}': done },
 * });
 * const run: ServerMetricsRun = {
 *   header: { kind: "server-metrics", schemaVersion: 1, tool: { name: "tokenbench", version: "0" },
 *     url: "http://127.0.0.1:8000/metrics", intervalMs: 1000, startEpochMs: 1000, names: [] },
 *   scrapes: [scrape(0, 0, 0), scrape(1000, 4, 2), scrape(2000, 2, 6)],
 *   failures: [],
 *   types: { "vllm:num_requests_running": "gauge", "vllm:request_success_total": "counter" },
 * };
 * const summary = summarizeServerMetrics(run);
 * if (summary.roles.running?.stats.max !== 4) throw new Error(JSON.stringify(summary.roles));
 * const done = summary.counters['vllm:request_success_total{model_name="m"}'];
 * if (done.increase !== 6 || done.perS !== 3) throw new Error(JSON.stringify(done));
 * ```
 */
export function summarizeServerMetrics(
  run: ServerMetricsRun,
  options: ServerMetricsClockOptions = {},
): ServerMetricsSummary {
  const origin = _origin(run, options.runStartEpochMs);
  const first = run.scrapes[0];
  const last = run.scrapes[run.scrapes.length - 1];
  const summary: ServerMetricsSummary = {
    url: run.header.url,
    intervalMs: run.header.intervalMs,
    scrapes: run.scrapes.length,
    failedScrapes: run.failures.length,
    firstError: run.failures[0]?.message ?? null,
    firstMs: first ? first.epochMs - origin : null,
    lastMs: last ? last.epochMs - origin : null,
    roles: {},
    gauges: {},
    counters: {},
  };
  const names = new Set<string>();
  for (const scrape of run.scrapes) {
    for (const key of Object.keys(scrape.values)) names.add(seriesName(key));
  }
  for (const role of SERVER_METRIC_ROLE_NAMES) {
    const spec = SERVER_METRIC_ROLES[role];
    if (spec.kind === "ratio") {
      const pair = spec.counters.find(([hits, queries]) => names.has(hits) && names.has(queries));
      if (pair !== undefined) {
        const hits = _increase(_sums(run, pair[0]).values);
        const queries = _increase(_sums(run, pair[1]).values);
        const rates = queries.steps.flatMap((q, i) => q > 0 ? [hits.steps[i] / q] : []);
        summary.roles[role] = {
          name: `${pair[0]}/${pair[1]}`,
          series: _sums(run, pair[0]).series,
          stats: summarize(rates),
          overall: queries.increase > 0 ? hits.increase / queries.increase : null,
        };
        continue;
      }
    }
    const name = spec.names.find((n) => names.has(n));
    if (name === undefined) continue;
    const { values, series } = _sums(run, name);
    summary.roles[role] = { name, series, stats: summarize(_present(values)) };
  }
  const keys = new Set<string>();
  for (const scrape of run.scrapes) for (const key of Object.keys(scrape.values)) keys.add(key);
  const spanS = first && last && last !== first ? (last.epochMs - first.epochMs) / 1000 : null;
  for (const key of [...keys].sort()) {
    const values = run.scrapes.map((s) => s.values[key] ?? null);
    const type = run.types[seriesName(key)] ?? "untyped";
    if (type === "counter") {
      const present = _present(values);
      if (present.length === 0) continue;
      const { increase } = _increase(values);
      summary.counters[key] = {
        first: present[0],
        last: present[present.length - 1],
        increase,
        perS: spanS === null ? null : increase / spanS,
      };
    } else if (type === "gauge" || type === "untyped" || type === "unknown") {
      summary.gauges[key] = summarize(_present(values));
    }
  }
  return summary;
}

/** One point of {@link serverMetricsTimeline}. */
export interface ServerMetricsPoint {
  /** Time on the run's clock, s since the run's start. */
  tS: number;
  /** The metric: a role's title, or a series key. */
  metric: string;
  /** Its value. */
  value: number;
}

/** Options of {@link serverMetricsTimeline}. */
export interface ServerMetricsTimelineOptions extends ServerMetricsClockOptions {
  /** Sample names (summed over their series) or series keys to show besides the gauge roles;
   * a counter shows as its rate per second between scrapes. Default none. */
  names?: readonly string[];
  /** Show the gauge roles found (running, waiting, KV-cache usage). Default true. */
  roles?: boolean;
}

/**
 * The gauges of a run's server metrics over the run's clock, as long-form points (one per scrape
 * and metric): the gauge roles found (by their titles, every series of the first name present
 * summed) and the asked `names`.
 *
 * @example Running requests over time
 * ```ts
 * import { serverMetricsTimeline } from "./summarize_server_metrics.ts";
 * const points = serverMetricsTimeline({
 *   header: { kind: "server-metrics", schemaVersion: 1, tool: { name: "tokenbench", version: "0" },
 *     url: "u", intervalMs: 500, startEpochMs: 10_000, names: [] },
 *   scrapes: [0, 500].map((tMs, i) => ({
 *     kind: "scrape" as const, tMs, epochMs: 10_000 + tMs, scrapeMs: 1,
 *     values: { "vllm:num_requests_running": i * 3 },
 *   })),
 *   failures: [],
 *   types: {},
 * }, { runStartEpochMs: 9_500 });
 * if (points.map((p) => `${p.tS}:${p.value}`).join() !== "0.5:0,1:3") throw new Error();
 * ```
 */
export function serverMetricsTimeline(
  run: ServerMetricsRun,
  options: ServerMetricsTimelineOptions = {},
): ServerMetricsPoint[] {
  const origin = _origin(run, options.runStartEpochMs);
  const times = run.scrapes.map((s) => (s.epochMs - origin) / 1000);
  const names = new Set<string>();
  for (const scrape of run.scrapes) {
    for (const key of Object.keys(scrape.values)) names.add(seriesName(key));
  }
  const points: ServerMetricsPoint[] = [];
  const push = (metric: string, values: (number | null)[]) => {
    values.forEach((value, i) => {
      if (value !== null && Number.isFinite(value)) points.push({ tS: times[i], metric, value });
    });
  };
  if (options.roles ?? true) {
    for (const role of SERVER_METRIC_ROLE_NAMES) {
      const spec = SERVER_METRIC_ROLES[role];
      if (spec.kind !== "gauge") continue;
      const name = spec.names.find((n) => names.has(n));
      if (name !== undefined) push(spec.title, _sums(run, name).values);
    }
  }
  for (const wanted of options.names ?? []) {
    const values = wanted.includes("{")
      ? run.scrapes.map((s) => s.values[wanted] ?? null)
      : _sums(run, wanted).values;
    if (run.types[seriesName(wanted)] === "counter") {
      // A counter shows as its rate between scrapes.
      const rates: (number | null)[] = [null];
      for (let i = 1; i < values.length; i++) {
        const [a, b] = [values[i - 1], values[i]];
        const dt = times[i] - times[i - 1];
        rates.push(a === null || b === null || dt <= 0 ? null : (b >= a ? b - a : b) / dt);
      }
      push(`${wanted} (per s)`, rates);
    } else push(wanted, values);
  }
  return points;
}
