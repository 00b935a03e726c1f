/**
 * `deno task bench`: LLMPerf's token benchmark, with LLMPerf's flags and their meaning, plus
 * open-loop rates, warm-up, seeds and a choice of tokenizer. Writes a new results folder.
 *
 * @module
 */
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "../lib/cli/flags.ts";
import {
  corpusFromText,
  createTokenizer,
  openJsonlWriter,
  progressLine,
  type ProgressState,
  type RequestRecord,
  runBenchmark,
  runHeader,
  type RunMetadata,
  synthesizePrompts,
  TOKENIZER_NAMES,
  type TokenizerName,
} from "tokenbench";
import { buildClient, CLIENT_FLAGS, CLIENT_HELP, LLM_APIS, type LlmApi } from "../lib/cli/build_client.ts";
import { newResultsDir } from "../lib/cli/results_dir.ts";
import { isSecretName, redactSecrets, secretsFromEnv } from "../lib/core/redact_secrets.ts";
import { rebuildRunFiles } from "../lib/report/rebuild_run_files.ts";
import { runFooter } from "../lib/report/run_metadata.ts";
import { LENS_NAMES } from "../lib/core/lenses.ts";
import { openSender, reportRunHealth, scaleFlags } from "../lib/cli/scale_flags.ts";
import { runSweep, type SweepContext, sweepRequest } from "../lib/cli/sweep_flags.ts";

const HELP = `deno task bench [flags]

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
  --request-timeout S                per-request timeout, seconds; a timeout is error 408 (default none)
  --first-token-timeout S            error 408 when no token arrives within S of send (default none)
  --grace-period S                   on SIGINT/SIGTERM, let requests in flight finish for up to S,
                                     then cancel them (error 499) (default 5)
  --seed N                           prompt and arrival seed (default 0)
  --tokenizer NAME                   ${TOKENIZER_NAMES.join(" | ")} (default cl100k_base;
                                     llama2 counts as LLMPerf does, BOS included)
  --prompt-mode llmperf|random-tokens  prompt synthesis (default llmperf)
  --corpus FILE                      text file whose lines make the prompts (default: built-in)
  --keep-text                        keep each answer's text in requests.jsonl
  --quiet                            no progress line
Scale and trust (docs/scaling.md):
  --workers N                        Deno Workers sending the requests; 0 = the main thread
                                     (default: the number of cores)
  --transport auto|fetch|http1       transport of the SSE clients (openai, anthropic,
                                     vertexai); auto = http1 (light, over Deno.connect, stamps
                                     chunks at the socket read) for http:// without a proxy,
                                     else fetch (default auto)
  --shard I/N                        run shard I (0-based) of N of this run: its share of the
                                     request ids, concurrency and rate; merge with deno task merge
  --concurrency N|LIST               same as --num-concurrent-requests; a list (1,4,16,64)
                                     runs a sweep: one folder per level and a sweep summary
  --rate R|LIST                      a list (1,2,5,10) runs an open-loop sweep
  --slo NAME:MS,...                  goodput SLOs, e.g. ttft:500,tpot:50,e2e:10000 (default none)
  --lens NAME                        metric definitions of the tables: ${LENS_NAMES.join(", ")}
                                     (default tokenbench)
${CLIENT_HELP}  -h, --help                         show this help
`;

const FLAGS = {
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
  "keep-text": { type: "boolean" },
  quiet: { type: "boolean" },
  workers: { type: "string" },
  transport: { type: "string" },
  shard: { type: "string" },
  concurrency: { type: "string" },
  slo: { type: "string" },
  lens: { type: "string" },
  ...CLIENT_FLAGS,
  help: { type: "boolean", short: "h" },
} as const;

