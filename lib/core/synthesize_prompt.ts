/**
 * Synthetic prompts of an exact token count, LLMPerf-style (random corpus lines after an
 * instruction) or vLLM-style (random token ids decoded to text).
 *
 * LLMPerf's `randomly_sample_sonnet_lines_prompt` cuts the last line by characters and reports
 * the length it aimed for, so its prompts miss their target. Here every prompt is re-encoded and
 * adjusted until it has exactly the requested number of tokens for the chosen tokenizer, and
 * that verified count is what is reported.
 *
 * @module
 */
import type { Tokenizer } from "./tokenizer.ts";
import { createRandom, type Random, randomInt, samplePositiveInt } from "./random.ts";
import { defaultCorpus } from "./corpus.ts";

/**
 * How prompts are made, as typed data.
 *
 * @example Every mode
 * ```ts
 * import { PROMPT_MODES } from "./synthesize_prompt.ts";
 * if (PROMPT_MODES.join() !== "llmperf,random-tokens") throw new Error("modes");
 * ```
 */
export const PROMPT_MODES = ["llmperf", "random-tokens"] as const;

/**
 * `llmperf`: the LLMPerf instruction ({@linkcode llmperfPrefix}) followed by randomly chosen
 * corpus lines, the last one cut. `random-tokens`: uniformly random token ids decoded to text,
 * no instruction (vLLM's `random` dataset).
 */
export type PromptMode = typeof PROMPT_MODES[number];

/** One synthesized prompt. */
export interface SynthesizedPrompt {
  /** The prompt text. */
  prompt: string;
  /** Tokens of `prompt` by the tokenizer used, counted on the final text (BOS included for `llama2`). */
  inputTokens: number;
  /** Output tokens to ask for (`max_tokens`); the `llmperf` instruction names this number. */
  maxOutputTokens: number;
}

/** Corpus lines tokenized once for one tokenizer; reuse it across many prompts. */
export interface PreparedCorpus {
  /** The tokenizer the counts were made with. */
  readonly tokenizer: Tokenizer;
  /** The lines, without newlines. */
  readonly lines: readonly string[];
  /** Tokens each line adds to a prompt, its newline included, when it follows a newline. */
  readonly lineTokens: readonly number[];
}

/**
 * The instruction LLMPerf puts before the corpus lines, naming the expected output length.
 *
 * @example The instruction
 * ```ts
 * import { llmperfPrefix } from "./synthesize_prompt.ts";
 * if (!llmperfPrefix(150).includes("with 150 output tokens")) throw new Error("prefix");
 * ```
 */
export function llmperfPrefix(maxOutputTokens: number): string {
  return "Randomly stream lines from the following text " +
    `with ${maxOutputTokens} output tokens. Don't generate eos tokens:\n\n`;
}

function _isPrepared(corpus: unknown): corpus is PreparedCorpus {
  return typeof corpus === "object" && corpus !== null && !Array.isArray(corpus) &&
    "lineTokens" in corpus;
}

function _checkTokenizer(what: string, tokenizer: unknown): asserts tokenizer is Tokenizer {
  const t = tokenizer as Partial<Tokenizer> | null | undefined;
  if (
    typeof t !== "object" || t === null || typeof t.countTokens !== "function" ||
    typeof t.encode !== "function" || typeof t.decode !== "function"
  ) {
    throw new TypeError(`Cannot ${what}: 'tokenizer' must be a Tokenizer, got ${String(t)}`);
  }
}

/**
 * Tokenizes corpus lines once, so that many prompts can be built without re-encoding them.
 * Lines must be non-blank strings without line breaks (see `corpusFromText`).
 *
 * @example Prepare the default corpus once
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { prepareCorpus } from "./synthesize_prompt.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const prepared = prepareCorpus(tokenizer);
 * if (prepared.lines.length !== prepared.lineTokens.length) throw new Error("counts");
 * tokenizer.free();
 * ```
 */
