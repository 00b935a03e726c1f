import { deepStrictEqual, notDeepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  bootstrapQuantileCi,
  bootstrapQuantileDifferenceCi,
  CI_QUANTILES,
  summarizeWithCi,
} from "../../lib/core/bootstrap.ts";
import { minSamplesForQuantile, percentileSupport } from "../../lib/core/percentile_support.ts";
import { quantileSorted } from "../../lib/core/quantile.ts";
import { createRandom, type Random, sampleNormal } from "../../lib/core/random.ts";
import { STATS_FIELDS, summarize } from "../../lib/core/summarize.ts";

/** The textbook percentile bootstrap: draw indices, build the resample, sort it, take q. */
function naiveCi(
  values: number[],
  q: number,
  resamples: number,
  confidence: number,
  random: Random,
) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const stats = new Float64Array(resamples);
  const resample = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let k = 0; k < n; k++) resample[k] = sorted[Math.floor(random() * n)];
    resample.sort();
    stats[b] = quantileSorted(resample, q)!;
  }
  stats.sort();
  const alpha = 1 - confidence;
  return [quantileSorted(stats, alpha / 2), quantileSorted(stats, 1 - alpha / 2)];
}

function skewed(n: number, seed: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => Math.round(100 + 400 * -Math.log(1 - random())));
}

Deno.test("bootstrapQuantileCi() equals the textbook resample-and-sort bootstrap exactly", () => {
  // Same generator stream, same indices: the counting shortcut must give the same resample
  // order statistics, so the intervals agree to the bit (ties included: values are rounded).
  for (const [n, q] of [[57, 0.99], [200, 0.5], [333, 0.95], [10, 0.25], [1, 0.5]] as const) {
    const values = skewed(n, n);
    const fast = bootstrapQuantileCi(values, q, {
      resamples: 300,
      confidence: 0.9,
      random: createRandom(5),
    });
    const slow = naiveCi(values, q, 300, 0.9, createRandom(5));
    deepStrictEqual(fast, slow, `n=${n} q=${q}`);
  }
});

Deno.test("bootstrapQuantileCi() is reproducible from its seed and brackets the estimate", () => {
  const values = skewed(500, 1);
  const a = bootstrapQuantileCi(values, 0.95, { seed: 3 })!;
  deepStrictEqual(bootstrapQuantileCi(values, 0.95, { seed: 3 }), a);
  deepStrictEqual(
    bootstrapQuantileCi(values, 0.95),
    bootstrapQuantileCi(values, 0.95, { seed: 0 }),
  );
  notDeepStrictEqual(bootstrapQuantileCi(values, 0.95, { seed: 4 }), a);
  const p95 = summarize(values).p95!;
  ok(a[0] <= p95 && p95 <= a[1], `${a} around ${p95}`);
  const wider = bootstrapQuantileCi(values, 0.95, { seed: 3, confidence: 0.99 })!;
  ok(wider[0] <= a[0] && a[1] <= wider[1], "99% contains 95%");
});

Deno.test("bootstrapQuantileCi() covers the true median about 95% of the time", () => {
  // 200 samples of 100 from Uniform(0, 1), whose median is 0.5. Seeded, so the count is fixed;
  // a broken interval (too narrow, shifted) would land far outside [180, 198].
  const random = createRandom(11);
  let covered = 0;
  for (let trial = 0; trial < 200; trial++) {
    const values = Array.from({ length: 100 }, () => random());
    const [lo, hi] = bootstrapQuantileCi(values, 0.5, { resamples: 400, random })!;
    if (lo <= 0.5 && 0.5 <= hi) covered++;
  }
  ok(covered >= 180 && covered <= 198, `covered ${covered} of 200`);
});

Deno.test("bootstrapQuantileCi() handles tiny samples and rejects bad options", () => {
  strictEqual(bootstrapQuantileCi([], 0.5), null);
  deepStrictEqual(bootstrapQuantileCi([42], 0.99), [42, 42]);
  throws(() => bootstrapQuantileCi([1, 2], 1.5), /'q' must be in \[0, 1\], got 1.5/);
  throws(() => bootstrapQuantileCi([1, 2], 0.5, { confidence: 1 }), /'confidence'/);
  throws(() => bootstrapQuantileCi([1, 2], 0.5, { resamples: 0 }), /'resamples'/);
  throws(() => bootstrapQuantileCi([1, NaN], 0.5), /got NaN at index 1/);
});

