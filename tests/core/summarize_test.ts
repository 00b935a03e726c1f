import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { STATS_FIELDS, STATS_QUANTILES, summarize } from "../../lib/core/summarize.ts";

/** Expected values from numpy; testdata/numpy_quantiles.json carries the script that made them. */
interface NumpyCase {
  name: string;
  values: number[];
  quantiles: number[];
  mean: number;
  stddev: number | null;
  min: number;
  max: number;
}
const fixture: { q: number[]; cases: NumpyCase[] } = JSON.parse(
  await Deno.readTextFile(new URL("../testdata/numpy_quantiles.json", import.meta.url)),
);

Deno.test("summarize() equals numpy's mean, std(ddof=1), min, max and quantiles to the bit", () => {
  // Same pairwise summation order and the same lerp as numpy, so equality is exact.
  for (const c of fixture.cases) {
    const s = summarize(c.values);
    strictEqual(s.count, c.values.length);
    strictEqual(s.mean, c.mean, `${c.name} mean`);
    strictEqual(s.stddev, c.stddev, `${c.name} stddev`);
    strictEqual(s.min, c.min);
    strictEqual(s.max, c.max);
    for (const [field, q] of STATS_QUANTILES) {
      const i = fixture.q.indexOf(q);
      ok(i >= 0, `fixture has q=${q}`);
      strictEqual(s[field], c.quantiles[i], `${c.name} ${field}`);
    }
  }
});

Deno.test("summarize() of no values is all null with a note, and JSON-safe", () => {
  const s = summarize([]);
  strictEqual(s.count, 0);
  strictEqual(s.note, "no values");
  for (const field of STATS_FIELDS) if (field !== "count") strictEqual(s[field], null, field);
  deepStrictEqual(JSON.parse(JSON.stringify(s)), s);
});

Deno.test("summarize() of one value has a null stddev and says why", () => {
  const s = summarize([12.5]);
  strictEqual(s.count, 1);
  strictEqual(s.stddev, null);
  ok(s.note && /stddev/.test(s.note), s.note);
  for (const field of ["mean", "min", "max", "p25", "p50", "p75", "p90", "p95", "p99"] as const) {
    strictEqual(s[field], 12.5, field);
  }
});

Deno.test("summarize() has exactly the STATS_FIELDS, plus a note only when needed", () => {
  const s = summarize([1, 2, 3]);
  deepStrictEqual(Object.keys(s), [...STATS_FIELDS]);
  strictEqual(s.note, undefined);
  deepStrictEqual(STATS_QUANTILES.map(([field]) => field), STATS_FIELDS.slice(5));
});

Deno.test("summarize() rejects NaN and infinite values naming them", () => {
  throws(() => summarize([1, NaN]), {
    name: "RangeError",
    message: "Cannot summarize: values must be finite numbers, got NaN at index 1",
  });
  throws(() => summarize([Infinity]), /got Infinity at index 0/);
  throws(() => summarize([2, -Infinity, 3]), /got -Infinity at index 1/);
});

Deno.test("summarize() accepts typed arrays and leaves its input alone", () => {
  const values = new Float64Array([5, 1, 4, 2, 3]);
  const s = summarize(values);
  strictEqual(s.p50, 3);
  strictEqual(s.mean, 3);
  deepStrictEqual(Array.from(values), [5, 1, 4, 2, 3]);
  // Hand check of the sample stddev: deviations -2..2, squares sum 10, / (5 - 1) = 2.5.
  strictEqual(s.stddev, Math.sqrt(2.5));
});