export function prepareCorpus(
  tokenizer: Tokenizer,
  lines: readonly string[] = defaultCorpus(),
): PreparedCorpus {
  _checkTokenizer("prepare corpus", tokenizer);
  if (!Array.isArray(lines) || lines.length === 0) {
    throw new TypeError(
      `Cannot prepare corpus: 'lines' must be a non-empty array of strings, got ${
        Array.isArray(lines) ? "an empty array" : String(lines)
      }`,
    );
  }
  const newline = tokenizer.countTokens("\n");
  const lineTokens = lines.map((line, i) => {
    if (typeof line !== "string" || line.trim().length === 0 || /[\r\n]/.test(line)) {
      throw new TypeError(
        `Cannot prepare corpus: line ${i} must be a non-blank string without line breaks, got ${
          JSON.stringify(line)
        }`,
      );
    }
    const tokens = tokenizer.countTokens(`\n${line}\n`) - newline;
    if (!(tokens >= 1)) {
      throw new TypeError(
        `Cannot prepare corpus: line ${i} adds ${tokens} tokens with ${tokenizer.name}, expected at least 1`,
      );
    }
    return tokens;
  });
  return { tokenizer, lines: lines.slice(), lineTokens };
}

/** Options of {@linkcode synthesizePrompt}. */
export interface SynthesizePromptOptions {
  /** Tokenizer whose count must match `inputTokens` exactly. */
  tokenizer: Tokenizer;
  /** Exact number of prompt tokens (BOS included for `llama2`); a positive integer. */
  inputTokens: number;
  /** Output tokens to ask for, named in the `llmperf` instruction; a positive integer. */
  maxOutputTokens: number;
  /** Uniform generator on [0, 1), e.g. `createRandom(seed)`. */
  random: Random;
  /** How the prompt is made. Default `"llmperf"`. */
  mode?: PromptMode;
  /**
   * Lines for `llmperf` mode, raw or prepared with {@linkcode prepareCorpus} (faster when
   * called many times). Ignored by `random-tokens`. Default `defaultCorpus()`.
   */
  corpus?: readonly string[] | PreparedCorpus;
}

function _checkPositiveInt(what: string, name: string, value: unknown): void {
  if (!(Number.isSafeInteger(value) && (value as number) >= 1)) {
    throw new RangeError(`Cannot ${what}: '${name}' must be a positive integer, got ${value}`);
  }
}

function _checkMode(what: string, mode: unknown): asserts mode is PromptMode {
  if (!PROMPT_MODES.includes(mode as PromptMode)) {
    throw new RangeError(
      `Cannot ${what}: 'mode' must be one of ${PROMPT_MODES.join(", ")}, got ${
        JSON.stringify(mode)
      }`,
    );
  }
}

function _prepared(what: string, tokenizer: Tokenizer, corpus: unknown): PreparedCorpus {
  if (corpus === undefined) return prepareCorpus(tokenizer);
  if (_isPrepared(corpus)) {
    if (corpus.tokenizer !== tokenizer) {
      throw new TypeError(
        `Cannot ${what}: 'corpus' was prepared for tokenizer ${corpus.tokenizer.name}, not for this ${tokenizer.name} tokenizer`,
      );
    }
    return corpus;
  }
  if (Array.isArray(corpus)) return prepareCorpus(tokenizer, corpus);
  throw new TypeError(
    `Cannot ${what}: 'corpus' must be an array of lines or a PreparedCorpus, got ${String(corpus)}`,
  );
}

/**
 * One prompt of exactly `inputTokens` tokens. Pure: all randomness comes from `random`.
 * Throws a `RangeError` when the target cannot be met, e.g. when it is smaller than the tokens
 * of the `llmperf` instruction.
 *
 * @example An LLMPerf-style prompt of exactly 200 tokens
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { createRandom } from "./random.ts";
 * import { synthesizePrompt } from "./synthesize_prompt.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const p = synthesizePrompt({
 *   tokenizer,
 *   inputTokens: 200,
 *   maxOutputTokens: 150,
 *   random: createRandom(1),
 * });
 * if (p.inputTokens !== 200 || tokenizer.countTokens(p.prompt) !== 200) throw new Error("count");
 * tokenizer.free();
 * ```
 */
export function synthesizePrompt(options: SynthesizePromptOptions): SynthesizedPrompt {
  const what = "synthesize prompt";
  const { tokenizer, inputTokens, maxOutputTokens, random, mode = "llmperf", corpus } = options;
  _checkTokenizer(what, tokenizer);
  _checkPositiveInt(what, "inputTokens", inputTokens);
  _checkPositiveInt(what, "maxOutputTokens", maxOutputTokens);
  if (typeof random !== "function") {
    throw new TypeError(`Cannot ${what}: 'random' must be a function, got ${String(random)}`);
  }
  _checkMode(what, mode);
  const prepared = mode === "llmperf" ? _prepared(what, tokenizer, corpus) : null;
  return _synthesize(tokenizer, prepared, inputTokens, maxOutputTokens, random);
}