/** Parse `k=v,k=v` into an object; a UsageError names the bad pair. */
export function parseMetadata(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--metadata must be k=v,k=v; bad pair '${pair}'`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
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
        `--additional-sampling-params must not set '${key}' (tokenbench sets it for every request)`,
      );
    }
  }
  return value as Record<string, unknown>;
}

function oneOf<T extends string>(
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
const _RESERVED_PARAMS = ["model", "messages", "prompt", "stream"] as const;

/** Longest timer setTimeout can hold, s (about 24 days). */
const _MAX_TIMER_S = (2 ** 31 - 1) / 1000;

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  const env = Deno.env.toObject();
  const secrets = secretsFromEnv(env);
  return runMain(async () => {
    try {
      return await bench(args, env, secrets);
    } catch (error) {
      // Whatever goes wrong, its message is printed: never with a secret in it.
      if (error instanceof Error) error.message = redactSecrets(error.message, { secrets });
      throw error;
    }
  });
}

async function bench(
  args: string[],
  env: Record<string, string>,
  envSecrets: string[],
  sweep?: SweepContext,
): Promise<number> {
  const { values: f } = parseFlags(args, FLAGS);
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  // A list of concurrencies or rates: one run per level, then the sweep summary.
  const sweepOf = sweep ? null : sweepRequest(f);
  if (sweepOf) {
    return await runSweep(
      args,
      sweepOf,
      (levelArgs, context) => bench(levelArgs, env, envSecrets, context),
    );
  }
  // ---- validate everything before sending anything
  if (!f.model) throw new UsageError("--model is required (e.g. --model gpt-4o-mini)");
  const llmApi = oneOf<LlmApi>("llm-api", f["llm-api"], LLM_APIS, "openai");
  const tokenizerName = oneOf<TokenizerName>(
    "tokenizer",
    f.tokenizer,
    TOKENIZER_NAMES,
    "cl100k_base",
  );
  const promptMode = oneOf(
    "prompt-mode",
    f["prompt-mode"],
    ["llmperf", "random-tokens"] as const,
    "llmperf",
  );
  const arrival = oneOf("arrival", f.arrival, ["poisson", "constant"] as const, "poisson");
  const meanInputTokens = intFlag("mean-input-tokens", f["mean-input-tokens"], 550, { min: 1 });
  const stddevInputTokens = intFlag("stddev-input-tokens", f["stddev-input-tokens"], 150);
  const meanOutputTokens = intFlag("mean-output-tokens", f["mean-output-tokens"], 150, { min: 1 });
  const stddevOutputTokens = intFlag("stddev-output-tokens", f["stddev-output-tokens"], 80);
  if (
    f.concurrency !== undefined && f["num-concurrent-requests"] !== undefined &&
    f.concurrency !== f["num-concurrent-requests"]
  ) {
    throw new UsageError("give --concurrency or --num-concurrent-requests, not both");
  }
  let concurrency = intFlag(
    f.concurrency !== undefined ? "concurrency" : "num-concurrent-requests",
    f.concurrency ?? f["num-concurrent-requests"],
    10,
    { min: 1 },
  );
  const timeoutS = numberFlag("timeout", f.timeout, 90, { min: 0, exclusive: true })!;
  let maxRequests = intFlag("max-num-completed-requests", f["max-num-completed-requests"], 10, {
    min: 1,
  });
  let rate = numberFlag("rate", f.rate, undefined, { min: 0, exclusive: true });
  const maxInFlight = f["max-in-flight"] === undefined
    ? undefined
    : intFlag("max-in-flight", f["max-in-flight"], 0, { min: 1 });
  let warmup = intFlag("warmup", f.warmup, 0);
  const requestTimeoutS = numberFlag("request-timeout", f["request-timeout"], undefined, {
    min: 0,
    exclusive: true,
  });
  const firstTokenTimeoutS = numberFlag(
    "first-token-timeout",
    f["first-token-timeout"],
    undefined,
    { min: 0, exclusive: true },
  );
  const gracePeriodS = numberFlag("grace-period", f["grace-period"], 5, { min: 0 })!;
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
  const seed = intFlag("seed", f.seed, 0);
  const scale = scaleFlags(f, env, { concurrency, maxRequests, warmup, rate, seed });
  // Every shard synthesizes the whole run's prompts (same seed, same prompts) and sends its share.
  const promptCount = warmup + maxRequests;
  if (scale.plan) {
    ({ concurrency, maxRequests, warmup, rate } = scale.plan);
  }
  const samplingParams = parseSamplingParams(f["additional-sampling-params"]);
  const userMetadata = parseMetadata(f.metadata);
  let corpus: string[] | undefined;
  if (f.corpus !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(f.corpus);
    } catch (err) {
      throw new UsageError(`--corpus cannot read '${f.corpus}': ${(err as Error).message}`);
    }
    corpus = corpusFromText(text);
  }
  // Secrets: from the environment, and any flag whose name says it holds one.
  const secrets = [...envSecrets];
  for (const [name, value] of Object.entries(f)) {
    if (typeof value === "string" && isSecretName(name)) secrets.push(value);
  }
  const client = await buildClient(llmApi, f, env);
  const tokenizer = createTokenizer(tokenizerName);
  // All prompts up front (about 1,000 prompts of 1,024 tokens per second): same seed, same prompts.
  const prompts = synthesizePrompts({
    tokenizer,
    count: promptCount,
    seed,
    mode: promptMode,
    corpus,
    meanInputTokens,
    stddevInputTokens,
    meanOutputTokens,
    stddevOutputTokens,
  });
  const dir = await newResultsDir(f["results-dir"], f.model);

  const metadata: RunMetadata = redactSecrets({
    llmApi,
    model: f.model,
    endpoint: client.endpoint,
    simulated: client.simulated,
    ...(client.simulator ? { simulator: client.simulator } : {}),
    tokenizer: tokenizerName,
    promptMode,
    seed,
    meanInputTokens,
    stddevInputTokens,
    meanOutputTokens,
    stddevOutputTokens,
    numConcurrentRequests: concurrency,
    rate: rate ?? null,
    arrival: rate === undefined ? null : arrival,
    maxInFlight: maxInFlight ?? null,
    maxRequests,
    warmup,
    timeoutS,
    requestTimeoutS: requestTimeoutS ?? null,
    firstTokenTimeoutS: firstTokenTimeoutS ?? null,
    gracePeriodS,
    additionalSamplingParams: samplingParams,
    userMetadata,
    ...scale.metadata,
    ...(sweep ? { sweep } : {}),
  }, { secrets });

  // ---- run
  // A folder whose run has not ended carries RUNNING (removed once every file is written), and
  // its requests.jsonl has no end line: `deno task summarize` reports it as unfinished.
  const marker = `${dir}/RUNNING`;
  await Deno.writeTextFile(
    marker,
    JSON.stringify({ pid: Deno.pid, startedAt: new Date().toISOString() }) + "\n",
    { createNew: true },
  );
  // First SIGINT/SIGTERM: stop launching, let requests in flight finish for the grace period,
  // then cancel them. A second one cancels them at once.
  const stop = new AbortController();
  const cancelNow = new AbortController();
  let stopReason: string | null = null;
  let stopSignal: Deno.Signal | null = null;
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
  for (const [sig, fn] of stoppers) Deno.addSignalListener(sig, fn);
  try {
    const jsonl = await openJsonlWriter(`${dir}/requests.jsonl`);
    const progress: ProgressState = {
      total: maxRequests,
      records: [],
      startMs: performance.now(),
    };
    const showProgress = !f.quiet;
    // On a terminal the line is redrawn in place; in a log, a line every 10 requests or 10 s.
    const tty = Deno.stderr.isTerminal();
    let lastDraw = -Infinity;
    let lastLogged = { count: 0, at: performance.now() };
    const draw = (final = false) => {
      if (!showProgress) return;
      const t = performance.now();
      const done = progress.records.length;
      if (tty) {
        if (!final && t - lastDraw < 250) return;
        lastDraw = t;
        const line = progressLine(progress, t);
        Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${line}${final ? "\n" : ""}`));
      } else if (final || done - lastLogged.count >= 10 || t - lastLogged.at >= 10_000) {
        lastLogged = { count: done, at: t };
        console.error(progressLine(progress, t));
      }
    };
    const sender = await openSender(client, scale);
    const timer = showProgress ? setInterval(() => draw(), 500) : undefined;
    try {
      await jsonl.append(runHeader(metadata, { startEpochMs: Date.now() }));
      const result = await runBenchmark(sender.client, {
        model: f.model,
        prompt: (requestId) => prompts[requestId],
        countTokens: (text) => tokenizer.countTokens(text),
        samplingParams,
        concurrency,
        rate,
        arrival,
        maxInFlight,
        maxRequests,
        warmup,
        seed: scale.plan?.arrivalSeed ?? seed,
        pool: sender.pool,
        requestIds: scale.plan?.requestIds,
        durationMs: timeoutS * 1000,
        requestTimeoutMs: requestTimeoutS === undefined ? undefined : requestTimeoutS * 1000,
        firstTokenTimeoutMs: firstTokenTimeoutS === undefined
          ? undefined
          : firstTokenTimeoutS * 1000,
        keepText: f["keep-text"] ?? false,
        signal: stop.signal,
        gracePeriodMs: gracePeriodS * 1000,
        cancelSignal: cancelNow.signal,
        secrets,
        onRecord: async (record: RequestRecord) => {
          await jsonl.append(record);
          if (record.phase === "measure") progress.records.push(record);
          draw();
        },
      });
      // The end line: without it the file belongs to a run that was killed or is still going.
      await jsonl.append(runFooter({ ...metadata, clientHealth: result.clientHealth }, {
        finished: !result.aborted,
        stopReason,
        wallTimeMs: result.wallTimeMs,
        startEpochMs: result.startEpochMs,
        numRecords: result.records.length,
        endedAt: new Date().toISOString(),
      }));
    } finally {
      if (timer !== undefined) clearInterval(timer);
      await jsonl.close();
      tokenizer.free();
      await sender.close();
      await client.close?.();
    }
    draw(true);
    // Every derived file comes from the JSONL, exactly as `deno task summarize` rebuilds them.
    const written = await rebuildRunFiles(dir);
    await Deno.remove(marker);
    console.log(written.tables);
    console.log(`results: ${dir}`);
    for (const path of [jsonl.path, ...written.paths]) console.log(`  ${path}`);
    await reportRunHealth(dir);
    const measured = written.run.records.filter((r) => r.phase === "measure");
    const failed = measured.filter((r) => r.status === "error");
    if (measured.length > 0 && failed.length === measured.length) {
      const codes = new Map<number, number>();
      for (const r of failed) codes.set(r.errorCode!, (codes.get(r.errorCode!) ?? 0) + 1);
      const list = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} x${n}`).join(", ");
      console.error(
        `warning: every request failed (${failed.length} of ${measured.length}: ${list}); ` +
          `the summary says so in ${dir}/summary.json`,
      );
    }
    if (stopReason !== null) {
      const cancelled = failed.filter((r) => r.errorCode === 499).length;
      console.error(
        `run ${stopReason}: ${measured.length} of ${maxRequests} requests recorded` +
          `${cancelled > 0 ? ` (${cancelled} cancelled)` : ""}; results in ${dir}`,
      );
      return stopSignal === "SIGTERM" ? 143 : 130;
    }
    return 0;
  } finally {
    for (const [sig, fn] of stoppers) Deno.removeSignalListener(sig, fn);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
