/**
 * A whole benchmark run in one call, for notebooks: LLMPerf-style prompts, the run with a
 * progress line now and then, the report, and (when asked) a results folder like `deno task
 * bench` writes.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { runBenchmark } from "./run_benchmark.ts";
import { synthesizePrompts } from "../core/synthesize_prompt.ts";
import { createTokenizer, type TokenizerName } from "../core/tokenizer.ts";
import { progressLine, type ProgressState } from "../core/progress_line.ts";
import { type RunReport, runReport, type RunReportInput } from "../report/run_report.ts";
import { runFooter, runHeader, type RunMetadata } from "../report/run_metadata.ts";
import { openJsonlWriter } from "../report/jsonl_writer.ts";
import { rebuildRunFiles } from "../report/rebuild_run_files.ts";
import type { ClientHealth } from "../core/client_health.ts";

/** Options of {@link quickBenchmark}. */
export interface QuickBenchmarkOptions {
  /** Model id sent to the endpoint. Required. */
  model: string;
  /** Measured requests to send. Default 20. */
  maxRequests?: number;
  /** Closed loop: requests in flight. Default 1. */
  concurrency?: number;
  /** Open loop: requests per second instead of a closed loop. Default none. */
  rate?: number;
  /** Warm-up requests sent first and left out of every figure. Default 0. */
  warmup?: number;
  /** Mean prompt length, tokens (LLMPerf `--mean-input-tokens`). Default 550. */
  meanInputTokens?: number;
  /** Stddev of the prompt length. Default 150. */
  stddevInputTokens?: number;
  /** Mean `max_tokens` (LLMPerf `--mean-output-tokens`). Default 150. */
  meanOutputTokens?: number;
  /** Stddev of `max_tokens`. Default 80. */
  stddevOutputTokens?: number;
  /** Seed of prompts and arrivals. Default 0. */
  seed?: number;
  /** Tokenizer of prompts and answer counts. Default `"cl100k_base"`. */
  tokenizer?: TokenizerName;
  /** Time budget of the run, s; no request is started after it. Default 90. */
  timeoutS?: number;
  /** Per-request timeout, s (a timed-out request is error 408). Default none. */
  requestTimeoutS?: number;
  /**
   * The simulator the client talks to (`startSimulator()`'s result): the run is recorded as
   * simulated, with the simulator's settings and URL. Default none (a real endpoint).
   */
  simulator?: { url: string; info: unknown };
  /** Endpoint recorded in the metadata (no credentials). Default the simulator's URL, else
   * `"unknown"`. */
  endpoint?: string;
  /** API label of the tables' Framework column. Default `client.api`. */
  llmApi?: string;
  /** Free-form pairs recorded in the summary (LLMPerf `--metadata`). Default none. */
  metadata?: Record<string, string>;
  /**
   * Write a new run folder `<resultsDir>/<UTC time>_<model>` (created; never overwritten):
   * `requests.jsonl` as requests complete, then `summary.json`, `requests.csv`, `tables.md` and
   * LLMPerf's two files, exactly as `deno task bench` does. Default: nothing is written.
   */
  resultsDir?: string;
  /** Receives a progress line (`12/30 done | 0 errors | TTFT p50 … | … output tok/s | 3.1 s`)
   * every `progressEveryMs` and once at the end. Default none. */
  onProgress?: (line: string) => void;
  /** How often `onProgress` is called while the run goes, ms. Default 1000. */
  progressEveryMs?: number;
  /** Stops launching requests (those in flight are cancelled, error 499). Default none. */
  signal?: AbortSignal;
}

/** What {@link quickBenchmark} returns: the run and everything derived from it. */
export interface QuickBenchmarkResult extends RunReportInput {
  /** Summary document, per-request CSV, the two seed-format tables, LLMPerf's files. */
  report: RunReport;
  /** The run folder, or null when nothing was written. */
  dir: string | null;
  /** Files written (`requests.jsonl` first), empty when nothing was written. */
  paths: string[];
  /** Whether the client kept up (event-loop and dispatch lag). */
  clientHealth: ClientHealth;
}

