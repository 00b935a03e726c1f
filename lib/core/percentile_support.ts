/**
 * Whether a percentile rests on enough samples to be reported without a warning.
 *
 * @module
 */

/** Options of {@link percentileSupport} and {@link minSamplesForQuantile}. */
export interface PercentileSupportOptions {
  /** Samples expected beyond the percentile (on its far side) that it needs. Default 10. */
  minTail?: number;
}

function _check(what: string, q: number, minTail: number): void {
  if (!(typeof q === "number" && q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot ${what}: 'q' must be in [0, 1], got ${q}`);
  }
  if (!(Number.isFinite(minTail) && minTail > 0)) {
    throw new RangeError(`Cannot ${what}: 'minTail' must be a positive number, got ${minTail}`);
  }
}

/**
 * The fewest samples for which the `q`-quantile is supported: the smallest n with
 * `n · min(q, 1 − q) ≥ minTail`, i.e. at least `minTail` samples expected on the far side of
 * the quantile (the same n·p ≥ 10 and n·(1 − p) ≥ 10 rule that makes the binomial count behind a
 * quantile's confidence interval behave). p50 needs 20, p90 100, p95 200, p99 1000. The
 * quantiles 0 and 1 (min, max) are never supported (`Infinity`).
 *
 * @example p99 needs a thousand requests
 * ```ts
 * import { minSamplesForQuantile } from "./percentile_support.ts";
 * if (minSamplesForQuantile(0.99) !== 1000 || minSamplesForQuantile(0.9) !== 100) {
 *   throw new Error("rule");
 * }
 * ```
 */
export function minSamplesForQuantile(
  q: number,
  options: PercentileSupportOptions = {},
): number {
  const minTail = options.minTail ?? 10;
  _check("compute percentile support", q, minTail);
  const tail = Math.min(q, 1 - q);
  if (tail <= 0) return Infinity;
  // 1 − 0.9 is 0.09999999999999998 in binary: forgive rounding so p90 needs 100, not 101.
  return Math.max(1, Math.ceil(minTail / tail - 1e-9));
}

/**
 * A one-line warning when the `q`-quantile of `n` samples rests on too few of them (fewer than
 * {@link minSamplesForQuantile}), else `null`. With `n · (1 − q)` samples beyond it, p99 of 57
 * requests is decided by the single largest value or two. No samples gives `null` (there is no
 * percentile to warn about).
 *
 * @example p99 of 57 requests
 * ```ts
 * import { percentileSupport } from "./percentile_support.ts";
 * const warning = percentileSupport(57, 0.99);
 * if (warning === null || !warning.startsWith("p99 of 57 values")) throw new Error(warning ?? "");
 * if (percentileSupport(57, 0.5) !== null) throw new Error("the median of 57 is fine");
 * ```
 */
export function percentileSupport(
  n: number,
  q: number,
  options: PercentileSupportOptions = {},
): string | null {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError(
      `Cannot compute percentile support: 'n' must be a non-negative integer, got ${n}`,
    );
  }
  const minTail = options.minTail ?? 10;
  const needed = minSamplesForQuantile(q, { minTail });
  if (n === 0 || n >= needed) return null;
  const label = `p${Number((q * 100).toFixed(4))}`;
  const side = q >= 0.5 ? "above" : "below";
  const expected = n * Math.min(q, 1 - q);
  const shown = expected >= 10 ? expected.toFixed(0) : expected.toPrecision(2);
  return `${label} of ${n} values rests on too few samples: about ${Number(shown)} lie ${side} ` +
    `it, ${minTail} are needed (at least ${needed} values)`;
}
