/**
 * A workload: the seeded, lazy sequence of requests a run sends. Request `i` is made when it is
 * needed, from the workload's seed and `i` alone, so nothing is held per request in advance, a
 * run of a million requests starts as fast as one of ten, and a shard makes only its share.
 *
 * @module
 */
import type { Tokenizer } from "./tokenizer.ts";
import { createRandom, randomInt } from "./random.ts";
import {
  drawSyntheticLengths,
  llmperfPrefix,
  prepareCorpus,
  type PreparedCorpus,
  type PromptMode,
  promptSynthesizer,
  requestSeed,
  type SynthesizedPrompt,
  synthesizePromptAfter,
  synthesizeText,
} from "./synthesize_prompt.ts";

/** One request of a workload, provider-neutral. */
export interface WorkloadRequest extends SynthesizedPrompt {
  /** Which shared prefix the prompt starts with (0-based), for a prefix workload. */
  prefixId?: number;
  /** Tokens of that prefix on its own. */
  prefixTokens?: number;
  /** Where a dataset's request came from: its 1-based line (JSONL) or entry index (ShareGPT). */
  source?: number;
}

/** Where a workload's requests come from. */
export type WorkloadKind = "synthetic" | "dataset" | "trace";

/** A seeded, lazy sequence of requests. */
export interface Workload {
  /** Where the requests come from: `"synthetic"` (LLMPerf-style or random-token prompts),
   * `"dataset"` (a file of prompts), `"trace"` (timestamped arrivals). */
  readonly kind: WorkloadKind;
  /** Requests in the sequence: `Infinity` when any `i` can be made (synthetic prompts, a
   * dataset sampled round and round). */
  readonly size: number;
  /**
   * Request `i` (a non-negative integer below `size`), made now. Pure: same `i`, same request,
   * in any order and on any machine with the same options.
   */
  request(i: number): WorkloadRequest;
  /**
   * A trace's timestamps: when request `i` arrives, ms after request 0 (non-decreasing).
   * Absent: the run's load shape (closed loop or rate) decides.
   */
  arrivalMs?(i: number): number;
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
  /**
   * Shared prefix: every prompt starts with one of `numPrefixes` fixed texts of exactly this
   * many tokens (corpus lines or random tokens, per `mode`, without the instruction), then its
   * own part (the LLMPerf instruction and lines); the drawn input length is the whole prompt's,
   * drawn again when it leaves too few tokens after the prefix. Default 0 (no prefix).
   */
  prefixTokens?: number;
  /** Distinct prefixes; each request picks one uniformly with its own generator. Default 1. */
  numPrefixes?: number;
}

/** Prefix texts kept at once; more are made again when needed. */
const _PREFIX_MEMO = 1024;

/**
 * Synthetic requests, LLMPerf-style: request `i` has lengths drawn from a generator seeded with
 * `requestSeed(seed, i)` and a prompt of exactly that many tokens (`promptSynthesizer`). With
 * `prefixTokens`, the generator first picks prefix `k` of `numPrefixes`, whose text comes from
 * its own generator (`requestSeed(seed, −1 − k)`), and the prompt is that prefix followed by
 * its own part (`synthesizePromptAfter`), exactly the drawn length in all.
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
  const plan = {
    tokenizer: o.tokenizer,
    meanInputTokens: o.meanInputTokens ?? 550,
    stddevInputTokens: o.stddevInputTokens ?? 150,
    meanOutputTokens: o.meanOutputTokens ?? 150,
    stddevOutputTokens: o.stddevOutputTokens ?? 80,
    seed: o.seed ?? 0,
    mode: o.mode ?? "llmperf",
    corpus: o.corpus,
  };
  // Checks every option (and prepares nothing per request).
  const synthesize = promptSynthesizer(plan);
  const prefixTokens = o.prefixTokens ?? 0;
  const numPrefixes = o.numPrefixes ?? 1;
  if (!(Number.isSafeInteger(prefixTokens) && prefixTokens >= 0)) {
    throw new RangeError(
      `Cannot make workload: 'prefixTokens' must be a non-negative integer, got ${prefixTokens}`,
    );
  }
  if (!(Number.isSafeInteger(numPrefixes) && numPrefixes >= 1)) {
    throw new RangeError(
      `Cannot make workload: 'numPrefixes' must be a positive integer, got ${numPrefixes}`,
    );
  }
  const fixedTokens = o.tokenizer.countTokens("");
  if (prefixTokens > 0 && prefixTokens <= fixedTokens) {
    throw new RangeError(
      `Cannot make workload: 'prefixTokens' must be more than the ${fixedTokens} fixed tokens of ${o.tokenizer.name}, got ${prefixTokens}`,
    );
  }
  const check = (i: number) => {
    if (!(Number.isSafeInteger(i) && i >= 0)) {
      throw new RangeError(
        `Cannot make workload request: 'i' must be a non-negative integer, got ${i}`,
      );
    }
  };
  if (prefixTokens === 0) {
    return {
      kind: "synthetic",
      size: Infinity,
      request(i: number): WorkloadRequest {
        check(i);
        return synthesize(i);
      },
    };
  }
  const { tokenizer, seed, mode } = plan;
  const corpus = mode === "llmperf"
    ? (plan.corpus && "lineTokens" in plan.corpus ? plan.corpus : prepareCorpus(
      tokenizer,
      ...(plan.corpus ? [plan.corpus as readonly string[]] : []),
    ))
    : undefined;
  const fixed = fixedTokens;
  const prefixes = new Map<number, string>();
  const prefix = (k: number): string => {
    let text = prefixes.get(k);
    if (text === undefined) {
      // Prefix k has its own generator, apart from every request's.
      text = synthesizeText({
        tokenizer,
        tokens: prefixTokens,
        random: createRandom(requestSeed(seed, -1 - k)),
        mode,
        corpus,
      });
      if (prefixes.size >= _PREFIX_MEMO) prefixes.delete(prefixes.keys().next().value!);
      prefixes.set(k, text);
    }
    return text;
  };
  // The shortest whole prompt: the prefix, then the shortest own part.
  const minimumTokens = (maxOutputTokens: number) =>
    prefixTokens - fixed +
    (mode === "llmperf" ? tokenizer.countTokens(llmperfPrefix(maxOutputTokens)) : fixed + 1);
  return {
    kind: "synthetic",
    size: Infinity,
    request(i: number): WorkloadRequest {
      check(i);
      const random = createRandom(requestSeed(seed, i));
      const prefixId = randomInt(random, 0, numPrefixes - 1);
      const { inputTokens, maxOutputTokens } = drawSyntheticLengths(random, {
        ...plan,
        minimumTokens,
      });
      const made = synthesizePromptAfter(prefix(prefixId), {
        tokenizer,
        inputTokens,
        maxOutputTokens,
        random,
        mode,
        corpus,
      });
      return { ...made, prefixId, prefixTokens };
    },
  };
}
