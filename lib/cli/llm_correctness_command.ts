/**
 * `deno task correctness`: LLMPerf's correctness test (`llm_correctness.py`). Each request asks
 * the model to turn a random number from 0 to 10000, written in words, into digits; a reply
 * passes when the number is among its runs of digits (commas between digits removed). Reports
 * the mismatch and error rates and writes a new results folder.
 *
 * @module
 */
import { createRandom } from "../core/random.ts";
import { createTokenizer } from "../core/tokenizer.ts";
import type { RequestRecord } from "../core/request_record.ts";
import {
  CORRECTNESS_MAX_NUMBER,
  correctnessCases,
  correctnessFileStem,
  correctnessLlmperfSummary,
  type CorrectnessRecord,
  correctnessRecord,
  summarizeCorrectness,
} from "../core/correctness.ts";
import { openJsonlWriter } from "../report/jsonl_writer.ts";
import { SCHEMA_VERSION, TOOL_VERSION } from "../report/run_metadata.ts";
import { runBenchmark } from "../run/run_benchmark.ts";
import { parseMetadata, parseSamplingParams } from "./bench_command.ts";
import { buildClient, CLIENT_FLAGS, CLIENT_HELP, LLM_APIS, type LlmApi } from "./build_client.ts";
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./flags.ts";
import { newResultsDir } from "./results_dir.ts";
import { configuredSecrets } from "./configured_secrets.ts";
import { redactSecrets } from "../core/redact_secrets.ts";

/**
 * The help text of `deno task correctness`: LLMPerf's flags, tokenbench's, and the endpoint
 * flags of every `--llm-api`, each with its default.
 *
 * @example
 * ```ts
 * import { LLM_CORRECTNESS_HELP } from "./llm_correctness_command.ts";
 * if (!LLM_CORRECTNESS_HELP.includes("--max-tokens N")) throw new Error(LLM_CORRECTNESS_HELP);
 * ```
 */
export const LLM_CORRECTNESS_HELP = `deno task correctness [flags]

LLMPerf's correctness test: ask for a random number from 0 to ${CORRECTNESS_MAX_NUMBER}, written in
words, in digits; a reply passes when the number is in it (commas between digits removed).

LLMPerf's flags (same meaning, same defaults):
  --model NAME                       model id (required)
  --num-concurrent-requests N        requests in flight (default 10)
  --timeout S                        time budget of the whole test, seconds (default 90)
  --max-num-completed-requests N     requests to send (default 50)
  --additional-sampling-params JSON  merged into each request (default {}; temperature is 0
                                     unless given here)
  --results-dir DIR                  new folder for the results (default results/<time>_<model>)
  --llm-api NAME                     ${LLM_APIS.join(" | ")} (default openai)
  --metadata k=v,k=v                 recorded in the summary (default none)

tokenbench's flags:
  --max-tokens N                     max output tokens per request (default 64; LLMPerf sends
                                     none)
  --request-timeout S                per-request timeout, seconds; a timeout is error 408
                                     (default none)
  --seed N                           seed of the numbers asked for (default 0)
  --quiet                            no progress lines
${CLIENT_HELP}  -h, --help                         show this help
`;

const _FLAGS = {
  model: { type: "string" },
  "num-concurrent-requests": { type: "string" },
  timeout: { type: "string" },
  "max-num-completed-requests": { type: "string" },
  "additional-sampling-params": { type: "string" },
  "results-dir": { type: "string" },
  "llm-api": { type: "string" },
  metadata: { type: "string" },
  "max-tokens": { type: "string" },
  "request-timeout": { type: "string" },
  seed: { type: "string" },
  quiet: { type: "boolean" },
  ...CLIENT_FLAGS,
  help: { type: "boolean", short: "h" },
} as const;

/** Options of {@link llmCorrectnessCommand}. */
export interface LlmCorrectnessCommandOptions {
  /** The environment (`OPENAI_API_KEY`, `AWS_REGION`, …). Default none. */
  env?: Record<string, string>;
}

