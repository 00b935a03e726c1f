import { strictEqual, throws } from "node:assert/strict";
import { quantile, quantileSorted } from "../../lib/core/quantile.ts";

/** Expected values from numpy; testdata/numpy_quantiles.json carries the script that made them. */
interface NumpyFixture {
  q: number[];
  cases: { name: string; values: number[]; quantiles: number[] }[];
}
const fixture: NumpyFixture = JSON.parse(
  await Deno.readTextFile(new URL("../testdata/numpy_quantiles.json", import.meta.url)),
);

Deno.test("quantile() interpolates like numpy's default linear method, to the bit", () => {
  for (const c of fixture.cases) {
    fixture.q.forEach((q, i) =>
      strictEqual(quantile(c.values, q), c.quantiles[i], `${c.name} q=${q}`)
    );
  }
});

Deno.test("quantileSorted() follows the formula h = (n - 1) q worked by hand", () => {
  // [10, 20, 40, 80]: p90 -> h = 3 * 0.9 = 2.7 -> 40 + 0.7 * (80 - 40) = 68.
  strictEqual(quantileSorted([10, 20, 40, 80], 0.9), 68);
  // p25 -> h = 0.75 -> 10 + 0.75 * 10 = 17.5; p50 -> h = 1.5 -> 30.
  strictEqual(quantileSorted([10, 20, 40, 80], 0.25), 17.5);
  strictEqual(quantileSorted([10, 20, 40, 80], 0.5), 30);
  strictEqual(quantileSorted([10, 20, 40, 80], 0), 10);
  strictEqual(quantileSorted([10, 20, 40, 80], 1), 80);
  strictEqual(quantileSorted([5], 0.99), 5);
});

Deno.test("quantile() does not reorder its input and rejects NaN", () => {
  const values = [3, 1, 2];
  strictEqual(quantile(values, 0.5), 2);
  strictEqual(values.join(), "3,1,2");
  throws(() => quantile([1, NaN], 0.5), RangeError);
  throws(() => quantileSorted([1, 2], 1.5), RangeError);
  strictEqual(quantile([], 0.5), null);
});
