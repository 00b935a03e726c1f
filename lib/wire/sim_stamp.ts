/**
 * The simulator's send stamp: the one JSON field its chunks of every wire format carry (OpenAI,
 * Anthropic, Vertex AI, SageMaker lines, Bedrock InvokeModel chunks) and the clients read back as
 * `sentAtEpochMs`. Real endpoints do not send it.
 *
 * @module
 */

/**
 * Field of every simulated JSON chunk carrying its send time (epoch ms, sub-ms precision).
 * Bedrock Converse events cannot carry it (the SDK drops unknown fields).
 *
 * @example Stamp a chunk and read the stamp back
 * ```ts
 * import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";
 * const chunk = JSON.parse(JSON.stringify({ choices: [], [SIM_SENT_AT_FIELD]: 1700000000000.5 }));
 * if (chunk[SIM_SENT_AT_FIELD] !== 1700000000000.5) throw new Error(JSON.stringify(chunk));
 * ```
 */
export const SIM_SENT_AT_FIELD = "tokenbench_sent_at_ms";
