/**
 * The context every output file of a run carries.
 *
 * @module
 */

/** Version of tokenbench's own output files (`summary.json`, `requests.jsonl`). */
export const SCHEMA_VERSION = 1;

/** tokenbench's version, recorded in every output file. */
export const TOOL_VERSION = "0.1.0";

/** What a run was: endpoint, model, load shape, prompts. Recorded in every summary. */
export interface RunMetadata {
  /** `--llm-api` value. */
  llmApi: string;
  /** Model id sent to the endpoint. */
  model: string;
  /** Endpoint URL, without credentials. */
  endpoint: string;
  /** True when the endpoint was tokenbench's simulator: the numbers are simulated. */
  simulated: boolean;
  /** What the simulator reported of its behaviour, when simulated. */
  simulator?: Record<string, unknown>;
  /** Tokenizer used for every count. */
  tokenizer: string;
  /** Prompt synthesis mode. */
  promptMode: string;
  /** Seed of prompts and arrivals. */
  seed: number;
  meanInputTokens: number;
  stddevInputTokens: number;
  meanOutputTokens: number;
  stddevOutputTokens: number;
  /** Closed-loop concurrency (LLMPerf's `num_concurrent_requests`). */
  numConcurrentRequests: number;
  /** Open-loop rate in requests/s, or null for a closed loop. */
  rate: number | null;
  /** Open-loop arrival process, or null. */
  arrival: string | null;
  /** Open-loop in-flight cap, or null. */
  maxInFlight: number | null;
  /** Measured requests asked for. */
  maxRequests: number;
  /** Warm-up requests (excluded from results). */
  warmup: number;
  /** Time budget of the run, s. */
  timeoutS: number;
  /** Per-request timeout, s, or null. */
  requestTimeoutS: number | null;
  /** `--additional-sampling-params`. */
  additionalSamplingParams: Record<string, unknown>;
  /** `--metadata` pairs. */
  userMetadata: Record<string, string>;
  /** Why the run stopped early (`stopped by SIGINT`), or null. */
  stopReason?: string | null;
  /** False when the run did not send everything it meant to. */
  finished?: boolean;
}

/** The first line of a run's `requests.jsonl`: what the run is, before any record. */
export interface RunHeader {
  kind: "run";
  schemaVersion: number;
  tool: { name: "tokenbench"; version: string };
  metadata: RunMetadata;
}

/**
 * The header line of `requests.jsonl`; readers skip lines whose `kind` is `"run"`.
 *
 * @example
 * ```ts
 * import { runHeader, type RunMetadata } from "./run_metadata.ts";
 * const header = runHeader({ model: "m" } as RunMetadata);
 * if (header.kind !== "run" || header.tool.name !== "tokenbench") throw new Error("header");
 * ```
 */
export function runHeader(metadata: RunMetadata): RunHeader {
  return {
    kind: "run",
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    metadata,
  };
}
