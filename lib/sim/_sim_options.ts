/**
 * The simulator's options ({@link SimulatorOptions}, re-exported by `simulator.ts`) and their
 * checking: {@link resolveSimOptions} fills in every default and throws a `RangeError` naming the
 * first bad value, before anything is started.
 *
 * @module
 */
import { createOpenAiSimFormat } from "./openai_sim_format.ts";
import { createBedrockSimFormat } from "./sim_bedrock.ts";
import { createAnthropicSimFormat } from "./sim_anthropic.ts";
import { createSageMakerSimFormat } from "./sim_sagemaker.ts";
import { createVertexSimFormat } from "./sim_vertex.ts";
import { createOpenAiResponsesSimFormat } from "./sim_openai_responses.ts";
import { sampleSimProfile, type SimProfile, type SimProfileName } from "./sim_profiles.ts";
import type { SimBehaviour } from "./sim_plan.ts";
import { createRandom } from "../core/random.ts";
import type { SimWireFormat } from "./sim_wire_format.ts";
import type { TokenizerName } from "../core/tokenizer.ts";
import { type SimFault, validateSimFaults } from "./sim_faults.ts";
import { createSimCapacity, type SimCapacityOptions } from "./sim_capacity.ts";
import { createSimQuota, type SimQuotaOptions } from "./sim_quota.ts";

/** Options of `startSimulator` (simulator.ts). */
export interface SimulatorOptions extends Partial<SimBehaviour> {
  /** Port to listen on; 0 picks a free port. Default 0. */
  port?: number;
  /** Interface to listen on. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Time to first token, ms after the request arrived. Default 200. */
  ttftMs?: number;
  /** Time per output token, ms. Default 20. */
  itlMs?: number;
  /** Uniform noise added to every delay, ±ms. Default 0. */
  jitterMs?: number;
  /** Tokens per content chunk. Default 1. */
  tokensPerChunk?: number;
  /** Fraction of requests answered with an HTTP error (`errorStatuses`). Default 0. */
  errorRate?: number;
  /** Fraction of requests whose stream breaks with an in-stream error. Default 0. */
  streamErrorRate?: number;
  /** Seed: request `i` (in arrival order) gets the `i`-th seed drawn from a generator seeded
   * with it, so the same seed and request order give the same answers. Default 1. */
  seed?: number;
  /** Tokenizer whose tokens the answers are made of and that counts prompts.
   * Default `"cl100k_base"`. */
  tokenizer?: TokenizerName;
  /** Output length when a request gives no `max_tokens`. Default 256. */
  defaultMaxTokens?: number;
  /**
   * At most this many requests are answered at once (vLLM's `--max-num-seqs`); the others wait
   * in arrival order, their TTFT growing by the wait, and show as waiting in `GET /metrics`.
   * Default: no limit.
   */
  maxRunning?: number;
  /** KV-cache size in tokens of `GET /metrics`'s `vllm:kv_cache_usage_perc`: the prompt and
   * sent tokens of the running requests over this. Default 131072. */
  kvCacheTokens?: number;
  /** When set, requests must carry it as `Authorization: Bearer …`, `api-key`, `x-api-key`
   * (Anthropic) or `x-goog-api-key` (Vertex AI), else 401. Default: no check. */
  apiKey?: string;
  /** LLMPerf correctness prompts ("Convert the following sequence of words into a number: …")
   * are answered with the number in digits, and with another number at this rate (0..1), so the
   * correctness test can be tested. Other prompts are unaffected. Default 0 (always right). */
  correctnessErrorRate?: number;
  /**
   * Serve with tokenbench's minimal HTTP/1.1 server (`sim_raw_http.ts`) instead of `Deno.serve`:
   * every chunk is written to the socket as it is stamped, so send stamps are exact (calibration
   * uses it). Not with the `reset-before-headers` fault. Default false.
   */
  rawHttp?: boolean;
  /** Requests kept in the log (oldest dropped first; fetch `GET /_sim/log?since=ID` as you go
   * to keep more). Default 10000. */
  logLimit?: number;
  /** Wire formats served. Default OpenAI chat, completions and Responses, Anthropic Messages, SageMaker
   * InvokeEndpointWithResponseStream, Vertex AI streamGenerateContent, Bedrock ConverseStream and
   * InvokeModelWithResponseStream. */
  formats?: readonly SimWireFormat[];
  /** Latency preset: each request's TTFT, ITL and answer length are drawn from the profile's
   * distributions (fitted to published measurements), overriding `ttftMs`/`itlMs`. Default none. */
  profile?: SimProfileName | SimProfile;
  /** Injected faults (429 bursts, 5xx, connection resets, stalls, malformed streams, …; see
   * `SimFault` in sim_faults.ts), on a schedule or at random. Default none. */
  faults?: readonly SimFault[];
  /**
   * Prefix cache (like vLLM's automatic prefix caching): prompts are cut into blocks of
   * `blockTokens` token ids; a request's leading blocks seen before (up to `capacityTokens`,
   * least recently used dropped first) are its cached tokens. Its time to first token is
   * `ttftMs × (1 − cached / input tokens)`, and the usage fields report the cached tokens in
   * each provider's format. Default none (no cache, today's timing).
   */
  prefixCache?: { capacityTokens: number; blockTokens?: number };
  /**
   * Capacity model (`sim_capacity.ts`): at most `maxBatch` sequences at once, prompts prefilled
   * one after the other at `prefillTokensPerS`, ITL growing by `itlGrowth × itlMs` per other
   * running sequence; TTFT then includes the waits (formulas in docs/workloads.md). Default
   * none (latency independent of load).
   */
  capacity?: SimCapacityOptions;
  /** Provider quotas (`sim_quota.ts`): requests and tokens per minute; a request over quota is
   * answered 429 (Bedrock `ThrottlingException`) with `retry-after`. Default none. */
  quota?: SimQuotaOptions;
  /** Closes the simulator when aborted. Default none. */
  signal?: AbortSignal;
}

