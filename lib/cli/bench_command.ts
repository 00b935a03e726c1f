/**
 * `deno task bench`: LLMPerf's token benchmark, with LLMPerf's flags and their meaning, plus
 * open-loop rates, warm-up, seeds, a choice of tokenizer, Workers, shards, sweeps and SLOs.
 * Flags become {@link BenchmarkRunOptions}; the run is one {@link benchmark} (or
 * {@link runSweep}) call that writes a new results folder.
 *
 * @module
 */
import { TOKENIZER_NAMES, type TokenizerName } from "../core/tokenizer.ts";
import { corpusFromText } from "../core/corpus.ts";
import { describeLenses } from "../core/lenses.ts";
import { redactSecrets } from "../core/redact_secrets.ts";
import { configuredSecrets } from "./configured_secrets.ts";
import { DATASET_FORMATS, parseDataset } from "../core/parse_dataset.ts";
import { parseTrace, TRACE_FORMATS } from "../core/parse_trace.ts";
import { benchmark, type BenchmarkProgress, type BenchmarkRunOptions } from "../run/benchmark.ts";
import type { BenchmarkRunResult } from "../run/benchmark.ts";
import { runSweep } from "../run/run_sweep.ts";
import { findMaxLoad } from "../run/find_max_load.ts";
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./flags.ts";
import {
  buildClient,
  type BuiltClient,
  CLIENT_FLAGS,
  CLIENT_HELP,
  LLM_APIS,
  type LlmApi,
} from "./build_client.ts";
import { checkResultsRoot } from "./results_dir.ts";
import { reportRunHealth, scaleFlags } from "./scale_flags.ts";
import { type SweepRequest, sweepRequest } from "./sweep_flags.ts";

/** One indented line per lens: name, tool, the version it equals. */
const LENS_HELP: string = describeLenses().split("\n").map((line) => `${" ".repeat(37)}${line}`)
  .join(
    "\n",
  );