/** Options of {@linkcode synthesizePrompts}. */
export interface PromptPlanOptions {
  /** Tokenizer whose counts the prompts match exactly. */
  tokenizer: Tokenizer;
  /** Number of prompts; a non-negative integer. */
  count: number;
  /** Mean prompt length in tokens (LLMPerf `--mean-input-tokens`); at least 1. */
  meanInputTokens: number;
  /** Standard deviation of the prompt length (LLMPerf `--stddev-input-tokens`); 0 or more. */
  stddevInputTokens: number;
  /** Mean `maxOutputTokens` (LLMPerf `--mean-output-tokens`); at least 1. */
  meanOutputTokens: number;
  /** Standard deviation of `maxOutputTokens` (LLMPerf `--stddev-output-tokens`); 0 or more. */
  stddevOutputTokens: number;
  /** Seed of the generator; same seed, same prompts. */
  seed: number;
  /** How prompts are made. Default `"llmperf"`. */
  mode?: PromptMode;
  /** Lines for `llmperf` mode, raw or prepared. Default `defaultCorpus()`. */
  corpus?: readonly string[] | PreparedCorpus;
}

/** Options of {@link synthesizeText}. */
export interface SynthesizeTextOptions {
  /** Tokenizer whose count must match `tokens` exactly. */
  tokenizer: Tokenizer;
  /** Exact number of tokens of the text on its own (BOS included for `llama2`). */
  tokens: number;
  /** Uniform generator on [0, 1). */
  random: Random;
  /** `llmperf`: corpus lines (no instruction); `random-tokens`: random token ids. Default
   * `"llmperf"`. */
  mode?: PromptMode;
  /** Lines for `llmperf` mode, raw or prepared. Default `defaultCorpus()`. */
  corpus?: readonly string[] | PreparedCorpus;
}

/**
 * Text of exactly `tokens` tokens without the LLMPerf instruction: random corpus lines, the last
 * one cut (`llmperf`), or random token ids decoded (`random-tokens`). The shared prefix of a
 * prefix workload is made this way.
 *
 * @example A 64-token context
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { createRandom } from "./random.ts";
 * import { synthesizeText } from "./synthesize_prompt.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const text = synthesizeText({ tokenizer, tokens: 64, random: createRandom(2) });
 * if (tokenizer.countTokens(text) !== 64 || text.startsWith("Randomly")) throw new Error(text);
 * tokenizer.free();
 * ```
 */
export function synthesizeText(options: SynthesizeTextOptions): string {
  const what = "synthesize text";
  const { tokenizer, tokens, random, mode = "llmperf", corpus } = options;
  _checkTokenizer(what, tokenizer);
  _checkPositiveInt(what, "tokens", tokens);
  _checkMode(what, mode);
  const fixed = tokenizer.countTokens("");
  if (tokens <= fixed) {
    throw new RangeError(
      `Cannot ${what}: 'tokens' must be more than the ${fixed} fixed tokens of ${tokenizer.name}, got ${tokens}`,
    );
  }
  if (mode === "random-tokens") return _randomTokensPrompt(tokenizer, tokens, random);
  const prepared = _prepared(what, tokenizer, corpus);
  // Lines, the last one cut, then a newline: whatever follows starts on a fresh line, so the
  // tokens of the text stay its own when another text is put after it.
  const newline = tokenizer.countTokens("\n") - tokenizer.countTokens("");
  if (tokens - newline > tokenizer.countTokens("")) {
    const text = _linesAfter(prepared, "", tokens - newline, random) + "\n";
    if (tokenizer.countTokens(text) === tokens) return text;
  }
  return _linesAfter(prepared, "", tokens, random);
}

