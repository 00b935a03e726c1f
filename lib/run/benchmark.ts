/**
 * The run pipeline, in one call: prompts → load shape → client → streaming timer → records →
 * files. `deno task bench`, `deno task demo`, sweeps, `quickBenchmark` and the notebooks all run
 * through {@link benchmark}, so a notebook gets exactly the folder of files the CLI writes.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { createTokenizer, type TokenizerName } from "../core/tokenizer.ts";
import type { PromptMode } from "../core/synthesize_prompt.ts";
import { syntheticWorkload, type Workload } from "../core/workload.ts";
import { datasetWorkload, type DatasetWorkloadOptions } from "../core/dataset_workload.ts";
import {
  datasetSessionWorkload,
  groupDatasetSessions,
  type SessionWorkload,
} from "../core/dataset_session_workload.ts";
import type { DatasetEntry } from "../core/parse_dataset.ts";
import type { TraceRequest } from "../core/parse_trace.ts";
import { traceWorkload } from "../core/trace_workload.ts";
import { addToProgress, progressLine, progressState } from "../core/progress_line.ts";
import type { ClientHealth } from "../core/client_health.ts";
import { type Shard, type ShardPlan, shardPlan } from "../core/shard.ts";
import type { Slo } from "../core/goodput.ts";
import { checkLensName, type LensName } from "../core/lenses.ts";
import { redactSecrets } from "../core/redact_secrets.ts";
import type { ClientSpec, Transport } from "../clients/create_client.ts";
import { runFooter, runHeader, type RunMetadata } from "../report/run_metadata.ts";
import {
  DENO_JSONL_FILE_SYSTEM,
  type JsonlFileSystem,
  openJsonlWriter,
} from "../report/jsonl_writer.ts";
import { runFileNames } from "../report/write_run_files.ts";
import { rebuildRunFiles } from "../report/rebuild_run_files.ts";
import { type RunReport, runReport, type RunReportInput } from "../report/run_report.ts";
import { newRunDir, runDirName } from "../report/new_run_dir.ts";
import { runBenchmark } from "./run_benchmark.ts";
import { openSender } from "./open_sender.ts";
import { createWorkloadBuffer, type WorkloadBuffer } from "./workload_buffer.ts";
import { type ServerMetricsScraper, startServerMetricsScraper } from "./scrape_server_metrics.ts";
import {
  type ServerMetricsLine,
  type ServerMetricsRun,
  summarizeServerMetrics,
} from "../core/summarize_server_metrics.ts";
import { runClockOriginEpochMs, SERVER_METRICS_FILE } from "../report/read_server_metrics.ts";

/** A progress report of {@link benchmark}. */
export interface BenchmarkProgress {
  /** `12/30 done | 0 errors | TTFT p50 0.412 s | 310.2 output tok/s | 3.1 s`. */
  line: string;
  /** Measured requests completed. */
  done: number;
  /** Measured requests the run means to send. */
  total: number;
  /** What prompted this report: the periodic timer, a completed request, or the run's end. */
  trigger: "timer" | "record" | "end";
}