export const BENCH_HELP = `deno task bench [flags]

Benchmark an LLM endpoint the way LLMPerf's token_benchmark_ray.py does.

LLMPerf's flags (same meaning, same defaults):
  --model NAME                       model id (required)
  --mean-input-tokens N              mean prompt length in tokens (default 550)
  --stddev-input-tokens N            stddev of prompt length (default 150)
  --mean-output-tokens N             mean max_tokens (default 150)
  --stddev-output-tokens N           stddev of max_tokens (default 80)
  --num-concurrent-requests N        closed loop: N requests in flight (default 10)
  --timeout S                        time budget of the whole run, seconds (default 90)
  --max-num-completed-requests N     measured requests to send (default 10)
  --additional-sampling-params JSON  merged into each request body (default {})
  --results-dir DIR                  new folder for the results (default results/<time>_<model>)
  --llm-api NAME                     ${LLM_APIS.join(" | ")} (default openai)
  --metadata k=v,k=v                 recorded in the summary (default none)

tokenbench's flags:
  --rate R                           open loop: R requests/s instead of a closed loop
  --arrival poisson|constant         open-loop arrivals (default poisson)
  --max-in-flight N                  open-loop cap on requests in flight (default none)
  --warmup N                         warm-up requests, excluded from results (default 0)
  --request-timeout S                per-request timeout, seconds; a timeout is error 408
                                     (default: --timeout, so a stream that never ends cannot
                                     hold the run past about twice --timeout)
  --first-token-timeout S            error 408 when no token arrives within S of send (default none)
  --grace-period S                   on SIGINT/SIGTERM, let requests in flight finish for up to S,
                                     then cancel them (error 499) (default 5)
  --seed N                           prompt and arrival seed (default 0)
  --tokenizer NAME                   ${TOKENIZER_NAMES.join(" | ")} (default cl100k_base;
                                     llama2 counts as LLMPerf does, BOS included)
  --prompt-mode llmperf|random-tokens  prompt synthesis (default llmperf)
  --corpus FILE                      text file whose lines make the prompts (default: built-in)
  --prefix-tokens P                  shared prefix: every prompt starts with one of
                                     --num-prefixes fixed P-token texts (default 0: none)
  --num-prefixes K                   distinct shared prefixes, picked per request (default 1)
  --dataset FILE                     prompts from a file: JSONL (one request per line: prompt or
                                     messages, optional max_tokens/output_tokens) or ShareGPT
                                     JSON (first human turn; the answer's length is the output);
                                     lines without a length draw --mean-output-tokens; lines
                                     with session_id (and turn) are replayed as multi-turn
                                     sessions, --sessions defaulting to
                                     --num-concurrent-requests (default none: synthetic prompts)
  --dataset-format jsonl|sharegpt    (default: sharegpt when the file starts with '[', else jsonl)
  --dataset-order shuffle|sequential seeded shuffle per pass, or file order (default shuffle)
  --dataset-min-input-tokens N       leave out shorter prompts (default 1)
  --dataset-max-input-tokens N       leave out longer prompts (default none)
  --dataset-max-output-tokens N      leave out longer outputs (default none)
  --trace FILE                       replay timestamped arrivals: a Mooncake trace (JSONL:
                                     timestamp ms, input_length, output_length, hash_ids) or
                                     an Azure LLM inference trace (CSV: TIMESTAMP,
                                     ContextTokens,GeneratedTokens); prompts of those lengths,
                                     shared hash_ids give a shared prefix; replaces --rate;
                                     --max-num-completed-requests defaults to the whole trace
                                     (default none)
  --trace-format mooncake|azure      (default: azure when the file starts with TIMESTAMP)
  --trace-speedup X                  replay X times faster (default 1)
  --prompt-cache                     mark each request's shared prefix (--prefix-tokens, a
                                     trace's hash_ids blocks, a session's history) for the
                                     endpoint's prompt cache: Bedrock Converse cachePoint,
                                     Anthropic cache_control (default off)
  --sessions N                       multi-turn sessions: N conversations in flight (instead
                                     of --num-concurrent-requests); each turn carries the whole
                                     history with the answers received (default none)
  --turns T                          turns per session (default 1; a --dataset with session_id:
                                     its longest session, and T caps each session)
  --think-time-ms D                  wait after an answer before the next turn (default 0)
The highest load that meets an SLO (docs/workloads.md):
  --find-max-rate                    search the highest open-loop rate whose goodput (share of
                                     requests meeting every --slo) reaches --goodput: bracket by
                                     doubling or halving from --search-start, then bisect; each
                                     probe is a whole run of --max-num-completed-requests, in its
                                     own folder, with search.md/json/svg beside them
  --find-max-concurrency             the same for the closed-loop concurrency
  --goodput G                        share of requests that must meet the SLOs (default 0.95)
  --search-start X                   first probe (default 1)
  --search-max X                     highest probe (default 1024 streams, 10000 requests/s)
  --search-precision P               rate: stop when (high - low) / low <= P (default 0.05)
  --keep-text                        keep each answer's text in requests.jsonl
  --quiet                            no progress line
  --preconnect                       open the run's connections before the first request
                                     (http1 transport); without it the first request on each
                                     connection opens it and is flagged coldStart
Scale and trust (docs/scaling.md):
  --workers N                        Deno Workers sending the requests; 0 = the main thread
                                     (default: the number of cores, at most the concurrency
                                     of a closed loop)
  --transport auto|fetch|http1       how the client reaches its endpoint (every --llm-api;
                                     Bedrock and SageMaker: the AWS SDK's fetch handler over
                                     it); auto = http1 (light, over Deno.connect, stamps chunks
                                     at the socket read) for http:// without a proxy, else
                                     fetch (default auto)
  --shard I/N                        run shard I (0-based) of N of this run: its share of the
                                     request ids, concurrency and rate; merge with deno task merge
  --concurrency N|LIST               same as --num-concurrent-requests; a list (1,4,16,64)
                                     runs a sweep: one folder per level and a sweep summary
  --rate R|LIST                      a list (1,2,5,10) runs an open-loop sweep
  --slo NAME:MS,...                  goodput SLOs, e.g. ttft:500,tpot:50,e2e:10000 (default none)
  --lens NAME                        metric definitions of the tables and summary.json, each
                                     equal to one peer's own code (default tokenbench):
${LENS_HELP}
Server metrics (docs/metrics.md, "Server metrics"):
  --server-metrics URL               scrape this Prometheus endpoint during the run (vLLM, TGI,
                                     SGLang /metrics; the simulator's GET /metrics) into
                                     server_metrics.jsonl and summary.json (default none)
  --server-metrics-interval-ms N     time between scrapes (default 1000)
  --server-metrics-names LIST        sample or family names kept besides every counter, gauge
                                     and untyped series, comma-separated, e.g. a histogram
                                     (default none)
${CLIENT_HELP}  -h, --help                         show this help
`;