/** {@link SimulatorOptions} with every default filled in and every value checked. */
export interface SimSettings {
  /** Timing and error behaviour (`ttftMs`, `itlMs`, … with their defaults). */
  behaviour: SimBehaviour;
  /** Port to listen on (0: a free port). */
  port: number;
  /** Interface to listen on. */
  hostname: string;
  /** The seed. */
  seed: number;
  /** Tokenizer of the answers and prompt counts. */
  tokenizerName: TokenizerName;
  /** Output length when a request gives no `max_tokens`. */
  defaultMaxTokens: number;
  /** Requests answered at once (`Infinity`: no limit). */
  maxRunning: number;
  /** KV-cache size in tokens (for `/metrics`). */
  kvCacheTokens: number;
  /** Requests kept in the log. */
  logLimit: number;
  /** Rate of wrong answers to correctness prompts. */
  correctnessErrorRate: number;
  /** Wire formats served. */
  formats: readonly SimWireFormat[];
  /** Latency preset, if any (already checked). */
  profile: SimProfileName | SimProfile | undefined;
  /** Injected faults (already checked). */
  faults: readonly SimFault[];
  /** Required API key, if any. */
  apiKey: string | undefined;
  /** Serve with the raw HTTP/1.1 server. */
  rawHttp: boolean;
  /** The prefix cache's size and block, if any (already checked). */
  prefixCache: { capacityTokens: number; blockTokens: number } | undefined;
  /** The capacity model, if any (already checked). */
  capacity: SimCapacityOptions | undefined;
  /** The quotas, if any (already checked). */
  quota: SimQuotaOptions | undefined;
}

/**
 * Fills in the defaults of `options` and checks them, in a fixed order; the first bad value
 * throws a `RangeError` (`Cannot start simulator: 'port' must be …, got …`), or the error of
 * `sampleSimProfile` / `validateSimFaults` for a bad profile or fault.
 *
 * @example Defaults and a bad value
 * ```ts
 * import { resolveSimOptions } from "./_sim_options.ts";
 * const settings = resolveSimOptions({ ttftMs: 5 });
 * if (settings.behaviour.itlMs !== 20 || settings.formats.length !== 8) {
 *   throw new Error("defaults");
 * }
 * try {
 *   resolveSimOptions({ port: -1 });
 *   throw new Error("no error");
 * } catch (error) {
 *   if (!(error instanceof RangeError)) throw error;
 * }
 * ```
 */