/** Options of {@link benchmark}. Defaults are LLMPerf's where LLMPerf has the setting. */
export interface BenchmarkRunOptions {
  /** Model id sent to the endpoint. Required. */
  model: string;
  /** Mean prompt length, tokens (LLMPerf `--mean-input-tokens`). Default 550. */
  meanInputTokens?: number;
  /** Stddev of the prompt length. Default 150. */
  stddevInputTokens?: number;
  /** Mean `max_tokens` (LLMPerf `--mean-output-tokens`). Default 150. */
  meanOutputTokens?: number;
  /** Stddev of `max_tokens`. Default 80. */
  stddevOutputTokens?: number;
  /** Seed of prompts and arrivals: same seed, same prompts. Default 0. */
  seed?: number;
  /** Tokenizer of prompts and answer counts. Default `"cl100k_base"`. */
  tokenizer?: TokenizerName;
  /** Prompt synthesis. Default `"llmperf"`. */
  promptMode?: PromptMode;
  /** Corpus lines the prompts are made of. Default: the built-in corpus. */
  corpus?: string[];
  /**
   * The requests to send, made lazily: request id `i` (warm-up first) is `workload.request(i)`,
   * made just before it is needed. It must use the run's `tokenizer`. Default a
   * `syntheticWorkload` from the prompt options above (`seed`, lengths, `promptMode`, `corpus`).
   */
  workload?: Workload;
  /** Requests made ahead of the one being sent, in the background (the first ones before the
   * run starts). Default 8; 64 for a workload with timestamps (a trace). */
  lookahead?: number;
  /**
   * Shared prefix of the synthetic prompts (`--prefix-tokens`): every prompt starts with one of
   * `numPrefixes` fixed texts of this many tokens (`syntheticWorkload`). Ignored with
   * `workload`. Default 0 (none).
   */
  prefixTokens?: number;
  /** Distinct shared prefixes (`--num-prefixes`). Default 1. */
  numPrefixes?: number;
  /**
   * Prompts from a dataset (`--dataset`): its entries (`parseDataset`), sampled by
   * `datasetWorkload` with the run's tokenizer and `seed` (entries without an output length
   * get one drawn from `meanOutputTokens`/`stddevOutputTokens`); `file` and `format` are
   * recorded in the metadata. Entries with `sessionId` make a run of sessions: each session's
   * rows in turn order, replayed as a conversation (`datasetSessionWorkload`); `sessions`
   * then defaults to `concurrency` and `turns` to the longest session's turns (a given
   * `turns` sends at most that many of each). Ignored with `workload`. Default none
   * (synthetic prompts).
   */
  dataset?:
    & { entries: readonly DatasetEntry[]; file?: string; format?: string }
    & Pick<
      DatasetWorkloadOptions,
      "order" | "minInputTokens" | "maxInputTokens" | "maxOutputTokens"
    >;
  /**
   * Replay a trace (`--trace`): its arrivals (`parseTrace`), each request sent at its
   * timestamp divided by `speedup` after the first measured one (warm-up requests, closed
   * loop, take the trace's first ones), with prompts of the trace's lengths (`traceWorkload`,
   * `blockTokens` per `hash_ids` block). Replaces `rate`; `maxRequests` defaults to the rest of
   * the trace after the warm-up and may not exceed it; `timeoutS` still ends the run. `file`
   * and `format` are recorded in the metadata. Default none.
   */
  trace?: {
    requests: readonly TraceRequest[];
    speedup?: number;
    blockTokens?: number;
    file?: string;
    format?: string;
  };
  /**
   * Multi-turn sessions (`--sessions`): this many conversations in flight (instead of
   * `concurrency`), each of `turns` requests carrying the whole history, turn `t + 1` sent
   * `thinkTimeMs` after turn `t`'s answer ended (`runBenchmark`'s `sessions`). `maxRequests`
   * still counts requests (rounded up to whole sessions), `warmup` counts warm-up sessions.
   * Not with `rate`, `trace` or `shard`. Default none.
   */
  sessions?: number;
  /**
   * Mark each request's shared prefix for the endpoint's prompt cache (`--prompt-cache`):
   * Bedrock Converse `cachePoint`, Anthropic `cache_control` (`runBenchmark`'s `promptCache`).
   * Default false.
   */
  promptCache?: boolean;
  /** Turns per session. Default 1 (with `sessions`). */
  turns?: number;
  /** Wait after an answer before the session's next turn, ms. Default 0. */
  thinkTimeMs?: number;
  /** What to record of a custom `workload` in the metadata (`workload` field). Default
   * `{ kind: workload.kind }`. */
  workloadInfo?: { kind: string } & Record<string, unknown>;
  /** Closed loop: requests in flight (LLMPerf `--num-concurrent-requests`). Default 10. */
  concurrency?: number;
  /** Open loop: requests per second instead of a closed loop. Default none. */
  rate?: number;
  /** Open-loop arrivals. Default `"poisson"`. */
  arrival?: "poisson" | "constant";
  /** Open loop: at most this many requests in flight. Default none. */
  maxInFlight?: number;
  /** Measured requests to send (LLMPerf `--max-num-completed-requests`). Default 10. */
  maxRequests?: number;
  /** Warm-up requests sent first and left out of every figure. Default 0. */
  warmup?: number;
  /** Time budget of the run, s: no request is started after it (LLMPerf `--timeout`).
   * Default 90. */
  timeoutS?: number;
  /** Per-request timeout, s, from send to the stream's end (error 408). Default `timeoutS`:
   * a stream that never ends is cut when it has run as long as the whole run may, so a run
   * lasts at most about twice `timeoutS`. */
  requestTimeoutS?: number;
  /** No content within this many s of send: error 408. Default none. */
  firstTokenTimeoutS?: number;
  /** After `signal` aborts, how long requests in flight may still finish, s. Default 5. */
  gracePeriodS?: number;
  /** Merged into each request body (LLMPerf `--additional-sampling-params`). Default none. */
  samplingParams?: Record<string, unknown>;
  /** Keep each answer's text in `requests.jsonl`. Default false. */
  keepText?: boolean;
  /** The client as data, to send from Workers or over another transport. Default none. */
  spec?: ClientSpec;
  /** Workers to send from (needs `spec`; 0: this thread). Default 0. */
  workers?: number;
  /** Transport of an SSE client built from `spec`. Default: the spec's own. */
  transport?: Transport;
  /**
   * Open the run's connections before the first request (the `http1` transport of a client
   * built from `spec`): as many as the closed loop's streams, or the open loop's
   * `maxInFlight` (else a second's arrivals). Default false: the first request on each
   * connection opens it (and is flagged `coldStart`).
   */
  preconnect?: boolean;
  /** Run one shard of a larger run (its share of ids, concurrency and rate). Default none. */
  shard?: Shard;
  /** Goodput SLOs, ms per metric, recorded and reported in the summary. Default none. */
  slo?: Slo;
  /** Metric lens of the tables. Default `"tokenbench"`. */
  lens?: LensName;
  /** API label of the tables' Framework column. Default `client.api`. */
  llmApi?: string;
  /** Endpoint recorded in the metadata (without credentials). Default the simulator's URL,
   * else `"unknown"`. */
  endpoint?: string;
  /** Which API of the provider is spoken, recorded in the metadata (`RunMetadata.endpointKind`).
   * Default: read from `spec` (OpenAI `endpoint`, Bedrock `api`, SageMaker `payload`), else
   * none. */
  endpointKind?: string;
  /**
   * The simulator the client talks to: the run is recorded as simulated, with what the
   * simulator says of itself (`startSimulator()`'s result, or `{ info }` from `/_sim/info`).
   * Default none (a real endpoint).
   */
  simulator?: { url?: string; info: unknown };
  /** Free-form pairs recorded in the summary (LLMPerf `--metadata`). Default none. */
  metadata?: Record<string, string>;
  /** More run context recorded in the metadata (a sweep's level, say). Default none. */
  context?: Pick<RunMetadata, "sweep">;
  /**
   * Write a new run folder `<resultsDir>/<UTC time>_<model>` (created, never overwritten):
   * `RUNNING` while the run goes, `requests.jsonl` as requests complete, then `summary.json`,
   * `requests.csv`, `tables.md` and LLMPerf's two files. Default: nothing is written.
   */
  resultsDir?: string;
  /** Called with progress every `progressEveryMs`, after each request, and at the end.
   * Default none. */
  onProgress?: (progress: BenchmarkProgress) => void;
  /** How often `onProgress` is called by the timer, ms. Default 1000. */
  progressEveryMs?: number;
  /** Called with each record as it completes (after it is on disk). Default none. */
  onRecord?: (record: RequestRecord) => void | Promise<void>;
  /** Stops launching; requests in flight get `gracePeriodS`, then are cancelled (499). Its
   * reason's message is recorded as the stop reason. Default none. */
  signal?: AbortSignal;
  /** Cancels requests in flight at once (a second Ctrl-C). Default none. */
  cancelSignal?: AbortSignal;
  /** Secret values removed from everything written (besides secret-looking patterns).
   * Default none. */
  secrets?: readonly string[];
  /**
   * Where `RUNNING` and `requests.jsonl` are created and appended to: a test's double stands
   * for a disk that fills up. Default the real file system.
   */
  fileSystem?: JsonlFileSystem;
  /**
   * Scrape the server's Prometheus endpoint during the run (vLLM's, TGI's, SGLang's `/metrics`;
   * the simulator's `GET /metrics`): from just before the first request to one last scrape
   * after the last, every `intervalMs` (default 1000), keeping every counter, gauge and untyped
   * series, and those of the sample or family `names` asked for (a histogram, say). The scrapes go to `server_metrics.jsonl` in the run
   * folder as they come, and their summary into `summary.json` (`serverMetrics`). Default none.
   */
  serverMetrics?: {
    url: string;
    intervalMs?: number;
    names?: readonly string[];
    headers?: Record<string, string>;
  };
}

