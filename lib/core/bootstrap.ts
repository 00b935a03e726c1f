/**
 * Percentile-bootstrap confidence intervals for quantiles, and summary statistics that carry
 * them with warnings for percentiles resting on too few samples.
 *
 * @module
 */
import { quantileSorted } from "./quantile.ts";
import { createRandom, type Random } from "./random.ts";
import { type Stats, STATS_QUANTILES, summarize } from "./summarize.ts";
import { percentileSupport } from "./percentile_support.ts";

/** Options of {@link bootstrapQuantileCi}. */
export interface BootstrapOptions {
  /** Coverage of the interval, in (0, 1). Default 0.95. */
  confidence?: number;
  /** Bootstrap resamples. Default 1000. */
  resamples?: number;
  /** Uniform generator on [0, 1). Default `createRandom(seed)`. */
  random?: Random;
  /** Seed of the default generator (ignored when `random` is given). Default 0. */
  seed?: number;
}

/** A confidence interval `[lo, hi]`. */
export type ConfidenceInterval = [lo: number, hi: number];

/**
 * The quantiles {@link summarizeWithCi} gives intervals for, with their probabilities.
 *
 * @example Field names
 * ```ts
 * import { CI_QUANTILES } from "./bootstrap.ts";
 * if (CI_QUANTILES.map(([f]) => f).join() !== "p50,p95,p99") throw new Error("fields");
 * ```
 */
export const CI_QUANTILES = [["p50", 0.5], ["p95", 0.95], ["p99", 0.99]] as const;

/** One of the fields of {@link CI_QUANTILES}. */
export type CiQuantile = typeof CI_QUANTILES[number][0];

interface _Checked {
  sorted: Float64Array;
  confidence: number;
  resamples: number;
  random: Random;
}

function _check(what: string, values: ArrayLike<number>, options: BootstrapOptions): _Checked {
  const sorted = Float64Array.from(values);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) {
      throw new RangeError(
        `Cannot ${what}: values must be finite numbers, got ${values[i]} at index ${i}`,
      );
    }
  }
  const confidence = options.confidence ?? 0.95;
  if (!(typeof confidence === "number" && confidence > 0 && confidence < 1)) {
    throw new RangeError(`Cannot ${what}: 'confidence' must be in (0, 1), got ${confidence}`);
  }
  const resamples = options.resamples ?? 1000;
  if (!(Number.isSafeInteger(resamples) && resamples >= 1)) {
    throw new RangeError(
      `Cannot ${what}: 'resamples' must be a positive integer, got ${resamples}`,
    );
  }
  const random = options.random ?? createRandom(options.seed ?? 0);
  sorted.sort();
  return { sorted, confidence, resamples, random };
}

/**
 * Bootstrap distributions of several quantiles at once: `resamples` resamples of `sorted` with
 * replacement, each quantile by numpy `linear`. A resample is drawn as counts per original
 * index (no sort): its order statistics are the sorted originals repeated by their counts.
 * Draws `n` numbers from `random` per resample, index `floor(random() · n)`.
 */
function _bootstrapQuantiles(
  sorted: Float64Array,
  qs: readonly number[],
  resamples: number,
  random: Random,
): Float64Array[] {
  const n = sorted.length;
  const out = qs.map(() => new Float64Array(resamples));
  // The order-statistic ranks each quantile interpolates between (numpy linear).
  const lo = qs.map((q) => Math.floor((n - 1) * q));
  const hi = lo.map((k) => Math.min(k + 1, n - 1));
  const t = qs.map((q, i) => (n - 1) * q - lo[i]);
  const ranks = [...new Set([...lo, ...hi])].sort((a, b) => a - b);
  const loAt = lo.map((k) => ranks.indexOf(k)), hiAt = hi.map((k) => ranks.indexOf(k));
  const valueAt = new Float64Array(ranks.length);
  const counts = new Uint32Array(n);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[Math.floor(random() * n)]++;
    let next = 0, seen = 0;
    for (let i = 0; i < n && next < ranks.length; i++) {
      seen += counts[i];
      while (next < ranks.length && ranks[next] < seen) valueAt[next++] = sorted[i];
    }
    for (let j = 0; j < qs.length; j++) {
      const a = valueAt[loAt[j]], c = valueAt[hiAt[j]];
      const diff = c - a;
      // numpy's _lerp, exactly as quantileSorted does it.
      out[j][b] = t[j] >= 0.5 ? c - diff * (1 - t[j]) : a + diff * t[j];
    }
  }
  return out;
}

function _interval(distribution: Float64Array, confidence: number): ConfidenceInterval {
  distribution.sort();
  const alpha = 1 - confidence;
  return [
    quantileSorted(distribution, alpha / 2) as number,
    quantileSorted(distribution, 1 - alpha / 2) as number,
  ];
}

/**
 * Percentile-bootstrap confidence interval for the `q`-quantile (numpy `linear`) of `values`:
 * resample with replacement `resamples` times, take each resample's quantile, and return the
 * `(1 − confidence)/2` and `(1 + confidence)/2` quantiles of those. Same seed, same interval.
 * `null` for no values. Sorts once and draws each resample as counts per value, no sort:
 * 1,000 resamples of 10,000 values take 0.1–0.3 s on a loaded 2-core machine (resample-and-sort
 * takes 0.8–1.9 s).
 *
 * @example Interval around a median
 * ```ts
 * import { bootstrapQuantileCi } from "./bootstrap.ts";
 * import { createRandom } from "./random.ts";
 * const values = Array.from({ length: 200 }, (_, i) => i);
 * const [lo, hi] = bootstrapQuantileCi(values, 0.5, { random: createRandom(7) })!;
 * if (!(lo < 99.5 && 99.5 < hi && hi - lo < 40)) throw new Error(`${lo} ${hi}`);
 * ```
 */