/**
 * One prompt of exactly `inputTokens` tokens that starts with `head` (a shared prefix): the
 * prompt {@linkcode synthesizePrompt} would make for the remaining tokens, after `head`; when
 * tokens merge across the join, the tail is cut again until the whole has exactly
 * `inputTokens`. A `RangeError` when `head` leaves too few tokens for the tail.
 *
 * @example 200 tokens after a 64-token prefix
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { createRandom } from "./random.ts";
 * import { synthesizePromptAfter, synthesizeText } from "./synthesize_prompt.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const head = synthesizeText({ tokenizer, tokens: 64, random: createRandom(1) });
 * const p = synthesizePromptAfter(head, {
 *   tokenizer, inputTokens: 200, maxOutputTokens: 20, random: createRandom(2),
 * });
 * if (!p.prompt.startsWith(head) || tokenizer.countTokens(p.prompt) !== 200) throw new Error("after");
 * tokenizer.free();
 * ```
 */
export function synthesizePromptAfter(
  head: string,
  options: SynthesizePromptOptions,
): SynthesizedPrompt {
  const what = "synthesize prompt";
  const { tokenizer, inputTokens, maxOutputTokens, random, mode = "llmperf", corpus } = options;
  _checkTokenizer(what, tokenizer);
  if (typeof head !== "string") {
    throw new TypeError(`Cannot ${what}: 'head' must be a string, got ${String(head)}`);
  }
  _checkPositiveInt(what, "inputTokens", inputTokens);
  _checkPositiveInt(what, "maxOutputTokens", maxOutputTokens);
  _checkMode(what, mode);
  const prepared = mode === "llmperf" ? _prepared(what, tokenizer, corpus) : null;
  return _synthesizeAfter(tokenizer, prepared, head, inputTokens, maxOutputTokens, random);
}

function _synthesizeAfter(
  tokenizer: Tokenizer,
  prepared: PreparedCorpus | null,
  head: string,
  inputTokens: number,
  maxOutputTokens: number,
  random: Random,
): SynthesizedPrompt {
  if (head === "") {
    return _synthesize(tokenizer, prepared, inputTokens, maxOutputTokens, random);
  }
  // The tail counts its own fixed tokens (BOS) once more than it adds after the head.
  const fixed = tokenizer.countTokens("");
  const headTokens = tokenizer.countTokens(head);
  const tailTokens = inputTokens - headTokens + fixed;
  const minimum = _minimumTokens(tokenizer, prepared, maxOutputTokens);
  if (tailTokens < minimum) {
    throw new RangeError(
      `Cannot synthesize prompt: 'inputTokens' ${inputTokens} leaves ${
        tailTokens - fixed
      } tokens after a ${headTokens}-token prefix, fewer than the ${
        minimum - fixed
      } a prompt needs`,
    );
  }
  // Tokens can merge across the join: a tail shorter or longer by the difference usually fits
  // (a few tries, each a fast synthesis and one count), before the general search.
  let want = tailTokens;
  for (let tries = 0; tries < 3 && want >= minimum; tries++) {
    const tail = _synthesize(tokenizer, prepared, want, maxOutputTokens, random).prompt;
    const whole = head + tail;
    const got = tokenizer.countTokens(whole);
    if (got === inputTokens) return { prompt: whole, inputTokens, maxOutputTokens };
    want += inputTokens - got;
  }
  const start = prepared === null ? head : head + llmperfPrefix(maxOutputTokens);
  const more = prepared === null
    ? () => tokenizer.decode(_randomIds(tokenizer, random, 64))
    : (() => {
      const draw = _lineDrawer(random, prepared.lines.length);
      return () => prepared.lines[draw()] + "\n";
    })();
  return { prompt: _fitByCut(tokenizer, start, inputTokens, more), inputTokens, maxOutputTokens };
}

/**
 * The seed of request `i` of a run seeded with `seed`: both mixed by splitmix32 steps into a
 * 53-bit safe integer, so that prompt `i` depends on `(seed, i)` alone and can be synthesized
 * when it is needed, in any order, on any shard.
 *
 * @example Same inputs, same seed; neighbours differ
 * ```ts
 * import { requestSeed } from "./synthesize_prompt.ts";
 * if (requestSeed(42, 7) !== requestSeed(42, 7)) throw new Error("pure");
 * if (requestSeed(42, 7) === requestSeed(42, 8)) throw new Error("mixed");
 * if (!Number.isSafeInteger(requestSeed(0, 1e9))) throw new Error("safe");
 * ```
 */
