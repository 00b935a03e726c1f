/**
 * Metric lenses: the same per-request records read with each benchmark tool's own definitions
 * (tokenbench, LLMPerf today and as of Dec 2023 – Apr 2024, vLLM `bench serve`, GenAI-Perf /
 * AIPerf, GuideLLM), so a run can be set beside numbers those tools publish. The formulas are in
 * docs/metrics.md, section "Lenses"; the lens table {@link LENSES} carries them as data.
 *
 * @module
 */
import type { ErrorRecord, OkRecord } from "./request_record.ts";
import { type Stats, summarize } from "./summarize.ts";

/**
 * The lenses, by name. `tokenbench` (ours, docs/metrics.md) is the default everywhere.
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
  "llmperf",
  "llmperf-2023",
  "vllm",
  "genai-perf",
  "guidellm",
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
 * - `firstAnswerMs`: GenAI-Perf/AIPerf time to first output (non-reasoning) token.
 * - `interChunkMs`: GenAI-Perf/AIPerf inter-chunk latency, pooled over all requests.
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

/** What a lens is: its formulas as text, which metric it pools, its run-level throughput. */
export interface LensSpec {
  /** The tool whose definitions the lens reproduces. */
  tool: string;
  /** Formula of each metric the lens defines (notation of docs/metrics.md). */
  metrics: Partial<Record<LensMetric, string>>;
  /**
   * The metric whose statistics are over the gaps of all requests pooled together (one value
   * per gap, not per request), or `null` when the lens pools nothing.
   */
  pooled: LensMetric | null;
  /** Run-level output throughput: always Σ of the lens's N over completed requests / wall time. */
  outputTokensPerS: string;
}

/**
 * The lens table, as data. Notation: T0 send, t_k k-th non-empty answer chunk (C of them), r_j
 * j-th non-empty reasoning chunk, N the run tokenizer's count of the answer, R of the reasoning,
 * U the server's `usage` output count, M the wire messages (see {@link LensRecordExtras}).
 *
 * @example The vLLM lens pools its ITL
 * ```ts
 * import { LENSES } from "./lenses.ts";
 * if (LENSES.vllm.pooled !== "itlMs" || LENSES.tokenbench.pooled !== null) throw new Error("pool");
 * ```
 */