Deno.test("summarizeWithCi() adds p50/p95/p99 intervals and warnings to summarize()", () => {
  const values = skewed(57, 2);
  const s = summarizeWithCi(values, { seed: 9 });
  const plain = summarize(values);
  for (const field of STATS_FIELDS) strictEqual(s[field], plain[field], field);
  deepStrictEqual(Object.keys(s.ci), CI_QUANTILES.map(([field]) => field));
  for (const [field] of CI_QUANTILES) {
    const [lo, hi] = s.ci[field]!;
    ok(lo <= s[field]! && s[field]! <= hi, `${field} ${s[field]} in [${lo}, ${hi}]`);
  }
  // 57 values: p25 and p75 need 40, p50 20, p90 100, p95 200, p99 1000.
  deepStrictEqual(s.warnings.map((w) => w.split(" ")[0]), ["p90", "p95", "p99"]);
  strictEqual(
    s.warnings[2],
    "p99 of 57 values rests on too few samples: about 0.57 lie above it, 10 are needed " +
      "(at least 1000 values)",
  );
  strictEqual(s.confidence, 0.95);
  strictEqual(s.resamples, 1000);
  deepStrictEqual(JSON.parse(JSON.stringify(s)), s);
  deepStrictEqual(summarizeWithCi(values, { seed: 9 }), s);
});

Deno.test("summarizeWithCi() of no values has null intervals and no warnings", () => {
  const s = summarizeWithCi([]);
  deepStrictEqual(s.ci, { p50: null, p95: null, p99: null });
  deepStrictEqual(s.warnings, []);
  strictEqual(s.note, "no values");
  deepStrictEqual(summarizeWithCi(skewed(1000, 3)).warnings, []);
});

Deno.test("percentileSupport() wants ten samples beyond the percentile", () => {
  const table: [number, number][] = [
    [0.5, 20],
    [0.25, 40],
    [0.75, 40],
    [0.9, 100],
    [0.95, 200],
    [
      0.99,
      1000,
    ],
    [0.999, 10000],
    [0.01, 1000],
  ];
  for (const [q, n] of table) {
    strictEqual(minSamplesForQuantile(q), n, `q=${q}`);
    strictEqual(percentileSupport(n, q), null, `n=${n} q=${q}`);
    ok(percentileSupport(n - 1, q)?.includes(`at least ${n} values`), `n=${n - 1} q=${q}`);
  }
  strictEqual(minSamplesForQuantile(1), Infinity);
  strictEqual(minSamplesForQuantile(0.99, { minTail: 5 }), 500);
  strictEqual(percentileSupport(0, 0.99), null);
  ok(percentileSupport(30, 0.01)?.startsWith("p1 of 30 values"));
  ok(percentileSupport(30, 0.01)?.includes("lie below it"));
  ok(percentileSupport(999, 0.999)?.startsWith("p99.9 of 999 values"));
  throws(() => percentileSupport(-1, 0.5), /'n' must be a non-negative integer, got -1/);
  throws(() => percentileSupport(10, 2), /'q' must be in \[0, 1\]/);
});

Deno.test("bootstrapQuantileDifferenceCi() covers the true difference of medians about 95% of the time", () => {
  // Normal samples whose medians differ by 30: the interval of the difference should cover 30
  // in about 95% of repeats and exclude 0 in (nearly) all of them at this sample size.
  const random = createRandom(11);
  const repeats = 120;
  let covered = 0, excludesZero = 0;
  for (let k = 0; k < repeats; k++) {
    const a = Array.from({ length: 150 }, () => sampleNormal(random, 200, 40));
    const b = Array.from({ length: 150 }, () => sampleNormal(random, 230, 40));
    const [lo, hi] = bootstrapQuantileDifferenceCi(a, b, 0.5, { resamples: 400, seed: k })!;
    if (lo <= 30 && 30 <= hi) covered++;
    if (lo > 0) excludesZero++;
  }
  ok(covered / repeats > 0.87 && covered / repeats <= 1, `coverage ${covered / repeats}`);
  ok(excludesZero / repeats > 0.9, `${excludesZero} of ${repeats} exclude 0`);
});

Deno.test("bootstrapQuantileDifferenceCi() is antisymmetric, seeded, and null without samples", () => {
  const a = Array.from({ length: 80 }, (_, i) => (i * 37) % 101);
  const b = a.map((v) => v * 1.5);
  const ab = bootstrapQuantileDifferenceCi(a, b, 0.5, { seed: 3 })!;
  deepStrictEqual(bootstrapQuantileDifferenceCi(a, b, 0.5, { seed: 3 }), ab);
  ok(ab[0] > 0, `${ab}`);
  const ba = bootstrapQuantileDifferenceCi(b, a, 0.5, { seed: 3 })!;
  ok(ba[1] < 0, `${ba}`);
  strictEqual(bootstrapQuantileDifferenceCi([], b, 0.5), null);
  throws(() => bootstrapQuantileDifferenceCi(a, b, 1.5), RangeError);
  throws(() => bootstrapQuantileDifferenceCi(a, [NaN], 0.5), RangeError);
});