export function requestSeed(seed: number, i: number): number {
  for (const [name, value] of [["seed", seed], ["i", i]] as const) {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(
        `Cannot derive request seed: '${name}' must be a safe integer, got ${value}`,
      );
    }
  }
  const mix = (x: number): number => {
    let z = (x + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  const lo = (x: number) => x >>> 0;
  const hi = (x: number) => Math.floor(x / 0x1_0000_0000) >>> 0;
  let h = mix(lo(seed));
  h = mix(h ^ hi(seed));
  h = mix(h ^ lo(i));
  const low = mix(h ^ hi(i));
  const high = mix(low ^ 0x5bd1e995) >>> 11; // 21 bits
  return high * 0x1_0000_0000 + (low >>> 0);
}

/** The lengths drawn for one synthetic request, before its text is made. */
export interface SyntheticLengths {
  /** Prompt length, tokens. */
  inputTokens: number;
  /** `max_tokens` to ask for. */
  maxOutputTokens: number;
}

/** Options of {@link drawSyntheticLengths} (the length fields of {@link PromptPlanOptions}). */
export type SyntheticLengthOptions =
  & Pick<
    PromptPlanOptions,
    "meanInputTokens" | "stddevInputTokens" | "meanOutputTokens" | "stddevOutputTokens"
  >
  & {
    /** Fewest prompt tokens for a given `maxOutputTokens` (the instruction's length); shorter
     * draws are drawn again. Default: no minimum beyond 1. */
    minimumTokens?: (maxOutputTokens: number) => number;
  };

/**
 * One request's lengths, as LLMPerf draws them: `maxOutputTokens` ~
 * N(meanOutputTokens, stddevOutputTokens²), then the input length ~
 * N(meanInputTokens, stddevInputTokens²), both rounded positive integers
 * ({@linkcode samplePositiveInt}); an input length below `minimumTokens(maxOutputTokens)` is
 * drawn again (up to 1000 times, then a `RangeError`).
 *
 * @example Lengths without spread
 * ```ts
 * import { createRandom } from "./random.ts";
 * import { drawSyntheticLengths } from "./synthesize_prompt.ts";
 * const l = drawSyntheticLengths(createRandom(1), {
 *   meanInputTokens: 300, stddevInputTokens: 0, meanOutputTokens: 50, stddevOutputTokens: 0,
 * });
 * if (l.inputTokens !== 300 || l.maxOutputTokens !== 50) throw new Error(JSON.stringify(l));
 * ```
 */
export function drawSyntheticLengths(
  random: Random,
  options: SyntheticLengthOptions,
): SyntheticLengths {
  const { meanInputTokens, stddevInputTokens, meanOutputTokens, stddevOutputTokens } = options;
  const maxOutputTokens = samplePositiveInt(random, meanOutputTokens, stddevOutputTokens);
  const minimum = options.minimumTokens?.(maxOutputTokens) ?? 1;
  let inputTokens = 0;
  for (let tries = 0; tries < 1000 && inputTokens < minimum; tries++) {
    inputTokens = samplePositiveInt(random, meanInputTokens, stddevInputTokens);
  }
  if (inputTokens < minimum) {
    throw new RangeError(
      `Cannot draw prompt lengths: 'meanInputTokens' ${meanInputTokens} with 'stddevInputTokens' ${stddevInputTokens} gives no length of at least ${minimum} tokens, the shortest prompt`,
    );
  }
  return { inputTokens, maxOutputTokens };
}

/** Checks the plan's numbers, as {@link promptSynthesizer} does. */
function _checkLengths(what: string, options: SyntheticLengthOptions & { seed: number }): void {
  const { meanInputTokens, stddevInputTokens, meanOutputTokens, stddevOutputTokens, seed } =
    options;
  for (
    const [name, value] of [["meanInputTokens", meanInputTokens], [
      "meanOutputTokens",
      meanOutputTokens,
    ]] as const
  ) {
    if (!(Number.isFinite(value) && value >= 1)) {
      throw new RangeError(`Cannot ${what}: '${name}' must be a number >= 1, got ${value}`);
    }
  }
  for (
    const [name, value] of [["stddevInputTokens", stddevInputTokens], [
      "stddevOutputTokens",
      stddevOutputTokens,
    ]] as const
  ) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`Cannot ${what}: '${name}' must be a number >= 0, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot ${what}: 'seed' must be a safe integer, got ${seed}`);
  }
}

