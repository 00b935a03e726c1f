/**
 * LLMPerf's per-request record (one element of `{stem}_individual_responses.json`) and the
 * conversion from tokenbench's {@link RequestRecord}.
 *
 * @module
 */

import type { RequestRecord } from "../core/request_record.ts";

/** The fields LLMPerf writes for every request, in the order it writes them. */
export const LLMPERF_INDIVIDUAL_FIELDS = [
  "error_code",
  "error_msg",
  "inter_token_latency_s",
  "ttft_s",
  "end_to_end_latency_s",
  "request_output_throughput_token_per_s",
  "number_total_tokens",
  "number_output_tokens",
  "number_input_tokens",
] as const;

/** The numeric per-request metrics among {@link LLMPERF_INDIVIDUAL_FIELDS}. */
export const LLMPERF_NUMERIC_FIELDS = [
  "inter_token_latency_s",
  "ttft_s",
  "end_to_end_latency_s",
  "request_output_throughput_token_per_s",
  "number_total_tokens",
  "number_output_tokens",
  "number_input_tokens",
] as const;

/**
 * One LLMPerf per-request record. Extra fields found in a file (Bedrock's `GEN_TEXT`, newer
 * LLMPerf's start times) are kept as further properties.
 */
export interface LlmperfIndividualRecord {
  /** `null` for a successful request, else the HTTP status or client-assigned code. */
  error_code: number | null;
  /** Empty for a successful request. */
  error_msg: string;
  /** LLMPerf's definition: (last chunk − request start) / output tokens, so it includes TTFT. */
  inter_token_latency_s: number;
  /** Time to first token, seconds (0 for failed requests). */
  ttft_s: number;
  /** End-to-end latency, seconds (0 for failed requests). */
  end_to_end_latency_s: number;
  /** Output tokens / end-to-end latency (0 for failed requests). */
  request_output_throughput_token_per_s: number;
  /** Input + output tokens. */
  number_total_tokens: number;
  /** Output tokens. */
  number_output_tokens: number;
  /** Input tokens. */
  number_input_tokens: number;
  /** Any other field the file carried. */
  [extra: string]: unknown;
}

/**
 * Converts a tokenbench request record into the record LLMPerf writes, with LLMPerf's
 * definitions: times in seconds; `inter_token_latency_s` is
 * `record.llmperfInterTokenLatencyS` (0 when there was no output, as LLMPerf does);
 * `request_output_throughput_token_per_s` = output tokens / end-to-end seconds (0 when the
 * latency is 0); `number_total_tokens` = input + output. A failed request is written the way
 * LLMPerf writes one: its code and message, and 0 for every time and the throughput (token
 * counts kept). Warm-up records convert like any other; leave them out before writing.
 *
 * @example A successful request
 * ```ts
 * import { toLlmperfIndividual } from "./llmperf_individual.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const record: RequestRecord = {
 *   requestId: 0, phase: "measure", intendedSendMs: 0, actualSendMs: 0, startEpochMs: 0,
 *   inputTokens: 550, maxOutputTokens: 150, outputTokens: 150, reasoningTokens: 0,
 *   serverInputTokens: null, serverOutputTokens: null, serverLatencyMs: null,
 *   serverFirstByteLatencyMs: null, headersMs: 100, firstMessageMs: 150, ttftMs: 200,
 *   firstReasoningMs: null, lastContentMs: 3000, e2eMs: 3000, interTokenLatencyMs: 18.79,
 *   llmperfInterTokenLatencyS: 0.02, outputThroughputTokPerS: 50, chunkCount: 150,
 *   chunkArrivalMs: [], chunkTokens: [], reasoningArrivalMs: [], messageCount: 0, choicesArrivalMs: [], lastMessageMs: null, retries: 0, status: "ok", errorCode: null,
 *   errorMessage: null,
 * };
 * const row = toLlmperfIndividual(record);
 * if (row.ttft_s !== 0.2 || row.request_output_throughput_token_per_s !== 50) {
 *   throw new Error(JSON.stringify(row));
 * }
 * if (row.number_total_tokens !== 700 || row.error_code !== null) throw new Error("tokens");
 * ```
 */
export function toLlmperfIndividual(record: RequestRecord): LlmperfIndividualRecord {
  const inputTokens = record.inputTokens;
  const outputTokens = record.outputTokens;
  if (record.status === "error") {
    return {
      error_code: record.errorCode,
      error_msg: record.errorMessage,
      inter_token_latency_s: 0,
      ttft_s: 0,
      end_to_end_latency_s: 0,
      request_output_throughput_token_per_s: 0,
      number_total_tokens: inputTokens + outputTokens,
      number_output_tokens: outputTokens,
      number_input_tokens: inputTokens,
    };
  }
  const e2eS = record.e2eMs / 1000;
  return {
    error_code: null,
    error_msg: "",
    inter_token_latency_s: record.llmperfInterTokenLatencyS ?? 0,
    ttft_s: (record.ttftMs ?? 0) / 1000,
    end_to_end_latency_s: e2eS,
    request_output_throughput_token_per_s: e2eS > 0 ? outputTokens / e2eS : 0,
    number_total_tokens: inputTokens + outputTokens,
    number_output_tokens: outputTokens,
    number_input_tokens: inputTokens,
  };
}