/**
 * `deno task correctness`: parse `args`, build the client, send LLMPerf's correctness requests
 * ({@link correctnessCases}) through {@link runBenchmark}, judge each reply
 * ({@link correctnessRecord}) into a new results folder (`correctness.jsonl`,
 * `correctness_summary.json`, LLMPerf's `*_summary.json`), print LLMPerf's report and return the
 * exit code (0; 130 when stopped by SIGINT/SIGTERM). Bad input is a {@link UsageError} before
 * anything is sent or written.
 *
 * @example Help
 * ```ts
 * import { llmCorrectnessCommand } from "./llm_correctness_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await llmCorrectnessCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--max-num-completed-requests")) throw new Error(text);
 * ```
 */
export async function llmCorrectnessCommand(
  args: string[],
  options: LlmCorrectnessCommandOptions = {},
): Promise<number> {
  const { values: f } = parseFlags(args, _FLAGS);
  if (f.help) {
    console.log(LLM_CORRECTNESS_HELP);
    return 0;
  }
  // ---- validate everything before sending anything
  if (!f.model) throw new UsageError("--model is required (e.g. --model gpt-4o-mini)");
  const llmApi = (f["llm-api"] ?? "openai") as LlmApi;
  if (!(LLM_APIS as readonly string[]).includes(llmApi)) {
    throw new UsageError(`--llm-api must be one of ${LLM_APIS.join(", ")}, got '${llmApi}'`);
  }
  const concurrency = intFlag("num-concurrent-requests", f["num-concurrent-requests"], 10, {
    min: 1,
  });
  const timeoutS = numberFlag("timeout", f.timeout, 90, { min: 0, exclusive: true })!;
  const maxRequests = intFlag("max-num-completed-requests", f["max-num-completed-requests"], 50, {
    min: 1,
  });
  const maxTokens = intFlag("max-tokens", f["max-tokens"], 64, { min: 1 });
  const requestTimeoutS = numberFlag("request-timeout", f["request-timeout"], undefined, {
    min: 0,
    exclusive: true,
  });
  const seed = intFlag("seed", f.seed, 0);
  const userSamplingParams = parseSamplingParams(f["additional-sampling-params"]);
  const samplingParams = { temperature: 0, ...userSamplingParams };
  const userMetadata = parseMetadata(f.metadata);
  const env = options.env ?? {};
  const client = await buildClient(llmApi, f, env);
  const secrets = configuredSecrets({ args, env, values: [userSamplingParams, userMetadata] });
  const cases = correctnessCases(maxRequests, createRandom(seed));
  const dir = await newResultsDir(f["results-dir"], f.model);

  const metadata = redactSecrets({
    test: "correctness",
    llmApi,
    model: f.model,
    endpoint: client.endpoint,
    simulated: client.simulated,
    ...(client.simulator ? { simulator: client.simulator } : {}),
    seed,
    numConcurrentRequests: concurrency,
    maxRequests,
    maxTokens,
    timeoutS,
    requestTimeoutS: requestTimeoutS ?? null,
    samplingParams,
    userMetadata,
    tokenizer: "cl100k_base",
  }, { secrets });

  // ---- run
  const controller = new AbortController();
  let stopReason: string | null = null;
  const stoppers: [Deno.Signal, () => void][] = (["SIGINT", "SIGTERM"] as const).map((name) => [
    name,
    () => {
      if (stopReason) return;
      stopReason = `stopped by ${name}`;
      controller.abort(new DOMException(stopReason, "AbortError"));
    },
  ]);
  for (const [sig, fn] of stoppers) Deno.addSignalListener(sig, fn);
  const tokenizer = createTokenizer("cl100k_base");
  const jsonlPath = `${dir}/correctness.jsonl`;
  const jsonl = await openJsonlWriter(jsonlPath);
  await jsonl.append({
    kind: "run",
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    metadata,
  });
  const judged: CorrectnessRecord[] = [];
  const progress = () => {
    if (f.quiet) return;
    const s = summarizeCorrectness(judged);
    console.error(
      `${s.numCompletedRequests}/${maxRequests} done, ${s.numMismatchedRequests} mismatched, ` +
        `${s.numErrors} errors`,
    );
  };
  let result;
  try {
    result = await runBenchmark(client.client, {
      model: f.model,
      prompt: (requestId) => ({
        prompt: cases[requestId].prompt,
        inputTokens: tokenizer.countTokens(cases[requestId].prompt),
        maxOutputTokens: maxTokens,
      }),
      countTokens: (text) => tokenizer.countTokens(text),
      samplingParams,
      concurrency,
      maxRequests,
      durationMs: timeoutS * 1000,
      requestTimeoutMs: requestTimeoutS === undefined ? undefined : requestTimeoutS * 1000,
      keepText: true,
      signal: controller.signal,
      secrets,
      onRecord: async (record: RequestRecord) => {
        const line = correctnessRecord(cases[record.requestId], record);
        judged.push(line);
        await jsonl.append(line);
        if (judged.length % 10 === 0) progress();
      },
    });
  } finally {
    for (const [sig, fn] of stoppers) Deno.removeSignalListener(sig, fn);
    await jsonl.close();
    tokenizer.free();
    await client.close?.();
  }
  if (judged.length % 10 !== 0) progress();

  // ---- report, as llm_correctness.py does
  judged.sort((a, b) => a.requestId - b.requestId);
  const summary = summarizeCorrectness(judged);
  const stem = correctnessFileStem(f.model);
  const llmperf = correctnessLlmperfSummary(summary, {
    model: f.model,
    llmApi,
    numConcurrentRequests: concurrency,
    additionalSamplingParams: redactSecrets(userSamplingParams, { secrets }),
    userMetadata: metadata.userMetadata,
    timestampS: Math.floor(Date.now() / 1000),
  });
  const llmperfPath = `${dir}/${stem}_summary.json`;
  const summaryPath = `${dir}/correctness_summary.json`;
  const write = (path: string, value: unknown) =>
    Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n", { createNew: true });
  await write(llmperfPath, llmperf);
  await write(summaryPath, {
    kind: "correctness-summary",
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    metadata: { ...metadata, stopReason, finished: !result.aborted },
    ...summary,
    wallTimeMs: result.wallTimeMs,
    startEpochMs: result.startEpochMs,
  });
  const failed = judged.filter((r) => r.verdict !== "pass");
  if (failed.length > 0) console.log("Mismatched and errored requests.");
  for (const r of failed) {
    console.log(
      r.verdict === "error"
        ? `    The request errored: ${r.errorCode}, ${r.errorMessage}`
        : `    mismatched request: ${JSON.stringify(r.reply)}, expected: ${r.number}`,
    );
  }
  const rate = (x: number | null) => (x === null ? "n/a" : String(x));
  console.log(`Results for llm correctness test for ${f.model} queried with the ${llmApi} api.`);
  console.log(`Errors: ${summary.numErrors}, Error rate: ${rate(summary.errorRate)}`);
  console.log(
    `Mismatched: ${summary.numMismatchedRequests}, Mismatch rate: ${rate(summary.mismatchRate)}`,
  );
  console.log(`Completed: ${summary.numCompletedRequests}`);
  console.log(`Completed without errors: ${summary.numNonErroredRequests}`);
  console.log(`results: ${dir}`);
  for (const path of [jsonlPath, summaryPath, llmperfPath]) console.log(`  ${path}`);
  if (stopReason) {
    console.error(`test ${stopReason}: wrote ${judged.length} of ${maxRequests} requests`);
    return 130;
  }
  return 0;
}

/**
 * The `main` of `scripts/llm_correctness.ts`: {@link llmCorrectnessCommand} with one-line errors
 * (exit code 2 for bad input, 1 otherwise).
 *
 * @example A missing --model is one line on stderr and exit code 2
 * ```ts
 * import { llmCorrectnessMain } from "./llm_correctness_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await llmCorrectnessMain([], {}) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (!text.startsWith("error: --model is required")) throw new Error(text);
 * ```
 */
export function llmCorrectnessMain(
  args: string[],
  env: Record<string, string> = {},
): Promise<number> {
  return runMain(async () => {
    try {
      return await llmCorrectnessCommand(args, { env });
    } catch (error) {
      // Its message is printed: never with a secret in it.
      if (error instanceof Error) {
        error.message = redactSecrets(error.message, {
          secrets: configuredSecrets({ args, env }),
        });
      }
      throw error;
    }
  });
}