/** What {@link benchmark} returns. */
export interface BenchmarkRunResult extends RunReportInput {
  /** The summary document, per-request CSV, the two seed-format tables, LLMPerf's files. */
  report: RunReport;
  /** The run folder, or null when nothing was written. */
  dir: string | null;
  /** Files written (`requests.jsonl` first); empty when nothing was written. */
  paths: string[];
  /** Whether the client kept up (event-loop and dispatch lag, CPU). */
  clientHealth: ClientHealth;
  /** False when the run was stopped before sending everything. */
  finished: boolean;
  /** Why the run stopped early, or null. */
  stopReason: string | null;
  /** The server metrics scraped (`serverMetrics`), when asked for. */
  serverMetricsRun?: ServerMetricsRun;
}

const _WHAT = "Cannot run benchmark";

function _int(name: string, value: unknown, min: number): number {
  if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= min)) {
    const what = min === 0 ? "a non-negative integer" : "a positive integer";
    throw new RangeError(`${_WHAT}: '${name}' must be ${what}, got ${value}`);
  }
  return value;
}

function _positive(name: string, value: unknown, { orZero = false } = {}): number {
  if (
    !(typeof value === "number" && Number.isFinite(value) && (value > 0 || (orZero && value === 0)))
  ) {
    throw new RangeError(
      `${_WHAT}: '${name}' must be a ${orZero ? "non-negative" : "positive"} number, got ${value}`,
    );
  }
  return value;
}

function _firstLine(text: string): string {
  return text.split("\n")[0].replace(/ \(os error \d+\)$/, "");
}

/**
 * Make the run folder, `RUNNING` and `requests.jsonl` with its header line. When any of them
 * cannot be written (an unwritable or full `resultsDir`), nothing is left behind (not even
 * `resultsDir` when this call made it) and a `RangeError` names the folder and the reason.
 */
async function _openRunFolder(
  resultsDir: string,
  model: string,
  metadata: RunMetadata,
  fileSystem: JsonlFileSystem,
): Promise<{ dir: string; jsonl: Awaited<ReturnType<typeof openJsonlWriter>> }> {
  let rootExisted = true;
  try {
    await Deno.lstat(resultsDir);
  } catch {
    rootExisted = false;
  }
  let dir: string | null = null;
  try {
    dir = await newRunDir(resultsDir, model);
    // A folder whose run has not ended carries RUNNING (removed once every file is written),
    // and its requests.jsonl has no end line: `deno task summarize` reports it unfinished.
    const running = await fileSystem.create(
      `${dir}/RUNNING`,
      new TextEncoder().encode(
        JSON.stringify({ pid: Deno.pid, startedAt: new Date().toISOString() }) + "\n",
      ),
    );
    running.close();
    const jsonl = await openJsonlWriter(`${dir}/requests.jsonl`, {
      header: runHeader(metadata, { startEpochMs: Date.now() }),
      fileSystem,
    });
    return { dir, jsonl };
  } catch (error) {
    if (dir !== null) await Deno.remove(dir, { recursive: true }).catch(() => {});
    if (!rootExisted) await Deno.remove(resultsDir).catch(() => {}); // only when still empty
    if (error instanceof TypeError) throw error;
    const why = error instanceof Error ? _firstLine(error.message) : String(error);
    throw new RangeError(`Cannot write to resultsDir '${resultsDir}': ${why}`);
  }
}

function _reasonText(reason: unknown): string {
  const text = reason instanceof Error || reason instanceof DOMException
    ? reason.message
    : typeof reason === "string"
    ? reason
    : "";
  return text && text !== "signal is aborted without reason" ? text : "stopped by its signal";
}

/** Longest file name most file systems take, bytes (ext4, APFS, NTFS: 255). */
const _MAX_NAME_BYTES = 255;

/** The run folder's and the derived files' names must fit the file system: checked before the
 * first request, not found out after the last. */