export function bootstrapQuantileCi(
  values: ArrayLike<number>,
  q: number,
  options: BootstrapOptions = {},
): ConfidenceInterval | null {
  if (!(typeof q === "number" && q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot bootstrap quantile: 'q' must be in [0, 1], got ${q}`);
  }
  const { sorted, confidence, resamples, random } = _check("bootstrap quantile", values, options);
  if (sorted.length === 0) return null;
  const [distribution] = _bootstrapQuantiles(sorted, [q], resamples, random);
  return _interval(distribution, confidence);
}

/** Options of {@link summarizeWithCi}: those of {@link bootstrapQuantileCi}. */
export type SummarizeWithCiOptions = BootstrapOptions;

/** {@link Stats} with bootstrap intervals and sample-support warnings. */
export interface StatsWithCi extends Stats {
  /** Percentile-bootstrap interval of each of p50, p95, p99; `null` for no values. */
  ci: Record<CiQuantile, ConfidenceInterval | null>;
  /** Coverage of the intervals. */
  confidence: number;
  /** Bootstrap resamples drawn. */
  resamples: number;
  /** One line per reported percentile (p25 … p99) resting on too few samples. */
  warnings: string[];
}

/**
 * {@link summarize} plus percentile-bootstrap confidence intervals for p50, p95 and p99 (one
 * set of resamples serves all three) and a warning for each reported percentile that rests on
 * too few samples ({@link percentileSupport}: n · (1 − q) ≥ 10 on the far side).
 *
 * @example A small sample gets wide intervals and warnings
 * ```ts
 * import { summarizeWithCi } from "./bootstrap.ts";
 * const values = Array.from({ length: 57 }, (_, i) => 100 + i);
 * const s = summarizeWithCi(values, { seed: 1 });
 * const [lo, hi] = s.ci.p50!;
 * if (!(lo <= s.p50! && s.p50! <= hi)) throw new Error("p50 outside its interval");
 * if (!s.warnings.some((w) => w.startsWith("p99 of 57 values"))) throw new Error("warning");
 * ```
 */
export function summarizeWithCi(
  values: ArrayLike<number>,
  options: SummarizeWithCiOptions = {},
): StatsWithCi {
  const stats = summarize(values);
  const { sorted, confidence, resamples, random } = _check("summarize with CI", values, options);
  const ci = { p50: null, p95: null, p99: null } as Record<CiQuantile, ConfidenceInterval | null>;
  if (sorted.length > 0) {
    const qs = CI_QUANTILES.map(([, q]) => q);
    const distributions = _bootstrapQuantiles(sorted, qs, resamples, random);
    CI_QUANTILES.forEach(([field], i) => {
      ci[field] = _interval(distributions[i], confidence);
    });
  }
  const warnings: string[] = [];
  for (const [, q] of STATS_QUANTILES) {
    const warning = percentileSupport(sorted.length, q);
    if (warning !== null) warnings.push(warning);
  }
  return { ...stats, ci, confidence, resamples, warnings };
}

/**
 * Percentile-bootstrap confidence interval for the difference of two samples' `q`-quantiles
 * (numpy `linear`), `quantile(other) − quantile(baseline)`: each resample draws both samples
 * anew with replacement, independently, and takes the difference of their quantiles; the
 * interval is the `(1 − confidence)/2` and `(1 + confidence)/2` quantiles of those differences.
 * An interval that excludes 0 means the quantiles differ at that confidence. `null` when either
 * sample is empty. Same seed, same interval.
 *
 * @example Two samples 50 apart
 * ```ts
 * import { bootstrapQuantileDifferenceCi } from "./bootstrap.ts";
 * const a = Array.from({ length: 300 }, (_, i) => 100 + (i % 30));
 * const b = a.map((v) => v + 50);
 * const [lo, hi] = bootstrapQuantileDifferenceCi(a, b, 0.5)!;
 * if (!(lo <= 50 && 50 <= hi && lo > 0)) throw new Error(`${lo} ${hi}`);
 * ```
 */
export function bootstrapQuantileDifferenceCi(
  baseline: ArrayLike<number>,
  other: ArrayLike<number>,
  q: number,
  options: BootstrapOptions = {},
): ConfidenceInterval | null {
  if (!(typeof q === "number" && q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot bootstrap a quantile difference: 'q' must be in [0, 1], got ${q}`);
  }
  const what = "bootstrap a quantile difference";
  const a = _check(what, baseline, options);
  const b = _check(what, other, { ...options, random: a.random });
  if (a.sorted.length === 0 || b.sorted.length === 0) return null;
  const [da] = _bootstrapQuantiles(a.sorted, [q], a.resamples, a.random);
  const [db] = _bootstrapQuantiles(b.sorted, [q], b.resamples, a.random);
  const diff = new Float64Array(a.resamples);
  for (let i = 0; i < diff.length; i++) diff[i] = db[i] - da[i];
  return _interval(diff, a.confidence);
}
