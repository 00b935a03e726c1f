/**
 * What `datasetWorkload` and `datasetSessionWorkload` share: the option checks, counting an
 * entry, the seeded order of each pass, and an output length given or drawn.
 *
 * @module
 */
import type { DatasetEntry } from "./parse_dataset.ts";
import type { Tokenizer } from "./tokenizer.ts";
import { createRandom, samplePositiveInt } from "./random.ts";
import { requestSeed } from "./synthesize_prompt.ts";

/** The fields of `DatasetWorkloadOptions` checked here (documented there). */
export interface DatasetOptionFields {
  tokenizer: Tokenizer;
  seed?: number;
  order?: "shuffle" | "sequential";
  minInputTokens?: number;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  meanOutputTokens?: number;
  stddevOutputTokens?: number;
}

/** The checked options, defaults filled in. */
export interface CheckedDatasetOptions {
  tokenizer: Tokenizer;
  seed: number;
  order: "shuffle" | "sequential";
  minInput: number;
  maxInput: number;
  maxOutput: number;
  meanOutput: number;
  stddevOutput: number;
}

/**
 * Checks `entries` and `options` (errors begin with `what`) and fills in the defaults.
 *
 * @example
 * ```ts
 * import { checkDatasetOptions } from "./_dataset_shared.ts";
 * const tokenizer = { countTokens: (s: string) => s.length } as never;
 * const o = checkDatasetOptions("Cannot x", [{ prompt: "a", source: 1 }], { tokenizer });
 * if (o.order !== "shuffle" || o.meanOutput !== 150) throw new Error(JSON.stringify(o));
 * ```
 */
export function checkDatasetOptions(
  what: string,
  entries: readonly DatasetEntry[],
  options: DatasetOptionFields,
): CheckedDatasetOptions {
  const o = options ?? ({} as DatasetOptionFields);
  const { tokenizer } = o;
  if (typeof tokenizer?.countTokens !== "function") {
    throw new TypeError(`${what}: 'tokenizer' must be a Tokenizer, got ${String(tokenizer)}`);
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new TypeError(`${what}: 'entries' must be a non-empty array of dataset entries`);
  }
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`${what}: 'seed' must be a safe integer, got ${seed}`);
  }
  const order = o.order ?? "shuffle";
  if (order !== "shuffle" && order !== "sequential") {
    throw new RangeError(
      `${what}: 'order' must be "shuffle" or "sequential", got ${JSON.stringify(order)}`,
    );
  }
  const minInput = o.minInputTokens ?? 1;
  const maxInput = o.maxInputTokens ?? Infinity;
  const maxOutput = o.maxOutputTokens ?? Infinity;
  for (
    const [name, value] of [
      ["minInputTokens", minInput],
      ["maxInputTokens", maxInput],
      ["maxOutputTokens", maxOutput],
    ] as const
  ) {
    if (!(value === Infinity || (Number.isSafeInteger(value) && value >= 1))) {
      throw new RangeError(`${what}: '${name}' must be a positive integer, got ${value}`);
    }
  }
  const meanOutput = o.meanOutputTokens ?? 150;
  const stddevOutput = o.stddevOutputTokens ?? 80;
  if (!(Number.isFinite(meanOutput) && meanOutput >= 1)) {
    throw new RangeError(`${what}: 'meanOutputTokens' must be a number >= 1, got ${meanOutput}`);
  }
  if (!(Number.isFinite(stddevOutput) && stddevOutput >= 0)) {
    throw new RangeError(
      `${what}: 'stddevOutputTokens' must be a number >= 0, got ${stddevOutput}`,
    );
  }
  return { tokenizer, seed, order, minInput, maxInput, maxOutput, meanOutput, stddevOutput };
}

/**
 * An entry's prompt tokens, and its output tokens: given (`max_tokens`), else its reply's
 * counted, else 0 (drawn per request by {@link outputLength}). `baseline` is
 * `tokenizer.countTokens("")` (a BOS token, for Llama-2).
 *
 * @example
 * ```ts
 * import { countEntry } from "./_dataset_shared.ts";
 * const tokenizer = { countTokens: (s: string) => s.length } as never;
 * const c = countEntry(tokenizer, 0, { prompt: "abc", reply: "de", source: 1 });
 * if (c.inputTokens !== 3 || c.outputTokens !== 2) throw new Error(JSON.stringify(c));
 * ```
 */
export function countEntry(
  tokenizer: Tokenizer,
  baseline: number,
  entry: DatasetEntry,
): { inputTokens: number; outputTokens: number } {
  return {
    inputTokens: tokenizer.countTokens(entry.prompt),
    outputTokens: entry.maxOutputTokens ??
      (entry.reply !== undefined ? Math.max(1, tokenizer.countTokens(entry.reply) - baseline) : 0),
  };
}

/**
 * The order of `n` items in pass `p`: `0…n−1` (`sequential`), or a seeded Fisher–Yates
 * shuffle from `requestSeed(seed, −1 − p)`, the last pass's kept.
 *
 * @example
 * ```ts
 * import { passOrder } from "./_dataset_shared.ts";
 * const orderOf = passOrder(4, 7, "shuffle");
 * if ([...orderOf(0)].sort().join() !== "0,1,2,3") throw new Error("a permutation");
 * if (passOrder(3, 7, "sequential")(5).join() !== "0,1,2") throw new Error("file order");
 * ```
 */
export function passOrder(
  n: number,
  seed: number,
  order: "shuffle" | "sequential",
): (p: number) => Int32Array {
  const identity = Int32Array.from({ length: n }, (_, k) => k);
  let pass = -1;
  let shuffled = identity;
  return (p) => {
    if (order === "sequential") return identity;
    if (p !== pass) {
      shuffled = identity.slice();
      const random = createRandom(requestSeed(seed, -1 - p));
      for (let a = n - 1; a > 0; a--) {
        const b = Math.floor(random() * (a + 1));
        const t = shuffled[a];
        shuffled[a] = shuffled[b];
        shuffled[b] = t;
      }
      pass = p;
    }
    return shuffled;
  };
}

/**
 * Request `i`'s output length: `given` when positive, else drawn from
 * N(`mean`, `stddev`²) with `requestSeed(seed, i)`.
 *
 * @example
 * ```ts
 * import { outputLength } from "./_dataset_shared.ts";
 * if (outputLength(5, 0, 3, 100, 10) !== 5) throw new Error("given");
 * if (outputLength(0, 0, 3, 100, 0) !== 100) throw new Error("drawn");
 * ```
 */
export function outputLength(
  given: number,
  seed: number,
  i: number,
  mean: number,
  stddev: number,
): number {
  return given > 0 ? given : samplePositiveInt(createRandom(requestSeed(seed, i)), mean, stddev);
}
