/**
 * Metric lenses: the same per-request records read with each benchmark tool's own definitions, so
 * a run can be set beside numbers those tools publish. Each lens equals one version of its tool's
 * code (vLLM `bench serve`, GuideLLM now and at v0.5.4, LLMPerf's three eras, AIPerf, GenAI-Perf),
 * per request and per run; `bench/peer_lens_fixtures.ts` runs those tools' own code on recorded
 * streams and `tests/core/lenses_peer_test.ts` checks the lenses against it. The formulas are in
 * docs/metrics.md, section "Lenses"; the lens table {@link LENSES} carries them as data.
 *
 * @module
 */
import type { ErrorRecord, OkRecord } from "./request_record.ts";
import { type Stats, summarize } from "./summarize.ts";
import { quantileSorted } from "./quantile.ts";

/**
 * The lenses, by name. `tokenbench` (ours, docs/metrics.md) is the default everywhere; each
 * other lens equals one peer's own code at the version in {@link LENSES} (`version`).
 *
 * @example Every name is a key of LENSES
 * ```ts
 * import { LENS_NAMES, LENSES } from "./lenses.ts";
 * if (LENS_NAMES[0] !== "tokenbench") throw new Error("default first");
 * if (!LENS_NAMES.every((name) => name in LENSES)) throw new Error("table");
 * ```
 */
export const LENS_NAMES = [
  "tokenbench",
  "vllm",
  "guidellm",
  "guidellm-0.5.4",
  "llmperf",
  "llmperf-2024",
  "llmperf-2023",
  "aiperf",
  "genai-perf",
] as const;

/** One of {@link LENS_NAMES}. */
export type LensName = typeof LENS_NAMES[number];

/**
 * The metrics a lens can give, in report order. A lens defines a subset (see {@link LENSES});
 * the others are `null` in its results.
 * - `ttftMs`: time to first token as the tool stops it.
 * - `itlMs`: the tool's "inter-token latency" (per request, or pooled chunk gaps for vLLM).
 * - `tpotMs`: the tool's "time per output token".
 * - `e2eMs`: request latency as the tool ends it.
 * - `outputThroughputTokPerS`: the tool's per-request output speed.
 * - `outputTokens`: the tool's output token count N.
 * - `ttstMs`: GenAI-Perf/AIPerf time to second token (a gap: second − first token response).
 * - `firstAnswerMs`: GuideLLM's time to first output (non-reasoning) token.
 * - `interChunkMs`: AIPerf inter-chunk latency, pooled over all requests.
 *
 * @example Column order of a lens table
 * ```ts
 * import { LENS_METRICS } from "./lenses.ts";
 * if (LENS_METRICS.slice(0, 3).join() !== "ttftMs,itlMs,tpotMs") throw new Error("order");
 * ```
 */
export const LENS_METRICS = [
  "ttftMs",
  "itlMs",
  "tpotMs",
  "e2eMs",
  "outputThroughputTokPerS",
  "outputTokens",
  "ttstMs",
  "firstAnswerMs",
  "interChunkMs",
] as const;

/** One of {@link LENS_METRICS}. */
export type LensMetric = typeof LENS_METRICS[number];

/**
 * Unit of each lens metric.
 *
 * @example Axis label
 * ```ts
 * import { LENS_METRIC_UNITS } from "./lenses.ts";
 * if (LENS_METRIC_UNITS.tpotMs !== "ms") throw new Error("unit");
 * ```
 */
export const LENS_METRIC_UNITS = {
  ttftMs: "ms",
  itlMs: "ms",
  tpotMs: "ms",
  e2eMs: "ms",
  outputThroughputTokPerS: "tokens/s",
  outputTokens: "tokens",
  ttstMs: "ms",
  firstAnswerMs: "ms",
  interChunkMs: "ms",
} as const satisfies Record<LensMetric, string>;

/** What a lens is: its formulas as text, the version it equals, which metric it pools. */
export interface LensSpec {
  /** The tool whose definitions the lens reproduces. */
  tool: string;
  /** The version (release, commit or commit range) of the tool whose code the lens equals. */
  version: string;
  /** What the peer counts as a failed request beyond tokenbench's own errors ("" if nothing). */
  errors: string;
  /** Formula of each metric the lens defines (notation of docs/metrics.md). */
  metrics: Partial<Record<LensMetric, string>>;
  /**
   * The metric whose statistics are over the gaps of all requests pooled together (one value
   * per gap, not per request), or `null` when the lens pools nothing.
   */
  pooled: LensMetric | null;
  /** Run-level output throughput as the peer computes it. */
  outputTokensPerS: string;
  /** How the peer summarizes a metric over the run (its statistics, in {@link LensResult.peer}). */
  statistics: string;
}

/**
 * The lens table, as data. Notation: T0 send, t_k k-th non-empty answer chunk (C of them), r_j
 * j-th non-empty reasoning chunk, N the run tokenizer's count of the answer, R of the reasoning,
 * U the server's `usage` output count, M the data messages with non-empty `choices` (what a peer
 * that does not ask for usage receives), T_done the `[DONE]`, T_body the end of the body.
 *
 * @example The vLLM lens pools its ITL and names the code it follows
 * ```ts
 * import { LENSES } from "./lenses.ts";
 * if (LENSES.vllm.pooled !== "itlMs" || LENSES.tokenbench.pooled !== null) throw new Error("pool");
 * if (!LENSES["llmperf-2024"].version.includes("afd137a")) throw new Error("version");
 * ```
 */
