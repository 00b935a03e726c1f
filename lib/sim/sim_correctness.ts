/**
 * The simulator's correctness-answer mode: LLMPerf correctness prompts ("Convert the following
 * sequence of words into a number: …") are answered with the number in digits, wrong at a
 * configured rate, so that `deno task correctness` can itself be tested against ground truth.
 *
 * @module
 */
import { CORRECTNESS_MAX_NUMBER, parseCorrectnessPrompt } from "../core/correctness.ts";
import type { SimResponsePlan } from "./sim_plan.ts";

/** Options of {@link simCorrectnessReply}. */
export interface SimCorrectnessReplyOptions {
  /** Fraction (0..1) of answers that are a different number. Required. */
  errorRate: number;
  /** Uniform random numbers in [0, 1). Required. */
  random: () => number;
}

/** What the simulator answers a correctness prompt. */
export interface SimCorrectnessReply {
  /** The number the prompt asked for. */
  number: number;
  /** The reply text: a number in digits. */
  reply: string;
  /** Whether the reply is the asked number. */
  correct: boolean;
}

/**
 * The simulator's reply to `prompt` if it is an LLMPerf correctness prompt, else `null` (and no
 * random number is drawn). The reply is the number in digits; with probability `errorRate` it is
 * another number from 0 to 10000 instead (never the right one).
 *
 * @example Always right, always wrong
 * ```ts
 * import { simCorrectnessReply } from "./sim_correctness.ts";
 * import { correctnessCase } from "../core/correctness.ts";
 * const { prompt } = correctnessCase(4321);
 * const right = simCorrectnessReply(prompt, { errorRate: 0, random: () => 0.5 });
 * const wrong = simCorrectnessReply(prompt, { errorRate: 1, random: () => 0.5 });
 * if (right?.reply !== "4321" || wrong === null || wrong.reply === "4321") throw new Error();
 * if (simCorrectnessReply("Hi", { errorRate: 0, random: Math.random }) !== null) throw new Error();
 * ```
 */
export function simCorrectnessReply(
  prompt: string,
  options: SimCorrectnessReplyOptions,
): SimCorrectnessReply | null {
  const { errorRate, random } = options;
  if (!(errorRate >= 0 && errorRate <= 1)) {
    throw new RangeError(
      `Cannot answer correctness prompt: 'errorRate' must be a number between 0 and 1, got ${errorRate}`,
    );
  }
  const number = parseCorrectnessPrompt(prompt);
  if (number === null) return null;
  const correct = !(errorRate > 0 && random() < errorRate);
  if (correct) return { number, reply: String(number), correct };
  // Any other number of the range: shift by 1..CORRECTNESS_MAX_NUMBER, wrapping around.
  const span = CORRECTNESS_MAX_NUMBER + 1;
  const shift = 1 + Math.floor(random() * (span - 1));
  return { number, reply: String(((number % span) + shift) % span), correct };
}

/**
 * A copy of `plan` whose content chunks carry the text of `tokenIds` instead of the planned
 * words: chunk `i` carries the tokens its `tokens` count covers, decoded incrementally (the
 * text of the first `k` tokens minus that of the first `j`), as servers detokenize a stream.
 * The plan must have been made for at most `tokenIds.length` tokens.
 *
 * @example Replace a two-chunk answer
 * ```ts
 * import { replacePlanText } from "./sim_correctness.ts";
 * const plan = replacePlanText({
 *   inputTokens: 3, outputTokens: 2, finishReason: "stop", openAtMs: 0, endAtMs: 20,
 *   chunks: [{ index: 0, text: "alpha", tokens: 1, atMs: 10 }, { index: 1, text: " beta", tokens: 1, atMs: 20 }],
 * }, [7, 8], (ids) => ids.map((id) => (id === 7 ? "12" : "34")).join(""));
 * if (plan.chunks.map((c) => c.text).join("|") !== "12|34") throw new Error("text");
 * ```
 */
export function replacePlanText(
  plan: SimResponsePlan,
  tokenIds: readonly number[],
  decode: (ids: number[]) => string,
): SimResponsePlan {
  const planned = plan.chunks.reduce((n, c) => n + c.tokens, 0);
  if (planned > tokenIds.length) {
    throw new RangeError(
      `Cannot replace plan text: the plan has ${planned} tokens, the text only ${tokenIds.length}`,
    );
  }
  let used = 0;
  let before = "";
  const chunks = plan.chunks.map((chunk) => {
    used += chunk.tokens;
    const upTo = decode(tokenIds.slice(0, used));
    const text = upTo.startsWith(before) ? upTo.slice(before.length) : upTo;
    before = upTo;
    return { ...chunk, text };
  });
  return { ...plan, chunks };
}
