/**
 * numpy's pairwise summation of float64 values (`pairwise_sum` in numpy's `loops_utils.h`,
 * block size 128), so means and variances round exactly as numpy/pandas round them.
 *
 * @module
 */

/**
 * Sum of `a[lo]` … `a[lo + n - 1]` in numpy's pairwise order.
 *
 * @example
 * ```ts
 * import { pairwiseSum } from "./pairwise_sum.ts";
 * if (pairwiseSum(new Float64Array([1, 2, 3]), 0, 3) !== 6) throw new Error("sum");
 * ```
 */
export function pairwiseSum(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[lo], r1 = a[lo + 1], r2 = a[lo + 2], r3 = a[lo + 3];
    let r4 = a[lo + 4], r5 = a[lo + 5], r6 = a[lo + 6], r7 = a[lo + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const j = lo + i;
      r0 += a[j];
      r1 += a[j + 1];
      r2 += a[j + 2];
      r3 += a[j + 3];
      r4 += a[j + 4];
      r5 += a[j + 5];
      r6 += a[j + 6];
      r7 += a[j + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}