export const LENSES = {
  tokenbench: {
    tool: "tokenbench",
    metrics: {
      ttftMs: "t_1 − T0 (first non-empty answer content)",
      itlMs: "(t_C − t_1) / (N − 1)",
      tpotMs: "(t_C − t_1) / (N − 1) (same figure as itlMs)",
      e2eMs: "T_end − T0",
      outputThroughputTokPerS: "N / E2E",
      outputTokens: "N (run tokenizer, answer text)",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
  },
  llmperf: {
    tool: "LLMPerf (current)",
    metrics: {
      ttftMs: "t_1 − T0",
      itlMs: "(t_C − T0) / M (wire messages; includes TTFT)",
      e2eMs: "T_end − T0",
      outputThroughputTokPerS: "N / E2E",
      outputTokens: "N",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
  },
  "llmperf-2023": {
    tool: "LLMPerf (Dec 2023 – Apr 2024)",
    metrics: {
      ttftMs: "t_1 − T0",
      itlMs: "(t_C − T0) / N (includes TTFT)",
      e2eMs: "T_end − T0",
      outputThroughputTokPerS: "M / E2E (wire messages per second)",
      outputTokens: "N",
    },
    pooled: null,
    outputTokensPerS: "Σ N / wall time",
  },
  vllm: {
    tool: "vLLM bench serve",
    metrics: {
      ttftMs: "first message with non-empty choices − T0 (a role-only chunk stops it)",
      itlMs: "gaps between consecutive choices messages, pooled over all requests",
      tpotMs: "(E2E − TTFT) / (N_v − 1), N_v = U ?? N",
      e2eMs: "last data message − T0",
      outputTokens: "N_v = U ?? N",
    },
    pooled: "itlMs",
    outputTokensPerS: "Σ N_v / wall time",
  },
  "genai-perf": {
    tool: "GenAI-Perf / AIPerf",
    metrics: {
      ttftMs: "min(t_1, r_1) − T0 (first content or reasoning response)",
      itlMs: "(E2E − TTFT) / (OSL − 1), OSL = N + R",
      e2eMs: "last content or reasoning response − T0",
      outputThroughputTokPerS: "1000 / ITL (output token throughput per user)",
      outputTokens: "OSL = N + R",
      ttstMs: "second − first content or reasoning response",
      firstAnswerMs: "t_1 − T0 (time to first output token)",
      interChunkMs: "gaps between consecutive content or reasoning responses, pooled",
    },
    pooled: "interChunkMs",
    outputTokensPerS: "Σ OSL / wall time",
  },
  guidellm: {
    tool: "GuideLLM",
    metrics: {
      ttftMs: "min(t_1, r_1) − T0 (first content or reasoning)",
      itlMs: "(t_last − t_first) / (N_g − 1)",
      tpotMs: "(t_last − T0) / N_g (includes TTFT)",
      e2eMs: "T_end − T0",
      outputThroughputTokPerS: "N_g / E2E",
      outputTokens: "N_g = U ?? (answer + reasoning chunks)",
    },
    pooled: null,
    outputTokensPerS: "Σ N_g / wall time",
  },
} as const satisfies Record<LensName, LensSpec>;

/**
 * Per-request facts some lenses need that `RequestRecord` may not carry yet. A lens uses each
 * when present and otherwise falls back as described (docs/metrics.md, "Lenses").
 */
export interface LensRecordExtras {
  /**
   * Arrival of each non-empty reasoning chunk, ms after send. Fallback: `[firstReasoningMs]`
   * (so reasoning gaps, the last reasoning time and reasoning chunk counts are lower bounds).
   */
  reasoningArrivalMs?: number[];
  /**
   * Arrival of every wire message with a non-empty `choices` array (role-only and empty
   * finish chunks included, usage-only chunks excluded), ms after send: vLLM's view. Fallback:
   * `firstMessageMs` when it precedes every token, then the reasoning and answer chunks.
   */
  choicesArrivalMs?: number[];
  /**
   * Wire data messages received, `[DONE]` excluded (LLMPerf's `tokens_received`). Fallback
   * (absent or 0, i.e. a client that does not report messages): `chunkCount` (non-empty answer
   * chunks only); `choicesArrivalMs` is then reconstructed too.
   */
  messageCount?: number;
  /** Last wire data message (usage-only chunks included), ms after send. Fallback: `e2eMs`. */
  lastMessageMs?: number | null;
}

/** A record as lenses read it: the record plus any {@link LensRecordExtras} it carries. */
export type LensRecord =
  | (Omit<OkRecord, keyof LensRecordExtras> & LensRecordExtras)
  | (Omit<ErrorRecord, keyof LensRecordExtras> & LensRecordExtras);

/** One request's metrics under a lens; `null` where the lens has no such metric or no value. */
export interface LensRequestValues extends Record<LensMetric, number | null> {
  /** The record's `requestId`. */
  requestId: number;
  /** This request's contribution to the lens's pooled metric (gaps, ms); empty if none. */
  gapsMs: number[];
}

/** Options of {@link applyLens}. */
export interface ApplyLensOptions {
  /**
   * Wall time of the measurement, ms, for the run-level throughput. Default: first measured
   * send to last measured end, `max(actualSendMs + e2eMs) − min(actualSendMs)`.
   */
  wallTimeMs?: number;
}

/** A run read through one lens. */
export interface LensResult {
  /** The lens. */
  lens: LensName;
  /** The tool it reproduces. */
  tool: string;
  /** Measured requests started (warm-up excluded). */
  numRequestsStarted: number;
  /** Measured requests completed: the statistics are over these. */
  numCompleted: number;
  /**
   * Statistics of each metric over completed requests with a value; `null` where the lens does
   * not define the metric. The pooled metric's statistics are over all gaps of all requests.
   */
  stats: Record<LensMetric, Stats | null>;
  /** Which metric pools gaps of all requests, if any. */
  pooled: LensMetric | null;
  /** Σ of the lens's `outputTokens` over completed requests. */
  totalOutputTokens: number;
  /** Wall time used for the rate, ms. */
  wallTimeMs: number;
  /** `totalOutputTokens / (wallTimeMs / 1000)`; `null` when the wall time is 0. */
  outputTokensPerS: number | null;
  /** Per-request values of the completed requests, in record order. */
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
 * One request's metrics under a lens (formulas in {@link LENSES}). Works on any record; an
 * errored record gives whatever its partial timings allow. Values are `null` where the lens does
 * not define the metric, where it pools the metric (see `gapsMs`), or where a divisor would be 0.
 *
 * @example LLMPerf's ITL includes TTFT
 * ```ts
 * import { lensRequestValues } from "./lenses.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const r = {
 *   requestId: 0, phase: "measure", status: "ok", ttftMs: 100, lastContentMs: 300, e2eMs: 320,
 *   outputTokens: 5, chunkCount: 5, chunkArrivalMs: [100, 150, 200, 250, 300],
 *   firstMessageMs: 90, firstReasoningMs: null, reasoningTokens: 0, serverOutputTokens: null,
 * } as RequestRecord;
 * if (lensRequestValues("tokenbench", r).itlMs !== 50) throw new Error("ours");
 * if (lensRequestValues("llmperf", r).itlMs !== 60) throw new Error("llmperf");
 * ```
 */
export function lensRequestValues(lens: LensName, record: LensRecord): LensRequestValues {
  const name = checkLensName(lens);
  const v: LensRequestValues = {
    requestId: record.requestId,
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
    case "llmperf-2023": {
      const messages = _reportsMessages(r) ? r.messageCount! : r.chunkCount;
      const divisor = name === "llmperf" ? messages : n;
      Object.assign(v, {
        ttftMs: r.ttftMs,
        itlMs: r.lastContentMs !== null && n > 0 && divisor > 0 ? r.lastContentMs / divisor : null,
        e2eMs: r.e2eMs,
        outputThroughputTokPerS: perS(name === "llmperf" ? n : messages, r.e2eMs),
        outputTokens: n,
      });
      break;
    }
    case "vllm": {
      const choices = _choicesTimes(r);
      const ttft = _reportsMessages(r) && r.choicesArrivalMs
        ? (choices[0] ?? null)
        : r.firstMessageMs;
      const e2e = r.lastMessageMs ?? r.e2eMs;
      const tokens = r.serverOutputTokens ?? n;
      Object.assign(v, {
        ttftMs: ttft,
        tpotMs: ttft !== null && tokens > 1 ? (e2e - ttft) / (tokens - 1) : null,
        e2eMs: e2e,
        outputTokens: tokens,
        gapsMs: _gaps(choices),
      });
      break;
    }
    case "genai-perf": {
      const responses = _tokenTimes(r);
      const osl = n + r.reasoningTokens;
      const ttft = responses.length > 0 ? responses[0] : null;
      const e2e = responses.length > 0
        ? responses[responses.length - 1]
        : r.lastMessageMs ?? r.e2eMs;
      const itl = ttft !== null && osl > 1 ? (e2e - ttft) / (osl - 1) : null;
      Object.assign(v, {
        ttftMs: ttft,
        itlMs: itl,
        e2eMs: e2e,
        outputThroughputTokPerS: itl !== null && itl > 0 ? 1000 / itl : null,
        outputTokens: osl,
        ttstMs: responses.length > 1 ? responses[1] - responses[0] : null,
        firstAnswerMs: r.ttftMs,
        gapsMs: _gaps(responses),
      });
      break;
    }
    case "guidellm": {
      const responses = _tokenTimes(r);
      const reasoningChunks = r.reasoningArrivalMs?.length ?? (r.firstReasoningMs === null ? 0 : 1);
      const tokens = r.serverOutputTokens ?? r.chunkCount + reasoningChunks;
      const first = responses.length > 0 ? responses[0] : null;
      const last = responses.length > 0 ? responses[responses.length - 1] : r.e2eMs;
      Object.assign(v, {
        ttftMs: first,
        itlMs: first !== null && tokens > 1 ? (last - first) / (tokens - 1) : null,
        tpotMs: tokens > 0 ? last / tokens : null,
        e2eMs: r.e2eMs,
        outputThroughputTokPerS: perS(tokens, r.e2eMs),
        outputTokens: tokens,
      });
      break;
    }
  }
  return v;
}

/**
 * Read a run's records through a lens: statistics of each metric the lens defines over the
 * completed measured requests (warm-up excluded, errors in no statistic), the pooled metric
 * over all gaps, and the run-level output throughput Σ N / wall time with the lens's N.
 *
 * @example The same run through two lenses
 * ```ts
 * import { applyLens } from "./lenses.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const r = {
 *   requestId: 0, phase: "measure", status: "ok", actualSendMs: 0, ttftMs: 100,
 *   lastContentMs: 300, e2eMs: 320, outputTokens: 5, chunkCount: 5,
 *   chunkArrivalMs: [100, 150, 200, 250, 300], firstMessageMs: 40, firstReasoningMs: null,
 *   reasoningTokens: 0, serverOutputTokens: null,
 * } as RequestRecord;
 * const ours = applyLens("tokenbench", [r]);
 * const vllm = applyLens("vllm", [r]);
 * if (ours.stats.ttftMs?.p50 !== 100 || vllm.stats.ttftMs?.p50 !== 40) throw new Error("ttft");
 * if (vllm.stats.itlMs?.count !== 5 || ours.stats.ttstMs !== null) throw new Error("pooled");
 * if (ours.outputTokensPerS !== 5 / 0.32) throw new Error("rate");
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
  const ok = measured.filter((r) => r.status === "ok");
  const requests = ok.map((r) => lensRequestValues(name, r));

  const stats = {} as Record<LensMetric, Stats | null>;
  for (const metric of LENS_METRICS) {
    if (metric === spec.pooled) {
      stats[metric] = summarize(requests.flatMap((v) => v.gapsMs));
    } else if (metric in spec.metrics) {
      const values: number[] = [];
      for (const v of requests) {
        const x = v[metric];
        if (x !== null) values.push(x);
      }
      const s = summarize(values);
      if (ok.length === 0) {
        s.note = measured.length === 0 ? "no measured requests" : "no request succeeded";
      } else if (values.length < ok.length) {
        const missing = `${
          ok.length - values.length
        } of ${ok.length} completed requests have no value`;
        s.note = s.note ? `${missing}; ${s.note}` : missing;
      }
      stats[metric] = s;
    } else {
      stats[metric] = null;
    }
  }

  const totalOutputTokens = requests.reduce((sum, v) => sum + (v.outputTokens ?? 0), 0);
  const wallTimeMs = given ?? _span(measured);
  return {
    lens: name,
    tool: spec.tool,
    numRequestsStarted: measured.length,
    numCompleted: ok.length,
    stats,
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