/** Synthesizes request `i` of a plan: its own generator seeded by `requestSeed(seed, i)`. */
export interface PromptSynthesizer {
  /** Prompt `i` (any order, any number of times; same `i`, same prompt). */
  (i: number): SynthesizedPrompt;
}

/**
 * A function that synthesizes prompt `i` of a plan from `(seed, i)` alone: lengths drawn
 * LLMPerf-style ({@linkcode drawSyntheticLengths}) from a generator seeded with
 * {@linkcode requestSeed}, then text of exactly that many tokens. Nothing is made in advance;
 * the options are checked once, here.
 *
 * @example Prompt 5 without prompts 0 to 4
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { promptSynthesizer } from "./synthesize_prompt.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const prompt = promptSynthesizer({
 *   tokenizer, meanInputTokens: 120, stddevInputTokens: 20, meanOutputTokens: 30,
 *   stddevOutputTokens: 0, seed: 7,
 * });
 * const p = prompt(5);
 * if (tokenizer.countTokens(p.prompt) !== p.inputTokens || prompt(5).prompt !== p.prompt) {
 *   throw new Error("exact and reproducible");
 * }
 * tokenizer.free();
 * ```
 */
export function promptSynthesizer(options: Omit<PromptPlanOptions, "count">): PromptSynthesizer {
  const what = "synthesize prompts";
  const { tokenizer, seed, mode = "llmperf", corpus } = options;
  _checkTokenizer(what, tokenizer);
  _checkLengths(what, options);
  _checkMode(what, mode);
  const prepared = mode === "llmperf" ? _prepared(what, tokenizer, corpus) : null;
  const minimumByOutput = new Map<number, number>();
  const minimumTokens = (maxOutputTokens: number): number => {
    let minimum = minimumByOutput.get(maxOutputTokens);
    if (minimum === undefined) {
      minimum = _minimumTokens(tokenizer, prepared, maxOutputTokens);
      if (minimumByOutput.size < 4096) minimumByOutput.set(maxOutputTokens, minimum);
    }
    return minimum;
  };
  const lengths = { ...options, minimumTokens };
  return (i: number) => {
    const random = createRandom(requestSeed(seed, i));
    let drawn: SyntheticLengths;
    try {
      drawn = drawSyntheticLengths(random, lengths);
    } catch (error) {
      throw new RangeError(
        `Cannot ${what}: ${
          (error as Error).message.replace(/^Cannot draw prompt lengths: /, "")
        } for ${mode} with ${tokenizer.name}`,
      );
    }
    return _synthesize(tokenizer, prepared, drawn.inputTokens, drawn.maxOutputTokens, random);
  };
}

/**
 * A reproducible list of prompts: `promptSynthesizer(options)` for `i = 0 … count − 1`, so
 * prompt `i` is the one a run synthesizes lazily for request `i` (its lengths drawn
 * LLMPerf-style, {@linkcode drawSyntheticLengths}, from a generator seeded with
 * `requestSeed(seed, i)`). Each prompt has exactly its drawn length. Before per-request seeds
 * (tokenbench 0.1 before the workload), one generator ran through the whole list, so the
 * prompts of a given seed differ from that version's.
 *
 * @example Ten prompts around 300 tokens
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { synthesizePrompts } from "./synthesize_prompt.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const prompts = synthesizePrompts({
 *   tokenizer,
 *   count: 10,
 *   meanInputTokens: 300,
 *   stddevInputTokens: 50,
 *   meanOutputTokens: 100,
 *   stddevOutputTokens: 0,
 *   seed: 42,
 * });
 * for (const p of prompts) {
 *   if (tokenizer.countTokens(p.prompt) !== p.inputTokens) throw new Error("count");
 *   if (p.maxOutputTokens !== 100) throw new Error("output");
 * }
 * tokenizer.free();
 * ```
 */
export function synthesizePrompts(options: PromptPlanOptions): SynthesizedPrompt[] {
  const { count } = options;
  if (!(Number.isSafeInteger(count) && count >= 0)) {
    throw new RangeError(
      `Cannot synthesize prompts: 'count' must be a non-negative integer, got ${count}`,
    );
  }
  _checkTokenizer("synthesize prompts", options.tokenizer);
  const prompt = promptSynthesizer(options);
  return Array.from({ length: count }, (_, i) => prompt(i));
}