export const BENCH_FLAGS = {
  model: { type: "string" },
  "mean-input-tokens": { type: "string" },
  "stddev-input-tokens": { type: "string" },
  "mean-output-tokens": { type: "string" },
  "stddev-output-tokens": { type: "string" },
  "num-concurrent-requests": { type: "string" },
  timeout: { type: "string" },
  "max-num-completed-requests": { type: "string" },
  "additional-sampling-params": { type: "string" },
  "results-dir": { type: "string" },
  "llm-api": { type: "string" },
  metadata: { type: "string" },
  rate: { type: "string" },
  arrival: { type: "string" },
  "max-in-flight": { type: "string" },
  warmup: { type: "string" },
  "request-timeout": { type: "string" },
  "first-token-timeout": { type: "string" },
  "grace-period": { type: "string" },
  seed: { type: "string" },
  tokenizer: { type: "string" },
  "prompt-mode": { type: "string" },
  corpus: { type: "string" },
  "prefix-tokens": { type: "string" },
  "num-prefixes": { type: "string" },
  dataset: { type: "string" },
  trace: { type: "string" },
  sessions: { type: "string" },
  "prompt-cache": { type: "boolean" },
  turns: { type: "string" },
  "think-time-ms": { type: "string" },
  "find-max-rate": { type: "boolean" },
  "find-max-concurrency": { type: "boolean" },
  goodput: { type: "string" },
  "search-start": { type: "string" },
  "search-max": { type: "string" },
  "search-precision": { type: "string" },
  "trace-format": { type: "string" },
  "trace-speedup": { type: "string" },
  "dataset-format": { type: "string" },
  "dataset-order": { type: "string" },
  "dataset-min-input-tokens": { type: "string" },
  "dataset-max-input-tokens": { type: "string" },
  "dataset-max-output-tokens": { type: "string" },
  "keep-text": { type: "boolean" },
  preconnect: { type: "boolean" },
  quiet: { type: "boolean" },
  workers: { type: "string" },
  transport: { type: "string" },
  shard: { type: "string" },
  concurrency: { type: "string" },
  slo: { type: "string" },
  lens: { type: "string" },
  "server-metrics": { type: "string" },
  "server-metrics-interval-ms": { type: "string" },
  "server-metrics-names": { type: "string" },
  ...CLIENT_FLAGS,
  help: { type: "boolean", short: "h" },
} as const;

/** The keys of LLMPerf's summary that `--metadata` entries would replace. */
const _LLMPERF_SUMMARY_KEYS = [
  "version",
  "name",
  "model",
  "mean_input_tokens",
  "stddev_input_tokens",
  "mean_output_tokens",
  "stddev_output_tokens",
  "num_concurrent_requests",
  "additional_sampling_params",
  "results",
  "timestamp",
] as const;

/** Parse `k=v,k=v` into an object; a UsageError names the bad pair, an empty or repeated
 * key, and a key that would replace one of LLMPerf's summary (`results`, `model`, …). */
export function parseMetadata(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    const key = pair.slice(0, Math.max(0, eq)).trim();
    if (eq <= 0 || key === "") {
      throw new UsageError(`--metadata must be k=v,k=v with non-empty keys; bad pair '${pair}'`);
    }
    if (Object.hasOwn(out, key)) throw new UsageError(`--metadata gives '${key}' twice`);
    if ((_LLMPERF_SUMMARY_KEYS as readonly string[]).includes(key) || key.startsWith("results_")) {
      throw new UsageError(
        `--metadata key '${key}' is taken by LLMPerf's summary file (it would replace ` +
          `${key === "results" ? "every results_* key" : `its '${key}'`}); choose another name`,
      );
    }
    out[key] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** Parse the sampling-parameter JSON object; a UsageError says what is wrong. */
export function parseSamplingParams(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `--additional-sampling-params is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`--additional-sampling-params must be a JSON object, got ${text}`);
  }
  for (const key of _RESERVED_PARAMS) {
    if (key in value) {
      throw new UsageError(
        `--additional-sampling-params must not set '${key}' (tokenbench sets it for every ` +
          `request${key.startsWith("max_") ? "; use --mean-output-tokens" : ""})`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/** `value` when it is one of `allowed`, `fallback` when absent, else a UsageError. */
export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got '${value}'`);
  }
  return value as T;
}

/** Request fields the benchmark sets itself; sampling parameters may not override them. */
const _RESERVED_PARAMS = [
  "model",
  "messages",
  "prompt",
  "stream",
  "max_tokens",
  "max_completion_tokens",
] as const;

/** Most requests (measured, or warm-up) a run takes: every prompt is made before the first. */
const _REQUESTS_CAP = { max: 10_000_000, why: "every prompt is made before the first request" };
/** Longest mean or stddev of a length, tokens. */
const _TOKENS_CAP = { max: 1_000_000, why: "prompts are made in memory" };
/** Most requests in flight. */
const _MAX_CONCURRENCY = 100_000;

/** Longest timer setTimeout can hold, s (about 24 days). */
const _MAX_TIMER_S = (2 ** 31 - 1) / 1000;

/** Options of {@link benchCommand}. */
export interface BenchCommandOptions {
  /** The environment (`OPENAI_API_KEY`, `AWS_REGION`, …). Default none. */
  env?: Record<string, string>;
  /** Where SIGINT/SIGTERM listeners go (a test's double delivers a signal at a chosen moment).
   * Default `Deno.addSignalListener` / `Deno.removeSignalListener`. */
  signals?: {
    add(signal: Deno.Signal, listener: () => void): void;
    remove(signal: Deno.Signal, listener: () => void): void;
  };
}

const _DENO_SIGNALS: NonNullable<BenchCommandOptions["signals"]> = {
  add: (signal, listener) => Deno.addSignalListener(signal, listener),
  remove: (signal, listener) => Deno.removeSignalListener(signal, listener),
};

