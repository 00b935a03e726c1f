/**
 * LLMPerf's correctness test, as pure functions: a random integer written in words, the prompt
 * asking for it in digits, the verdict on the reply, and the run's mismatch and error rates.
 * The simulator uses {@link parseCorrectnessPrompt} to answer these prompts.
 *
 * @module
 */
import numberToWords from "number-to-words";
import { type Random, randomInt } from "./random.ts";

/** Largest number asked for (LLMPerf's `MAX_RANDOM_NUMBER`); numbers are drawn from 0 to it,
 * both included. */
export const CORRECTNESS_MAX_NUMBER = 10_000;

/** A request's verdict: the number was in the reply, it was not, or the request failed. */
export const CORRECTNESS_VERDICTS = ["pass", "mismatch", "error"] as const;

/** One of {@link CORRECTNESS_VERDICTS}. */
export type CorrectnessVerdict = typeof CORRECTNESS_VERDICTS[number];

/** One question of the correctness test. */
export interface CorrectnessCase {
  /** The number asked for. */
  number: number;
  /** The number in words, as npm `number-to-words` writes it. */
  words: string;
  /** The prompt sent. */
  prompt: string;
}

const _PROMPT_HEAD = "Convert the following sequence of words into a number: ";
const _PROMPT_TAIL = ".\nPrint the number first.";

function _checkNumber(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot ${what}: 'number' must be a non-negative safe integer, got ${n}`);
  }
}

/**
 * The correctness case for `number`: its words (npm `number-to-words`: `1234` is "one thousand,
 * two hundred thirty-four"; LLMPerf's Python `num2words` adds "and") and LLMPerf's prompt, word
 * for word: `Convert the following sequence of words into a number: {words}.\nPrint the number
 * first.`
 *
 * @example The prompt for 1234
 * ```ts
 * import { correctnessCase } from "./correctness.ts";
 * const c = correctnessCase(1234);
 * if (c.words !== "one thousand, two hundred thirty-four") throw new Error(c.words);
 * if (!c.prompt.includes("into a number: one thousand, two hundred thirty-four.\n")) {
 *   throw new Error(c.prompt);
 * }
 * ```
 */
export function correctnessCase(number: number): CorrectnessCase {
  _checkNumber("make correctness case", number);
  const words: string = numberToWords.toWords(number);
  return { number, words, prompt: _PROMPT_HEAD + words + _PROMPT_TAIL };
}

/**
 * `count` correctness cases with numbers drawn uniformly from 0 to
 * {@link CORRECTNESS_MAX_NUMBER} (both included, like Python's `random.randint`) from `random`.
 *
 * @example Same seed, same questions
 * ```ts
 * import { correctnessCases } from "./correctness.ts";
 * import { createRandom } from "./random.ts";
 * const a = correctnessCases(5, createRandom(7)).map((c) => c.number);
 * const b = correctnessCases(5, createRandom(7)).map((c) => c.number);
 * if (a.join() !== b.join() || a.some((n) => n < 0 || n > 10000)) throw new Error(a.join());
 * ```
 */
export function correctnessCases(count: number, random: Random): CorrectnessCase[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot make correctness cases: 'count' must be a non-negative integer, got ${count}`,
    );
  }
  return Array.from(
    { length: count },
    () => correctnessCase(randomInt(random, 0, CORRECTNESS_MAX_NUMBER)),
  );
}

/**
 * LLMPerf's check: commas between digits are removed (`1,234` → `1234`), the runs of digits of
 * the reply are collected, and the reply passes when one of them is exactly the number (so
 * `12345` does not pass for `1234`, and `01234` does not either).
 *
 * @example Commas removed, whole digit runs only
 * ```ts
 * import { correctnessVerdict } from "./correctness.ts";
 * if (correctnessVerdict(1234, "The number is 1,234.") !== "pass") throw new Error("comma");
 * if (correctnessVerdict(1234, "12345") !== "mismatch") throw new Error("run");
 * ```
 */
export function correctnessVerdict(number: number, reply: string): "pass" | "mismatch" {
  _checkNumber("judge correctness", number);
  const runs: string[] = reply.replace(/(\d+),(?=\d)/g, "$1").match(/\d+/g) ?? [];
  return runs.includes(String(number)) ? "pass" : "mismatch";
}

const _UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

const _SCALES: Record<string, number> = {
  thousand: 1e3,
  million: 1e6,
  billion: 1e9,
  trillion: 1e12,
};

/**
 * The number a correctness prompt asks for, or `null` when `prompt` is not one. Reads the words
 * of npm `number-to-words` and of Python's `num2words` (with "and", as LLMPerf's own prompts
 * have them); anything else between the prompt's fixed parts gives `null`.
 *
 * @example Both spellings
 * ```ts
 * import { correctnessCase, parseCorrectnessPrompt } from "./correctness.ts";
 * if (parseCorrectnessPrompt(correctnessCase(9017).prompt) !== 9017) throw new Error("npm");
 * const python = "Convert the following sequence of words into a number: " +
 *   "one thousand, two hundred and thirty-four.\nPrint the number first.";
 * if (parseCorrectnessPrompt(python) !== 1234) throw new Error("num2words");
 * if (parseCorrectnessPrompt("Hello") !== null) throw new Error("not a prompt");
 * ```
 */