function _checkFileNames(o: BenchmarkRunOptions): void {
  const names = [
    runDirName(o.model, new Date()) + "-99",
    ...runFileNames({
      model: o.model,
      meanInputTokens: o.meanInputTokens ?? 550,
      meanOutputTokens: o.meanOutputTokens ?? 150,
    } as RunMetadata),
  ];
  const encoder = new TextEncoder();
  for (const name of names) {
    const bytes = encoder.encode(name).length;
    if (bytes > _MAX_NAME_BYTES) {
      throw new RangeError(
        `${_WHAT}: 'model' (${o.model.length} characters) makes a file name of ${bytes} bytes, ` +
          `more than the ${_MAX_NAME_BYTES} a file system takes: ${name.slice(0, 40)}…`,
      );
    }
  }
}

/** The run's settings, checked, with every default filled in. */
interface _Plan {
  options: BenchmarkRunOptions;
  concurrency: number;
  maxRequests: number;
  warmup: number;
  rate: number | undefined;
  /** The run-wide id of the k-th request this run (or shard) launches, warm-up first. */
  idAt: (k: number) => number;
  /** Warm-up requests of the whole run (the first measured id). */
  runWarmup: number;
  /** Multi-turn sessions, if any. */
  sessions: { turns: number; thinkTimeMs: number } | undefined;
  shard: ShardPlan | undefined;
  metadata: RunMetadata;
}