/**
 * `deno task bench`: parse `args`, build the client, run the benchmark (or the sweep) into a
 * new results folder, print the tables, the files and the client's health, and return the exit
 * code (0; 130/143 when stopped by SIGINT/SIGTERM). Bad input is a {@link UsageError} (or a
 * library's "Cannot …" RangeError/TypeError) before anything is sent or written; no message
 * ever carries a secret of `env`.
 *
 * @example Help
 * ```ts
 * import { benchCommand } from "./bench_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await benchCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--max-num-completed-requests")) throw new Error(text);
 * ```
 */
export async function benchCommand(
  args: string[],
  options: BenchCommandOptions = {},
): Promise<number> {
  const env = options.env ?? {};
  // Every secret given on the command line or in the environment (the sampling parameters'
  // and metadata's are added once parsed).
  const argSecrets = configuredSecrets({ args, env });
  try {
    return await _bench(args, env, argSecrets, options.signals ?? _DENO_SIGNALS);
  } catch (error) {
    // Whatever goes wrong, its message is printed: never with a secret in it.
    if (error instanceof Error) {
      error.message = redactSecrets(error.message, { secrets: argSecrets });
    }
    throw error;
  }
}

/** The `main` of `scripts/token_benchmark.ts`: {@link benchCommand} with one-line errors. */
export function benchMain(args: string[], env: Record<string, string>): Promise<number> {
  return runMain(() => benchCommand(args, { env }));
}

/** What the flags ask for: the run's options, its client, and the sweep if any. */
interface _Settings {
  options: BenchmarkRunOptions;
  built: BuiltClient;
  sweep: SweepRequest | null;
  search: {
    variable: "rate" | "concurrency";
    goodput: number;
    start?: number;
    maxLoad?: number;
    precision?: number;
  } | null;
}

