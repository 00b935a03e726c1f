/**
 * Summary statistics with fixed fields: count, mean, sample stddev, min, max and quantiles.
 *
 * @module
 */
import { quantileSorted } from "./quantile.ts";
import { pairwiseSum } from "./pairwise_sum.ts";

/**
 * The fields of {@link Stats}, in report order.
 *
 * @example A table header
 * ```ts
 * import { STATS_FIELDS } from "./summarize.ts";
 * if (STATS_FIELDS.join(",") !== "count,mean,stddev,min,max,p25,p50,p75,p90,p95,p99") {
 *   throw new Error("fields");
 * }
 * ```
 */
export const STATS_FIELDS = [
  "count",
  "mean",
  "stddev",
  "min",
  "max",
  "p25",
  "p50",
  "p75",
  "p90",
  "p95",
  "p99",
] as const;

/**
 * The quantile fields of {@link Stats} and their probabilities.
 *
 * @example Field name to probability
 * ```ts
 * import { STATS_QUANTILES } from "./summarize.ts";
 * if (new Map(STATS_QUANTILES).get("p99") !== 0.99) throw new Error("p99");
 * ```
 */
export const STATS_QUANTILES = [
  ["p25", 0.25],
  ["p50", 0.5],
  ["p75", 0.75],
  ["p90", 0.9],
  ["p95", 0.95],
  ["p99", 0.99],
] as const;

/**
 * Statistics of a sample, JSON-safe: a missing value is `null`, never `NaN`. Same unit as the
 * values.
 */
export interface Stats {
  /** Number of values. */
  count: number;
  /** Arithmetic mean. */
  mean: number | null;
  /** Sample standard deviation (n − 1 denominator, numpy `ddof=1`); `null` below two values. */
  stddev: number | null;
  /** Smallest value. */
  min: number | null;
  /** Largest value. */
  max: number | null;
  /** 25th percentile, numpy `linear` (as are all quantiles here). */
  p25: number | null;
  /** Median. */
  p50: number | null;
  /** 75th percentile. */
  p75: number | null;
  /** 90th percentile. */
  p90: number | null;
  /** 95th percentile. */
  p95: number | null;
  /** 99th percentile. */
  p99: number | null;
  /** Why some fields are `null` (no values, a single value), when they are. */
  note?: string;
}

/**
 * Summarize values: count, mean, sample stddev (n − 1), min, max, and the p25/p50/p75/p90/p95/p99
 * quantiles with numpy's default `linear` method (`numpy.quantile(x, q)`; see
 * {@link quantileSorted}). Mean and stddev use numpy's pairwise summation in input order, so
 * they equal `numpy.mean(x)` and `numpy.std(x, ddof=1)` to the last bit. No values gives nulls and the note `"no values"`; one value gives a
 * `null` stddev and a note. `NaN` or an infinite value throws a `RangeError`.
 *
 * @example Quartiles and spread
 * ```ts
 * import { summarize } from "./summarize.ts";
 * const s = summarize([4, 1, 3, 2]);
 * if (s.count !== 4 || s.mean !== 2.5 || s.p25 !== 1.75 || s.p50 !== 2.5) throw new Error("stats");
 * if (summarize([]).mean !== null || summarize([7]).stddev !== null) throw new Error("nulls");
 * ```
 */
export function summarize(values: ArrayLike<number>): Stats {
  const x = Float64Array.from(values);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new RangeError(
        `Cannot summarize: values must be finite numbers, got ${values[i]} at index ${i}`,
      );
    }
  }
  const n = x.length;
  if (n === 0) {
    return {
      count: 0,
      mean: null,
      stddev: null,
      min: null,
      max: null,
      p25: null,
      p50: null,
      p75: null,
      p90: null,
      p95: null,
      p99: null,
      note: "no values",
    };
  }
  // Mean and variance as numpy computes them, in input order: pairwise sums, then
  // sqrt(sum((x - mean)^2) / (n - 1)), so they round like numpy.mean / numpy.std(ddof=1).
  const mean = pairwiseSum(x, 0, n) / n;
  let stddev: number | null = null;
  if (n >= 2) {
    const squares = x.map((v) => (v - mean) * (v - mean));
    stddev = Math.sqrt(pairwiseSum(squares, 0, n) / (n - 1));
  }
  const sorted = x.slice().sort();
  const q = (p: number) => quantileSorted(sorted, p);
  const stats: Stats = {
    count: n,
    mean,
    stddev,
    min: sorted[0],
    max: sorted[n - 1],
    p25: q(0.25),
    p50: q(0.5),
    p75: q(0.75),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
  };
  if (n === 1) stats.note = "one value: stddev needs at least two";
  return stats;
}
