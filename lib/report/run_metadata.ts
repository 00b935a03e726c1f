/**
 * The context every output file of a run carries.
 *
 * @module
 */

import type { ClientHealth } from "../core/client_health.ts";

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
  /** Which API of `llmApi` was spoken, when it has several: OpenAI `chat`, `completions` or
   * `responses` (`--endpoint`), Bedrock `converse` or `invoke` (`--bedrock-api`), SageMaker
   * `tgi` or `messages` (`--sagemaker-payload`). Absent when unknown. */
  endpointKind?: string;
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
  /** First-token timeout, s (no content within it of send: error 408), or null. */
  firstTokenTimeoutS?: number | null;
  /** After a stop (SIGINT/SIGTERM), how long in-flight requests may still finish, s. */
  gracePeriodS?: number;
  /** `--additional-sampling-params`. */
  additionalSamplingParams: Record<string, unknown>;
  /** `--metadata` pairs. */
  userMetadata: Record<string, string>;
  /** Why the run stopped early (`stopped by SIGINT`), or null. */
  stopReason?: string | null;
  /** False when the run did not send everything it meant to. */
  finished?: boolean;
  /** Deno Workers that sent the requests (0: the main thread; `--workers`). */
  workers?: number;
  /** Transport of the OpenAI-compatible client (`fetch` or `http1`), when it had a choice. */
  transport?: string;
  /** This run is shard `index` of `count` of a larger run (`--shard I/N`); its load figures
   * above are its own share. */
  shard?: {
    index: number;
    count: number;
    /** The whole run's load (what every shard was given before taking its share): shards of
     * one run agree on it. Absent in files written before it was recorded. */
    of?: { maxRequests: number; warmup: number; concurrency: number; rate: number | null };
  };
  /** This run merges the shards of a run (`deno task merge`): their count and folders. */
  merged?: { shards: number; sources: string[] };
  /** This run is one level of a sweep (`--concurrency 1,4,16` or `--rate 1,2,5`). */
  sweep?: { variable: "concurrency" | "rate"; level: number; levels: number[] };
  /** Service-level objectives for goodput (`--slo ttft:500,tpot:50`), ms per metric. */
  slo?: Partial<Record<"ttft" | "tpot" | "itl" | "e2e", number>>;
  /** Metric lens of the tables (`--lens`); absent means `tokenbench`. */
  lens?: string;
  /**
   * Where the requests came from, when not today's synthetic prompts alone: the workload's
   * kind and its settings (`{ kind: "synthetic", prefixTokens: 512, numPrefixes: 4 }`,
   * `{ kind: "dataset", file, format, … }`). Absent: synthetic prompts without a prefix.
   */
  workload?: { kind: string } & Record<string, unknown>;
  /** Multi-turn sessions (`--sessions N --turns T --think-time-ms D`): sessions in flight,
   * turns per session, think time (ms). Absent: one request per slot. */
  sessions?: { sessions: number; turns: number; thinkTimeMs: number };
  /** `--prompt-cache`: requests marked their shared prefix for the endpoint's cache. */
  promptCache?: boolean;
  /** How well the client kept up (event-loop and dispatch lag), recorded when the run ends. */
  clientHealth?: ClientHealth;
}

/** How a run ended: the `end` field of the last line of `requests.jsonl`. */
export interface RunEnd {
  /** True when the run sent everything it meant to (not stopped by a signal). */
  finished: boolean;
  /** Why the run stopped early (`stopped by SIGINT`), or null. */
  stopReason: string | null;
  /** Measurement wall time, first measured send to last completion, ms (the runner's). */
  wallTimeMs: number;
  /** Epoch ms of the first measured send (the run's start when none was sent). */
  startEpochMs: number;
  /** Records written before this line (warm-up included). */
  numRecords: number;
  /** ISO time the run ended. */
  endedAt: string;
}

/**
 * A `kind: "run"` line of `requests.jsonl`: the first line (what the run is, before any record)
 * and, when the run ended normally or was stopped by a signal, the last line, which also
 * carries `end` and the final metadata (with `finished` and `stopReason`). A file without such
 * a last line belongs to a run that was killed or is still going. Readers that only want records
 * skip lines whose `kind` is `"run"`.
 */
export interface RunHeader {
  kind: "run";
  schemaVersion: number;
  tool: { name: "tokenbench"; version: string };
  metadata: RunMetadata;
  /** Epoch ms the run started (header line). */
  startEpochMs?: number;
  /** Present on the last line only. */
  end?: RunEnd;
}

/** Options of {@link runHeader}. */
export interface RunHeaderOptions {
  /** Epoch ms the run started. Default: not recorded. */
  startEpochMs?: number;
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
export function runHeader(metadata: RunMetadata, options: RunHeaderOptions = {}): RunHeader {
  const header: RunHeader = {
    kind: "run",
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    metadata,
  };
  if (options.startEpochMs !== undefined) header.startEpochMs = options.startEpochMs;
  return header;
}

/**
 * The last line of `requests.jsonl`: the final metadata (`finished`, `stopReason` set from
 * `end`) and how the run ended. Everything derived from the file (summary, LLMPerf files) is
 * computed from the records and this line.
 *
 * @example
 * ```ts
 * import { runFooter, type RunMetadata } from "./run_metadata.ts";
 * const line = runFooter({ model: "m" } as RunMetadata, {
 *   finished: false, stopReason: "stopped by SIGINT", wallTimeMs: 1200, startEpochMs: 0,
 *   numRecords: 3, endedAt: "2025-01-01T00:00:01.200Z",
 * });
 * if (line.kind !== "run" || line.metadata.finished !== false || !line.end) throw new Error("end");
 * ```
 */
export function runFooter(metadata: RunMetadata, end: RunEnd): RunHeader {
  return {
    ...runHeader({ ...metadata, stopReason: end.stopReason, finished: end.finished }),
    end,
  };
}