async function _settings(
  f: Record<string, string | boolean | undefined>,
  env: Record<string, string>,
  envSecrets: string[],
): Promise<_Settings> {
  // A list of concurrencies or rates: one run per level, then the sweep summary. The first
  // level stands for all while the other flags are checked.
  const sweep = sweepRequest(f);
  if (sweep) f = { ...f, [sweep.flag]: String(sweep.levels[0]) };
  if (!f.model) throw new UsageError("--model is required (e.g. --model gpt-4o-mini)");
  const model = f.model as string;
  const llmApi = oneOf<LlmApi>("llm-api", f["llm-api"] as string | undefined, LLM_APIS, "openai");
  const tokenizer = oneOf<TokenizerName>(
    "tokenizer",
    f.tokenizer as string | undefined,
    TOKENIZER_NAMES,
    "cl100k_base",
  );
  const promptMode = oneOf(
    "prompt-mode",
    f["prompt-mode"] as string | undefined,
    ["llmperf", "random-tokens"] as const,
    "llmperf",
  );
  const s = (name: string) => f[name] as string | undefined;
  const arrival = oneOf("arrival", s("arrival"), ["poisson", "constant"] as const, "poisson");
  const meanInputTokens = intFlag("mean-input-tokens", s("mean-input-tokens"), 550, {
    min: 1,
    ..._TOKENS_CAP,
  });
  const stddevInputTokens = intFlag(
    "stddev-input-tokens",
    s("stddev-input-tokens"),
    150,
    _TOKENS_CAP,
  );
  const meanOutputTokens = intFlag("mean-output-tokens", s("mean-output-tokens"), 150, {
    min: 1,
    ..._TOKENS_CAP,
  });
  const stddevOutputTokens = intFlag(
    "stddev-output-tokens",
    s("stddev-output-tokens"),
    80,
    _TOKENS_CAP,
  );
  if (
    f.concurrency !== undefined && f["num-concurrent-requests"] !== undefined &&
    f.concurrency !== f["num-concurrent-requests"]
  ) {
    throw new UsageError("give --concurrency or --num-concurrent-requests, not both");
  }
  const concurrency = intFlag(
    f.concurrency !== undefined ? "concurrency" : "num-concurrent-requests",
    s("concurrency") ?? s("num-concurrent-requests"),
    10,
    { min: 1, max: _MAX_CONCURRENCY, why: "each stream holds a connection" },
  );
  const timeoutS = numberFlag("timeout", s("timeout"), 90, { min: 0, exclusive: true })!;
  // With --trace the default is the whole trace (the library's default).
  const maxRequests = f.trace !== undefined && f["max-num-completed-requests"] === undefined
    ? undefined
    : intFlag("max-num-completed-requests", s("max-num-completed-requests"), 10, {
      min: 1,
      ..._REQUESTS_CAP,
    });
  const rate = numberFlag("rate", s("rate"), undefined, { min: 0, exclusive: true });
  const maxInFlight = f["max-in-flight"] === undefined
    ? undefined
    : intFlag("max-in-flight", s("max-in-flight"), 0, { min: 1 });
  const warmup = intFlag("warmup", s("warmup"), 0, _REQUESTS_CAP);
  const requestTimeoutS = numberFlag("request-timeout", s("request-timeout"), undefined, {
    min: 0,
    exclusive: true,
  });
  const firstTokenTimeoutS = numberFlag(
    "first-token-timeout",
    s("first-token-timeout"),
    undefined,
    { min: 0, exclusive: true },
  );
  const gracePeriodS = numberFlag("grace-period", s("grace-period"), 5, { min: 0 })!;
  for (
    const [name, value] of [
      ["request-timeout", requestTimeoutS],
      ["first-token-timeout", firstTokenTimeoutS],
      ["grace-period", gracePeriodS],
    ] as const
  ) {
    if (value !== undefined && value > _MAX_TIMER_S) {
      throw new UsageError(
        `--${name} must be at most ${Math.floor(_MAX_TIMER_S)} s, got '${value}'`,
      );
    }
  }
  const seed = intFlag("seed", s("seed"), 0);
  const prefixTokens = intFlag("prefix-tokens", s("prefix-tokens"), 0);
  const numPrefixes = intFlag("num-prefixes", s("num-prefixes"), 1, { min: 1 });
  if (f["num-prefixes"] !== undefined && prefixTokens === 0) {
    throw new UsageError("--num-prefixes needs --prefix-tokens P (P > 0)");
  }
  const dataset = await _dataset(f);
  const trace = await _trace(f);
  if (trace && (dataset || prefixTokens > 0 || rate !== undefined)) {
    throw new UsageError("--trace replaces --rate, --dataset and --prefix-tokens: give one");
  }
  if (dataset && prefixTokens > 0) {
    throw new UsageError("give --dataset or --prefix-tokens, not both");
  }
  const sessions = f.sessions === undefined
    ? undefined
    : intFlag("sessions", s("sessions"), 1, { min: 1 });
  // A dataset of conversations (rows with session_id) runs as sessions on its own.
  const datasetSessions = dataset?.entries.some((e) => e.sessionId !== undefined) ?? false;
  if (sessions === undefined && !datasetSessions) {
    for (const name of ["turns", "think-time-ms"]) {
      if (f[name] !== undefined) {
        throw new UsageError(`--${name} needs --sessions N (or a --dataset with session_id)`);
      }
    }
  } else if (rate !== undefined || f.shard !== undefined || (sweep && sweep.flag === "rate")) {
    throw new UsageError(
      `${
        sessions === undefined ? "a --dataset with session_id" : "--sessions"
      } runs a closed loop of sessions: not with --rate or --shard`,
    );
  } else if (sessions !== undefined && (trace || sweep)) {
    throw new UsageError(
      "--sessions runs a closed loop of N sessions: not with --trace, --rate, --shard or a sweep list",
    );
  }
  if (trace && sweep) throw new UsageError("--trace sets the arrivals: not with a sweep list");
  const turns = f.turns === undefined ? undefined : intFlag("turns", s("turns"), 1, { min: 1 });
  const thinkTimeMs = numberFlag("think-time-ms", s("think-time-ms"), 0, { min: 0 })!;
  const scale = scaleFlags(f, env, {
    concurrency,
    peakConcurrency: sweep && sweep.flag !== "rate" ? Math.max(...sweep.levels) : concurrency,
    maxRequests: maxRequests ?? Math.max(1, (trace?.requests.length ?? 1) - warmup),
    warmup,
    rate,
    seed,
  });
  const samplingParams = parseSamplingParams(s("additional-sampling-params"));
  const userMetadata = parseMetadata(s("metadata"));
  let corpus: string[] | undefined;
  if (f.corpus !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(s("corpus")!);
    } catch (err) {
      throw new UsageError(`--corpus cannot read '${f.corpus}': ${(err as Error).message}`);
    }
    corpus = corpusFromText(text);
  }
  // Secrets: from the environment, the command line's URLs and secret flags, and any value
  // under a secret-looking key of the sampling parameters or the metadata.
  const secrets = [
    ...new Set([
      ...envSecrets,
      ...configuredSecrets({ values: [samplingParams, userMetadata] }),
    ]),
  ];
  const search = _search(
    f,
    sweep !== null,
    scale.slo,
    trace !== undefined,
    sessions ?? (datasetSessions ? concurrency : undefined),
  );
  const resultsDir = s("results-dir") ?? "results";
  const serverMetrics = _serverMetricsFlags(f);
  await checkResultsRoot(resultsDir);
  const built = await buildClient(llmApi, f, env);
  return {
    sweep,
    search,
    built,
    options: {
      model,
      llmApi,
      endpoint: built.endpoint,
      ...(built.simulated ? { simulator: { info: built.simulator ?? {} } } : {}),
      tokenizer,
      promptMode,
      corpus,
      seed,
      meanInputTokens,
      stddevInputTokens,
      meanOutputTokens,
      stddevOutputTokens,
      ...(prefixTokens > 0 ? { prefixTokens, numPrefixes } : {}),
      ...(dataset ? { dataset } : {}),
      ...(trace ? { trace } : {}),
      ...(sessions !== undefined || datasetSessions
        ? {
          ...(sessions !== undefined ? { sessions } : {}),
          ...(turns !== undefined ? { turns } : {}),
          thinkTimeMs,
        }
        : {}),
      ...(f["prompt-cache"] === true ? { promptCache: true } : {}),
      concurrency,
      rate,
      arrival,
      maxInFlight,
      maxRequests,
      warmup,
      timeoutS,
      requestTimeoutS,
      firstTokenTimeoutS,
      gracePeriodS,
      samplingParams,
      metadata: userMetadata,
      keepText: f["keep-text"] === true,
      preconnect: f.preconnect === true,
      spec: built.spec,
      workers: scale.workers,
      transport: scale.transport,
      shard: scale.plan?.shard,
      slo: scale.slo,
      lens: scale.lens,
      secrets,
      resultsDir,
      ...(serverMetrics ? { serverMetrics } : {}),
    },
  };
}

