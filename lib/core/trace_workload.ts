/**
 * A workload that replays a trace ({@link parseTrace}): request `i` has the trace's lengths and
 * arrival time, and a synthesized prompt of exactly its input length; requests whose Mooncake
 * `hash_ids` start alike start with the same text, block for block.
 *
 * @module
 */
import type { Tokenizer } from "./tokenizer.ts";
import { createRandom } from "./random.ts";
import {
  llmperfPrefix,
  prepareCorpus,
  type PreparedCorpus,
  type PromptMode,
  requestSeed,
  synthesizePromptAfter,
  synthesizeText,
} from "./synthesize_prompt.ts";
import type { TraceRequest } from "./parse_trace.ts";
import type { Workload, WorkloadRequest } from "./workload.ts";

/** Options of {@link traceWorkload}. */
export interface TraceWorkloadOptions {
  /** Tokenizer whose counts the prompts match exactly. */
  tokenizer: Tokenizer;
  /** Seed of the prompts' text (block `h` from `requestSeed(seed, −1 − h)`, request `i`'s own
   * part from `requestSeed(seed, i)`). Default 0. */
  seed?: number;
  /** How the text is made. Default `"llmperf"`. */
  mode?: PromptMode;
  /** Lines for `llmperf` mode, raw or prepared. Default `defaultCorpus()`. */
  corpus?: readonly string[] | PreparedCorpus;
  /** Tokens per `hash_ids` block (Mooncake's 512). Default 512. */
  blockTokens?: number;
}

/** Block texts kept at once. */
const _BLOCK_MEMO = 4096;

/**
 * The workload of a trace. Request `i`'s prompt is the texts of its leading `hash_ids` blocks
 * (each exactly `blockTokens` tokens on its own, the same for the same id), as many whole blocks
 * as leave room for the request's own part, then its own part, `inputTokens` in all. A length
 * shorter than the shortest prompt (the `llmperf` instruction) is raised to it; the record
 * carries the length sent. `arrivalMs(i)` is the trace's.
 *
 * @example Two requests of a trace sharing their first block
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { parseTrace } from "./parse_trace.ts";
 * import { traceWorkload } from "./trace_workload.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const trace = parseTrace(
 *   '{"timestamp": 0, "input_length": 300, "output_length": 5, "hash_ids": [1, 2]}\n' +
 *     '{"timestamp": 40, "input_length": 200, "output_length": 5, "hash_ids": [1, 3]}\n',
 * );
 * const w = traceWorkload(trace, { tokenizer, blockTokens: 128 });
 * const [a, b] = [w.request(0), w.request(1)];
 * if (tokenizer.countTokens(a.prompt) !== 300 || w.arrivalMs!(1) !== 40) throw new Error("trace");
 * if (a.prompt.slice(0, 200) !== b.prompt.slice(0, 200)) throw new Error("shared block");
 * tokenizer.free();
 * ```
 */
export function traceWorkload(
  requests: readonly TraceRequest[],
  options: TraceWorkloadOptions,
): Workload {
  const what = "Cannot make trace workload";
  const o = options ?? ({} as TraceWorkloadOptions);
  const { tokenizer } = o;
  if (typeof tokenizer?.countTokens !== "function") {
    throw new TypeError(`${what}: 'tokenizer' must be a Tokenizer, got ${String(tokenizer)}`);
  }
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new TypeError(`${what}: 'requests' must be a non-empty array of trace requests`);
  }
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`${what}: 'seed' must be a safe integer, got ${seed}`);
  }
  const mode = o.mode ?? "llmperf";
  if (mode !== "llmperf" && mode !== "random-tokens") {
    throw new RangeError(
      `${what}: 'mode' must be one of llmperf, random-tokens, got ${JSON.stringify(mode)}`,
    );
  }
  const blockTokens = o.blockTokens ?? 512;
  if (!(Number.isSafeInteger(blockTokens) && blockTokens > tokenizer.countTokens(""))) {
    throw new RangeError(`${what}: 'blockTokens' must be a positive integer, got ${blockTokens}`);
  }
  const corpus = mode === "llmperf"
    ? (o.corpus && "lineTokens" in o.corpus
      ? o.corpus
      : prepareCorpus(tokenizer, ...(o.corpus ? [o.corpus as readonly string[]] : [])))
    : undefined;
  const fixed = tokenizer.countTokens("");
  const blocks = new Map<number, string>();
  const block = (h: number): string => {
    let text = blocks.get(h);
    if (text === undefined) {
      text = synthesizeText({
        tokenizer,
        tokens: blockTokens,
        random: createRandom(requestSeed(seed, -1 - Math.abs(h))),
        mode,
        corpus,
      });
      if (blocks.size >= _BLOCK_MEMO) blocks.delete(blocks.keys().next().value!);
      blocks.set(h, text);
    }
    return text;
  };
  const minimum = (maxOutputTokens: number) =>
    mode === "llmperf" ? tokenizer.countTokens(llmperfPrefix(maxOutputTokens)) : fixed + 1;
  return {
    kind: "trace",
    size: requests.length,
    arrivalMs(i: number): number {
      return requests[i].arrivalMs;
    },
    request(i: number): WorkloadRequest {
      if (!(Number.isSafeInteger(i) && i >= 0 && i < requests.length)) {
        throw new RangeError(
          `Cannot make workload request: 'i' must be an integer from 0 to ${
            requests.length - 1
          }, got ${i}`,
        );
      }
      const r = requests[i];
      const maxOutputTokens = r.outputTokens;
      const own = minimum(maxOutputTokens);
      const inputTokens = Math.max(r.inputTokens, own);
      const ids = r.hashIds ?? [];
      // Whole blocks that leave room for the own part (a few tokens spare for the joins).
      let count = Math.min(ids.length, Math.floor((inputTokens - own - 8) / blockTokens));
      for (;; count--) {
        const head = ids.slice(0, Math.max(0, count)).map(block).join("");
        try {
          const made = synthesizePromptAfter(head, {
            tokenizer,
            inputTokens,
            maxOutputTokens,
            random: createRandom(requestSeed(seed, i)),
            mode,
            corpus,
          });
          return { ...made, source: r.line };
        } catch (error) {
          if (count <= 0) throw error;
        }
      }
    },
  };
}