function _plan(client: LlmClient, options: BenchmarkRunOptions): _Plan {
  if (typeof client?.stream !== "function") {
    throw new TypeError(`${_WHAT}: 'client' must be an LlmClient, got ${client}`);
  }
  const o = options ?? ({} as BenchmarkRunOptions);
  if (typeof o.model !== "string" || o.model === "") {
    throw new TypeError(
      `${_WHAT}: 'model' must be a non-empty string, got ${JSON.stringify(o.model)}`,
    );
  }
  const meanInputTokens = _int("meanInputTokens", o.meanInputTokens ?? 550, 1);
  const stddevInputTokens = _int("stddevInputTokens", o.stddevInputTokens ?? 150, 0);
  const meanOutputTokens = _int("meanOutputTokens", o.meanOutputTokens ?? 150, 1);
  const stddevOutputTokens = _int("stddevOutputTokens", o.stddevOutputTokens ?? 80, 0);
  const seed = _int("seed", o.seed ?? 0, 0);
  let concurrency = _int("concurrency", o.concurrency ?? 10, 1);
  let warmup = _int("warmup", o.warmup ?? 0, 0);
  const trace = o.trace;
  if (trace !== undefined) {
    if (!Array.isArray(trace?.requests) || trace.requests.length === 0) {
      throw new TypeError(`${_WHAT}: 'trace.requests' must be a non-empty array of arrivals`);
    }
    if (o.rate !== undefined) {
      throw new TypeError(`${_WHAT}: give 'trace' or 'rate', not both`);
    }
    _positive("trace.speedup", trace.speedup ?? 1);
    if (warmup >= trace.requests.length) {
      throw new RangeError(
        `${_WHAT}: 'warmup' ${warmup} leaves none of the trace's ${trace.requests.length} requests to measure`,
      );
    }
  }
  // A dataset of conversations (rows with `session_id`) runs as sessions.
  const datasetSessions = o.workload === undefined && trace === undefined &&
      Array.isArray(o.dataset?.entries) && o.dataset.entries.some((e) => e.sessionId !== undefined)
    ? groupDatasetSessions(o.dataset.entries)
    : undefined;
  const sessions = o.sessions === undefined
    ? (datasetSessions ? concurrency : undefined)
    : _int("sessions", o.sessions, 1);
  const turns = _int(
    "turns",
    o.turns ?? (datasetSessions ? Math.max(...datasetSessions.map((g) => g.length)) : 1),
    1,
  );
  const thinkTimeMs = _positive("thinkTimeMs", o.thinkTimeMs ?? 0, { orZero: true });
  if (sessions !== undefined && (o.rate !== undefined || trace || o.shard)) {
    throw new TypeError(
      `${_WHAT}: 'sessions' (${
        datasetSessions ? "a dataset with session_id" : "given"
      }) run without 'rate', 'trace' or 'shard'`,
    );
  }
  if (sessions === undefined && (o.turns !== undefined || o.thinkTimeMs !== undefined)) {
    throw new TypeError(`${_WHAT}: 'turns' and 'thinkTimeMs' need 'sessions'`);
  }
  if (sessions !== undefined) concurrency = sessions;
  const traceLeft = trace ? trace.requests.length - warmup : Infinity;
  let maxRequests = _int("maxRequests", o.maxRequests ?? (trace ? traceLeft : 10), 1);
  if (maxRequests > traceLeft) {
    throw new RangeError(
      `${_WHAT}: 'maxRequests' must be at most the ${traceLeft} trace requests after the warm-up, got ${maxRequests}`,
    );
  }
  let rate = o.rate === undefined ? undefined : _positive("rate", o.rate);
  const timeoutS = _positive("timeoutS", o.timeoutS ?? 90);
  const gracePeriodS = _positive("gracePeriodS", o.gracePeriodS ?? 5, { orZero: true });
  if (o.requestTimeoutS !== undefined) _positive("requestTimeoutS", o.requestTimeoutS);
  if (o.firstTokenTimeoutS !== undefined) _positive("firstTokenTimeoutS", o.firstTokenTimeoutS);
  const progressEveryMs = o.progressEveryMs ?? 1000;
  _positive("progressEveryMs", progressEveryMs);
  if (o.resultsDir !== undefined && (typeof o.resultsDir !== "string" || o.resultsDir === "")) {
    throw new TypeError(
      `${_WHAT}: 'resultsDir' must be a folder path, got ${JSON.stringify(o.resultsDir)}`,
    );
  }
  if (o.lens !== undefined) checkLensName(o.lens);
  if (o.resultsDir !== undefined) _checkFileNames(o);
  if (o.serverMetrics !== undefined) _checkServerMetrics(o.serverMetrics);
  const workers = _int("workers", o.workers ?? 0, 0);
  _int("lookahead", o.lookahead ?? 8, 0);
  const prefixTokens = _int("prefixTokens", o.prefixTokens ?? 0, 0);
  const numPrefixes = _int("numPrefixes", o.numPrefixes ?? 1, 1);
  if (o.workload !== undefined && typeof o.workload?.request !== "function") {
    throw new TypeError(`${_WHAT}: 'workload' must be a Workload, got ${o.workload}`);
  }
  if (o.dataset !== undefined && !Array.isArray(o.dataset?.entries)) {
    throw new TypeError(`${_WHAT}: 'dataset.entries' must be an array of dataset entries`);
  }
  const workloadInfo = o.workload !== undefined
    ? o.workloadInfo ?? { kind: o.workload.kind }
    : trace !== undefined
    ? {
      kind: "trace",
      ...(trace.file !== undefined ? { file: trace.file } : {}),
      ...(trace.format !== undefined ? { format: trace.format } : {}),
      requests: trace.requests.length,
      speedup: trace.speedup ?? 1,
    }
    : o.dataset !== undefined
    ? {
      kind: "dataset",
      ...(o.dataset.file !== undefined ? { file: o.dataset.file } : {}),
      ...(o.dataset.format !== undefined ? { format: o.dataset.format } : {}),
      entries: o.dataset.entries.length,
      order: o.dataset.order ?? "shuffle",
      ...(o.dataset.minInputTokens !== undefined
        ? { minInputTokens: o.dataset.minInputTokens }
        : {}),
      ...(o.dataset.maxInputTokens !== undefined
        ? { maxInputTokens: o.dataset.maxInputTokens }
        : {}),
      ...(o.dataset.maxOutputTokens !== undefined
        ? { maxOutputTokens: o.dataset.maxOutputTokens }
        : {}),
    }
    : prefixTokens > 0
    ? { kind: "synthetic", prefixTokens, numPrefixes }
    : undefined;
  let shard: ShardPlan | undefined;
  let idAt = (k: number) => k;
  const whole = { maxRequests, warmup, concurrency, rate: rate ?? null };
  if (o.shard !== undefined) {
    const runWarmup = warmup;
    // A trace's arrivals are its own: its shards split the ids as an open loop's do.
    shard = shardPlan(o.shard, { maxRequests, warmup, concurrency, rate: trace ? 1 : rate, seed });
    ({ concurrency, maxRequests, warmup, rate } = shard);
    if (trace) rate = undefined;
    // The ids shardPlan deals (round-robin within the warm-up, then within the measured ones),
    // computed per request rather than read from its list.
    const { index, count } = shard.shard;
    const shardWarmup = warmup;
    idAt = (k) =>
      k < shardWarmup ? index + k * count : runWarmup + index + (k - shardWarmup) * count;
  }
  const arrival = o.arrival ?? "poisson";
  const simulator = o.simulator;
  const metadata: RunMetadata = {
    llmApi: o.llmApi ?? client.api,
    model: o.model,
    endpoint: o.endpoint ?? simulator?.url ?? "unknown",
    ..._endpointKind(o),
    simulated: simulator !== undefined,
    ...(simulator ? { simulator: simulator.info as Record<string, unknown> } : {}),
    tokenizer: o.tokenizer ?? "cl100k_base",
    promptMode: o.promptMode ?? "llmperf",
    seed,
    meanInputTokens,
    stddevInputTokens,
    meanOutputTokens,
    stddevOutputTokens,
    numConcurrentRequests: concurrency,
    rate: rate ?? null,
    arrival: trace ? "trace" : rate === undefined ? null : arrival,
    maxInFlight: o.maxInFlight ?? null,
    maxRequests,
    warmup,
    timeoutS,
    requestTimeoutS: o.requestTimeoutS ?? timeoutS,
    firstTokenTimeoutS: o.firstTokenTimeoutS ?? null,
    gracePeriodS,
    additionalSamplingParams: o.samplingParams ?? {},
    userMetadata: { ...o.metadata },
    workers,
    ...(o.spec && o.transport !== undefined ? { transport: o.transport } : {}),
    ...(shard ? { shard: { ...shard.shard, of: whole } } : {}),
    ...(o.slo ? { slo: o.slo } : {}),
    ...(o.lens !== undefined && o.lens !== "tokenbench" ? { lens: o.lens } : {}),
    ...(workloadInfo ? { workload: workloadInfo } : {}),
    ...(sessions !== undefined ? { sessions: { sessions, turns, thinkTimeMs } } : {}),
    ...(o.promptCache ? { promptCache: true } : {}),
    ...(o.context?.sweep ? { sweep: o.context.sweep } : {}),
  };
  return {
    options: o,
    concurrency,
    maxRequests,
    warmup,
    rate,
    idAt,
    runWarmup: o.warmup ?? 0,
    sessions: sessions === undefined ? undefined : { turns, thinkTimeMs },
    shard,
    metadata: redactSecrets(metadata, { secrets: o.secrets ?? [] }),
  };
}

/**
 * `schedule`, noting when its latest arrival is due: `runLoad` asks for arrival `k` when it
 * starts waiting for it (arrival 0 at the phase's start), so `idleMs` is how long until this
 * thread must send again (less `leadMs()`, the lead of a hand-over to a Worker).
 */
