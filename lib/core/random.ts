/**
 * Seeded randomness: a small fast PRNG (sfc32 seeded through splitmix32) and the samplers the
 * benchmark needs. Everything takes the generator as an argument, so the same seed gives the
 * same sequence and nothing touches `Math.random`.
 *
 * @module
 */

/** A uniform generator of numbers in `[0, 1)`, like `Math.random`. */
export type Random = () => number;

/**
 * Creates a seeded uniform generator on `[0, 1)` with 53 random bits per number. The state is
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128 bits, passes PractRand),
 * filled from the seed by splitmix32 and warmed up by 12 steps. Same seed, same sequence.
 *
 * @example Same seed, same numbers
 * ```ts
 * import { createRandom } from "./random.ts";
 * const a = createRandom(42), b = createRandom(42);
 * const x = a();
 * if (x !== b() || !(x >= 0 && x < 1)) throw new Error("not reproducible");
 * ```
 */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot create random: 'seed' must be a safe integer, got ${seed}`);
  }
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let mix = low;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  mix ^= high;
  let c = splitmix32();
  let d = splitmix32();
  const sfc32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) sfc32();
  return () => {
    const hi = sfc32() >>> 5; // 27 bits
    const lo = sfc32() >>> 6; // 26 bits
    return (hi * 67_108_864 + lo) / 9_007_199_254_740_992;
  };
}

function _checkFinite(what: string, name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`Cannot ${what}: '${name}' must be a finite number, got ${value}`);
  }
}

function _checkStddev(what: string, stddev: number): void {
  if (!(Number.isFinite(stddev) && stddev >= 0)) {
    throw new RangeError(
      `Cannot ${what}: 'stddev' must be a finite number >= 0, got ${stddev}`,
    );
  }
}

/**
 * One draw from the normal distribution N(mean, stddev²) by the Box-Muller transform. Uses
 * exactly two numbers from `random`; with `stddev` 0 it returns `mean` exactly.
 *
 * @example Zero spread gives the mean
 * ```ts
 * import { createRandom, sampleNormal } from "./random.ts";
 * const random = createRandom(1);
 * if (sampleNormal(random, 550, 0) !== 550) throw new Error("mean");
 * if (!Number.isFinite(sampleNormal(random, 550, 150))) throw new Error("finite");
 * ```
 */
export function sampleNormal(random: Random, mean: number, stddev: number): number {
  _checkFinite("sample normal", "mean", mean);
  _checkStddev("sample normal", stddev);
  const u1 = 1 - random(); // (0, 1]: the logarithm stays finite
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return stddev === 0 ? mean : mean + stddev * z;
}

/**
 * A positive integer drawn LLMPerf-style: sample N(mean, stddev²), round to the nearest integer,
 * and sample again while the result is below 1. (LLMPerf's `sample_random_positive_int`
 * truncates with `int()` instead of rounding, which biases its lengths about half a token low.)
 * With `stddev` 0 it returns `Math.round(mean)`, i.e. `mean` itself for an integer mean.
 *
 * @example Input lengths around 550
 * ```ts
 * import { createRandom, samplePositiveInt } from "./random.ts";
 * const random = createRandom(7);
 * const n = samplePositiveInt(random, 550, 150);
 * if (!Number.isInteger(n) || n < 1) throw new Error("not a positive integer");
 * if (samplePositiveInt(random, 128, 0) !== 128) throw new Error("stddev 0");
 * ```
 */
export function samplePositiveInt(random: Random, mean: number, stddev: number): number {
  if (!(Number.isFinite(mean) && mean >= 1)) {
    throw new RangeError(
      `Cannot sample positive integer: 'mean' must be a finite number >= 1, got ${mean}`,
    );
  }
  _checkStddev("sample positive integer", stddev);
  // With mean >= 1 each draw succeeds with probability above one half, so this loop ends quickly.
  for (;;) {
    const value = Math.round(sampleNormal(random, mean, stddev));
    if (value >= 1) return value;
  }
}

/**
 * A uniform integer from `lo` to `hi`, both included (like Python's `random.randint`).
 *
 * @example A die
 * ```ts
 * import { createRandom, randomInt } from "./random.ts";
 * const roll = randomInt(createRandom(3), 1, 6);
 * if (!(Number.isInteger(roll) && roll >= 1 && roll <= 6)) throw new Error("die");
 * ```
 */
export function randomInt(random: Random, lo: number, hi: number): number {
  if (!Number.isSafeInteger(lo)) {
    throw new RangeError(`Cannot draw random integer: 'lo' must be a safe integer, got ${lo}`);
  }
  if (!Number.isSafeInteger(hi) || hi < lo) {
    throw new RangeError(
      `Cannot draw random integer: 'hi' must be a safe integer >= 'lo' (${lo}), got ${hi}`,
    );
  }
  return lo + Math.floor(random() * (hi - lo + 1));
}

/**
 * A shuffled copy of `items` (Fisher-Yates); the input is left as it was.
 *
 * @example Same seed, same order
 * ```ts
 * import { createRandom, shuffle } from "./random.ts";
 * const a = shuffle(createRandom(5), [1, 2, 3, 4, 5]);
 * const b = shuffle(createRandom(5), [1, 2, 3, 4, 5]);
 * if (a.join() !== b.join() || [...a].sort().join() !== "1,2,3,4,5") throw new Error("shuffle");
 * ```
 */
export function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