export function resolveSimOptions(options: SimulatorOptions): SimSettings {
  const behaviour: SimBehaviour = {
    ttftMs: options.ttftMs ?? 200,
    itlMs: options.itlMs ?? 20,
    jitterMs: options.jitterMs ?? 0,
    tokensPerChunk: options.tokensPerChunk ?? 1,
    errorRate: options.errorRate ?? 0,
    errorStatuses: options.errorStatuses ?? [500, 429],
    streamErrorRate: options.streamErrorRate ?? 0,
    outputTokens: options.outputTokens,
    openMs: options.openMs ?? 0,
  };
  const port = options.port ?? 0;
  const hostname = options.hostname ?? "127.0.0.1";
  const seed = options.seed ?? 1;
  const tokenizerName = options.tokenizer ?? "cl100k_base";
  const defaultMaxTokens = options.defaultMaxTokens ?? 256;
  const logLimit = options.logLimit ?? 10_000;
  const correctnessErrorRate = options.correctnessErrorRate ?? 0;
  _check("port", port, 0, 65535, true);
  _checkBehaviour(behaviour);
  _check("correctnessErrorRate", correctnessErrorRate, 0, 1);
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot start simulator: 'seed' must be a safe integer, got ${seed}`);
  }
  _check("defaultMaxTokens", defaultMaxTokens, 0, Infinity, true);
  const maxRunning = options.maxRunning ?? Infinity;
  if (maxRunning !== Infinity) _check("maxRunning", maxRunning, 1, Infinity, true);
  const kvCacheTokens = options.kvCacheTokens ?? 131072;
  _check("kvCacheTokens", kvCacheTokens, 1, Infinity, true);
  _check("logLimit", logLimit, 0, Infinity, true);
  if (behaviour.outputTokens !== undefined) {
    _check("outputTokens", behaviour.outputTokens, 0, Infinity, true);
  }
  for (const status of behaviour.errorStatuses ?? []) {
    _check("errorStatuses", status, 400, 599, true);
  }
  const formats = options.formats ?? _defaultFormats(defaultMaxTokens);
  const profile = options.profile;
  if (profile !== undefined) sampleSimProfile(profile, createRandom(0)); // validate up front
  const faults = options.faults ?? [];
  validateSimFaults(faults);
  // Checked by building them once (their errors name the value).
  if (options.capacity !== undefined) createSimCapacity(options.capacity);
  if (options.quota !== undefined) createSimQuota(options.quota);
  let prefixCache: SimSettings["prefixCache"];
  if (options.prefixCache !== undefined) {
    const blockTokens = options.prefixCache?.blockTokens ?? 16;
    _check("prefixCache.blockTokens", blockTokens, 1, Infinity, true);
    const capacityTokens = options.prefixCache?.capacityTokens;
    _check("prefixCache.capacityTokens", capacityTokens, blockTokens, Infinity, true);
    prefixCache = { capacityTokens, blockTokens };
  }
  return {
    behaviour,
    port,
    hostname,
    seed,
    tokenizerName,
    defaultMaxTokens,
    maxRunning,
    kvCacheTokens,
    logLimit,
    correctnessErrorRate,
    formats,
    profile,
    faults,
    apiKey: options.apiKey,
    rawHttp: options.rawHttp ?? false,
    prefixCache,
    capacity: options.capacity === undefined ? undefined : { ...options.capacity },
    quota: options.quota === undefined ? undefined : { ...options.quota },
  };
}

/** The timing and error-rate checks, in the order `resolveSimOptions` has always made them. */
function _checkBehaviour(behaviour: SimBehaviour): void {
  _check("ttftMs", behaviour.ttftMs, 0);
  _check("itlMs", behaviour.itlMs, 0);
  _check("jitterMs", behaviour.jitterMs, 0);
  _check("tokensPerChunk", behaviour.tokensPerChunk, 1, Infinity, true);
  _check("errorRate", behaviour.errorRate, 0, 1);
  _check("streamErrorRate", behaviour.streamErrorRate ?? 0, 0, 1);
}

/** Every wire format the simulator speaks, made afresh (formats hold no state). */
function _defaultFormats(defaultMaxTokens: number): SimWireFormat[] {
  return [
    createOpenAiSimFormat("chat"),
    createOpenAiSimFormat("completions"),
    createOpenAiResponsesSimFormat({ defaultMaxTokens }),
    createAnthropicSimFormat(),
    createSageMakerSimFormat(),
    createVertexSimFormat(),
    createBedrockSimFormat("converse"),
    createBedrockSimFormat("invoke"),
  ];
}

function _check(name: string, value: number, min: number, max = Infinity, integer = false) {
  if (
    typeof value !== "number" || Number.isNaN(value) || value < min || value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const what = integer
      ? (min > 0 ? "a positive integer" : "a non-negative integer")
      : max === 1
      ? "a number between 0 and 1"
      : "a non-negative number";
    throw new RangeError(`Cannot start simulator: '${name}' must be ${what}, got ${value}`);
  }
}