function _trackedSchedule(
  schedule: ((k: number) => number | undefined) | undefined,
  leadMs: () => number,
): { schedule: (k: number) => number | undefined; idleMs: () => number } | undefined {
  if (schedule === undefined) return undefined;
  let t0: number | undefined;
  let dueAt = Infinity;
  return {
    schedule(k) {
      const due = schedule(k);
      if (k === 0 || t0 === undefined) t0 = performance.now() - (due ?? 0);
      dueAt = due === undefined ? Infinity : t0 + due;
      return due;
    },
    idleMs: () => dueAt - leadMs() - performance.now(),
  };
}

/** The arrival times of a workload with timestamps (a trace), for `runLoad`'s `schedule`. */
function _schedule(
  workload: Workload,
  plan: _Plan,
  speedup: number,
): ((k: number) => number | undefined) | undefined {
  const arrivalMs = workload.arrivalMs?.bind(workload);
  if (arrivalMs === undefined) return undefined;
  const origin = arrivalMs(plan.runWarmup);
  return (k) => {
    const id = plan.idAt(plan.warmup + k);
    return id < workload.size ? (arrivalMs(id) - origin) / speedup : undefined;
  };
}

/**
 * Check `options` as {@link benchmark} does, without sending or writing anything: a
 * `RangeError`/`TypeError` naming the bad option, else nothing.
 *
 * @example
 * ```ts
 * import { checkBenchmarkOptions } from "./benchmark.ts";
 * import type { LlmClient } from "../core/llm_client.ts";
 * const client: LlmClient = { api: "fake", async *stream() {} };
 * let message = "";
 * try {
 *   checkBenchmarkOptions(client, { model: "m", concurrency: 0 });
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (!message.includes("'concurrency' must be a positive integer, got 0")) throw new Error(message);
 * ```
 */
export function checkBenchmarkOptions(client: LlmClient, options: BenchmarkRunOptions): void {
  _plan(client, options);
}

/**
 * Benchmark `client` end to end: synthesize the prompts (same seed, same prompts), run them
 * under the load shape (closed loop, or open loop with `rate`), time every stream, and derive
 * the report. With `resultsDir`, a new run folder gets exactly the files `deno task bench`
 * writes: `RUNNING` while the run goes, each record in `requests.jsonl` as soon as it
 * completes, then every derived file rebuilt from that JSONL (`summary.json`, `requests.csv`,
 * `tables.md`, LLMPerf's two files), as `deno task summarize` would. A failed request is a
 * record, never an exception; bad options throw a `RangeError`/`TypeError` before anything is
 * sent or written.
 *
 * @example Ten requests against the simulator, into a new folder
 * ```ts
 * import { benchmark } from "./benchmark.ts";
 * import { startSimulator } from "../sim/simulator.ts";
 * import { createOpenAiClient } from "../clients/openai_client.ts";
 * await using sim = await startSimulator({ ttftMs: 10, itlMs: 1 });
 * const resultsDir = await Deno.makeTempDir();
 * const run = await benchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
 *   model: "sim", maxRequests: 10, concurrency: 5, meanInputTokens: 50, stddevInputTokens: 0,
 *   meanOutputTokens: 20, stddevOutputTokens: 0, simulator: sim, resultsDir,
 * });
 * if (run.report.summary.summary.numCompleted !== 10) throw new Error("10 completed");
 * if (!run.paths.some((p) => p.endsWith("_individual_responses.json"))) throw new Error("files");
 * await Deno.remove(resultsDir, { recursive: true });
 * ```
 */