export function parseCorrectnessPrompt(prompt: string): number | null {
  const start = prompt.indexOf(_PROMPT_HEAD);
  if (start < 0) return null;
  const end = prompt.indexOf(_PROMPT_TAIL, start + _PROMPT_HEAD.length);
  if (end < 0) return null;
  const words = prompt.slice(start + _PROMPT_HEAD.length, end).toLowerCase().split(/[\s,-]+/)
    .filter((w) => w !== "" && w !== "and");
  if (words.length === 0) return null;
  let total = 0;
  let group = 0;
  let seen = false;
  for (const word of words) {
    if (word in _UNITS) {
      group += _UNITS[word];
      seen = true;
    } else if (word === "hundred") {
      group = (seen ? group : 1) * 100;
      seen = true;
    } else if (word in _SCALES) {
      total += (seen ? group : 1) * _SCALES[word];
      group = 0;
      seen = true;
    } else {
      return null;
    }
  }
  return seen ? total + group : null;
}

/** One judged request, as {@link summarizeCorrectness} needs it. */
export interface CorrectnessOutcome {
  /** The request's verdict. */
  verdict: CorrectnessVerdict;
}

/** The run's counts and rates, with LLMPerf's meaning. */
export interface CorrectnessSummary {
  /** Requests completed (passed, mismatched or errored): LLMPerf's `num_completed_requests`. */
  numCompletedRequests: number;
  /** Requests that failed: LLMPerf's `number_errors`. */
  numErrors: number;
  /** Requests whose reply lacked the number: LLMPerf's `num_mismatched_requests`. */
  numMismatchedRequests: number;
  /** Requests without error: LLMPerf's `num_non_errored_requests`. */
  numNonErroredRequests: number;
  /** `numErrors / numCompletedRequests`, or null with no request. */
  errorRate: number | null;
  /** `numMismatchedRequests / numCompletedRequests` (LLMPerf's denominator: all completed
   * requests, errors included), or null with no request. */
  mismatchRate: number | null;
}

/**
 * Counts and rates of a correctness run, as LLMPerf computes them: both rates are over all
 * completed requests (errored ones included), so `errorRate + mismatchRate + passRate = 1`.
 *
 * @example Two passes, one mismatch, one error
 * ```ts
 * import { summarizeCorrectness } from "./correctness.ts";
 * const s = summarizeCorrectness([
 *   { verdict: "pass" }, { verdict: "mismatch" }, { verdict: "error" }, { verdict: "pass" },
 * ]);
 * if (s.mismatchRate !== 0.25 || s.errorRate !== 0.25 || s.numNonErroredRequests !== 3) {
 *   throw new Error(JSON.stringify(s));
 * }
 * ```
 */
export function summarizeCorrectness(outcomes: readonly CorrectnessOutcome[]): CorrectnessSummary {
  let numErrors = 0;
  let numMismatchedRequests = 0;
  for (const { verdict } of outcomes) {
    if (verdict === "error") numErrors++;
    else if (verdict === "mismatch") numMismatchedRequests++;
    else if (verdict !== "pass") {
      throw new TypeError(
        `Cannot summarize correctness: unknown verdict ${JSON.stringify(verdict)}`,
      );
    }
  }
  const n = outcomes.length;
  return {
    numCompletedRequests: n,
    numErrors,
    numMismatchedRequests,
    numNonErroredRequests: n - numErrors,
    errorRate: n === 0 ? null : numErrors / n,
    mismatchRate: n === 0 ? null : numMismatchedRequests / n,
  };
}

/** One request of a correctness run, as written to `correctness.jsonl`. */
export interface CorrectnessRecord {
  /** 0-based launch order. */
  requestId: number;
  /** The number asked for. */
  number: number;
  /** The number in words. */
  words: string;
  /** The prompt sent. */
  prompt: string;
  /** The reply's text (empty when the request failed before any text). */
  reply: string;
  /** `pass`, `mismatch` or `error`. */
  verdict: CorrectnessVerdict;
  /** HTTP-like error code, or null. */
  errorCode: number | null;
  /** Error message, or null. */
  errorMessage: string | null;
  /** Time to first answer token, ms, or null. */
  ttftMs: number | null;
  /** End-to-end latency, ms. */
  e2eMs: number;
  /** Output tokens counted by the run's tokenizer. */
  outputTokens: number;
  /** The server's output token count, or null. */
  serverOutputTokens: number | null;
}

/** The fields of a request record {@link correctnessRecord} reads (a `RequestRecord` fits). */
export interface CorrectnessRequestResult {
  requestId: number;
  status: "ok" | "error";
  errorCode: number | null;
  errorMessage: string | null;
  ttftMs: number | null;
  e2eMs: number;
  outputTokens: number;
  serverOutputTokens: number | null;
  /** The reply text (run with `keepText`). */
  outputText?: string;
}

