/**
 * A whole benchmark run in one call, for notebooks: LLMPerf-style prompts, the run with a
 * progress line now and then, the report, and (when asked) a results folder like `deno task
 * bench` writes.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import type { TokenizerName } from "../core/tokenizer.ts";
import { benchmark, type BenchmarkRunOptions, type BenchmarkRunResult } from "./benchmark.ts";

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
  /** Per-request timeout, s (a timed-out request is error 408). Default `timeoutS`. */
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
  /** Scrape the server's Prometheus endpoint during the run (`benchmark`'s `serverMetrics`:
   * `{ url, intervalMs = 1000, names }`). Default none. */
  serverMetrics?: BenchmarkRunOptions["serverMetrics"];
}

/** What {@link quickBenchmark} returns: the run and everything derived from it. */
export type QuickBenchmarkResult = BenchmarkRunResult;

/**
 * Benchmark `client` the way `deno task bench` does, from a notebook cell: synthesize LLMPerf
 * prompts (made lazily by the workload, same seed, same prompts), run them (`runBenchmark`; failures
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
export function quickBenchmark(
  client: LlmClient,
  options: QuickBenchmarkOptions,
): Promise<QuickBenchmarkResult> {
  const { onProgress, maxRequests = 20, concurrency = 1, ...rest } = options ?? {};
  return benchmark(client, {
    gracePeriodS: 0,
    ...rest,
    maxRequests,
    concurrency,
    ...(onProgress ? { onProgress: (p) => p.trigger !== "record" && onProgress(p.line) } : {}),
  });
}
