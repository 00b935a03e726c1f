/**
 * A workload: the seeded, lazy sequence of requests a run sends. Request `i` is made when it is
 * needed, from the workload's seed and `i` alone, so nothing is held per request in advance, a
 * run of a million requests starts as fast as one of ten, and a shard makes only its share.
 *
 * @module
 */
import type { Tokenizer } from "./tokenizer.ts";
import {
  type PreparedCorpus,
  type PromptMode,
  promptSynthesizer,
  type SynthesizedPrompt,
} from "./synthesize_prompt.ts";

/** One request of a workload, provider-neutral. */
export interface WorkloadRequest extends SynthesizedPrompt {}

/** A seeded, lazy sequence of requests. */
export interface Workload {
  /** Where the requests come from: `"synthetic"` (LLMPerf-style or random-token prompts). */
  readonly kind: "synthetic";
  /** Requests in the sequence: `Infinity` for a synthetic workload (any `i` can be made). */
  readonly size: number;
  /**
   * Request `i` (a non-negative integer below `size`), made now. Pure: same `i`, same request,
   * in any order and on any machine with the same options.
   */
  request(i: number): WorkloadRequest;
}

/** Options of {@link syntheticWorkload}. */
export interface SyntheticWorkloadOptions {
  /** Tokenizer whose counts the prompts match exactly. */
  tokenizer: Tokenizer;
  /** Mean prompt length, tokens (LLMPerf `--mean-input-tokens`); at least 1. Default 550. */
  meanInputTokens?: number;
  /** Standard deviation of the prompt length; 0 or more. Default 150. */
  stddevInputTokens?: number;
  /** Mean `max_tokens` (LLMPerf `--mean-output-tokens`); at least 1. Default 150. */
  meanOutputTokens?: number;
  /** Standard deviation of `max_tokens`; 0 or more. Default 80. */
  stddevOutputTokens?: number;
  /** Seed: request `i` is drawn from `requestSeed(seed, i)`. Default 0. */
  seed?: number;
  /** How prompts are made. Default `"llmperf"`. */
  mode?: PromptMode;
  /** Lines for `llmperf` mode, raw or prepared. Default `defaultCorpus()`. */
  corpus?: readonly string[] | PreparedCorpus;
}

/**
 * Synthetic requests, LLMPerf-style: request `i` has lengths drawn from a generator seeded with
 * `requestSeed(seed, i)` and a prompt of exactly that many tokens (`promptSynthesizer`).
 * Options are checked here, before any request is made: a `RangeError`/`TypeError` naming the
 * value.
 *
 * @example Request 1000 of a workload, made on its own
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { syntheticWorkload } from "./workload.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const workload = syntheticWorkload({
 *   tokenizer, meanInputTokens: 100, stddevInputTokens: 10, meanOutputTokens: 20, seed: 3,
 * });
 * const r = workload.request(1000);
 * if (tokenizer.countTokens(r.prompt) !== r.inputTokens) throw new Error("exact length");
 * if (workload.request(1000).prompt !== r.prompt) throw new Error("same i, same request");
 * tokenizer.free();
 * ```
 */
export function syntheticWorkload(options: SyntheticWorkloadOptions): Workload {
  const o = options ?? ({} as SyntheticWorkloadOptions);
  const synthesize = promptSynthesizer({
    tokenizer: o.tokenizer,
    meanInputTokens: o.meanInputTokens ?? 550,
    stddevInputTokens: o.stddevInputTokens ?? 150,
    meanOutputTokens: o.meanOutputTokens ?? 150,
    stddevOutputTokens: o.stddevOutputTokens ?? 80,
    seed: o.seed ?? 0,
    mode: o.mode,
    corpus: o.corpus,
  });
  return {
    kind: "synthetic",
    size: Infinity,
    request(i: number): WorkloadRequest {
      if (!(Number.isSafeInteger(i) && i >= 0)) {
        throw new RangeError(
          `Cannot make workload request: 'i' must be a non-negative integer, got ${i}`,
        );
      }
      return synthesize(i);
    },
  };
}
