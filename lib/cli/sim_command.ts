/**
 * `deno task sim`: the built-in simulator as a server until Ctrl-C (or SIGTERM). Flags become
 * {@link startSimulator}'s options; its first stdout line is `listening on http://HOST:PORT`.
 *
 * @module
 */
import { startSimulator } from "../sim/simulator.ts";
import { TOKENIZER_NAMES, type TokenizerName } from "../core/tokenizer.ts";
import { SIM_PROFILE_NAMES, type SimProfileName } from "../sim/sim_profiles.ts";
import { parseSimFault, SIM_FAULT_KINDS, type SimFault } from "../sim/sim_faults.ts";
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * The help text of `deno task sim`: every flag with its default.
 *
 * @example
 * ```ts
 * import { SIM_HELP } from "./sim_command.ts";
 * if (!SIM_HELP.includes("--ttft-ms MS")) throw new Error(SIM_HELP);
 * ```
 */
export const SIM_HELP = `Usage: deno task sim [flags]

Runs tokenbench's simulated LLM endpoint until Ctrl-C: OpenAI chat/completions and Responses,
Anthropic Messages, SageMaker, Vertex AI Gemini and Bedrock, each in its own wire format.
First stdout line: listening on http://HOST:PORT
OpenAI base URL: http://HOST:PORT/v1 ; ground-truth log: GET /_sim/log ; settings: GET /_sim/info ;
server metrics (Prometheus text, vLLM names): GET /metrics

  --port N                 port to listen on, 0 = a free port (default 0)
  --host HOST              interface to listen on (default 127.0.0.1)
  --ttft-ms MS             time to first token after the request arrives (default 200)
  --itl-ms MS              time per output token (default 20)
  --jitter-ms MS           uniform noise of +-MS on every delay (default 0)
  --tokens-per-chunk N     tokens per streamed chunk (default 1)
  --error-rate P           fraction of requests answered with an HTTP error (default 0)
  --error-statuses LIST    statuses of injected HTTP errors, comma-separated (default 500,429)
  --stream-error-rate P    fraction of streams broken by an in-stream error chunk (default 0)
  --output-tokens N        fixed answer length, capped by max_tokens (default: max_tokens)
  --default-max-tokens N   answer length when a request has no max_tokens (default 256)
  --max-running N          answer at most N requests at once, the others wait in arrival order
                           (vLLM's --max-num-seqs; default: no limit)
  --kv-cache-tokens N      KV-cache size behind GET /metrics' vllm:kv_cache_usage_perc
                           (default 131072)
  --seed N                 seed of the answers' randomness (default 1)
  --tokenizer NAME         ${TOKENIZER_NAMES.join(", ")} (default cl100k_base)
  --profile NAME           latency preset fitted to published measurements, overriding
                           --ttft-ms/--itl-ms: ${SIM_PROFILE_NAMES.join(", ")} (default none)
  --api-key KEY            require this key (Authorization: Bearer, api-key, x-api-key or
                           x-goog-api-key) (default: none)
  --raw-http               serve with tokenbench's minimal HTTP/1.1 server instead of Deno.serve:
                           each chunk reaches the socket as it is stamped (calibration uses it;
                           not with the reset-before-headers fault)
  --prefix-cache-tokens N  prefix cache of N tokens (least recently used blocks dropped):
                           a request's leading blocks seen before are cached, its TTFT is
                           ttft-ms x (1 - cached/prompt tokens), and the usage fields report
                           them (default 0: no cache)
  --prefix-cache-block N   tokens per cache block (default 16)
  --max-batch B            capacity model: at most B sequences at once, later arrivals wait for
                           a slot; TTFT and ITL then depend on load (docs/workloads.md)
                           (default none: latency independent of load)
  --prefill-tokens-per-s R capacity model: prompts (uncached tokens) prefilled one after the
                           other at R tokens/s (default: no prefill time; needs --max-batch)
  --itl-growth G           capacity model: ITL x (1 + G x (running - 1)) (default 0)
  --quota-rpm N            answer 429 (Bedrock ThrottlingException) beyond N requests/minute
                           (token bucket holding one second's worth) (default none)
  --quota-tpm N            the same for tokens/minute (prompt + max_tokens) (default none)
  --correctness-error-rate P
                           LLMPerf correctness prompts are answered with the number in digits,
                           and with a wrong number at this rate (default 0)
  --fault KIND[:RATE][:key=value...]
                           inject a fault (repeatable; default none). KIND: ${
  SIM_FAULT_KINDS.join(", ")
}.
                           RATE = fraction of requests (default: every request); keys: every=N,
                           requests=I+J, burst=N, after-chunks=N, stall-ms=MS, retry-after-s=S,
                           tokens=N, bytes=N, drip-ms=MS. E.g. --fault http-429:0.05:burst=3
  --help                   show this help
`;