export async function benchmark(
  client: LlmClient,
  options: BenchmarkRunOptions,
): Promise<BenchmarkRunResult> {
  const plan = _plan(client, options);
  const o = plan.options;
  const { metadata } = plan;
  const secrets = o.secrets ?? [];
  const fileSystem = o.fileSystem ?? DENO_JSONL_FILE_SYSTEM;
  const tokenizer = createTokenizer(metadata.tokenizer as TokenizerName);
  // The first failed write of a record stops the run: no request is sent whose answer could
  // not be kept.
  const writeStop = new AbortController();
  let writeError: Error | null = null;
  let unwritten = 0;
  let dir: string | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let jsonl: Awaited<ReturnType<typeof openJsonlWriter>> | undefined;
  let sender: Awaited<ReturnType<typeof openSender>> | undefined;
  let buffer: WorkloadBuffer | undefined;
  let scraper: ServerMetricsScraper | undefined;
  let metricsJsonl: Awaited<ReturnType<typeof openJsonlWriter>> | undefined;
  try {
    // Prompts are made as they are needed (a few ahead, in the background): nothing per
    // request is made or held before the first one is sent.
    const workload: Workload = o.workload ?? (o.trace
      ? traceWorkload(o.trace.requests, {
        tokenizer,
        seed: metadata.seed,
        mode: metadata.promptMode as PromptMode,
        corpus: o.corpus,
        blockTokens: o.trace.blockTokens,
      })
      : undefined) ??
      (o.dataset && plan.sessions && o.dataset.entries.some((e) => e.sessionId !== undefined)
        ? datasetSessionWorkload(o.dataset.entries, {
          tokenizer,
          seed: metadata.seed,
          turns: plan.sessions.turns,
          order: o.dataset.order,
          minInputTokens: o.dataset.minInputTokens,
          maxInputTokens: o.dataset.maxInputTokens,
          maxOutputTokens: o.dataset.maxOutputTokens,
          meanOutputTokens: metadata.meanOutputTokens,
          stddevOutputTokens: metadata.stddevOutputTokens,
        })
        : undefined) ??
      (o.dataset
        ? datasetWorkload(o.dataset.entries, {
          tokenizer,
          seed: metadata.seed,
          order: o.dataset.order,
          minInputTokens: o.dataset.minInputTokens,
          maxInputTokens: o.dataset.maxInputTokens,
          maxOutputTokens: o.dataset.maxOutputTokens,
          meanOutputTokens: metadata.meanOutputTokens,
          stddevOutputTokens: metadata.stddevOutputTokens,
        })
        : undefined) ??
      syntheticWorkload({
        tokenizer,
        seed: metadata.seed,
        mode: metadata.promptMode as PromptMode,
        corpus: o.corpus,
        meanInputTokens: metadata.meanInputTokens,
        stddevInputTokens: metadata.stddevInputTokens,
        meanOutputTokens: metadata.meanOutputTokens,
        stddevOutputTokens: metadata.stddevOutputTokens,
        prefixTokens: o.prefixTokens,
        numPrefixes: o.numPrefixes,
      });
    // Sessions: the load shape counts whole sessions, enough for `maxRequests` turns (a
    // dataset's sessions differ in length).
    const turnsOf = (workload as Partial<SessionWorkload>).turnsOf?.bind(workload);
    const sessionTurns = (s: number) =>
      Math.min(plan.sessions!.turns, turnsOf?.(s) ?? plan.sessions!.turns);
    let loadRequests = plan.maxRequests;
    let requestTotal = plan.maxRequests;
    if (plan.sessions) {
      loadRequests = 0;
      requestTotal = 0;
      while (requestTotal < plan.maxRequests) {
        requestTotal += sessionTurns(plan.warmup + loadRequests++);
      }
    }
    // A trace's arrivals: the buffer makes its prompts between sends, not just before one.
    // (Sends leave this thread `leadMs` early with Workers: runBenchmark's default, 10 ms.)
    let handOverMs = 10;
    const arrivals = _trackedSchedule(
      _schedule(workload, plan, o.trace?.speedup ?? 1),
      () => handOverMs,
    );
    buffer = createWorkloadBuffer(workload, {
      idAt: plan.idAt,
      ...(arrivals ? { idleMs: arrivals.idleMs } : {}),
      count: plan.sessions
        ? (plan.warmup + loadRequests) * plan.sessions.turns
        : plan.warmup + plan.maxRequests,
      // A trace's prompts are long and its arrivals fixed: more are made before the start.
      // (A dataset's sessions: rows are looked up, not made, and ids past a session's last
      // turn do not exist: none made ahead.)
      lookahead: turnsOf ? 0 : o.lookahead ?? (workload.arrivalMs ? 64 : 8),
    });
    sender = await openSender(client, {
      spec: o.spec,
      workers: metadata.workers,
      transport: o.transport,
      preconnect: o.preconnect
        ? plan.rate === undefined || plan.rate === null
          ? plan.concurrency
          : o.maxInFlight ?? Math.ceil(plan.rate)
        : 0,
    });
    handOverMs = sender.pool ? 10 : 0;
    if (o.resultsDir !== undefined) {
      ({ dir, jsonl } = await _openRunFolder(o.resultsDir, o.model, metadata, fileSystem));
    }
    const progress = progressState(
      requestTotal,
      performance.now(),
    );
    const report = (trigger: BenchmarkProgress["trigger"]) =>
      o.onProgress?.({
        line: progressLine(progress, performance.now()),
        done: progress.done,
        total: progress.total,
        trigger,
      });
    if (o.onProgress) timer = setInterval(() => report("timer"), o.progressEveryMs ?? 1000);
    if (o.serverMetrics !== undefined) {
      if (dir !== null) metricsJsonl = await openJsonlWriter(`${dir}/${SERVER_METRICS_FILE}`);
      const writer = metricsJsonl;
      scraper = startServerMetricsScraper(o.serverMetrics.url, {
        intervalMs: o.serverMetrics.intervalMs,
        names: o.serverMetrics.names,
        headers: o.serverMetrics.headers,
        onLine: writer ? (line) => writer.append(_cleanLine(line, secrets)) : undefined,
      });
    }
    const ms = (s: number | undefined) => s === undefined ? undefined : s * 1000;
    const result = await runBenchmark(sender.client, {
      model: o.model,
      prompt: (requestId) => (buffer as WorkloadBuffer).take(requestId),
      countTokens: (text) => tokenizer.countTokens(text),
      samplingParams: o.samplingParams,
      concurrency: plan.concurrency,
      rate: plan.rate,
      arrival: o.arrival,
      schedule: arrivals?.schedule,
      maxInFlight: o.maxInFlight,
      maxRequests: loadRequests,
      warmup: plan.warmup,
      sessions: plan.sessions && { ...plan.sessions, ...(turnsOf ? { turnsOf } : {}) },
      promptCache: o.promptCache ?? false,
      seed: plan.shard?.arrivalSeed ?? metadata.seed,
      pool: sender.pool,
      requestIdAt: plan.shard ? plan.idAt : undefined,
      durationMs: metadata.timeoutS * 1000,
      requestTimeoutMs: ms(metadata.requestTimeoutS ?? undefined),
      firstTokenTimeoutMs: ms(o.firstTokenTimeoutS),
      keepText: o.keepText ?? false,
      keepRecords: jsonl === undefined,
      signal: o.signal ? AbortSignal.any([o.signal, writeStop.signal]) : writeStop.signal,
      gracePeriodMs: (metadata.gracePeriodS ?? 0) * 1000,
      cancelSignal: o.cancelSignal,
      secrets,
      onRecord: async (record: RequestRecord) => {
        try {
          await jsonl?.append(record);
        } catch (error) {
          unwritten++;
          if (writeError === null) {
            writeError = error instanceof Error ? error : new Error(String(error));
            writeStop.abort(
              new DOMException(
                `writing ${jsonl?.path} failed: ${_firstLine(writeError.message)}`,
                "AbortError",
              ),
            );
          }
          return;
        }
        await o.onRecord?.(record);
        if (record.phase === "measure") addToProgress(progress, record);
        if (o.onProgress) report("record");
      },
    });
    clearInterval(timer);
    timer = undefined;
    const serverMetricsRun = await scraper?.stop();
    await metricsJsonl?.close();
    const scraped = serverMetricsRun ? { serverMetricsRun } : {};
    report("end");
    const stopReason = result.aborted
      ? _reasonText(
        writeStop.signal.aborted
          ? writeStop.signal.reason
          : o.cancelSignal?.aborted
          ? o.cancelSignal.reason
          : o.signal?.reason,
      )
      : null;
    if (writeError !== null && jsonl && dir !== null) {
      // Keep what was written valid: an end line if there is room for one, RUNNING removed;
      // `deno task summarize` rebuilds the derived files once there is space.
      await jsonl.append(runFooter({ ...metadata, clientHealth: result.clientHealth }, {
        finished: false,
        stopReason,
        wallTimeMs: result.wallTimeMs,
        startEpochMs: result.startEpochMs,
        numRecords: jsonl.lines - 1,
        endedAt: new Date().toISOString(),
      })).catch(() => {});
      await jsonl.close();
      await Deno.remove(`${dir}/RUNNING`).catch(() => {});
      throw new Error(
        `Cannot write results: ${stopReason}; no new request was sent after it ` +
          `(${jsonl.lines - 1} records kept, ${unwritten} answers not written); ` +
          `${jsonl.path} ends on a complete line: once there is space, ` +
          `deno task summarize ${dir} writes the rest`,
      );
    }
    const final: RunMetadata = {
      ...metadata,
      clientHealth: result.clientHealth,
      stopReason,
      finished: !result.aborted,
    };
    const done = {
      finished: !result.aborted,
      stopReason,
      clientHealth: result.clientHealth,
    };
    if (jsonl && dir !== null) {
      // The end line: without it the file belongs to a run that was killed or is still going.
      await jsonl.append(runFooter({ ...metadata, clientHealth: result.clientHealth }, {
        finished: !result.aborted,
        stopReason,
        wallTimeMs: result.wallTimeMs,
        startEpochMs: result.startEpochMs,
        numRecords: result.recordCount,
        endedAt: new Date().toISOString(),
      }));
      await jsonl.close();
      // Every derived file comes from the JSONL, exactly as `deno task summarize` rebuilds it.
      const written = await rebuildRunFiles(dir);
      await Deno.remove(`${dir}/RUNNING`);
      const input = written.run.report;
      return {
        ...input,
        ...done,
        ...scraped,
        report: runReport(input),
        dir,
        paths: [jsonl.path, ...(metricsJsonl ? [metricsJsonl.path] : []), ...written.paths],
      };
    }
    const input: RunReportInput = {
      records: result.records,
      wallTimeMs: result.wallTimeMs,
      startEpochMs: result.startEpochMs,
      metadata: final,
    };
    if (serverMetricsRun !== undefined) {
      const origin = runClockOriginEpochMs(result.records.filter((r) => r.phase === "measure"));
      input.serverMetrics = summarizeServerMetrics(serverMetricsRun, {
        runStartEpochMs: origin ?? undefined,
      });
    }
    return { ...input, ...done, ...scraped, report: runReport(input), dir: null, paths: [] };
  } finally {
    clearInterval(timer);
    buffer?.close();
    await scraper?.stop();
    await metricsJsonl?.close();
    await jsonl?.close();
    await sender?.close();
    tokenizer.free();
  }
}