export const LENSES = {
  tokenbench: {
    tool: "tokenbench",
    version: "this version (docs/metrics.md)",
    errors: "",
    metrics: {
      ttftMs: "t_1 − T0 (first non-empty answer content)",
      itlMs: "(t_C − t_1) / (N − 1)",
      tpotMs: "(t_C − t_1) / (N − 1) (same figure as itlMs)",
      e2eMs: "T_done − T0",
      outputThroughputTokPerS: "N / E2E",
      outputTokens: "N (run tokenizer, answer text)",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
    statistics: "tokenbench's: numpy linear quantiles, sample stddev",
  },
  vllm: {
    tool: "vLLM bench serve",
    version: "vllm-project/vllm 02cfb53 (request function after PR #55508), serve.py 009e6d4",
    errors: "a stream with no message with non-empty choices",
    metrics: {
      ttftMs: "first message with non-empty choices − T0 (a role-only chunk stops it)",
      itlMs: "gaps between consecutive choices messages, pooled over all requests",
      tpotMs: "(E2E − TTFT) / (N_v − 1), N_v > 1 only",
      e2eMs: "last message with non-empty choices − T0 (the usage-only chunk does not count)",
      outputTokens: "N_v = U if U > 0, else N",
    },
    pooled: "itlMs",
    outputTokensPerS: "Σ N_v / wall time",
    statistics: "numpy mean, median, population std, linear percentiles (seconds × 1000)",
  },
  guidellm: {
    tool: "GuideLLM",
    version: "vllm-project/guidellm ee7a774 (after v0.7.3)",
    errors: "no answer text and no usage tokens ([UNUSABLE_BACKEND_RESPONSE])",
    metrics: {
      ttftMs: "first − T0 (first content or reasoning message)",
      itlMs: "(last − first) / (N_g − 1)",
      tpotMs: "(last − T0) / N_g (includes TTFT)",
      e2eMs: "T_done − T0",
      outputThroughputTokPerS: "N_g / E2E",
      outputTokens:
        "N_g = U, else the request's output-token target, else answer + reasoning chunks",
      firstAnswerMs: "t_1 − T0 (time to first output token)",
    },
    pooled: null,
    outputTokensPerS:
      "Σ tokens / (last − first token time) over completed requests (time-weighted rate)",
    statistics:
      "weighted distribution: ITL weighted by N_g − 1, TPOT by N_g, others by 1; percentile = first value whose cumulative weight reaches q; population std",
  },
  "guidellm-0.5.4": {
    tool: "GuideLLM",
    version: "vllm-project/guidellm v0.5.4 (fc31a9e)",
    errors: "",
    metrics: {
      ttftMs: "t_1 − T0 (answer content only: reasoning is ignored)",
      itlMs: "(t_C − t_1) / (N_g − 1)",
      tpotMs: "(t_C − T0) / N_g (includes TTFT)",
      e2eMs: "T_body − T0 (reads the body to its end)",
      outputThroughputTokPerS: "N_g / E2E",
      outputTokens: "N_g = U, else the request's output-token target, else answer chunks",
    },
    pooled: null,
    outputTokensPerS:
      "Σ tokens / (last − first token time) over completed requests (time-weighted rate)",
    statistics:
      "weighted distribution: ITL weighted by N_g − 1, TPOT by N_g, others by 1; percentile = first value whose cumulative weight reaches q; population std",
  },
  llmperf: {
    tool: "LLMPerf",
    version: "ray-project/llmperf f1d6bed (Dec 2024, current)",
    errors: "",
    metrics: {
      ttftMs: "t_1 − T0 (0 without content)",
      itlMs: "(t_C − T0) / M (includes TTFT; 0 when N = 0)",
      e2eMs: "T_body − T0 (reads the body to its end)",
      outputThroughputTokPerS: "N / E2E",
      outputTokens: "N",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
    statistics: "pandas: linear quantiles p25–p99, mean, min, max, sample std",
  },
  "llmperf-2024": {
    tool: "LLMPerf",
    version: "ray-project/llmperf afd137a – 03872a4 (Apr – Dec 2024)",
    errors: "",
    metrics: {
      ttftMs: "t_1 − T0 (0 without content)",
      itlMs: "(t_C − T0) / N (includes TTFT; 0 when N = 0)",
      e2eMs: "T_body − T0 (reads the body to its end)",
      outputThroughputTokPerS: "N / E2E",
      outputTokens: "N",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
    statistics: "pandas: linear quantiles p25–p99, mean, min, max, sample std",
  },
  "llmperf-2023": {
    tool: "LLMPerf",
    version: "ray-project/llmperf 1eac866 – 5acd7b1 (Dec 2023 – Apr 2024)",
    errors: "",
    metrics: {
      ttftMs: "t_1 − T0 (0 without content)",
      itlMs: "(t_C − T0) / N (includes TTFT; 0 when N = 0)",
      e2eMs: "T_body − T0 (reads the body to its end)",
      outputThroughputTokPerS: "M / E2E (messages per second)",
      outputTokens: "N",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
    statistics: "pandas: linear quantiles p25–p99, mean, min, max, sample std",
  },
  aiperf: {
    tool: "AIPerf",
    version: "ai-dynamo/aiperf db4f639",
    errors: "no content or reasoning response",
    metrics: {
      ttftMs: "first − T0 (first content or reasoning message)",
      itlMs: "(E2E − TTFT) / (OSL − 1), OSL = N + R ≥ 2",
      e2eMs: "last content or reasoning message − T0",
      outputThroughputTokPerS: "1000 / ITL (output token throughput per user)",
      outputTokens: "OSL = N + R",
      ttstMs: "second − first content or reasoning message",
      interChunkMs:
        "gaps between consecutive content or reasoning messages, pooled (none from a request with a gap ≤ 0)",
    },
    pooled: "interChunkMs",
    outputTokensPerS: "Σ OSL / (max last response − min send)",
    statistics: "numpy mean, population std, min, max, linear percentiles p1–p99",
  },
  "genai-perf": {
    tool: "GenAI-Perf",
    version: "triton-inference-server/perf_analyzer 263c5f6 (genai-perf)",
    errors: "no answer content (the request is left out)",
    metrics: {
      ttftMs: "first answer response − T0 (reasoning ignored; one response per network read)",
      itlMs: "(E2E − TTFT) / (N − 1), at least two responses and N ≥ 2, rounded to the ns",
      e2eMs: "last answer response − T0",
      outputThroughputTokPerS: "1000 / ITL (output token throughput per user)",
      outputTokens: "N (answer text only)",
      ttstMs: "second − first answer response",
    },
    pooled: null,
    outputTokensPerS: "Σ N / (max last response − min send)",
    statistics: "numpy mean, population std, min, max, linear percentiles p1–p99",
  },
} as const satisfies Record<LensName, LensSpec>;

/**
 * Per-request facts some lenses need that an older `RequestRecord` may not carry. A lens uses
 * each when present and otherwise falls back as described (docs/metrics.md, "Lenses").
 */
export interface LensRecordExtras {
  /**
   * Arrival of each non-empty reasoning chunk, ms after send. Fallback: `[firstReasoningMs]`
   * (so reasoning gaps, the last reasoning time and reasoning chunk counts are lower bounds).
   */
  reasoningArrivalMs?: number[];
  /**
   * Arrival of every wire message with a non-empty `choices` array (role-only and empty
   * finish chunks included, usage-only chunks excluded), ms after send: vLLM's view, and the
   * messages a peer that does not ask for usage receives. Fallback: `firstMessageMs` when it
   * precedes every token, then the reasoning and answer chunks.
   */
  choicesArrivalMs?: number[];
  /** Wire data messages received, `[DONE]` excluded; 0 when the client does not report them. */
  messageCount?: number;
  /** Last wire data message (usage-only chunks included), ms after send. Fallback: `e2eMs`. */
  lastMessageMs?: number | null;
  /** The response body ended (read to its end after `[DONE]`), ms after send. Fallback: `e2eMs`. */
  bodyEndMs?: number;
}

/** A record as lenses read it: the record plus any {@link LensRecordExtras} it carries. */
export type LensRecord =
  | (Omit<OkRecord, keyof LensRecordExtras> & LensRecordExtras)
  | (Omit<ErrorRecord, keyof LensRecordExtras> & LensRecordExtras);

/** One request's metrics under a lens; `null` where the lens has no such metric or no value. */
export interface LensRequestValues extends Record<LensMetric, number | null> {
  /** The record's `requestId`. */
  requestId: number;
  /**
   * The peer counts the request as completed: the record is `ok` and the peer's own checks pass
   * (GuideLLM, AIPerf and GenAI-Perf reject an answer without content, see `LENSES[lens].errors`).
   * Statistics are over these only; the others count among the lens's errors.
   */
  ok: boolean;
  /** This request's contribution to the lens's pooled metric (gaps, ms); empty if none. */
  gapsMs: number[];
}

/** Options of {@link lensRequestValues}. */
export interface LensRequestOptions {
  /**
   * Tokens the run's tokenizer gives an empty text: LLMPerf tokenizes an empty answer too, and
   * Llama-2 with BOS (`--tokenizer llama2`) counts 1. Default 0.
   */
  emptyTextTokens?: number;
}

/** Options of {@link applyLens}. */
export interface ApplyLensOptions extends LensRequestOptions {
  /**
   * Wall time of the measurement, ms, for the run-level throughput of the lenses that divide by
   * the run's duration (tokenbench, vLLM, LLMPerf). Default: first measured send to last
   * measured end, `max(actualSendMs + e2eMs) − min(actualSendMs)`.
   */
  wallTimeMs?: number;
}

/** One metric as the peer summarizes it; fields the peer does not give are absent. */
export interface PeerStats {
  /** Values (or pooled gaps) summarized; for GuideLLM the sum of weights, rounded. */
  count: number;
  /** Mean (GuideLLM: weighted mean). */
  mean: number;
  /**
   * Standard deviation as the peer computes it (see `LENSES[lens].statistics`); `null` where the
   * peer's is NaN (pandas' sample std of one value).
   */
  std: number | null;
  /** Smallest value (GuideLLM: smallest with non-zero weight). */
  min: number;
  /** Largest value. */
  max: number;
  /** Percentiles by name (`p1` … `p99`, as the peer names them), the peer's method. */
  percentiles: Record<string, number>;
}

/** A run summarized with the peer's own aggregate code (see {@link applyLens}). */
export interface PeerSummary {
  /** Each metric the lens defines, summarized the peer's way; `null` with no value at all. */
  metrics: Partial<Record<LensMetric, PeerStats | null>>;
  /** Requests the peer counts as completed. */
  completed: number;
  /** Requests the peer counts as failed (tokenbench errors plus the peer's own rejections). */
  failed: number;
  /** Σ of the lens's output tokens over the completed requests. */
  totalOutputTokens: number;
  /** The duration the peer divides by, ms (see `LENSES[lens].outputTokensPerS`). */
  durationMs: number;
  /** The peer's run-level output token throughput, tokens/s; `null` when the duration is 0. */
  outputTokensPerS: number | null;
}

/** A run read through one lens. */
export interface LensResult {
  /** The lens. */
  lens: LensName;
  /** The tool it reproduces. */
  tool: string;
  /** The tool's version whose code the lens equals. */
  version: string;
  /** Measured requests started (warm-up excluded). */
  numRequestsStarted: number;
  /** Measured requests the peer counts as completed: the statistics are over these. */
  numCompleted: number;
  /** Measured requests the peer counts as failed: errored records and the peer's rejections. */
  numErrors: number;
  /**
   * tokenbench statistics of each metric over completed requests with a value; `null` where the
   * lens does not define the metric. The pooled metric's statistics are over all gaps.
   */
  stats: Record<LensMetric, Stats | null>;
  /** The same run summarized the peer's own way (its statistics, weights and rate). */
  peer: PeerSummary;
  /** Which metric pools gaps of all requests, if any. */
  pooled: LensMetric | null;
  /** Σ of the lens's `outputTokens` over completed requests. */
  totalOutputTokens: number;
  /** Wall time used for the rate, ms. */
  wallTimeMs: number;
  /** `totalOutputTokens / (wallTimeMs / 1000)`; `null` when the wall time is 0. */
  outputTokensPerS: number | null;
  /** Per-request values of the measured `ok` records, in record order (`ok` false included). */
  requests: LensRequestValues[];
}

/**
 * Checks a lens name, throwing a `RangeError` that lists the valid names.
 *
 * @example A typo
 * ```ts
 * import { checkLensName } from "./lenses.ts";
 * let message = "";
 * try { checkLensName("vlm"); } catch (err) { message = (err as Error).message; }
 * if (!message.includes("vllm")) throw new Error(message);
 * ```
 */
export function checkLensName(name: unknown): LensName {
  if (typeof name !== "string" || !(LENS_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(
      `Cannot apply lens: 'lens' must be one of ${LENS_NAMES.join(", ")}, got ${
        typeof name === "string" ? `"${name}"` : String(name)
      }`,
    );
  }
  return name as LensName;
}

/**
 * One line per lens: its name, the tool and the version it equals (for `--lens` help).
 *
 * @example The help names LLMPerf's eras
 * ```ts
 * import { describeLenses } from "./lenses.ts";
 * if (!describeLenses().includes("llmperf-2024")) throw new Error("eras");
 * ```
 */
export function describeLenses(): string {
  return LENS_NAMES.map((name) => {
    const spec: LensSpec = LENSES[name];
    return `${name}: ${spec.tool}, ${spec.version}`;
  }).join("\n");
}

/**
 * One request's metrics under a lens (formulas in {@link LENSES}): what the peer's own request
 * and metric code would have computed from the stream it receives. Values are `null` where the
 * lens does not define the metric, where it pools the metric (see `gapsMs`), where the peer has
 * no value, or where the peer rejects the request (`ok` false); where the peer writes 0 for an
 * undefined value (LLMPerf's ITL and TTFT of an empty answer) the lens gives 0 too.
 *
 * @example LLMPerf's ITL includes TTFT and divides by the messages it receives
 * ```ts
 * import { lensRequestValues } from "./lenses.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const r = {
 *   requestId: 0, phase: "measure", status: "ok", ttftMs: 100, lastContentMs: 300, e2eMs: 320,
 *   outputTokens: 5, chunkCount: 5, chunkArrivalMs: [100, 150, 200, 250, 300],
 *   firstMessageMs: 90, firstReasoningMs: null, reasoningTokens: 0, serverOutputTokens: null,
 *   reasoningArrivalMs: [], messageCount: 0, choicesArrivalMs: [], lastMessageMs: 300,
 *   maxOutputTokens: 5,
 * } as unknown as RequestRecord;
 * if (lensRequestValues("tokenbench", r).itlMs !== 50) throw new Error("ours");
 * if (lensRequestValues("llmperf", r).itlMs !== 60) throw new Error("llmperf");
 * ```
 */
export function lensRequestValues(
  lens: LensName,
  record: LensRecord,
  options: LensRequestOptions = {},
): LensRequestValues {
  const name = checkLensName(lens);
  const emptyTextTokens = options.emptyTextTokens ?? 0;
  if (!(Number.isInteger(emptyTextTokens) && emptyTextTokens >= 0)) {
    throw new RangeError(
      `Cannot apply lens: 'emptyTextTokens' must be a non-negative integer, got ${emptyTextTokens}`,
    );
  }
  const v: LensRequestValues = {
    requestId: record.requestId,
    ok: record.status === "ok",
    ttftMs: null,
    itlMs: null,
    tpotMs: null,
    e2eMs: null,
    outputThroughputTokPerS: null,
    outputTokens: null,
    ttstMs: null,
    firstAnswerMs: null,
    interChunkMs: null,
    gapsMs: [],
  };
  const r = record;
  const n = r.outputTokens;
  const perS = (tokens: number, ms: number | null) =>
    ms !== null && ms > 0 ? tokens / (ms / 1000) : null;
  switch (name) {
    case "tokenbench": {
      const itl = r.ttftMs !== null && r.lastContentMs !== null && n > 1
        ? (r.lastContentMs - r.ttftMs) / (n - 1)
        : null;
      Object.assign(v, {
        ttftMs: r.ttftMs,
        itlMs: itl,
        tpotMs: itl,
        e2eMs: r.e2eMs,
        outputThroughputTokPerS: perS(n, r.e2eMs),
        outputTokens: n,
      });
      break;
    }
    case "llmperf":
    case "llmperf-2024":
    case "llmperf-2023": {
      // token_benchmark_ray.py: N = len(tokenizer.encode(generated_text)), an empty text too.
      const tokens = r.chunkCount === 0 && n === 0 ? emptyTextTokens : n;
      // The client counts every data message it reads (`tokens_received`); it never asks for
      // usage, so it receives the messages with non-empty choices only.
      const messages = _peerMessages(r);
      // sum(time_to_next_token) = last content − start, 0 without content.
      const lastContent = r.lastContentMs ?? 0;
      const divisor = name === "llmperf" ? messages : tokens;
      const e2e = r.bodyEndMs ?? r.e2eMs;
      Object.assign(v, {
        ttftMs: r.ttftMs ?? 0,
        itlMs: tokens > 0 && divisor > 0 ? lastContent / divisor : 0,
        e2eMs: e2e,
        outputThroughputTokPerS: perS(name === "llmperf-2023" ? messages : tokens, e2e),
        outputTokens: tokens,
      });
      break;
    }
    case "vllm": {
      const choices = _choicesTimes(r);
      if (choices.length === 0) {
        v.ok = false;
        break;
      }
      const ttft = choices[0];
      const e2e = choices[choices.length - 1];
      const tokens = r.serverOutputTokens !== null && r.serverOutputTokens > 0
        ? r.serverOutputTokens
        : n;
      Object.assign(v, {
        ttftMs: ttft,
        tpotMs: tokens > 1 ? (e2e - ttft) / (tokens - 1) : null,
        e2eMs: e2e,
        outputTokens: tokens,
        gapsMs: _gaps(choices),
      });
      break;
    }
    case "guidellm": {
      const responses = _tokenTimes(r);
      const usage = r.serverOutputTokens;
      if (r.chunkCount === 0 && !(usage !== null && usage > 0)) {
        v.ok = false; // [UNUSABLE_BACKEND_RESPONSE]
        break;
      }
      const tokens = usage ?? (r.maxOutputTokens > 0 ? r.maxOutputTokens : null) ??
        (responses.length > 0 ? responses.length : null);
      const first = responses.length > 0 ? responses[0] : null;
      const last = responses.length > 0 ? responses[responses.length - 1] : r.e2eMs;
      Object.assign(v, {
        ttftMs: first,
        itlMs: first !== null && tokens !== null && tokens > 1
          ? (last - first) / (tokens - 1)
          : null,
        tpotMs: tokens !== null && tokens > 0 ? last / tokens : null,
        e2eMs: r.e2eMs,
        outputThroughputTokPerS: tokens === null ? null : perS(tokens, r.e2eMs),
        outputTokens: tokens,
        firstAnswerMs: r.ttftMs,
      });
      break;
    }
    case "guidellm-0.5.4": {
      // Only delta.content makes an iteration; the request ends when the body does.
      const responses = r.chunkArrivalMs;
      const usage = r.serverOutputTokens;
      const tokens = usage ?? (r.maxOutputTokens > 0 ? r.maxOutputTokens : null) ??
        (responses.length > 0 ? responses.length : null);
      const first = responses.length > 0 ? responses[0] : null;
      const e2e = r.bodyEndMs ?? r.e2eMs;
      const last = responses.length > 0 ? responses[responses.length - 1] : e2e;
      Object.assign(v, {
        ttftMs: first,
        itlMs: first !== null && tokens !== null && tokens > 1
          ? (last - first) / (tokens - 1)
          : null,
        tpotMs: tokens !== null && tokens > 0 ? last / tokens : null,
        e2eMs: e2e,
        outputThroughputTokPerS: tokens === null ? null : perS(tokens, e2e),
        outputTokens: tokens,
      });
      break;
    }
    case "aiperf": {
      const responses = _tokenTimes(r);
      if (responses.length === 0) {
        v.ok = false;
        break;
      }
      const osl = n + r.reasoningTokens;
      const gaps = _gaps(responses);
      const ttft = responses[0];
      const e2e = responses[responses.length - 1];
      const itl = osl >= 2 ? (e2e - ttft) / (osl - 1) : null;
      Object.assign(v, {
        ttftMs: ttft,
        itlMs: itl,
        e2eMs: e2e,
        outputThroughputTokPerS: itl !== null && itl > 0 ? 1000 / itl : null,
        outputTokens: osl,
        ttstMs: responses.length > 1 ? responses[1] - responses[0] : null,
        // InterChunkLatencyMetric rejects a record with a gap that is not positive.
        gapsMs: gaps.every((g) => g > 0) ? gaps : [],
      });
      break;
    }
    case "genai-perf": {
      // perf_analyzer stamps each network read: chunks read together are one response.
      const responses = _distinct(r.chunkArrivalMs);
      if (responses.length === 0) {
        v.ok = false;
        break;
      }
      const ttft = responses[0];
      const e2e = responses[responses.length - 1];
      // round((req_latency_ns - ttft) / (total_output_token - 1)), integer nanoseconds.
      const itl = responses.length > 1 && n > 1
        ? Math.round((e2e - ttft) * 1e6 / (n - 1)) / 1e6
        : null;
      Object.assign(v, {
        ttftMs: ttft,
        itlMs: itl,
        e2eMs: e2e,
        outputThroughputTokPerS: itl !== null && itl > 0 ? 1000 / itl : null,
        outputTokens: n,
        ttstMs: responses.length > 1 ? responses[1] - responses[0] : null,
      });
      break;
    }
  }
  return v;
}

/**
 * Read a run's records through a lens: each completed measured request's values (warm-up
 * excluded; errored records and the requests the peer rejects in no statistic), tokenbench
 * statistics of each metric (`stats`), the pooled metric over all gaps, and the same run
 * summarized with the peer's own aggregate code (`peer`): vLLM's `calculate_metrics`, GuideLLM's
 * weighted distributions and time-weighted rate, AIPerf's and GenAI-Perf's statistics, LLMPerf's
 * `metrics_summary`.
 *
 * @example The same run through two lenses
 * ```ts
 * import { applyLens } from "./lenses.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const r = {
 *   requestId: 0, phase: "measure", status: "ok", actualSendMs: 0, ttftMs: 100,
 *   lastContentMs: 300, e2eMs: 320, outputTokens: 5, chunkCount: 5,
 *   chunkArrivalMs: [100, 150, 200, 250, 300], firstMessageMs: 40, firstReasoningMs: null,
 *   reasoningTokens: 0, serverOutputTokens: null, reasoningArrivalMs: [], messageCount: 7,
 *   choicesArrivalMs: [40, 100, 150, 200, 250, 300, 310], lastMessageMs: 310, maxOutputTokens: 5,
 * } as unknown as RequestRecord;
 * const ours = applyLens("tokenbench", [r]);
 * const vllm = applyLens("vllm", [r]);
 * if (ours.stats.ttftMs?.p50 !== 100 || vllm.stats.ttftMs?.p50 !== 40) throw new Error("ttft");
 * if (vllm.stats.itlMs?.count !== 6 || ours.stats.ttstMs !== null) throw new Error("pooled");
 * if (ours.outputTokensPerS !== 5 / 0.32) throw new Error("rate");
 * if (vllm.peer.metrics.e2eMs?.mean !== 310) throw new Error("vllm e2e");
 * ```
 */
export function applyLens(
  lens: LensName,
  records: readonly LensRecord[],
  options: ApplyLensOptions = {},
): LensResult {
  const name = checkLensName(lens);
  if (!Array.isArray(records)) {
    throw new TypeError(`Cannot apply lens: 'records' must be an array, got ${typeof records}`);
  }
  const given = options.wallTimeMs;
  if (given !== undefined && !(Number.isFinite(given) && given >= 0)) {
    throw new RangeError(
      `Cannot apply lens: 'wallTimeMs' must be a non-negative finite number, got ${given}`,
    );
  }
  const spec: LensSpec = LENSES[name];
  const measured = records.filter((r) => r.phase === "measure");
  const okRecords = measured.filter((r) => r.status === "ok");
  const requests = okRecords.map((r) => lensRequestValues(name, r, options));
  const done = requests.filter((v) => v.ok);

  const stats = {} as Record<LensMetric, Stats | null>;
  for (const metric of LENS_METRICS) {
    if (metric === spec.pooled) {
      stats[metric] = summarize(done.flatMap((v) => v.gapsMs));
    } else if (metric in spec.metrics) {
      const values: number[] = [];
      for (const v of done) {
        const x = v[metric];
        if (x !== null) values.push(x);
      }
      const s = summarize(values);
      if (done.length === 0) {
        s.note = measured.length === 0 ? "no measured requests" : "no request succeeded";
      } else if (values.length < done.length) {
        const missing = `${
          done.length - values.length
        } of ${done.length} completed requests have no value`;
        s.note = s.note ? `${missing}; ${s.note}` : missing;
      }
      stats[metric] = s;
    } else {
      stats[metric] = null;
    }
  }

  const totalOutputTokens = done.reduce((sum, v) => sum + (v.outputTokens ?? 0), 0);
  const wallTimeMs = given ?? _span(measured);
  const okDone = okRecords.filter((_, i) => requests[i].ok);
  return {
    lens: name,
    tool: spec.tool,
    version: spec.version,
    numRequestsStarted: measured.length,
    numCompleted: done.length,
    numErrors: measured.length - done.length,
    stats,
    peer: peerSummary(name, okDone, done, measured.length, wallTimeMs),
    pooled: spec.pooled,
    totalOutputTokens,
    wallTimeMs,
    outputTokensPerS: wallTimeMs > 0 ? totalOutputTokens / (wallTimeMs / 1000) : null,
    requests,
  };
}

/** First send to last end over the records, ms; 0 for none. */
function _span(records: readonly LensRecord[]): number {
  if (records.length === 0) return 0;
  let start = Infinity, end = -Infinity;
  for (const r of records) {
    start = Math.min(start, r.actualSendMs);
    end = Math.max(end, r.actualSendMs + r.e2eMs);
  }
  return end - start;
}

/** Arrival of reasoning chunks: the recorded list, else just the first one. */
function _reasoningTimes(r: LensRecord): number[] {
  if (r.reasoningArrivalMs) return r.reasoningArrivalMs;
  return r.firstReasoningMs === null ? [] : [r.firstReasoningMs];
}

/** Arrival of every token-bearing response (reasoning or answer), ascending. */
function _tokenTimes(r: LensRecord): number[] {
  const a = _reasoningTimes(r), b = r.chunkArrivalMs;
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] <= b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

/** vLLM's messages with non-empty `choices`: recorded, else reconstructed (see extras). */
function _choicesTimes(r: LensRecord): number[] {
  if (_reportsMessages(r) && r.choicesArrivalMs) return r.choicesArrivalMs;
  const tokens = _tokenTimes(r);
  const first = r.firstMessageMs;
  return first !== null && (tokens.length === 0 || first < tokens[0]) ? [first, ...tokens] : tokens;
}

/** Data messages a peer that does not ask for usage receives: the non-empty `choices` ones. */
function _peerMessages(r: LensRecord): number {
  if (_reportsMessages(r) && r.choicesArrivalMs) return r.choicesArrivalMs.length;
  return r.chunkCount;
}

/** Whether the client reported wire messages (a record with `messageCount` 0 did not). */
function _reportsMessages(r: LensRecord): boolean {
  return r.messageCount !== undefined && r.messageCount > 0;
}

/** Differences of consecutive times. */
function _gaps(times: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push(times[i] - times[i - 1]);
  return out;
}

/** Ascending times with repeats removed (chunks of one network read share their stamp). */
function _distinct(times: readonly number[]): number[] {
  return times.filter((t, i) => i === 0 || t !== times[i - 1]);
}

/** Percentiles each peer reports, by its own names. */
const _PEER_PERCENTILES: Record<"numpy" | "pandas" | "guidellm", [string, number][]> = {
  numpy: [1, 5, 10, 25, 50, 75, 90, 95, 99].map((p) => [`p${p}`, p / 100]),
  pandas: [25, 50, 75, 90, 95, 99].map((p) => [`p${p}`, p / 100]),
  guidellm: [
    ["p001", 0.001],
    ["p01", 0.01],
    ["p05", 0.05],
    ["p10", 0.1],
    ["p25", 0.25],
    ["p50", 0.5],
    ["p75", 0.75],
    ["p90", 0.9],
    ["p95", 0.95],
    ["p99", 0.99],
    ["p999", 0.999],
  ],
};

/** The metrics each peer summarizes (its own tables), in the lens's units. */
const _PEER_METRICS: Record<LensName, LensMetric[]> = {
  tokenbench: ["ttftMs", "itlMs", "e2eMs", "outputThroughputTokPerS", "outputTokens"],
  vllm: ["ttftMs", "tpotMs", "itlMs", "e2eMs"],
  guidellm: ["ttftMs", "firstAnswerMs", "itlMs", "tpotMs", "e2eMs", "outputTokens"],
  "guidellm-0.5.4": ["ttftMs", "itlMs", "tpotMs", "e2eMs", "outputTokens"],
  llmperf: ["itlMs", "ttftMs", "e2eMs", "outputThroughputTokPerS", "outputTokens"],
  "llmperf-2024": ["itlMs", "ttftMs", "e2eMs", "outputThroughputTokPerS", "outputTokens"],
  "llmperf-2023": ["itlMs", "ttftMs", "e2eMs", "outputThroughputTokPerS", "outputTokens"],
  aiperf: [
    "ttftMs",
    "ttstMs",
    "itlMs",
    "e2eMs",
    "outputThroughputTokPerS",
    "outputTokens",
    "interChunkMs",
  ],
  "genai-perf": ["ttftMs", "ttstMs", "itlMs", "e2eMs", "outputThroughputTokPerS", "outputTokens"],
};

/**
 * The run summarized with the peer's own aggregate code: which values enter, with which weights,
 * which statistics and which duration. `records[i]` is the record of `values[i]` (both the
 * completed requests only); `started` counts the measured requests.
 */
function peerSummary(
  lens: LensName,
  records: readonly LensRecord[],
  values: readonly LensRequestValues[],
  started: number,
  wallTimeMs: number,
): PeerSummary {
  const metrics: Partial<Record<LensMetric, PeerStats | null>> = {};
  const column = (metric: LensMetric): number[] =>
    LENSES[lens].pooled === metric
      ? values.flatMap((v) => v.gapsMs)
      : values.flatMap((v) => v[metric] === null ? [] : [v[metric] as number]);
  const totalOutputTokens = values.reduce((sum, v) => sum + (v.outputTokens ?? 0), 0);
  let durationMs = wallTimeMs;
  let outputTokensPerS: number | null = null;
  switch (lens) {
    case "tokenbench":
    case "vllm":
    case "aiperf":
    case "genai-perf": {
      // vLLM calculate_metrics: np.mean/np.std/np.percentile of the successful requests' values;
      // AIPerf MetricArray.to_result and GenAI-Perf Statistics: the same numpy functions.
      const pandas = lens === "tokenbench";
      for (const metric of _PEER_METRICS[lens]) {
        metrics[metric] = _plainStats(column(metric), pandas ? "pandas" : "numpy");
      }
      if (lens === "aiperf" || lens === "genai-perf") {
        // Benchmark duration: max last response − min request start, over the records kept.
        let start = Infinity, end = -Infinity;
        records.forEach((r, i) => {
          start = Math.min(start, r.actualSendMs);
          end = Math.max(end, r.actualSendMs + (values[i].e2eMs ?? 0));
        });
        durationMs = records.length > 0 ? end - start : 0;
      }
      break;
    }
    case "llmperf":
    case "llmperf-2024":
    case "llmperf-2023":
      // metrics_summary: pandas Series.quantile (linear), mean, min, max, std (ddof 1).
      for (const metric of _PEER_METRICS[lens]) {
        metrics[metric] = _plainStats(column(metric), "pandas");
      }
      break;
    case "guidellm":
    case "guidellm-0.5.4": {
      // GenerativeMetrics.compile: from_values with (value or 0, weight) per successful request.
      const weightOf = (metric: LensMetric, v: LensRequestValues): number =>
        metric === "itlMs"
          ? (v.outputTokens || 1) - 1
          : metric === "tpotMs"
          ? v.outputTokens || 0
          : 1;
      for (const metric of _PEER_METRICS[lens]) {
        metrics[metric] = _weightedStats(
          values.map((v) => [v[metric] ?? 0, weightOf(metric, v)] as [number, number]),
        );
      }
      // output_tokens_per_second: rate_distribution_from_timings of every request's
      // output_tokens_timings; its mean is Σ tokens / (last − first event time).
      let first = Infinity, last = -Infinity, tokens = 0;
      records.forEach((r, i) => {
        const times = lens === "guidellm" ? _tokenTimes(r) : r.chunkArrivalMs;
        const n = values[i].outputTokens ?? 0;
        tokens += n;
        const events = times.length > 1 ? [times[0], times[times.length - 1]] : [
          times.length === 1 ? times[0] : values[i].e2eMs ?? r.e2eMs,
        ];
        for (const t of events) {
          first = Math.min(first, r.actualSendMs + t);
          last = Math.max(last, r.actualSendMs + t);
        }
      });
      durationMs = records.length > 0 ? last - first : 0;
      outputTokensPerS = durationMs > 0 ? tokens / (durationMs / 1000) : null;
      break;
    }
  }
  if (lens !== "guidellm" && lens !== "guidellm-0.5.4") {
    outputTokensPerS = durationMs > 0 ? totalOutputTokens / (durationMs / 1000) : null;
  }
  return {
    metrics,
    completed: values.length,
    failed: started - values.length,
    totalOutputTokens,
    durationMs,
    outputTokensPerS,
  };
}

/** numpy's or pandas' statistics of plain values: mean, std (ddof 0 or 1), linear percentiles. */
function _plainStats(values: number[], kind: "numpy" | "pandas"): PeerStats | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const squares = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  const ddof = kind === "pandas" ? 1 : 0;
  const percentiles: Record<string, number> = {};
  for (const [label, q] of _PEER_PERCENTILES[kind]) percentiles[label] = quantileSorted(sorted, q)!;
  return {
    count: n,
    mean,
    std: n - ddof > 0 ? Math.sqrt(squares / (n - ddof)) : null,
    min: sorted[0],
    max: sorted[n - 1],
    percentiles,
  };
}

/**
 * GuideLLM's `DistributionSummary.from_values` of (value, weight) pairs: equal values merged,
 * zero weights dropped, probabilities = weights / Σ, percentile q = the first value whose
 * cumulative probability reaches q (`searchsorted(cdf, q, "left")`), weighted mean and
 * population variance. `null` when nothing is left.
 */
function _weightedStats(pairs: [number, number][]): PeerStats | null {
  if (pairs.length === 0) return null;
  const count = Math.round(pairs.reduce((a, [, w]) => a + w, 0));
  const merged = new Map<number, number>();
  for (const [x, w] of pairs) merged.set(x, (merged.get(x) ?? 0) + w);
  let points = [...merged].filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]);
  let total = points.reduce((a, [, w]) => a + w, 0);
  if (total <= 1e-6) {
    points = points.map(([x]) => [x, 1]);
    total = points.length;
  }
  if (points.length === 0) return null;
  const probabilities = points.map(([, w]) => w / total);
  const cdf: number[] = [];
  let acc = 0;
  for (const p of probabilities) cdf.push(acc += p);
  const percentiles: Record<string, number> = {};
  for (const [label, q] of _PEER_PERCENTILES.guidellm) {
    let i = cdf.findIndex((c) => c >= q);
    if (i < 0) i = points.length - 1;
    percentiles[label] = points[i][0];
  }
  const mean = points.reduce((a, [x], i) => a + x * probabilities[i], 0);
  const variance = points.reduce((a, [x], i) => a + (x - mean) ** 2 * probabilities[i], 0);
  return {
    count,
    mean,
    std: Math.sqrt(variance),
    min: points[0][0],
    max: points[points.length - 1][0],
    percentiles,
  };
}