/** `--find-max-rate`/`--find-max-concurrency` and their flags, checked. */
function _search(
  f: Record<string, string | boolean | undefined>,
  sweeping: boolean,
  slo: unknown,
  tracing: boolean,
  sessions: number | undefined,
): _Settings["search"] {
  const s = (name: string) => f[name] as string | undefined;
  const rate = f["find-max-rate"] === true;
  const concurrency = f["find-max-concurrency"] === true;
  if (!rate && !concurrency) {
    for (const name of ["goodput", "search-start", "search-max", "search-precision"]) {
      if (f[name] !== undefined) {
        throw new UsageError(`--${name} needs --find-max-rate or --find-max-concurrency`);
      }
    }
    return null;
  }
  if (rate && concurrency) {
    throw new UsageError("give --find-max-rate or --find-max-concurrency, not both");
  }
  if (slo === undefined) throw new UsageError("the search needs --slo (e.g. ttft:500,tpot:50)");
  if (sweeping || tracing || sessions !== undefined || f.shard !== undefined) {
    throw new UsageError(
      "the search sets the load itself: not with a sweep list, --trace, --sessions or --shard",
    );
  }
  const goodput = numberFlag("goodput", s("goodput"), 0.95, { min: 0, exclusive: true })!;
  if (goodput > 1) throw new UsageError(`--goodput must be at most 1, got '${s("goodput")}'`);
  const start = concurrency
    ? (s("search-start") === undefined
      ? undefined
      : intFlag("search-start", s("search-start"), 1, { min: 1 }))
    : numberFlag("search-start", s("search-start"), undefined, { min: 0, exclusive: true });
  const maxLoad = concurrency
    ? (s("search-max") === undefined
      ? undefined
      : intFlag("search-max", s("search-max"), 1, { min: 1 }))
    : numberFlag("search-max", s("search-max"), undefined, { min: 0, exclusive: true });
  const precision = numberFlag("search-precision", s("search-precision"), undefined, {
    min: 0,
    exclusive: true,
  });
  return {
    variable: rate ? "rate" : "concurrency",
    goodput,
    ...(start !== undefined ? { start } : {}),
    ...(maxLoad !== undefined ? { maxLoad } : {}),
    ...(precision !== undefined ? { precision } : {}),
  };
}

/** `--trace` and its flags: the file read and checked (a bad line is a usage error). */
async function _trace(
  f: Record<string, string | boolean | undefined>,
): Promise<BenchmarkRunOptions["trace"]> {
  const s = (name: string) => f[name] as string | undefined;
  const file = s("trace");
  if (file === undefined) {
    for (const name of ["trace-format", "trace-speedup"]) {
      if (f[name] !== undefined) throw new UsageError(`--${name} needs --trace FILE`);
    }
    return undefined;
  }
  const format = s("trace-format") === undefined
    ? undefined
    : oneOf("trace-format", s("trace-format"), TRACE_FORMATS, "mooncake");
  const speedup = numberFlag("trace-speedup", s("trace-speedup"), 1, { min: 0, exclusive: true })!;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw new UsageError(`--trace cannot read '${file}': ${(err as Error).message}`);
  }
  const requests = parseTrace(text, { format, name: file });
  return {
    requests,
    speedup,
    file,
    format: format ?? (/^\s*"?TIMESTAMP/i.test(text) ? "azure" : "mooncake"),
  };
}

