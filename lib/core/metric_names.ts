/**
 * Metric names as typed data, with their units, so notebooks and reporters import them instead
 * of retyping strings. Formulas are in docs/metrics.md.
 *
 * @module
 */
import type { RequestRecordBase } from "./request_record.ts";

/**
 * Per-request metrics that a run summary gives statistics for (completed requests only).
 * Each is a numeric field of `RequestRecord`; units are in {@link REQUEST_METRIC_UNITS}.
 *
 * @example Read p50 of every metric
 * ```ts
 * import { REQUEST_METRICS } from "./metric_names.ts";
 * if (!REQUEST_METRICS.includes("ttftMs")) throw new Error("ttft");
 * ```
 */
export const REQUEST_METRICS = [
  "ttftMs",
  "e2eMs",
  "interTokenLatencyMs",
  "llmperfInterTokenLatencyS",
  "outputThroughputTokPerS",
  "inputTokens",
  "outputTokens",
] as const satisfies readonly (keyof RequestRecordBase)[];

/** One of {@link REQUEST_METRICS}. */
export type RequestMetric = typeof REQUEST_METRICS[number];

/**
 * The unit of each per-request metric.
 * - `ttftMs`: ms, send to first non-empty answer content.
 * - `e2eMs`: ms, send to end of stream.
 * - `interTokenLatencyMs`: ms per token, decode only:
 *   `(lastContent − ttft) / (outputTokens − 1)`.
 * - `llmperfInterTokenLatencyS`: s per token, LLMPerf's: `(lastContent − send) / outputTokens`.
 * - `outputThroughputTokPerS`: tokens/s, `outputTokens / e2e`.
 * - `inputTokens`, `outputTokens`: tokens, by the run's tokenizer.
 *
 * @example Axis label
 * ```ts
 * import { REQUEST_METRIC_UNITS } from "./metric_names.ts";
 * if (`TTFT (${REQUEST_METRIC_UNITS.ttftMs})` !== "TTFT (ms)") throw new Error("label");
 * ```
 */
export const REQUEST_METRIC_UNITS = {
  ttftMs: "ms",
  e2eMs: "ms",
  interTokenLatencyMs: "ms",
  llmperfInterTokenLatencyS: "s",
  outputThroughputTokPerS: "tokens/s",
  inputTokens: "tokens",
  outputTokens: "tokens",
} as const satisfies Record<RequestMetric, string>;

/**
 * Run-level figures of a run summary (measured requests only; warm-up excluded).
 * Units are in {@link RUN_METRIC_UNITS}.
 *
 * @example Columns of a runs table
 * ```ts
 * import { RUN_METRICS } from "./metric_names.ts";
 * if (RUN_METRICS[0] !== "numRequestsStarted") throw new Error("order");
 * ```
 */
export const RUN_METRICS = [
  "numRequestsStarted",
  "numCompleted",
  "numErrors",
  "errorRate",
  "totalOutputTokens",
  "outputTokensPerS",
  "completedRequestsPerMin",
  "wallTimeMs",
] as const;

/** One of {@link RUN_METRICS}. */
export type RunMetric = typeof RUN_METRICS[number];

/**
 * The unit of each run-level figure.
 * - `numRequestsStarted`, `numCompleted` (status ok), `numErrors`: requests.
 * - `errorRate`: fraction in [0, 1], `numErrors / numRequestsStarted`.
 * - `totalOutputTokens`: tokens, summed over completed requests.
 * - `outputTokensPerS`: tokens/s, `totalOutputTokens / wall time` (LLMPerf's
 *   `mean_output_throughput_token_per_s`).
 * - `completedRequestsPerMin`: requests/min, `numCompleted / wall time`.
 * - `wallTimeMs`: ms, first measured send to last measured completion.
 *
 * @example Unit lookup
 * ```ts
 * import { RUN_METRIC_UNITS } from "./metric_names.ts";
 * if (RUN_METRIC_UNITS.outputTokensPerS !== "tokens/s") throw new Error("unit");
 * ```
 */
export const RUN_METRIC_UNITS = {
  numRequestsStarted: "requests",
  numCompleted: "requests",
  numErrors: "requests",
  errorRate: "fraction",
  totalOutputTokens: "tokens",
  outputTokensPerS: "tokens/s",
  completedRequestsPerMin: "requests/min",
  wallTimeMs: "ms",
} as const satisfies Record<RunMetric, string>;