function _positiveInt(name: string, value: number, min = 1): number {
  if (!(Number.isSafeInteger(value) && value >= min)) {
    const what = min === 0 ? "a non-negative integer" : "a positive integer";
    throw new RangeError(`Cannot run quick benchmark: '${name}' must be ${what}, got ${value}`);
  }
  return value;
}

/**
 * Benchmark `client` the way `deno task bench` does, from a notebook cell: synthesize LLMPerf
 * prompts (`synthesizePrompts`, same seed, same prompts), run them (`runBenchmark`; failures
 * are records), report progress through `onProgress`, and derive the report (`runReport`).
 * With `resultsDir`, the run also gets a new folder with the same files as the CLI writes
 * (`requests.jsonl`, `summary.json`, `requests.csv`, `tables.md`, LLMPerf's JSON), which
 * `deno task plot`, `deno task tables` and `deno task summarize` read. Bad options throw a
 * `RangeError`/`TypeError` before any request is sent.
 *
 * @example Ten requests against the simulator, no files
 * ```ts
 * import { quickBenchmark } from "./quick_benchmark.ts";
 * import { startSimulator } from "../sim/simulator.ts";
 * import { createOpenAiClient } from "../clients/openai_client.ts";
 * await using sim = await startSimulator({ ttftMs: 10, itlMs: 1 });
 * const lines: string[] = [];
 * const run = await quickBenchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
 *   model: "sim", maxRequests: 10, concurrency: 5, meanInputTokens: 50, stddevInputTokens: 0,
 *   meanOutputTokens: 20, stddevOutputTokens: 0, simulator: sim, onProgress: (l) => lines.push(l),
 * });
 * if (run.report.summary.summary.numCompleted !== 10) throw new Error("10 completed");
 * if (!run.report.tables.includes("openai (simulated)")) throw new Error(run.report.tables);
 * if (!lines.at(-1)?.startsWith("10/10 done")) throw new Error(lines.join("\n"));
 * ```
 */