/** `--dataset` and its flags: the file read and checked (a bad line is a usage error). */
async function _dataset(
  f: Record<string, string | boolean | undefined>,
): Promise<BenchmarkRunOptions["dataset"]> {
  const s = (name: string) => f[name] as string | undefined;
  const file = s("dataset");
  if (file === undefined) {
    for (const name of Object.keys(f)) {
      if (name.startsWith("dataset-") && f[name] !== undefined) {
        throw new UsageError(`--${name} needs --dataset FILE`);
      }
    }
    return undefined;
  }
  const format = s("dataset-format") === undefined
    ? undefined
    : oneOf("dataset-format", s("dataset-format"), DATASET_FORMATS, "jsonl");
  const order = oneOf(
    "dataset-order",
    s("dataset-order"),
    ["shuffle", "sequential"] as const,
    "shuffle",
  );
  const limit = (name: string) =>
    s(name) === undefined ? undefined : intFlag(name, s(name), 1, { min: 1 });
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw new UsageError(`--dataset cannot read '${file}': ${(err as Error).message}`);
  }
  const entries = parseDataset(text, { format, name: file });
  return {
    entries,
    file,
    format: format ?? (text.trimStart().startsWith("[") ? "sharegpt" : "jsonl"),
    order,
    minInputTokens: limit("dataset-min-input-tokens"),
    maxInputTokens: limit("dataset-max-input-tokens"),
    maxOutputTokens: limit("dataset-max-output-tokens"),
  };
}

/** Draws the progress line on stderr: redrawn in place on a terminal; in a log, a line every
 * 10 requests or 10 s. */
function _progressPrinter(): (p: BenchmarkProgress) => void {
  const tty = Deno.stderr.isTerminal();
  let lastDraw = -Infinity;
  let lastLogged = { count: 0, at: performance.now() };
  const encoder = new TextEncoder();
  return (p) => {
    const t = performance.now();
    const final = p.trigger === "end";
    if (tty) {
      if (!final && t - lastDraw < 250) return;
      lastDraw = t;
      Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${p.line}${final ? "\n" : ""}`));
    } else if (final || p.done - lastLogged.count >= 10 || t - lastLogged.at >= 10_000) {
      lastLogged = { count: p.done, at: t };
      console.error(p.line);
    }
  };
}

/** `--server-metrics` and its companions, checked (a UsageError names the flag). */
function _serverMetricsFlags(
  f: Record<string, string | boolean | undefined>,
): BenchmarkRunOptions["serverMetrics"] | undefined {
  const url = typeof f["server-metrics"] === "string" ? f["server-metrics"] : undefined;
  const interval = f["server-metrics-interval-ms"];
  const names = f["server-metrics-names"];
  if (url === undefined) {
    if (interval !== undefined || names !== undefined) {
      throw new UsageError(
        "--server-metrics-interval-ms and --server-metrics-names need --server-metrics URL",
      );
    }
    return undefined;
  }
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch { /* reported below */ }
  if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new UsageError(`--server-metrics is not an http(s) URL: '${url}'`);
  }
  const intervalMs = interval === undefined ? 1000 : Number(interval);
  if (typeof interval === "string" && (interval.trim() === "" || !(intervalMs >= 10))) {
    throw new UsageError(`--server-metrics-interval-ms must be a number >= 10, got '${interval}'`);
  }
  const list = typeof names === "string"
    ? names.split(",").map((n) => n.trim()).filter((n) => n !== "")
    : undefined;
  return { url, intervalMs, ...(list ? { names: list } : {}) };
}

/** One line on what the server said of itself, when it was scraped. */
function _serverMetricsLine(run: BenchmarkRunResult): string | null {
  const m = run.report.summary.serverMetrics;
  if (m === undefined) return null;
  const parts = [`${m.scrapes} scrape(s) of ${m.url}`];
  if (m.failedScrapes > 0) parts.push(`${m.failedScrapes} failed (${m.firstError})`);
  const { running, waiting, kvCacheUsage, prefixCacheHitRate } = m.roles;
  const n = (v: number | null | undefined, digits = 1) =>
    v === null || v === undefined ? "-" : v.toFixed(digits);
  if (running) parts.push(`running p50 ${n(running.stats.p50)} max ${n(running.stats.max)}`);
  if (waiting) parts.push(`waiting p50 ${n(waiting.stats.p50)} max ${n(waiting.stats.max)}`);
  if (kvCacheUsage) parts.push(`KV cache max ${n(100 * (kvCacheUsage.stats.max ?? 0))} %`);
  if (prefixCacheHitRate?.overall !== undefined && prefixCacheHitRate.overall !== null) {
    parts.push(`prefix-cache hits ${n(100 * prefixCacheHitRate.overall)} %`);
  }
  return `server metrics: ${parts.join(", ")}`;
}

/** What a finished run prints: tables, files, client health, and a warning when every request
 * failed. */
async function _printRun(run: BenchmarkRunResult): Promise<void> {
  console.log(run.report.tables);
  console.log(`results: ${run.dir}`);
  for (const path of run.paths) console.log(`  ${path}`);
  if (run.dir !== null) await reportRunHealth(run.dir);
  const server = _serverMetricsLine(run);
  if (server !== null) console.error(server);
  const measured = run.records.filter((r) => r.phase === "measure");
  const failed = measured.filter((r) => r.status === "error");
  if (measured.length > 0 && failed.length === measured.length) {
    const codes = new Map<number, number>();
    for (const r of failed) codes.set(r.errorCode!, (codes.get(r.errorCode!) ?? 0) + 1);
    const list = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} x${n}`).join(", ");
    console.error(
      `warning: every request failed (${failed.length} of ${measured.length}: ${list}); ` +
        `the summary says so in ${run.dir}/summary.json`,
    );
  }
}

