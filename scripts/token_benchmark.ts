/**
 * `deno task bench`: LLMPerf's token benchmark, with LLMPerf's flags and their meaning, plus
 * open-loop rates, warm-up, seeds and a choice of tokenizer. Writes a new results folder.
 *
 * @module
 */
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./_cli.ts";
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
  writeRunFiles,
} from "tokenbench";
import { buildClient, LLM_APIS, type LlmApi } from "./_clients.ts";
import { newResultsDir } from "./_results_dir.ts";

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
  --seed N                           prompt and arrival seed (default 0)
  --tokenizer NAME                   ${TOKENIZER_NAMES.join(" | ")} (default cl100k_base;
                                     llama2 counts as LLMPerf does, BOS included)
  --prompt-mode llmperf|random-tokens  prompt synthesis (default llmperf)
  --corpus FILE                      text file whose lines make the prompts (default: built-in)
  --keep-text                        keep each answer's text in requests.jsonl
  --quiet                            no progress line
OpenAI-compatible (--llm-api openai):
  --base-url URL                     default $OPENAI_API_BASE; key from $OPENAI_API_KEY
  --endpoint chat|completions        default chat
Bedrock (--llm-api bedrock):
  --bedrock-api converse|invoke      default converse
  --region R                         default $AWS_REGION
  --endpoint-url URL                 default $AWS_ENDPOINT_URL_BEDROCK_RUNTIME
  --retries N                        SDK retries (default 0, so throttling shows)
  -h, --help                         show this help
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
  seed: { type: "string" },
  tokenizer: { type: "string" },
  "prompt-mode": { type: "string" },
  corpus: { type: "string" },
  "keep-text": { type: "boolean" },
  quiet: { type: "boolean" },
  "base-url": { type: "string" },
  endpoint: { type: "string" },
  "bedrock-api": { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
  retries: { type: "string" },
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

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return runMain(() => bench(args));
}

async function bench(args: string[]): Promise<number> {
  const { values: f } = parseFlags(args, FLAGS);
  if (f.help) {
    console.log(HELP);
    return 0;
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
  const concurrency = intFlag("num-concurrent-requests", f["num-concurrent-requests"], 10, {
    min: 1,
  });
  const timeoutS = numberFlag("timeout", f.timeout, 90, { min: 0, exclusive: true })!;
  const maxRequests = intFlag("max-num-completed-requests", f["max-num-completed-requests"], 10, {
    min: 1,
  });
  const rate = numberFlag("rate", f.rate, undefined, { min: 0, exclusive: true });
  const maxInFlight = f["max-in-flight"] === undefined
    ? undefined
    : intFlag("max-in-flight", f["max-in-flight"], 0, { min: 1 });
  const warmup = intFlag("warmup", f.warmup, 0);
  const requestTimeoutS = numberFlag("request-timeout", f["request-timeout"], undefined, {
    min: 0,
    exclusive: true,
  });
  const seed = intFlag("seed", f.seed, 0);
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
  const client = await buildClient(llmApi, f, Deno.env.toObject());
  const tokenizer = createTokenizer(tokenizerName);
  // All prompts up front (about 1,000 prompts of 1,024 tokens per second): same seed, same prompts.
  const prompts = synthesizePrompts({
    tokenizer,
    count: warmup + maxRequests,
    seed,
    mode: promptMode,
    corpus,
    meanInputTokens,
    stddevInputTokens,
    meanOutputTokens,
    stddevOutputTokens,
  });
  const dir = await newResultsDir(f["results-dir"], f.model);

  const metadata: RunMetadata = {
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
    additionalSamplingParams: samplingParams,
    userMetadata,
  };

  // ---- run
  const controller = new AbortController();
  let stopReason: string | null = null;
  const onSignal = (name: string) => () => {
    if (stopReason) return;
    stopReason = `stopped by ${name}`;
    controller.abort(new DOMException(stopReason, "AbortError"));
  };
  const stoppers: [Deno.Signal, () => void][] = [["SIGINT", onSignal("SIGINT")], [
    "SIGTERM",
    onSignal("SIGTERM"),
  ]];
  for (const [sig, fn] of stoppers) Deno.addSignalListener(sig, fn);

  const jsonl = await openJsonlWriter(`${dir}/requests.jsonl`);
  await jsonl.append(runHeader(metadata));
  const progress: ProgressState = { total: maxRequests, records: [], startMs: performance.now() };
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
  const timer = showProgress ? setInterval(() => draw(), 500) : undefined;
  let result;
  try {
    result = await runBenchmark(client.client, {
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
      seed,
      durationMs: timeoutS * 1000,
      requestTimeoutMs: requestTimeoutS === undefined ? undefined : requestTimeoutS * 1000,
      keepText: f["keep-text"] ?? false,
      signal: controller.signal,
      onRecord: async (record: RequestRecord) => {
        await jsonl.append(record);
        if (record.phase === "measure") progress.records.push(record);
        draw();
      },
    });
  } finally {
    if (timer !== undefined) clearInterval(timer);
    for (const [sig, fn] of stoppers) Deno.removeSignalListener(sig, fn);
    await jsonl.close();
    tokenizer.free();
    await client.close?.();
  }
  draw(true);
  const written = await writeRunFiles(dir, {
    records: result.records,
    wallTimeMs: result.wallTimeMs,
    startEpochMs: result.startEpochMs,
    metadata: { ...metadata, stopReason, finished: !result.aborted },
  });
  console.log(written.tables);
  console.log(`results: ${dir}`);
  for (const path of [jsonl.path, ...written.paths]) console.log(`  ${path}`);
  if (stopReason) {
    console.error(`run ${stopReason}: wrote ${progress.records.length} of ${maxRequests} requests`);
    return 130;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