/** The metadata's `endpointKind`: the option, else what the client spec says. */
function _endpointKind(o: BenchmarkRunOptions): { endpointKind?: string } {
  if (o.endpointKind !== undefined) return { endpointKind: o.endpointKind };
  const spec = o.spec;
  if (spec?.api === "openai") return { endpointKind: spec.options.endpoint ?? "chat" };
  if (spec?.api === "bedrock") return { endpointKind: spec.options.api ?? "converse" };
  if (spec?.api === "sagemaker") return { endpointKind: spec.options.payload ?? "tgi" };
  return {};
}

/** Checks the `serverMetrics` option as the scraper would, before anything is sent. */
function _checkServerMetrics(option: NonNullable<BenchmarkRunOptions["serverMetrics"]>): void {
  let url: URL | null = null;
  try {
    url = new URL(option?.url);
  } catch { /* reported below */ }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(
      `${_WHAT}: 'serverMetrics.url' must be an http(s) URL, got ${JSON.stringify(option?.url)}`,
    );
  }
  const intervalMs = option.intervalMs ?? 1000;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 10) {
    throw new RangeError(
      `${_WHAT}: 'serverMetrics.intervalMs' must be a number >= 10, got ${intervalMs}`,
    );
  }
}

/** A server-metrics line with secrets out of its text (the URL, an error message); the series
 * keys are left alone (a name like `sglang:token_usage` is no secret). */
function _cleanLine(line: ServerMetricsLine, secrets: readonly string[]): ServerMetricsLine {
  if (line.kind === "server-metrics") {
    return { ...line, url: redactSecrets(line.url, { secrets }) };
  }
  if (line.kind === "scrape-error") {
    return { ...line, message: redactSecrets(line.message, { secrets }) };
  }
  return line;
}
