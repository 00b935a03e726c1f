/**
 * One point of a load sweep: a run's latency and throughput figures at its load level.
 *
 * @module
 */
import type { RunSummary } from "./summarize_run.ts";

/**
 * A run of a sweep reduced to what a load curve plots. `load` is the concurrency (requests in
 * flight) or the request rate (requests/s) the run was made at.
 */
export interface LoadPoint {
  /** Series the point belongs to (a provider or configuration): one line per label. */
  label: string;
  /** Concurrency or request rate of the run. */
  load: number;
  /** Median time to first token, ms. */
  ttftP50Ms: number | null;
  /** 99th percentile time to first token, ms. */
  ttftP99Ms: number | null;
  /** Median end-to-end latency, ms. */
  e2eP50Ms: number | null;
  /** 99th percentile end-to-end latency, ms. */
  e2eP99Ms?: number | null;
  /** Aggregate output throughput of the run, tokens/s (`RunSummary.outputTokensPerS`). */
  outputTokensPerS: number | null;
  /** Completed requests per minute. */
  completedRequestsPerMin?: number | null;
  /** Fraction of measured requests that failed, in [0, 1]. */
  errorRate?: number | null;
}

/** Options of {@link loadPoint}. */
export interface LoadPointOptions {
  /** Series label. Required. */
  label: string;
  /** Concurrency or rate the run was made at. Required. */
  load: number;
}

/**
 * Reduce a run summary to a {@link LoadPoint} for {@link plotLoadCurve}.
 *
 * @example From summarizeRun's output
 * ```ts
 * import { loadPoint } from "./load_point.ts";
 * import { summarizeRun } from "./summarize_run.ts";
 * const summary = summarizeRun([], { wallTimeMs: 0 });
 * const point = loadPoint(summary, { label: "sim", load: 4 });
 * if (point.load !== 4 || point.ttftP50Ms !== null) throw new Error("point");
 * ```
 */
export function loadPoint(summary: RunSummary, options: LoadPointOptions): LoadPoint {
  const { label, load } = options ?? {};
  if (typeof label !== "string" || label.trim() === "") {
    throw new TypeError(`Cannot make load point: 'label' must be a non-empty string, got ${label}`);
  }
  if (!(typeof load === "number" && Number.isFinite(load) && load >= 0)) {
    throw new RangeError(`Cannot make load point: 'load' must be a number >= 0, got ${load}`);
  }
  return {
    label,
    load,
    ttftP50Ms: summary.stats.ttftMs.p50,
    ttftP99Ms: summary.stats.ttftMs.p99,
    e2eP50Ms: summary.stats.e2eMs.p50,
    e2eP99Ms: summary.stats.e2eMs.p99,
    outputTokensPerS: summary.outputTokensPerS,
    completedRequestsPerMin: summary.completedRequestsPerMin,
    errorRate: summary.errorRate,
  };
}
