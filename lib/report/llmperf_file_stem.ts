/**
 * LLMPerf's result-file stem: `{model}_{meanIn}_{meanOut}` with the model name sanitised the
 * way `token_benchmark_ray.py` does it.
 *
 * @module
 */

/** Options of {@link llmperfFileStem}. */
export interface LlmperfFileStemOptions {
  /** Mean prompt length in tokens (`--mean-input-tokens`). Required. */
  meanInputTokens: number;
  /** Mean output length in tokens (`--mean-output-tokens`). Required. */
  meanOutputTokens: number;
  /** Prompt length standard deviation; used only with `includeStddevs`. Default 0. */
  stddevInputTokens?: number;
  /** Output length standard deviation; used only with `includeStddevs`. Default 0. */
  stddevOutputTokens?: number;
  /**
   * Default `false`: upstream LLMPerf's `{model}_{meanIn}_{meanOut}`. `true`: the older/forked
   * layout `{model}_{meanIn}_{stddevIn}_{meanOut}_{stddevOut}` seen in the seed data
   * (`bedrock-anthropic-claude-instant-v1_1024_0_1024_100_…`).
   */
  includeStddevs?: boolean;
}

/**
 * The stem LLMPerf gives its two result files (`{stem}_summary.json`,
 * `{stem}_individual_responses.json`): the name `{model}_{meanIn}_{meanOut}` with every run of
 * characters other than word characters and `-` replaced by `-` (Python's
 * `re.sub(r"[^\w\d-]+", "-", …)`, where `\w` is Unicode letters, digits and `_`), then runs of
 * two or more `-` collapsed to one (`re.sub(r"-{2,}", "-", …)`).
 *
 * @example The leaderboard's Anyscale stem
 * ```ts
 * import { llmperfFileStem } from "./llmperf_file_stem.ts";
 * const stem = llmperfFileStem("meta-llama/Llama-2-70b-chat-hf", {
 *   meanInputTokens: 550,
 *   meanOutputTokens: 150,
 * });
 * if (stem !== "meta-llama-Llama-2-70b-chat-hf_550_150") throw new Error(stem);
 * ```
 *
 * @example The seed data's layout, stddevs included
 * ```ts
 * import { llmperfFileStem } from "./llmperf_file_stem.ts";
 * const stem = llmperfFileStem("bedrock/anthropic.claude-instant-v1", {
 *   meanInputTokens: 1024,
 *   stddevInputTokens: 0,
 *   meanOutputTokens: 1024,
 *   stddevOutputTokens: 100,
 *   includeStddevs: true,
 * });
 * if (stem !== "bedrock-anthropic-claude-instant-v1_1024_0_1024_100") throw new Error(stem);
 * ```
 */
export function llmperfFileStem(model: string, options: LlmperfFileStemOptions): string {
  if (typeof model !== "string" || model === "") {
    throw new TypeError(
      `Cannot make LLMPerf file stem: 'model' must be a non-empty string, got ${
        JSON.stringify(model)
      }`,
    );
  }
  const {
    meanInputTokens,
    meanOutputTokens,
    stddevInputTokens = 0,
    stddevOutputTokens = 0,
    includeStddevs = false,
  } = options;
  const numbers = includeStddevs
    ? [meanInputTokens, stddevInputTokens, meanOutputTokens, stddevOutputTokens]
    : [meanInputTokens, meanOutputTokens];
  const names = includeStddevs
    ? ["meanInputTokens", "stddevInputTokens", "meanOutputTokens", "stddevOutputTokens"]
    : ["meanInputTokens", "meanOutputTokens"];
  numbers.forEach((n, i) => {
    if (typeof n !== "number" || !Number.isFinite(n)) {
      throw new TypeError(
        `Cannot make LLMPerf file stem: '${names[i]}' must be a finite number, got ${n}`,
      );
    }
  });
  const raw = [model, ...numbers.map(String)].join("_");
  return raw.replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/-{2,}/g, "-");
}
