/**
 * Compare runs metric by metric: each run's median and p99, the difference from the first run
 * with a bootstrap confidence interval, a verdict at a stated confidence, and warnings when the
 * runs did not measure the same workload. Pure.
 *
 * @module
 */
import type { RequestRecord } from "../core/request_record.ts";
import { quantileSorted } from "../core/quantile.ts";
import { bootstrapQuantileDifferenceCi, type ConfidenceInterval } from "../core/bootstrap.ts";
import { percentileSupport } from "../core/percentile_support.ts";
import type { RunMetadata } from "./run_metadata.ts";
import { formatCell, gridTable } from "./grid_table.ts";

/**
 * The metrics {@link compareRuns} compares, with their unit and which way is better.
 *
 * @example Throughput is the one where higher is better
 * ```ts
 * import { COMPARE_METRICS } from "./compare_runs.ts";
 * const better = COMPARE_METRICS.filter((m) => m.higherIsBetter).map((m) => m.metric);
 * if (better.join() !== "outputThroughputTokPerS") throw new Error(better.join());
 * ```
 */
export const COMPARE_METRICS = [
  { metric: "ttftMs", name: "TTFT", unit: "ms", higherIsBetter: false },
  { metric: "e2eMs", name: "End-to-end latency", unit: "ms", higherIsBetter: false },
  { metric: "interTokenLatencyMs", name: "Inter-token latency", unit: "ms", higherIsBetter: false },
  {
    metric: "outputThroughputTokPerS",
    name: "Output throughput per request",
    unit: "tokens/s",
    higherIsBetter: true,
  },
] as const;

/** One of the `metric` fields of {@link COMPARE_METRICS}. */
export type CompareMetric = typeof COMPARE_METRICS[number]["metric"];

/**
 * The statistics compared: the median and the 99th percentile (numpy `linear`).
 *
 * @example
 * ```ts
 * import { COMPARE_STATISTICS } from "./compare_runs.ts";
 * if (new Map(COMPARE_STATISTICS).get("p99") !== 0.99) throw new Error("p99");
 * ```
 */
export const COMPARE_STATISTICS = [["p50", 0.5], ["p99", 0.99]] as const;

/** `p50` or `p99`. */
export type CompareStatistic = typeof COMPARE_STATISTICS[number][0];

/**
 * How a run did against the first one on a statistic: `faster` (lower latency or higher
 * throughput, the interval of the difference excluding 0), `slower`, `no significant
 * difference` (the interval holds 0), or `no data` (a run has no values).
 */
export type CompareVerdict = "faster" | "slower" | "no significant difference" | "no data";

/** A run as {@link compareRuns} takes it. */
export interface CompareRunsInput {
  /** What the comparison calls the run (unique). */
  label: string;
  /** The run's records; only completed, measured ones count. */
  records: readonly RequestRecord[];
  /** The run's context, for the workload warnings. Default: none (no workload check). */
  metadata?: RunMetadata;
}

/** Options of {@link compareRuns}. */
export interface CompareRunsOptions {
  /** Coverage of the difference intervals, in (0, 1). Default `0.95`. */
  confidence?: number;
  /** Bootstrap resamples per difference. Default `1000`. */
  resamples?: number;
  /** Seed of the bootstrap (same records, same intervals). Default `0`. */
  seed?: number;
}

/** One run's value of a statistic, and its difference from the first run's. */
export interface CompareCell {
  /** The run. */
  label: string;
  /** Completed, measured requests with a value. */
  count: number;
  /** The statistic, or null without values. */
  value: number | null;
  /** `value − first run's value`; null for the first run and without values. */
  difference: number | null;
  /** `difference / first run's value`; null when that is 0 or missing. */
  relativeDifference: number | null;
  /** Bootstrap interval of the difference at the comparison's confidence; null as above. */
  ci: ConfidenceInterval | null;
  /** Against the first run; null for the first run itself. */
  verdict: CompareVerdict | null;
}

/** One metric's comparison. */
export interface MetricComparison {
  metric: CompareMetric;
  /** Human name: `TTFT`. */
  name: string;
  unit: string;
  higherIsBetter: boolean;
  /** Per statistic, one cell per run (the first run first). */
  statistics: Record<CompareStatistic, CompareCell[]>;
}

/** What {@link compareRuns} returns; JSON-ready. */
export interface RunComparison {
  kind: "run-comparison";
  /** Coverage of every interval. */
  confidence: number;
  resamples: number;
  /** The run every other one is compared with: the first. */
  baseline: string;
  /** Labels, in order. */
  runs: string[];
  metrics: MetricComparison[];
  /**
   * The runs differ in workload (prompt lengths, load, tokenizer, endpoint, model …), or a
   * statistic rests on too few samples: one line each.
   */
  warnings: string[];
}

