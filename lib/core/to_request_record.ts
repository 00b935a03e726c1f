/**
 * Turn a {@link StreamTiming} into a {@link RequestRecord}: token counts and derived metrics.
 *
 * @module
 */
import type { RequestRecord, RequestRecordBase } from "./request_record.ts";
import type { StreamTiming } from "./time_stream.ts";

/** Context of the request that the timer does not know. */
export interface ToRequestRecordOptions {
  /** 0-based launch order. */
  requestId: number;
  /** Default `"measure"`. */
  phase?: "warmup" | "measure";
  /** Intended send time, ms after the run started. Default 0. */
  intendedSendMs?: number;
  /** Actual send time, ms after the run started. Default 0. */
  actualSendMs?: number;
  /** Prompt tokens by the run's tokenizer. */
  inputTokens: number;
  /** `max_tokens` asked for. */
  maxOutputTokens: number;
  /**
   * Counts tokens of a text (the run's tokenizer). Output tokens are counted on the whole
   * answer text; per-chunk counts use the endpoint's figure when given, else this on the
   * chunk's text. Default: one token per chunk (when no tokenizer is at hand).
   */
  countTokens?: (text: string) => number;
  /** Keep the answer text in `outputText`. Default false. */
  keepText?: boolean;
}

/**
 * Build the per-request record. Derived metrics (definitions in docs/metrics.md):
 * - `interTokenLatencyMs = (lastContentMs - ttftMs) / (outputTokens - 1)` (decode only)
 * - `llmperfInterTokenLatencyS = lastContentMs / 1000 / outputTokens` (includes TTFT)
 * - `outputThroughputTokPerS = outputTokens / (e2eMs / 1000)`
 *
 * @example Derived metrics of a two-chunk answer
 * ```ts
 * import { toRequestRecord } from "./to_request_record.ts";
 * import type { StreamTiming } from "./time_stream.ts";
 * const timing: StreamTiming = {
 *   startMs: 0, startEpochMs: 0, requestSentMs: 2, newConnection: false, httpStatus: 200, headersMs: 5, firstMessageMs: 7, ttftMs: 100,
 *   firstReasoningMs: null, lastContentMs: 300, endMs: 400, text: "a b c", reasoningText: "",
 *   chunkArrivalMs: [100, 300], chunkTexts: ["a b", " c"], chunkTokensGiven: [undefined, undefined],
 *   chunkSentEpochMs: null, reasoningArrivalMs: [], messageCount: 0, choicesArrivalMs: [],
 *   lastMessageMs: 300, bodyEndMs: null, usage: {}, error: null, finishReason: "stop", retries: 0,
 * };
 * const words = (s: string) => s.trim().split(/\s+/).filter(Boolean).length;
 * const r = toRequestRecord(timing, { requestId: 0, inputTokens: 10, maxOutputTokens: 3, countTokens: words });
 * if (r.outputTokens !== 3 || r.interTokenLatencyMs !== 100) throw new Error("itl");
 * if (r.outputThroughputTokPerS !== 7.5 || r.status !== "ok") throw new Error("throughput");
 * if (r.requestSentMs !== 2 || r.coldStart !== false) throw new Error("send stamp");
 * ```
 */
export function toRequestRecord(
  timing: StreamTiming,
  options: ToRequestRecordOptions,
): RequestRecord {
  const count = options.countTokens;
  const outputTokens = count
    ? (timing.text.length > 0 ? count(timing.text) : 0)
    : timing.chunkTexts.length;
  const reasoningTokens = count && timing.reasoningText.length > 0
    ? count(timing.reasoningText)
    : timing.reasoningArrivalMs.length;
  // A tokenizer that adds a BOS token (llama2) counts it for every piece of text: per-chunk
  // counts leave it out (at least 1 per non-empty chunk).
  const baseline = count ? count("") : 0;
  const chunkTokens = timing.chunkTexts.map((text, i) =>
    timing.chunkTokensGiven[i] ?? (count ? Math.max(1, count(text) - baseline) : 1)
  );
  const { ttftMs, lastContentMs, endMs } = timing;
  const u = timing.usage;
  const base: RequestRecordBase = {
    requestId: options.requestId,
    phase: options.phase ?? "measure",
    intendedSendMs: options.intendedSendMs ?? 0,
    actualSendMs: options.actualSendMs ?? 0,
    startEpochMs: timing.startEpochMs,
    inputTokens: options.inputTokens,
    maxOutputTokens: options.maxOutputTokens,
    outputTokens,
    reasoningTokens,
    serverInputTokens: u.inputTokens ?? null,
    serverOutputTokens: u.outputTokens ?? null,
    serverLatencyMs: u.serverLatencyMs ?? null,
    serverFirstByteLatencyMs: u.serverFirstByteLatencyMs ?? null,
    headersMs: timing.headersMs,
    firstMessageMs: timing.firstMessageMs,
    ttftMs,
    firstReasoningMs: timing.firstReasoningMs,
    lastContentMs,
    e2eMs: endMs,
    interTokenLatencyMs: ttftMs !== null && lastContentMs !== null && outputTokens > 1
      ? (lastContentMs - ttftMs) / (outputTokens - 1)
      : null,
    llmperfInterTokenLatencyS: lastContentMs !== null && outputTokens > 0
      ? lastContentMs / 1000 / outputTokens
      : null,
    outputThroughputTokPerS: endMs > 0 ? outputTokens / (endMs / 1000) : null,
    chunkCount: timing.chunkTexts.length,
    chunkArrivalMs: timing.chunkArrivalMs,
    chunkTokens,
    reasoningArrivalMs: timing.reasoningArrivalMs,
    messageCount: timing.messageCount,
    choicesArrivalMs: timing.choicesArrivalMs,
    lastMessageMs: timing.lastMessageMs,
    retries: timing.retries,
  };
  if (timing.requestSentMs !== null) base.requestSentMs = timing.requestSentMs;
  if (timing.bodyEndMs !== null && !timing.error) base.bodyEndMs = timing.bodyEndMs;
  if (timing.newConnection !== null) base.coldStart = timing.newConnection;
  if (u.cacheReadInputTokens !== undefined) base.cachedInputTokens = u.cacheReadInputTokens;
  if (u.cacheWriteInputTokens !== undefined) base.cacheWriteInputTokens = u.cacheWriteInputTokens;
  if (timing.chunkSentEpochMs) base.chunkSentEpochMs = timing.chunkSentEpochMs;
  if (options.keepText) base.outputText = timing.text;
  if (timing.refusal) base.refusal = true;
  if (timing.retryAfterMs !== null && timing.retryAfterMs !== undefined) {
    base.retryAfterMs = timing.retryAfterMs;
  }
  return timing.error
    ? { ...base, status: "error", errorCode: timing.error.code, errorMessage: timing.error.message }
    : { ...base, status: "ok", errorCode: null, errorMessage: null };
}
