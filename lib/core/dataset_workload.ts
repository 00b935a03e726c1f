/**
 * A workload from a dataset's entries ({@link parseDataset}): request `i` is an entry picked by
 * a seeded shuffle (or in file order), its prompt counted by the run's tokenizer, its output
 * length the entry's own, the ShareGPT answer's, or drawn.
 *
 * @module
 */
import type { Tokenizer } from "./tokenizer.ts";
import type { DatasetEntry } from "./parse_dataset.ts";
import type { Workload, WorkloadRequest } from "./workload.ts";
import { checkDatasetOptions, countEntry, outputLength, passOrder } from "./_dataset_shared.ts";

/** Options of {@link datasetWorkload}. */
export interface DatasetWorkloadOptions {
  /** Counts prompts (and ShareGPT answers) in the run's tokens. */
  tokenizer: Tokenizer;
  /** Seed of the order and of drawn output lengths. Default 0. */
  seed?: number;
  /**
   * `shuffle`: each pass over the entries is a seeded random order (pass `e` from
   * `requestSeed(seed, −1 − e)`); `sequential`: file order. Requests beyond the entries start
   * another pass. Default `"shuffle"`.
   */
  order?: "shuffle" | "sequential";
  /** Leave out entries whose prompt has fewer tokens. Default 1. */
  minInputTokens?: number;
  /** Leave out entries whose prompt has more tokens. Default `Infinity`. */
  maxInputTokens?: number;
  /** Leave out entries whose output length (given or counted) is longer. Default `Infinity`. */
  maxOutputTokens?: number;
  /** Mean output length drawn for entries that give none (JSONL without `max_tokens`).
   * Default 150. */
  meanOutputTokens?: number;
  /** Its standard deviation. Default 80. */
  stddevOutputTokens?: number;
}

const _WHAT = "Cannot make dataset workload";

/**
 * The workload of `entries`, filtered by length, in a seeded order. Every entry is counted here
 * (once), so filters and errors are known before any request is sent; a `RangeError` when no
 * entry is left.
 *
 * @example Three prompts, in file order
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { parseDataset } from "./parse_dataset.ts";
 * import { datasetWorkload } from "./dataset_workload.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const entries = parseDataset('{"prompt":"a b c","max_tokens":5}\n{"prompt":"d"}\n{"prompt":"e f"}\n');
 * const w = datasetWorkload(entries, { tokenizer, order: "sequential", meanOutputTokens: 9, stddevOutputTokens: 0 });
 * const r = [0, 1, 2, 3].map((i) => w.request(i));
 * if (r.map((x) => x.prompt).join() !== "a b c,d,e f,a b c") throw new Error("order");
 * if (r[0].maxOutputTokens !== 5 || r[1].maxOutputTokens !== 9) throw new Error("lengths");
 * tokenizer.free();
 * ```
 */
export function datasetWorkload(
  entries: readonly DatasetEntry[],
  options: DatasetWorkloadOptions,
): Workload {
  const o = options ?? ({} as DatasetWorkloadOptions);
  const { tokenizer, seed, order, minInput, maxInput, maxOutput, meanOutput, stddevOutput } =
    checkDatasetOptions(_WHAT, entries, o);
  // Counted once: prompt tokens, and output tokens given or counted (0: drawn per request).
  const inputTokens = new Int32Array(entries.length);
  const outputTokens = new Int32Array(entries.length);
  const kept: number[] = [];
  const baseline = tokenizer.countTokens("");
  entries.forEach((e, k) => {
    ({ inputTokens: inputTokens[k], outputTokens: outputTokens[k] } = countEntry(
      tokenizer,
      baseline,
      e,
    ));
    const input = inputTokens[k];
    if (input < minInput || input > maxInput) return;
    if (outputTokens[k] > maxOutput) return;
    kept.push(k);
  });
  if (kept.length === 0) {
    throw new RangeError(
      `${_WHAT}: no entry of ${entries.length} has ${minInput}–${maxInput} prompt tokens and at most ${maxOutput} output tokens`,
    );
  }
  const eligible = Int32Array.from(kept);
  const n = eligible.length;
  const permutation = passOrder(n, seed, order);
  return {
    kind: "dataset",
    size: Infinity,
    request(i: number): WorkloadRequest {
      if (!(Number.isSafeInteger(i) && i >= 0)) {
        throw new RangeError(
          `Cannot make workload request: 'i' must be a non-negative integer, got ${i}`,
        );
      }
      const k = eligible[permutation(Math.floor(i / n))[i % n]];
      const entry = entries[k];
      const maxOutputTokens = outputLength(outputTokens[k], seed, i, meanOutput, stddevOutput);
      return {
        prompt: entry.prompt,
        inputTokens: inputTokens[k],
        maxOutputTokens,
        source: entry.source,
      };
    },
  };
}
