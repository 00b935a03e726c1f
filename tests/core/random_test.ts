import { throws } from "node:assert/strict";
import { mean, sampleStandardDeviation } from "simple-statistics";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import {
  createRandom,
  randomInt,
  sampleNormal,
  samplePositiveInt,
  shuffle,
} from "../../lib/core/random.ts";

/** `fn` throws an instance of `ErrorClass` whose message includes `includes`. */
function assertThrows(fn: () => unknown, ErrorClass: typeof Error, includes: string): void {
  throws(fn, (err: unknown) => {
    assert(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err}`);
    assert(err.message.includes(includes), `message: ${err.message}`);
    return true;
  });
}

function draws(random: () => number, n: number): number[] {
  return Array.from({ length: n }, () => random());
}

Deno.test("createRandom() repeats its sequence for the same seed", () => {
  assertEquals(draws(createRandom(42), 1000), draws(createRandom(42), 1000));
  assertEquals(draws(createRandom(-7), 10), draws(createRandom(-7), 10));
});

Deno.test("createRandom() gives different sequences for different seeds, high bits included", () => {
  const seeds = [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
  const firsts = new Set(seeds.map((seed) => draws(createRandom(seed), 4).join()));
  assertEquals(firsts.size, seeds.length);
});

Deno.test("createRandom() is uniform on [0, 1)", () => {
  const values = draws(createRandom(3), 100_000);
  assert(values.every((v) => v >= 0 && v < 1));
  // Mean 1/2, variance 1/12: the mean's standard error is 0.0009, allow 5 of them.
  assertAlmostEquals(mean(values), 0.5, 0.0045);
  assertAlmostEquals(sampleStandardDeviation(values), Math.sqrt(1 / 12), 0.003);
  const bins = new Array(10).fill(0);
  for (const v of values) bins[Math.floor(v * 10)]++;
  for (const count of bins) assertAlmostEquals(count, 10_000, 500); // 5 standard errors
});

Deno.test("createRandom() rejects seeds that are not safe integers, naming them", () => {
  assertThrows(() => createRandom(1.5), RangeError, "'seed' must be a safe integer, got 1.5");
  assertThrows(() => createRandom(NaN), RangeError, "got NaN");
  assertThrows(() => createRandom(2 ** 60), RangeError, `got ${2 ** 60}`);
});

Deno.test("sampleNormal() has the requested mean and standard deviation", () => {
  const random = createRandom(5);
  const values = Array.from({ length: 40_000 }, () => sampleNormal(random, 550, 150));
  // Standard errors: 0.75 for the mean, about 0.53 for the standard deviation.
  assertAlmostEquals(mean(values), 550, 4);
  assertAlmostEquals(sampleStandardDeviation(values), 150, 3);
  assertEquals(sampleNormal(random, 12.5, 0), 12.5);
});

Deno.test("sampleNormal() rejects a negative or infinite spread, naming it", () => {
  const random = createRandom(1);
  assertThrows(
    () => sampleNormal(random, 0, -1),
    RangeError,
    "'stddev' must be a finite number >= 0, got -1",
  );
  assertThrows(
    () => sampleNormal(random, Infinity, 1),
    RangeError,
    "'mean' must be a finite number, got Infinity",
  );
});

Deno.test("samplePositiveInt() gives positive integers with roughly the right moments", () => {
  const random = createRandom(8);
  const values = Array.from({ length: 20_000 }, () => samplePositiveInt(random, 550, 150));
  assert(values.every((v) => Number.isInteger(v) && v >= 1));
  assertAlmostEquals(mean(values), 550, 5);
  assertAlmostEquals(sampleStandardDeviation(values), 150, 4);
});

Deno.test("samplePositiveInt() resamples below 1 when the spread is wide", () => {
  const random = createRandom(9);
  const values = Array.from({ length: 5000 }, () => samplePositiveInt(random, 2, 10));
  assert(values.every((v) => Number.isInteger(v) && v >= 1));
  assert(values.some((v) => v > 10), "the upper tail is kept");
});

Deno.test("samplePositiveInt() with stddev 0 returns the mean exactly", () => {
  const random = createRandom(10);
  for (const m of [1, 2, 150, 4096]) assertEquals(samplePositiveInt(random, m, 0), m);
});

Deno.test("samplePositiveInt() rejects a mean below 1 and a negative stddev, naming them", () => {
  const random = createRandom(1);
  assertThrows(
    () => samplePositiveInt(random, 0, 5),
    RangeError,
    "'mean' must be a finite number >= 1, got 0",
  );
  assertThrows(
    () => samplePositiveInt(random, 10, -2),
    RangeError,
    "'stddev' must be a finite number >= 0, got -2",
  );
});

Deno.test("randomInt() covers both ends of its range uniformly", () => {
  const random = createRandom(12);
  const counts = new Map<number, number>();
  for (let i = 0; i < 60_000; i++) {
    const v = randomInt(random, -2, 3);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  assertEquals([...counts.keys()].sort((a, b) => a - b), [-2, -1, 0, 1, 2, 3]);
  for (const count of counts.values()) assertAlmostEquals(count, 10_000, 500);
  assertEquals(randomInt(random, 7, 7), 7);
});

Deno.test("randomInt() rejects bounds that are not integers or out of order, naming them", () => {
  const random = createRandom(1);
  assertThrows(() => randomInt(random, 0.5, 3), RangeError, "'lo' must be a safe integer, got 0.5");
  assertThrows(
    () => randomInt(random, 5, 4),
    RangeError,
    "'hi' must be a safe integer >= 'lo' (5), got 4",
  );
});

Deno.test("shuffle() returns a seeded permutation and leaves its input alone", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const a = shuffle(createRandom(4), items);
  assertEquals(a, shuffle(createRandom(4), items));
  assertEquals([...a].sort((x, y) => x - y), items);
  assertEquals(items, Array.from({ length: 50 }, (_, i) => i));
  assert(a.join() !== items.join(), "order changed");
  assert(shuffle(createRandom(5), items).join() !== a.join(), "another seed, another order");
  assertEquals(shuffle(createRandom(4), []), []);
});
