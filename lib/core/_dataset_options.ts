/**
 * The option checks and entry counts `datasetWorkload` and `datasetSessionWorkload` share.
 *
 * @module
 */
import type { DatasetEntry } from "./parse_dataset.ts";
import type { Tokenizer } from "./tokenizer.ts";

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
 * import { checkDatasetOptions } from "./_dataset_options.ts";
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