const _FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  "ttft-ms": { type: "string" },
  "itl-ms": { type: "string" },
  "jitter-ms": { type: "string" },
  "tokens-per-chunk": { type: "string" },
  "error-rate": { type: "string" },
  "error-statuses": { type: "string" },
  "stream-error-rate": { type: "string" },
  "output-tokens": { type: "string" },
  "default-max-tokens": { type: "string" },
  "max-running": { type: "string" },
  "kv-cache-tokens": { type: "string" },
  seed: { type: "string" },
  tokenizer: { type: "string" },
  "api-key": { type: "string" },
  profile: { type: "string" },
  "correctness-error-rate": { type: "string" },
  "raw-http": { type: "boolean" },
  "prefix-cache-tokens": { type: "string" },
  "prefix-cache-block": { type: "string" },
  "max-batch": { type: "string" },
  "prefill-tokens-per-s": { type: "string" },
  "itl-growth": { type: "string" },
  "quota-rpm": { type: "string" },
  "quota-tpm": { type: "string" },
  fault: { type: "string", multiple: true },
  help: { type: "boolean" },
} as const;

/**
 * `deno task sim`: parse `args`, start the simulator, print `listening on URL` and serve until
 * SIGINT/SIGTERM; returns the exit code (0). Bad input is a {@link UsageError} before anything
 * listens; a port that cannot be had is one too.
 *
 * @example Help
 * ```ts
 * import { simCommand } from "./sim_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await simCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--itl-ms MS")) throw new Error(text);
 * ```
 */