/** Fewest tokens a prompt can have: the instruction (llmperf) or one token beyond BOS. */
function _minimumTokens(
  tokenizer: Tokenizer,
  prepared: PreparedCorpus | null,
  maxOutputTokens: number,
): number {
  return prepared === null
    ? tokenizer.countTokens("") + 1
    : tokenizer.countTokens(llmperfPrefix(maxOutputTokens));
}

function _synthesize(
  tokenizer: Tokenizer,
  prepared: PreparedCorpus | null,
  inputTokens: number,
  maxOutputTokens: number,
  random: Random,
): SynthesizedPrompt {
  const minimum = _minimumTokens(tokenizer, prepared, maxOutputTokens);
  if (inputTokens < minimum) {
    const why = prepared === null
      ? `a random-tokens prompt has at least one token beyond ${minimum - 1} fixed ones`
      : `the llmperf instruction for ${maxOutputTokens} output tokens`;
    throw new RangeError(
      `Cannot synthesize prompt: 'inputTokens' must be at least ${minimum} with ${tokenizer.name} (${why}), got ${inputTokens}`,
    );
  }
  // Both builders return only text whose full encoding they have counted to `inputTokens`.
  const prompt = prepared === null
    ? _randomTokensPrompt(tokenizer, inputTokens, random)
    : _llmperfPrompt(prepared, inputTokens, maxOutputTokens, random);
  return { prompt, inputTokens, maxOutputTokens };
}

/** Draws line indices without replacement (lazy Fisher-Yates), reshuffling when exhausted. */
function _lineDrawer(random: Random, n: number): () => number {
  let swapped = new Map<number, number>();
  let k = 0;
  return () => {
    if (k === n) {
      swapped = new Map();
      k = 0;
    }
    const j = k + Math.floor(random() * (n - k));
    const picked = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(k) ?? k);
    k++;
    return picked;
  };
}

/** Index `k` moved down off the middle of a surrogate pair, so slices stay valid UTF-16. */
function _codePointBoundary(text: string, k: number): number {
  const code = text.charCodeAt(k);
  return k > 0 && code >= 0xdc00 && code <= 0xdfff ? k - 1 : k;
}

/**
 * Length of the start of `line` that adds exactly `tokens` tokens after a newline, found by
 * bisection on the character count; -1 when no cut gives exactly that many (one more character
 * adds two tokens at the crossing).
 */
function _cutLine(tokenizer: Tokenizer, line: string, tokens: number): number {
  const base = tokenizer.countTokens("\n");
  const added = (k: number) => tokenizer.countTokens("\n" + line.slice(0, k)) - base;
  let lo = 0;
  let loTokens = 0;
  let hi = line.length;
  const hiTokens = added(hi);
  if (hiTokens <= tokens) return hiTokens === tokens ? hi : -1;
  while (hi - lo > 1) {
    let mid = _codePointBoundary(line, (lo + hi) >>> 1);
    if (mid <= lo) mid = lo + 2; // a pair straddles the midpoint; step over it
    if (mid >= hi) break;
    const midTokens = added(mid);
    if (midTokens <= tokens) {
      lo = mid;
      loTokens = midTokens;
    } else {
      hi = mid;
    }
  }
  return loTokens === tokens ? lo : -1;
}

/** How many corpus lines in a row may fail to cut before the general search takes over. */
const _MAX_CUT_MISSES = 16;

function _llmperfPrompt(
  prepared: PreparedCorpus,
  inputTokens: number,
  maxOutputTokens: number,
  random: Random,
): string {
  return _linesAfter(prepared, llmperfPrefix(maxOutputTokens), inputTokens, random);
}