/**
 * Judges one request of a correctness run: `error` when it failed (whatever text it got),
 * else {@link correctnessVerdict} on its text.
 *
 * @example A passing request
 * ```ts
 * import { correctnessCase, correctnessRecord } from "./correctness.ts";
 * const r = correctnessRecord(correctnessCase(42), {
 *   requestId: 0, status: "ok", errorCode: null, errorMessage: null, ttftMs: 80, e2eMs: 90,
 *   outputTokens: 1, serverOutputTokens: 1, outputText: "42",
 * });
 * if (r.verdict !== "pass" || r.reply !== "42") throw new Error(JSON.stringify(r));
 * ```
 */
export function correctnessRecord(
  question: CorrectnessCase,
  result: CorrectnessRequestResult,
): CorrectnessRecord {
  const reply = result.outputText ?? "";
  return {
    requestId: result.requestId,
    number: question.number,
    words: question.words,
    prompt: question.prompt,
    reply,
    verdict: result.status === "error" ? "error" : correctnessVerdict(question.number, reply),
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
    ttftMs: result.ttftMs,
    e2eMs: result.e2eMs,
    outputTokens: result.outputTokens,
    serverOutputTokens: result.serverOutputTokens,
  };
}

/** Context of {@link correctnessLlmperfSummary}. */
export interface CorrectnessLlmperfSummaryOptions {
  /** Model id (`--model`). Required. */
  model: string;
  /** `--llm-api`. Required. */
  llmApi: string;
  /** `--num-concurrent-requests`. Required. */
  numConcurrentRequests: number;
  /** The user's `--additional-sampling-params` (LLMPerf records them without its temperature 0
   * default). Default `{}`. */
  additionalSamplingParams?: Record<string, unknown>;
  /** `--metadata` pairs, merged in last as LLMPerf does. Default `{}`. */
  userMetadata?: Record<string, string>;
  /** Unix time in seconds (LLMPerf's `int(time.time())`). Required. */
  timestampS: number;
}

/**
 * The file name LLMPerf's `llm_correctness.py` gives a model's results, without the
 * `_summary.json` suffix: `{model}_correctness` with every run of characters other than word
 * characters and `-` replaced by `-`, then runs of `-` collapsed.
 *
 * @example
 * ```ts
 * import { correctnessFileStem } from "./correctness.ts";
 * const stem = correctnessFileStem("meta-llama/Llama-3.1-8B");
 * if (stem !== "meta-llama-Llama-3-1-8B_correctness") throw new Error(stem);
 * ```
 */
export function correctnessFileStem(model: string): string {
  if (typeof model !== "string" || model === "") {
    throw new TypeError(
      `Cannot make correctness file stem: 'model' must be a non-empty string, got ${
        JSON.stringify(model)
      }`,
    );
  }
  return `${model}_correctness`.replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/-{2,}/g, "-");
}

function _flatten(d: Record<string, unknown>, parent: string, out: Record<string, unknown>) {
  for (const [k, v] of Object.entries(d)) {
    const key = parent ? `${parent}_${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      _flatten(v as Record<string, unknown>, key, out);
    } else out[key] = v;
  }
  return out;
}

/**
 * The summary `llm_correctness.py` writes (`{stem}_summary.json`), key for key and in its order:
 * `version`, `name`, `number_errors`, `num_mismatched_requests`, `error_rate`, `mismatch_rate`,
 * `num_completed_requests`, `num_non_errored_requests`, `model`, `num_concurrent_requests`,
 * `additional_sampling_params` (flattened as LLMPerf's `flatten_dict` does), `llm_api`, the user
 * metadata, `timestamp`. Rates are null with no completed request (LLMPerf divides by zero).
 *
 * @example
 * ```ts
 * import { correctnessLlmperfSummary, summarizeCorrectness } from "./correctness.ts";
 * const s = correctnessLlmperfSummary(summarizeCorrectness([{ verdict: "pass" }]), {
 *   model: "m", llmApi: "openai", numConcurrentRequests: 1, timestampS: 1700000000,
 *   additionalSamplingParams: { top_p: 0.9 },
 * });
 * if (s.mismatch_rate !== 0 || s.additional_sampling_params_top_p !== 0.9) throw new Error();
 * if (s.name !== "m_correctness_summary") throw new Error(String(s.name));
 * ```
 */
export function correctnessLlmperfSummary(
  summary: CorrectnessSummary,
  options: CorrectnessLlmperfSummaryOptions,
): Record<string, unknown> {
  const nested: Record<string, unknown> = {
    version: "2023-08-31",
    name: `${correctnessFileStem(options.model)}_summary`,
    number_errors: summary.numErrors,
    num_mismatched_requests: summary.numMismatchedRequests,
    error_rate: summary.errorRate,
    mismatch_rate: summary.mismatchRate,
    num_completed_requests: summary.numCompletedRequests,
    num_non_errored_requests: summary.numNonErroredRequests,
    model: options.model,
    num_concurrent_requests: options.numConcurrentRequests,
    additional_sampling_params: options.additionalSamplingParams ?? {},
    llm_api: options.llmApi,
  };
  for (const [k, v] of Object.entries(options.userMetadata ?? {})) nested[k] = v;
  nested.timestamp = options.timestampS;
  return _flatten(nested, "", {});
}