async function _bench(
  args: string[],
  env: Record<string, string>,
  envSecrets: string[],
  signals: NonNullable<BenchCommandOptions["signals"]>,
): Promise<number> {
  const { values: f } = parseFlags(args, BENCH_FLAGS);
  if (f.help) {
    console.log(BENCH_HELP);
    return 0;
  }
  // ---- validate everything before sending anything
  const { options, built, sweep, search } = await _settings(f, env, envSecrets);
  // First SIGINT/SIGTERM: stop launching, let requests in flight finish for the grace period,
  // then cancel them. A second one cancels them at once.
  const stop = new AbortController();
  const cancelNow = new AbortController();
  let stopReason: string | null = null;
  let stopSignal: Deno.Signal | null = null;
  const gracePeriodS = options.gracePeriodS;
  const onSignal = (name: Deno.Signal) => () => {
    if (stopReason === null) {
      stopReason = `stopped by ${name}`;
      stopSignal = name;
      stop.abort(new DOMException(stopReason, "AbortError"));
      console.error(
        `${name}: no new requests; requests in flight get ${gracePeriodS} s to finish ` +
          `(${name} again cancels them now)`,
      );
    } else if (!cancelNow.signal.aborted) {
      cancelNow.abort(new DOMException(`${stopReason}, then by a second ${name}`, "AbortError"));
    }
  };
  const stoppers: [Deno.Signal, () => void][] = [
    ["SIGINT", onSignal("SIGINT")],
    ["SIGTERM", onSignal("SIGTERM")],
  ];
  for (const [sig, fn] of stoppers) signals.add(sig, fn);
  const run: BenchmarkRunOptions = {
    ...options,
    signal: stop.signal,
    cancelSignal: cancelNow.signal,
    ...(f.quiet ? {} : { onProgress: _progressPrinter(), progressEveryMs: 500 }),
  };
  const stopped = (result: BenchmarkRunResult) => {
    const measured = result.records.filter((r) => r.phase === "measure");
    const cancelled = measured.filter((r) => r.errorCode === 499).length;
    console.error(
      `run ${stopReason}: ${measured.length} of ${result.metadata.maxRequests} requests ` +
        `recorded${cancelled > 0 ? ` (${cancelled} cancelled)` : ""}; results in ${result.dir}`,
    );
    return stopSignal === "SIGTERM" ? 143 : 130;
  };
  try {
    if (search) {
      const { concurrency: _c, rate: _r, slo, ...common } = run;
      const result = await findMaxLoad(built.client, {
        ...common,
        ...search,
        slo: slo!,
        onProbe: (probe) => {
          console.error(
            `search: probe ${probe.probe}, ${search.variable} ${probe.load}: goodput ${
              probe.goodputShare?.toFixed(3) ?? "–"
            } ${probe.meets ? "meets" : "misses"} ${search.goodput}`,
          );
        },
      });
      for (const note of result.notes) console.error(`note: ${note}`);
      console.log(result.table);
      console.log(`search results: ${result.dir}`);
      for (const path of result.paths) console.log(`  ${path}`);
      return result.ended === "stopped" && stopReason !== null
        ? (stopSignal === "SIGTERM" ? 143 : 130)
        : 0;
    }
    if (sweep) {
      const { variable, levels } = sweep;
      let code = 0;
      const result = await runSweep(built.client, {
        ...run,
        variable,
        levels,
        onLevel: async (level, levelRun) => {
          await _printRun(levelRun);
          if (!levelRun.finished && stopReason !== null) {
            code = stopped(levelRun);
            console.error(`sweep: stopped at ${variable} ${level} (exit code ${code})`);
          } else {
            console.error(
              `sweep: ${variable} ${level} done (${levels.indexOf(level) + 1} of ${levels.length})`,
            );
          }
        },
      });
      for (const note of result.notes) console.error(`note: ${note}`);
      console.log("\n" + result.table);
      console.log(`sweep results: ${result.dir}`);
      for (const path of result.paths) console.log(`  ${path}`);
      return code;
    }
    const result = await benchmark(built.client, run);
    await _printRun(result);
    // A signal after the end line stops nothing: the run is finished, and says so.
    return stopReason !== null && !result.finished ? stopped(result) : 0;
  } finally {
    for (const [sig, fn] of stoppers) signals.remove(sig, fn);
    await built.close?.();
  }
}