export async function quickBenchmark(
  client: LlmClient,
  options: QuickBenchmarkOptions,
): Promise<QuickBenchmarkResult> {
  if (typeof client?.stream !== "function") {
    throw new TypeError(`Cannot run quick benchmark: 'client' must be an LlmClient, got ${client}`);
  }
  const {
    model,
    rate,
    meanInputTokens = 550,
    stddevInputTokens = 150,
    meanOutputTokens = 150,
    stddevOutputTokens = 80,
    seed = 0,
    tokenizer: tokenizerName = "cl100k_base",
    timeoutS = 90,
    requestTimeoutS,
    simulator,
    resultsDir,
    onProgress,
    signal,
  } = options ?? {};
  if (typeof model !== "string" || model === "") {
    throw new TypeError(
      `Cannot run quick benchmark: 'model' must be a non-empty string, got ${
        JSON.stringify(model)
      }`,
    );
  }
  const maxRequests = _positiveInt("maxRequests", options.maxRequests ?? 20);
  const concurrency = _positiveInt("concurrency", options.concurrency ?? 1);
  const warmup = _positiveInt("warmup", options.warmup ?? 0, 0);
  const progressEveryMs = options.progressEveryMs ?? 1000;
  for (const [name, value] of [["timeoutS", timeoutS], ["progressEveryMs", progressEveryMs]]) {
    if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Cannot run quick benchmark: '${name}' must be a positive number, got ${value}`,
      );
    }
  }
  if (resultsDir !== undefined && (typeof resultsDir !== "string" || resultsDir === "")) {
    throw new TypeError(
      `Cannot run quick benchmark: 'resultsDir' must be a folder path, got ${
        JSON.stringify(resultsDir)
      }`,
    );
  }

  const metadata: RunMetadata = {
    llmApi: options.llmApi ?? client.api,
    model,
    endpoint: options.endpoint ?? simulator?.url ?? "unknown",
    simulated: simulator !== undefined,
    ...(simulator ? { simulator: simulator.info as Record<string, unknown> } : {}),
    tokenizer: tokenizerName,
    promptMode: "llmperf",
    seed,
    meanInputTokens,
    stddevInputTokens,
    meanOutputTokens,
    stddevOutputTokens,
    numConcurrentRequests: concurrency,
    rate: rate ?? null,
    arrival: rate === undefined ? null : "poisson",
    maxInFlight: null,
    maxRequests,
    warmup,
    timeoutS,
    requestTimeoutS: requestTimeoutS ?? null,
    additionalSamplingParams: {},
    userMetadata: { ...options.metadata },
  };

  const tokenizer = createTokenizer(tokenizerName);
  let dir: string | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let jsonl: Awaited<ReturnType<typeof openJsonlWriter>> | undefined;
  try {
    const prompts = synthesizePrompts({
      tokenizer,
      count: warmup + maxRequests,
      seed,
      meanInputTokens,
      stddevInputTokens,
      meanOutputTokens,
      stddevOutputTokens,
    });
    if (resultsDir !== undefined) {
      dir = await _newRunDir(resultsDir, model);
      jsonl = await openJsonlWriter(`${dir}/requests.jsonl`);
      await jsonl.append(runHeader(metadata, { startEpochMs: Date.now() }));
    }
    const progress: ProgressState = { total: maxRequests, records: [], startMs: performance.now() };
    if (onProgress) {
      timer = setInterval(
        () => onProgress(progressLine(progress, performance.now())),
        progressEveryMs,
      );
    }
    const result = await runBenchmark(client, {
      model,
      prompt: (requestId) => prompts[requestId],
      countTokens: (text) => tokenizer.countTokens(text),
      concurrency,
      rate,
      maxRequests,
      warmup,
      seed,
      durationMs: timeoutS * 1000,
      requestTimeoutMs: requestTimeoutS === undefined ? undefined : requestTimeoutS * 1000,
      signal,
      onRecord: async (record: RequestRecord) => {
        if (record.phase === "measure") progress.records.push(record);
        await jsonl?.append(record);
      },
    });
    clearInterval(timer);
    timer = undefined;
    onProgress?.(progressLine(progress, performance.now()));
    const final: RunMetadata = {
      ...metadata,
      clientHealth: result.clientHealth,
      stopReason: result.aborted ? "stopped by its signal" : null,
      finished: !result.aborted,
    };
    const input: RunReportInput = {
      records: result.records,
      wallTimeMs: result.wallTimeMs,
      startEpochMs: result.startEpochMs,
      metadata: final,
    };
    let paths: string[] = [];
    let report: RunReport;
    if (jsonl && dir !== null) {
      await jsonl.append(runFooter(final, {
        finished: !result.aborted,
        stopReason: final.stopReason ?? null,
        wallTimeMs: result.wallTimeMs,
        startEpochMs: result.startEpochMs,
        numRecords: result.records.length,
        endedAt: new Date().toISOString(),
      }));
      await jsonl.close();
      // Derived files come from the JSONL, as `deno task bench` and `deno task summarize` make them.
      const written = await rebuildRunFiles(dir);
      paths = [jsonl.path, ...written.paths];
      report = runReport(written.run.report);
    } else {
      report = runReport(input);
    }
    return { ...input, report, dir, paths, clientHealth: result.clientHealth };
  } finally {
    clearInterval(timer);
    await jsonl?.close();
    tokenizer.free();
  }
}

/** Create and return a new, empty folder `<root>/<UTC time>_<model>` (suffixed when taken). */
async function _newRunDir(root: string, model: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = `${stamp}_${model.replace(/[^\w.-]+/g, "-").replace(/-{2,}/g, "-")}`;
  await Deno.mkdir(root, { recursive: true });
  for (let n = 0; n < 100; n++) {
    const dir = `${root.replace(/\/+$/, "") || "/"}/${n === 0 ? name : `${name}-${n}`}`;
    try {
      await Deno.mkdir(dir);
      return dir;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw error;
    }
  }
  throw new Deno.errors.AlreadyExists(
    `Cannot run quick benchmark: no new run folder could be made in ${root}`,
  );
}