/** `head` then random corpus lines, the last one cut: exactly `inputTokens` in all. */
function _linesAfter(
  prepared: PreparedCorpus,
  head: string,
  inputTokens: number,
  random: Random,
): string {
  const { tokenizer, lines, lineTokens } = prepared;
  const prefix = head;
  const budget = inputTokens - tokenizer.countTokens(prefix);
  const draw = _lineDrawer(random, lines.length);
  // Fast path: whole lines by their precomputed counts, then the last line cut to fit. Counts
  // add up across lines for these tokenizers when lines start with a letter or digit (tokens
  // never span a newline followed by one), which the encode of the whole prompt verifies.
  const parts = [prefix];
  let used = 0;
  let misses = 0;
  // Every line adds at least one token, so `budget` lines plus the misses always suffice; the
  // bound only guards against a hand-made PreparedCorpus with counts below 1.
  const maxDraws = budget + _MAX_CUT_MISSES;
  for (let drawn = 0; used < budget && misses < _MAX_CUT_MISSES && drawn < maxDraws; drawn++) {
    const i = draw();
    if (used + lineTokens[i] <= budget) {
      parts.push(lines[i], "\n");
      used += lineTokens[i];
      continue;
    }
    const cut = _cutLine(tokenizer, lines[i], budget - used);
    if (cut > 0) {
      parts.push(lines[i].slice(0, cut));
      used = budget;
    } else {
      misses++;
    }
  }
  const prompt = parts.join("");
  if (used === budget && tokenizer.countTokens(prompt) === inputTokens) return prompt;
  return _fitByCut(tokenizer, prefix, inputTokens, () => lines[draw()] + "\n");
}

function _randomIds(tokenizer: Tokenizer, random: Random, n: number): number[] {
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = randomInt(random, 0, tokenizer.vocabSize - 1);
  return ids;
}

/** Decode/re-encode rounds before the general search takes over. */
const _MAX_ROUNDS = 8;

function _randomTokensPrompt(tokenizer: Tokenizer, inputTokens: number, random: Random): string {
  // Tokens every encoding starts with (BOS for llama2); they are not in the decoded text.
  const fixed = tokenizer.countTokens("");
  const n = inputTokens - fixed;
  let ids = _randomIds(tokenizer, random, n);
  // vLLM's loop: decode, re-encode, truncate or pad with fresh random ids, until it holds.
  for (let round = 0; round < _MAX_ROUNDS; round++) {
    const text = tokenizer.decode(ids);
    const encoded = tokenizer.encode(text);
    if (encoded.length === inputTokens) return text;
    const content = encoded.slice(fixed);
    ids = content.length > n
      ? content.slice(0, n)
      : content.concat(_randomIds(tokenizer, random, n - content.length));
  }
  return _fitByCut(
    tokenizer,
    "",
    inputTokens,
    () => tokenizer.decode(_randomIds(tokenizer, random, 64)),
  );
}

/** Fresh text streams tried by the general search before it gives up. */
const _MAX_STREAMS = 8;

/**
 * The general search: `head` followed by the start of a stream of `more()` text, cut at the
 * character where the whole prompt has exactly `inputTokens` tokens (bisection on the cut, every
 * probe a full encode). A stream whose count jumps over the target at the crossing is replaced.
 */
function _fitByCut(
  tokenizer: Tokenizer,
  head: string,
  inputTokens: number,
  more: () => string,
): string {
  const count = (text: string) => tokenizer.countTokens(text);
  const headTokens = count(head);
  if (headTokens === inputTokens) return head;
  for (let attempt = 0; attempt < _MAX_STREAMS; attempt++) {
    // Grow the stream until the whole prompt is longer than the target (bounded, in case
    // `more` keeps returning nothing).
    let stream = "";
    for (let grow = 0; grow < 32; grow++) {
      const wanted = Math.max(64, 2 * stream.length, 4 * (inputTokens - headTokens));
      for (let pieces = 0; stream.length < wanted && pieces < 100_000; pieces++) stream += more();
      if (count(head + stream) > inputTokens) break;
    }
    let lo = 0;
    let loTokens = headTokens;
    let hi = stream.length;
    while (hi - lo > 1) {
      let mid = _codePointBoundary(stream, (lo + hi) >>> 1);
      if (mid <= lo) mid = lo + 2;
      if (mid >= hi) break;
      const midTokens = count(head + stream.slice(0, mid));
      if (midTokens <= inputTokens) {
        lo = mid;
        loTokens = midTokens;
      } else {
        hi = mid;
      }
    }
    if (loTokens === inputTokens) return head + stream.slice(0, lo);
  }
  throw new RangeError(
    `Cannot synthesize prompt: no text found with exactly 'inputTokens' ${inputTokens} tokens for ${tokenizer.name} after ${_MAX_STREAMS} attempts`,
  );
}