/** The context fields whose difference makes runs measure different workloads. */
const _WORKLOAD_FIELDS: readonly [keyof RunMetadata, string][] = [
  ["meanInputTokens", "mean input tokens"],
  ["stddevInputTokens", "stddev input tokens"],
  ["meanOutputTokens", "mean output tokens"],
  ["stddevOutputTokens", "stddev output tokens"],
  ["promptMode", "prompt mode"],
  ["numConcurrentRequests", "concurrency"],
  ["rate", "rate (requests/s)"],
  ["arrival", "arrival process"],
  ["maxInFlight", "max in flight"],
  ["tokenizer", "tokenizer"],
  ["llmApi", "API"],
  ["endpoint", "endpoint"],
  ["model", "model"],
  ["simulated", "simulated"],
  ["lens", "lens"],
];

function _values(records: readonly RequestRecord[], metric: CompareMetric): Float64Array {
  const out: number[] = [];
  for (const r of records) {
    if (r.phase !== "measure" || r.status !== "ok") continue;
    const v = r[metric];
    if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

function _verdict(ci: ConfidenceInterval, higherIsBetter: boolean): CompareVerdict {
  const [lo, hi] = ci;
  if (lo <= 0 && 0 <= hi) return "no significant difference";
  const higher = lo > 0;
  return higher === higherIsBetter ? "faster" : "slower";
}

function _show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/**
 * Compare runs: for each of {@link COMPARE_METRICS}, each run's median and p99 over its
 * completed, measured requests, and for every run after the first the difference from the first
 * (`run − first`) with a percentile-bootstrap interval ({@link bootstrapQuantileDifferenceCi})
 * and a verdict: `faster`/`slower` when the interval excludes 0, else `no significant
 * difference`. Warns when the runs' metadata differ in workload (prompt lengths, prompt mode,
 * concurrency or rate, tokenizer, API, endpoint, model, simulated, lens) and when a statistic
 * rests on too few samples. Bad options throw a RangeError/TypeError naming the value.
 *
 * @example A run 50 ms slower to its first token
 * ```ts
 * import { compareRuns } from "./compare_runs.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const run = (ttft: number) => Array.from({ length: 100 }, (_, i) => ({
 *   phase: "measure", status: "ok", ttftMs: ttft + (i % 10), e2eMs: 1000, interTokenLatencyMs: 20,
 *   outputThroughputTokPerS: 50,
 * })) as unknown as RequestRecord[];
 * const c = compareRuns([{ label: "a", records: run(100) }, { label: "b", records: run(150) }]);
 * const cell = c.metrics[0].statistics.p50[1];
 * if (cell.difference !== 50 || cell.verdict !== "slower") throw new Error(JSON.stringify(cell));
 * ```
 */
export function compareRuns(
  runs: readonly CompareRunsInput[],
  options: CompareRunsOptions = {},
): RunComparison {
  const what = "Cannot compare runs";
  if (!Array.isArray(runs) || runs.length < 2) {
    throw new RangeError(
      `${what}: 'runs' must hold at least two runs, got ${
        Array.isArray(runs) ? runs.length : runs
      }`,
    );
  }
  const seen = new Set<string>();
  for (const run of runs) {
    if (typeof run?.label !== "string" || run.label === "" || !Array.isArray(run.records)) {
      throw new TypeError(`${what}: each run must be { label, records }, got ${typeof run}`);
    }
    if (seen.has(run.label)) {
      throw new RangeError(`${what}: run labels must be unique, got '${run.label}' twice`);
    }
    seen.add(run.label);
  }
  const { confidence = 0.95, resamples = 1000, seed = 0 } = options;
  if (!(typeof confidence === "number" && confidence > 0 && confidence < 1)) {
    throw new RangeError(`${what}: 'confidence' must be in (0, 1), got ${confidence}`);
  }
  if (!(Number.isSafeInteger(resamples) && resamples >= 1)) {
    throw new RangeError(`${what}: 'resamples' must be a positive integer, got ${resamples}`);
  }
  if (!Number.isFinite(seed)) {
    throw new RangeError(`${what}: 'seed' must be a finite number, got ${seed}`);
  }

  const warnings: string[] = [];
  const [first] = runs;
  if (first.metadata !== undefined) {
    for (const run of runs.slice(1)) {
      if (run.metadata === undefined) continue;
      for (const [field, name] of _WORKLOAD_FIELDS) {
        const a = first.metadata[field], b = run.metadata[field];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          warnings.push(
            `runs differ in workload: ${name} ${_show(a)} (${first.label}) vs ${
              _show(b)
            } (${run.label})`,
          );
        }
      }
    }
  }

  const sampleWarnings = new Set<string>();
  const metrics = COMPARE_METRICS.map((m, mi): MetricComparison => {
    const values = runs.map((run) => _values(run.records, m.metric));
    const statistics = {} as Record<CompareStatistic, CompareCell[]>;
    for (const [si, [field, q]] of COMPARE_STATISTICS.entries()) {
      const base = values[0].length > 0 ? quantileSorted(values[0], q) as number : null;
      statistics[field] = runs.map((run, i): CompareCell => {
        const v = values[i];
        const value = v.length > 0 ? quantileSorted(v, q) as number : null;
        if (v.length > 0 && percentileSupport(v.length, q) !== null) {
          sampleWarnings.add(`${run.label}: ${percentileSupport(v.length, q)}`);
        }
        if (i === 0) {
          return {
            label: run.label,
            count: v.length,
            value,
            difference: null,
            relativeDifference: null,
            ci: null,
            verdict: null,
          };
        }
        if (value === null || base === null) {
          return {
            label: run.label,
            count: v.length,
            value,
            difference: null,
            relativeDifference: null,
            ci: null,
            verdict: "no data",
          };
        }
        const ci = bootstrapQuantileDifferenceCi(values[0], v, q, {
          confidence,
          resamples,
          // one stream per (metric, statistic, run), all from the one seed
          seed: seed + 10_000 * mi + 1000 * si + i,
        })!;
        const difference = value - base;
        return {
          label: run.label,
          count: v.length,
          value,
          difference,
          relativeDifference: base === 0 ? null : difference / base,
          ci,
          verdict: _verdict(ci, m.higherIsBetter),
        };
      });
    }
    return {
      metric: m.metric,
      name: m.name,
      unit: m.unit,
      higherIsBetter: m.higherIsBetter,
      statistics,
    };
  });
  warnings.push(...sampleWarnings);
  return {
    kind: "run-comparison",
    confidence,
    resamples,
    baseline: first.label,
    runs: runs.map((r) => r.label),
    metrics,
    warnings,
  };
}

/**
 * A {@link RunComparison} as a markdown table: one row per metric, statistic and run after the
 * first (`| TTFT (ms) | p50 | a | b | b − a | 95% CI | verdict |`), then the warnings as a list.
 *
 * @example A faster run
 * ```ts
 * import { compareRuns, renderComparisonMarkdown } from "./compare_runs.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const run = (ttft: number) => Array.from({ length: 50 }, () => ({
 *   phase: "measure", status: "ok", ttftMs: ttft, e2eMs: 1000, interTokenLatencyMs: 20,
 *   outputThroughputTokPerS: 50,
 * })) as unknown as RequestRecord[];
 * const md = renderComparisonMarkdown(
 *   compareRuns([{ label: "a", records: run(100) }, { label: "b", records: run(80) }]),
 * );
 * if (!/\| +faster \|/.test(md)) throw new Error(md);
 * ```
 */
export function renderComparisonMarkdown(comparison: RunComparison): string {
  const pct = `${_percent(comparison.confidence)} CI`;
  const head = [
    "metric",
    "statistic",
    `${comparison.baseline} (baseline)`,
    "run",
    "value",
    "difference",
    "relative",
    pct,
    "verdict",
  ];
  const rows: string[][] = [];
  for (const m of comparison.metrics) {
    for (const [field] of COMPARE_STATISTICS) {
      const [base, ...others] = m.statistics[field];
      for (const cell of others) {
        rows.push([
          `${m.name} (${m.unit})`,
          field,
          _num(base.value),
          cell.label,
          _num(cell.value),
          _signed(cell.difference),
          cell.relativeDifference === null
            ? "–"
            : `${cell.relativeDifference >= 0 ? "+" : ""}${
              (cell.relativeDifference * 100).toFixed(1)
            }%`,
          cell.ci === null ? "–" : `[${_signed(cell.ci[0])}, ${_signed(cell.ci[1])}]`,
          cell.verdict ?? "–",
        ]);
      }
    }
  }
  const out = [
    `Runs compared with ${comparison.baseline} (difference = run − baseline; ` +
    `${comparison.resamples} bootstrap resamples, ${_percent(comparison.confidence)} confidence)`,
    "",
    gridTable(head, rows).trimEnd(),
  ];
  if (comparison.warnings.length > 0) {
    out.push("", "Warnings:", ...comparison.warnings.map((w) => `- ${w}`));
  }
  return out.join("\n") + "\n";
}

function _percent(confidence: number): string {
  return `${Number((confidence * 100).toPrecision(6))}%`;
}

function _num(value: number | null): string {
  return value === null ? "–" : formatCell(value, 2);
}

function _signed(value: number | null): string {
  if (value === null) return "–";
  const text = formatCell(value, 2);
  return value > 0 ? `+${text}` : text;
}
