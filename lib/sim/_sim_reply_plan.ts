/**
 * The plan of one answer: random single-token words of the tokenizer (or, for an LLMPerf
 * correctness prompt, the number's digits), timed by the behaviour or a latency profile.
 *
 * @module
 */
import { replacePlanText, simCorrectnessReply } from "./sim_correctness.ts";
import { sampleSimProfile, type SimProfile, type SimProfileName } from "./sim_profiles.ts";
import { planResponse, type SimBehaviour, type SimResponsePlan } from "./sim_plan.ts";
import { createRandom } from "../core/random.ts";
import type { SimVocabulary } from "./sim_vocabulary.ts";
import type { Tokenizer } from "../core/tokenizer.ts";
import type { SimPrefixCache } from "./sim_prefix_cache.ts";
import type { SimCapacity } from "./sim_capacity.ts";

/** What every answer of a simulator is planned with. */
export interface SimReplyPlanner {
  /** Timing and error behaviour. */
  behaviour: SimBehaviour;
  /** Latency preset whose samples override the behaviour's timing, if any. */
  profile: SimProfileName | SimProfile | undefined;
  /** Rate of wrong answers to correctness prompts. */
  correctnessErrorRate: number;
  /** Counts prompts and makes the answers' text. */
  tokenizer: Tokenizer;
  /** Single-token words of the tokenizer. */
  vocabulary: SimVocabulary;
  /** The prefix cache, when the simulator has one. */
  prefixCache?: SimPrefixCache;
  /** The capacity model, when the simulator has one. */
  capacity?: SimCapacity;
}

/**
 * Plans the answer to `prompt`, allowed `maxTokens`, from the request's own seed (so the answer
 * depends only on the seed and the request).
 *
 * @example Three tokens of answer
 * ```ts
 * import { planSimReply } from "./_sim_reply_plan.ts";
 * import { createTokenizer } from "../core/tokenizer.ts";
 * import { createSimVocabulary } from "./sim_vocabulary.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const plan = planSimReply("Hi", 3, 42, {
 *   behaviour: { ttftMs: 5, itlMs: 1, jitterMs: 0, tokensPerChunk: 1, errorRate: 0 },
 *   profile: undefined,
 *   correctnessErrorRate: 0,
 *   tokenizer,
 *   vocabulary: createSimVocabulary(tokenizer),
 * });
 * tokenizer.free();
 * if (plan.outputTokens !== 3 || plan.chunks.length !== 3) throw new Error("plan");
 * ```
 */
export function planSimReply(
  prompt: string,
  maxTokens: number,
  requestSeed: number,
  planner: SimReplyPlanner,
  arrivalMs: number = performance.now(),
): SimResponsePlan {
  const { tokenizer, vocabulary, profile } = planner;
  const random = createRandom(requestSeed);
  // Correctness prompts are answered with the number's tokens instead of random words.
  const reply = simCorrectnessReply(prompt, {
    errorRate: planner.correctnessErrorRate,
    random,
  });
  const replyIds = reply === null
    ? null
    : tokenizer.encode(reply.reply).slice(vocabulary.overheadTokens);
  const behaviour = {
    ...planner.behaviour,
    ...(profile === undefined ? {} : sampleSimProfile(profile, random)),
    ...(replyIds === null ? {} : { outputTokens: replyIds.length }),
  };
  // A cached prefix cuts the prefill in proportion: TTFT × (1 − cached / input).
  let cachedInputTokens: number | undefined;
  let promptTokens: number | undefined;
  if (planner.prefixCache) {
    const ids = tokenizer.encode(prompt);
    promptTokens = ids.length;
    cachedInputTokens = planner.prefixCache.lookup(ids);
    // With a capacity model the cache shortens the prefill instead (below).
    if (ids.length > 0 && !planner.capacity) {
      behaviour.ttftMs *= 1 - cachedInputTokens / ids.length;
    }
  }
  if (planner.capacity) {
    // The slot, the prefill queue and the batch decide TTFT and ITL (sim_capacity.ts).
    const input = promptTokens ?? tokenizer.countTokens(prompt);
    const output = Math.min(maxTokens, behaviour.outputTokens ?? maxTokens);
    const admitted = planner.capacity.admit(arrivalMs, input - (cachedInputTokens ?? 0), output, {
      ttftMs: behaviour.ttftMs,
      itlMs: behaviour.itlMs,
    });
    behaviour.ttftMs = admitted.ttftMs;
    behaviour.itlMs = admitted.itlMs;
  }
  const planned = planResponse({ prompt, maxTokens }, {
    behaviour,
    random,
    vocabulary,
    // Prompt counts are the tokenizer's own (with BOS for llama2, as servers count prompts).
    countTokens: (text) => tokenizer.countTokens(text),
  });
  if (cachedInputTokens !== undefined) planned.cachedInputTokens = cachedInputTokens;
  return replyIds === null
    ? planned
    : replacePlanText(planned, replyIds, (ids) => tokenizer.decode(ids));
}
