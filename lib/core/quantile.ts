/**
 * Quantiles with numpy's default `linear` method (method 7 of Hyndman & Fan).
 *
 * @module
 */

/**
 * The `q`-quantile of values already sorted ascending, interpolated like `numpy.quantile(x, q)`
 * with its default `method="linear"`: position `h = (n - 1) * q`, result
 * `x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])`.
 * Returns `null` for an empty array.
 *
 * @example Quartiles of four values
 * ```ts
 * import { quantileSorted } from "./quantile.ts";
 * if (quantileSorted([1, 2, 3, 4], 0.25) !== 1.75) throw new Error("p25");
 * if (quantileSorted([], 0.5) !== null) throw new Error("empty");
 * ```
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot compute quantile: 'q' must be in [0, 1], got ${q}`);
  }
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo], b = sorted[hi];
  // numpy's _lerp: a + t*(b-a), and for t >= 0.5 b - (b-a)*(1-t), which keeps exactness at ends.
  const t = h - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * The `q`-quantile of unsorted values (copied and sorted; NaN is rejected), numpy `linear`.
 *
 * @example Median
 * ```ts
 * import { quantile } from "./quantile.ts";
 * if (quantile([3, 1, 2], 0.5) !== 2) throw new Error("median");
 * ```
 */
export function quantile(values: ArrayLike<number>, q: number): number | null {
  const sorted = Float64Array.from(values);
  for (const v of sorted) {
    if (Number.isNaN(v)) throw new RangeError("Cannot compute quantile: values contain NaN");
  }
  sorted.sort();
  return quantileSorted(sorted, q);
}