export async function simCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, _FLAGS);
  if (values.help) {
    console.log(SIM_HELP);
    return 0;
  }
  const port = intFlag("port", values.port, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got '${values.port}'`);
  const rate = (name: string, value: string | undefined) => {
    const n = numberFlag(name, value, 0)!;
    if (n > 1) throw new UsageError(`--${name} must be a number between 0 and 1, got '${value}'`);
    return n;
  };
  const tokenizer = values.tokenizer ?? "cl100k_base";
  if (!(TOKENIZER_NAMES as readonly string[]).includes(tokenizer)) {
    throw new UsageError(
      `--tokenizer must be one of ${TOKENIZER_NAMES.join(", ")}, got '${tokenizer}'`,
    );
  }
  const errorStatuses = values["error-statuses"]?.split(",").map((text) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isInteger(n) || n < 400 || n > 599) {
      throw new UsageError(
        `--error-statuses must be HTTP error statuses (400-599), got '${values["error-statuses"]}'`,
      );
    }
    return n;
  });
  const profile = values.profile;
  if (profile !== undefined && !(SIM_PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new UsageError(
      `--profile must be one of ${SIM_PROFILE_NAMES.join(", ")}, got '${profile}'`,
    );
  }
  const seedText = values.seed;
  const seed = seedText === undefined ? 1 : Number(seedText);
  if (seedText !== undefined && (seedText.trim() === "" || !Number.isSafeInteger(seed))) {
    throw new UsageError(`--seed must be an integer, got '${seedText}'`);
  }
  const faults: SimFault[] = (values.fault ?? []).map((text) => {
    try {
      return parseSimFault(text);
    } catch (error) {
      throw new UsageError(
        `--fault ${(error as Error).message.replace(/^Cannot parse fault /, "")}`,
      );
    }
  });
  const cacheTokens = intFlag("prefix-cache-tokens", values["prefix-cache-tokens"], 0);
  const cacheBlock = intFlag("prefix-cache-block", values["prefix-cache-block"], 16, { min: 1 });
  if (cacheTokens > 0 && cacheTokens < cacheBlock) {
    throw new UsageError(
      `--prefix-cache-tokens must be at least --prefix-cache-block (${cacheBlock}), got '${cacheTokens}'`,
    );
  }
  const maxBatch = values["max-batch"] === undefined
    ? undefined
    : intFlag("max-batch", values["max-batch"], 1, { min: 1 });
  if (
    maxBatch === undefined &&
    (values["prefill-tokens-per-s"] !== undefined || values["itl-growth"] !== undefined)
  ) {
    throw new UsageError("--prefill-tokens-per-s and --itl-growth need --max-batch B");
  }
  const capacity = maxBatch === undefined ? undefined : {
    maxBatch,
    prefillTokensPerS: numberFlag(
      "prefill-tokens-per-s",
      values["prefill-tokens-per-s"],
      Infinity,
      { min: 0, exclusive: true },
    ),
    itlGrowth: numberFlag("itl-growth", values["itl-growth"], 0, { min: 0 }),
  };
  const quotaFlag = (name: string) =>
    values[name as "quota-rpm"] === undefined
      ? undefined
      : numberFlag(name, values[name as "quota-rpm"], 0, { min: 0, exclusive: true });
  const rpm = quotaFlag("quota-rpm");
  const tpm = quotaFlag("quota-tpm");
  const options = {
    ...(capacity ? { capacity } : {}),
    ...(rpm !== undefined || tpm !== undefined
      ? { quota: { ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}) } }
      : {}),
    ...(cacheTokens > 0
      ? { prefixCache: { capacityTokens: cacheTokens, blockTokens: cacheBlock } }
      : {}),
    faults,
    port,
    hostname: values.host ?? "127.0.0.1",
    ttftMs: numberFlag("ttft-ms", values["ttft-ms"], 200),
    itlMs: numberFlag("itl-ms", values["itl-ms"], 20),
    jitterMs: numberFlag("jitter-ms", values["jitter-ms"], 0),
    tokensPerChunk: intFlag("tokens-per-chunk", values["tokens-per-chunk"], 1, { min: 1 }),
    errorRate: rate("error-rate", values["error-rate"]),
    errorStatuses,
    streamErrorRate: rate("stream-error-rate", values["stream-error-rate"]),
    correctnessErrorRate: rate("correctness-error-rate", values["correctness-error-rate"]),
    outputTokens: values["output-tokens"] === undefined
      ? undefined
      : intFlag("output-tokens", values["output-tokens"], 0),
    defaultMaxTokens: intFlag("default-max-tokens", values["default-max-tokens"], 256),
    maxRunning: values["max-running"] === undefined
      ? undefined
      : intFlag("max-running", values["max-running"], 1, { min: 1 }),
    kvCacheTokens: intFlag("kv-cache-tokens", values["kv-cache-tokens"], 131072, { min: 1 }),
    seed,
    tokenizer: tokenizer as TokenizerName,
    apiKey: values["api-key"],
    profile: profile as SimProfileName | undefined,
    rawHttp: values["raw-http"] === true,
  };
  let simulator;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(
        `cannot listen on ${options.hostname}:${port}: ${error.message.split("\n")[0]}`,
      );
    }
    throw error;
  }
  console.log(`listening on ${simulator.url}`);
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const name of signals) Deno.addSignalListener(name, stop);
  await stopped;
  for (const name of signals) Deno.removeSignalListener(name, stop);
  await simulator.close();
  return 0;
}

/**
 * The `main` of `scripts/sim.ts`: {@link simCommand} with one-line errors (exit code 2 for bad
 * input, 1 otherwise).
 *
 * @example A bad flag is one line on stderr and exit code 2
 * ```ts
 * import { simMain } from "./sim_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await simMain(["--port", "70000"]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (text !== "error: --port must be at most 65535, got '70000'") throw new Error(text);
 * ```
 */
export function simMain(args: string[]): Promise<number> {
  return runMain(() => simCommand(args));
}
