/**
 * The run summary: counts, error breakdown, aggregate throughput and per-metric statistics of
 * the measured requests.
 *
 * @module
 */
import type { RequestRecord } from "./request_record.ts";
import { REQUEST_METRICS, type RequestMetric } from "./metric_names.ts";
import { type Stats, summarize } from "./summarize.ts";

/** Options of {@link summarizeRun}. */
export interface SummarizeRunOptions {
  /**
   * Wall time of the measurement phase in ms, first send to last completion (`runLoad`'s
   * `wallTimeMs`). Required; the rates are `null` when it is 0.
   */
  wallTimeMs: number;
}

/** Summary of one run's measured requests. Units are in `RUN_METRIC_UNITS`. */
export interface RunSummary {
  /** Measured requests started (records with `phase: "measure"`). */
  numRequestsStarted: number;
  /** Measured requests with `status: "ok"`. */
  numCompleted: number;
  /** Measured requests with `status: "error"`. */
  numErrors: number;
  /** `numErrors / numRequestsStarted`; `null` when nothing was started. */
  errorRate: number | null;
  /** How many errors had each code, keyed by the code as a string (`"429"`, `"599"`). */
  errorCodeFrequency: Record<string, number>;
  /** Output tokens summed over completed requests. */
  totalOutputTokens: number;
  /** `totalOutputTokens / (wallTimeMs / 1000)`: LLMPerf's `mean_output_throughput_token_per_s`. */
  outputTokensPerS: number | null;
  /** `numCompleted / (wallTimeMs / 60000)`: LLMPerf's `num_completed_requests_per_min`. */
  completedRequestsPerMin: number | null;
  /** The wall time given, ms. */
  wallTimeMs: number;
  /** Statistics of each per-request metric over completed requests that have a value. */
  stats: Record<RequestMetric, Stats>;
  /**
   * The server's own figures beside the client's, when the endpoint reports them (Bedrock's
   * latency metrics, any `usage` counts), over completed requests that have them:
   * - `serverLatencyMs`, `serverFirstByteLatencyMs`: as reported;
   * - `clientOverheadMs = e2eMs − serverLatencyMs`: network and client overhead;
   * - `ttftOverheadMs = ttftMs − serverFirstByteLatencyMs`;
   * - `outputTokensClientMinusServer = outputTokens − serverOutputTokens`: tokenizer disagreement.
   * Absent when no completed request carried any of them.
   */
  server?: Partial<Record<ServerMetric, Stats>>;
  /**
   * TTFT split at the wire send, and without cold starts, over completed requests whose client
   * stamps its send (`requestSentMs`) or flags cold starts (`coldStart`); absent when none does.
   * See {@link TtftParts}.
   */
  ttftParts?: TtftParts;
  /**
   * Prompt caching, over completed requests whose endpoint reports cached tokens
   * (`cachedInputTokens`); absent when none does. See {@link PromptCacheSummary}.
   */
  promptCache?: PromptCacheSummary;
  /**
   * Multi-turn sessions, turn by turn (records with `turn`): how TTFT and ITL change as the
   * history grows. Absent without sessions. See {@link TurnSummary}.
   */
  byTurn?: TurnSummary[];
  /** Why figures are missing (nothing started, no request succeeded, zero wall time). */
  note?: string;
}

/**
 * TTFT taken apart (definitions in docs/metrics.md). TTFT from T0 (`stats.ttftMs`, LLMPerf's
 * definition) is `sendMs + ttftFromSentMs`.
 */
export interface TtftParts {
  /** T0 (the client is asked) to the wire send, `requestSentMs`: the client's own part
   * (building and signing the request, connecting, writing it). */
  sendMs: Stats;
  /** TTFT from the wire send, `ttftMs − requestSentMs`: what the network and the endpoint
   * take, and the client's reading of the first content. */
  ttftFromSentMs: Stats;
  /** TTFT from T0 of the completed requests that were not cold starts (`coldStart` not true). */
  ttftWarmMs: Stats;
  /** Completed measured requests flagged `coldStart` (a new connection, a client's first). */
  coldStarts: number;
}

/** How much of the prompts the endpoint's cache served, and what it did to TTFT. */
export interface PromptCacheSummary {
  /** Completed measured requests that report cached tokens (0 included). */
  requests: number;
  /** Of those, requests with at least one cached token (a cache hit). */
  hits: number;
  /** `hits / requests`: the share of requests that hit the cache. */
  hitShare: number;
  /** Cached tokens over the prompt tokens (`inputTokens`) of those requests. */
  cachedTokenShare: number;
  /** TTFT of the requests that hit the cache. */
  ttftCachedMs: Stats;
  /** TTFT of the requests that did not. */
  ttftUncachedMs: Stats;
}

/** One turn of a run's sessions. */
export interface TurnSummary {
  /** The turn (0-based). */
  turn: number;
  /** Measured requests of this turn (errors included). */
  requests: number;
  /** Of those, completed. */
  completed: number;
  /** Mean history tokens carried by this turn's completed requests. */
  meanHistoryTokens: number | null;
  /** TTFT of this turn's completed requests. */
  ttftMs: Stats;
  /** Inter-token latency of this turn's completed requests. */
  interTokenLatencyMs: Stats;
}

function _byTurn(measured: RequestRecord[]): TurnSummary[] | undefined {
  const turns = new Map<number, RequestRecord[]>();
  for (const r of measured) {
    if (r.turn === undefined) continue;
    const list = turns.get(r.turn) ?? [];
    list.push(r);
    turns.set(r.turn, list);
  }
  if (turns.size === 0) return undefined;
  return [...turns.keys()].sort((a, b) => a - b).map((turn) => {
    const all = turns.get(turn)!;
    const ok = all.filter((r) => r.status === "ok");
    const history = ok.map((r) => r.historyTokens ?? 0);
    return {
      turn,
      requests: all.length,
      completed: ok.length,
      meanHistoryTokens: history.length > 0
        ? history.reduce((a, b) => a + b, 0) / history.length
        : null,
      ttftMs: summarize(ok.flatMap((r) => r.ttftMs === null ? [] : [r.ttftMs])),
      interTokenLatencyMs: summarize(
        ok.flatMap((r) => r.interTokenLatencyMs === null ? [] : [r.interTokenLatencyMs]),
      ),
    };
  });
}

function _promptCache(ok: RequestRecord[]): PromptCacheSummary | undefined {
  const cachedTtft: number[] = [];
  const uncachedTtft: number[] = [];
  let requests = 0;
  let hits = 0;
  let cachedTokens = 0;
  let inputTokens = 0;
  for (const r of ok) {
    if (r.cachedInputTokens === undefined) continue;
    requests++;
    cachedTokens += r.cachedInputTokens;
    inputTokens += r.inputTokens;
    const hit = r.cachedInputTokens > 0;
    if (hit) hits++;
    if (r.ttftMs !== null) (hit ? cachedTtft : uncachedTtft).push(r.ttftMs);
  }
  if (requests === 0) return undefined;
  return {
    requests,
    hits,
    hitShare: hits / requests,
    cachedTokenShare: inputTokens > 0 ? cachedTokens / inputTokens : 0,
    ttftCachedMs: summarize(cachedTtft),
    ttftUncachedMs: summarize(uncachedTtft),
  };
}

function _ttftParts(ok: RequestRecord[]): TtftParts | undefined {
  const sendMs: number[] = [];
  const fromSent: number[] = [];
  const warm: number[] = [];
  let coldStarts = 0;
  let stamped = false;
  for (const r of ok) {
    if (r.requestSentMs !== undefined || r.coldStart !== undefined) stamped = true;
    if (r.coldStart === true) coldStarts++;
    if (r.requestSentMs !== undefined) {
      sendMs.push(r.requestSentMs);
      if (r.ttftMs !== null) fromSent.push(r.ttftMs - r.requestSentMs);
    }
    if (r.coldStart !== true && r.ttftMs !== null) warm.push(r.ttftMs);
  }
  if (!stamped) return undefined;
  return {
    sendMs: summarize(sendMs),
    ttftFromSentMs: summarize(fromSent),
    ttftWarmMs: summarize(warm),
    coldStarts,
  };
}

/** The server-side comparisons of {@link RunSummary.server}. */
export const SERVER_METRICS = [
  "serverLatencyMs",
  "serverFirstByteLatencyMs",
  "clientOverheadMs",
  "ttftOverheadMs",
  "outputTokensClientMinusServer",
] as const;

/** One of {@link SERVER_METRICS}. */
export type ServerMetric = typeof SERVER_METRICS[number];

function _serverStats(ok: RequestRecord[]): Partial<Record<ServerMetric, Stats>> | undefined {
  const values: Record<ServerMetric, number[]> = {
    serverLatencyMs: [],
    serverFirstByteLatencyMs: [],
    clientOverheadMs: [],
    ttftOverheadMs: [],
    outputTokensClientMinusServer: [],
  };
  for (const r of ok) {
    if (r.serverLatencyMs !== null) {
      values.serverLatencyMs.push(r.serverLatencyMs);
      values.clientOverheadMs.push(r.e2eMs - r.serverLatencyMs);
    }
    if (r.serverFirstByteLatencyMs !== null) {
      values.serverFirstByteLatencyMs.push(r.serverFirstByteLatencyMs);
      if (r.ttftMs !== null) values.ttftOverheadMs.push(r.ttftMs - r.serverFirstByteLatencyMs);
    }
    if (r.serverOutputTokens !== null) {
      values.outputTokensClientMinusServer.push(r.outputTokens - r.serverOutputTokens);
    }
  }
  const out: Partial<Record<ServerMetric, Stats>> = {};
  for (const metric of SERVER_METRICS) {
    if (values[metric].length > 0) out[metric] = summarize(values[metric]);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Summarize a run's records. Warm-up records are left out entirely; errored records count in
 * `numRequestsStarted`, `numErrors` and `errorCodeFrequency` but in no statistic (LLMPerf
 * likewise drops errored requests from its metrics). A metric's `null` values (e.g. no
 * `interTokenLatencyMs` for a one-token answer) are skipped, and its `note` says how many.
 * Every figure is JSON-safe: `null`, never `NaN`.
 *
 * @example Two completed requests and one 429
 * ```ts
 * import { summarizeRun } from "./summarize_run.ts";
 * import type { RequestRecord, RequestRecordBase } from "./request_record.ts";
 * const base: RequestRecordBase = {
 *   requestId: 0, phase: "measure", intendedSendMs: 0, actualSendMs: 0, startEpochMs: 0,
 *   inputTokens: 10, maxOutputTokens: 20, outputTokens: 0, reasoningTokens: 0,
 *   serverInputTokens: null, serverOutputTokens: null, serverLatencyMs: null,
 *   serverFirstByteLatencyMs: null, headersMs: 5, firstMessageMs: 6, ttftMs: null,
 *   firstReasoningMs: null, lastContentMs: null, e2eMs: 0, interTokenLatencyMs: null,
 *   llmperfInterTokenLatencyS: null, outputThroughputTokPerS: null, chunkCount: 0,
 *   chunkArrivalMs: [], chunkTokens: [], reasoningArrivalMs: [], messageCount: 0, choicesArrivalMs: [], lastMessageMs: null, retries: 0,
 * };
 * const ok = { status: "ok", errorCode: null, errorMessage: null } as const;
 * const records: RequestRecord[] = [
 *   { ...base, ...ok, requestId: 0, outputTokens: 20, ttftMs: 100, e2eMs: 1000 },
 *   { ...base, ...ok, requestId: 1, outputTokens: 30, ttftMs: 300, e2eMs: 1000 },
 *   { ...base, requestId: 2, status: "error", errorCode: 429, errorMessage: "slow", e2eMs: 5 },
 * ];
 * const s = summarizeRun(records, { wallTimeMs: 2000 });
 * if (s.numCompleted !== 2 || s.errorCodeFrequency["429"] !== 1) throw new Error("counts");
 * if (s.outputTokensPerS !== 25 || s.stats.ttftMs.p50 !== 200) throw new Error("figures");
 * ```
 */
export function summarizeRun(records: RequestRecord[], options: SummarizeRunOptions): RunSummary {
  if (!Array.isArray(records)) {
    throw new TypeError(`Cannot summarize run: 'records' must be an array, got ${typeof records}`);
  }
  const wallTimeMs = options?.wallTimeMs;
  if (!(typeof wallTimeMs === "number" && Number.isFinite(wallTimeMs) && wallTimeMs >= 0)) {
    throw new RangeError(
      `Cannot summarize run: 'wallTimeMs' must be a non-negative finite number, got ${wallTimeMs}`,
    );
  }
  const measured = records.filter((r) => r.phase === "measure");
  const ok = measured.filter((r) => r.status === "ok");
  const errorCodeFrequency: Record<string, number> = {};
  for (const r of measured) {
    if (r.status === "error") {
      const key = String(r.errorCode);
      errorCodeFrequency[key] = (errorCodeFrequency[key] ?? 0) + 1;
    }
  }
  const numRequestsStarted = measured.length;
  const numCompleted = ok.length;
  const numErrors = numRequestsStarted - numCompleted;
  const totalOutputTokens = ok.reduce((sum, r) => sum + r.outputTokens, 0);

  const stats = {} as Record<RequestMetric, Stats>;
  for (const metric of REQUEST_METRICS) {
    const values: number[] = [];
    for (const r of ok) {
      const v = r[metric];
      if (v !== null) values.push(v);
    }
    const s = summarize(values);
    if (numCompleted === 0) {
      s.note = numRequestsStarted === 0 ? "no measured requests" : "no request succeeded";
    } else if (values.length < numCompleted) {
      const missing = `${numCompleted - values.length} of ${numCompleted} completed requests ` +
        `have no value`;
      s.note = s.note ? `${missing}; ${s.note}` : missing;
    }
    stats[metric] = s;
  }

  const notes: string[] = [];
  if (numRequestsStarted === 0) notes.push("no measured requests");
  else if (numCompleted === 0) {
    notes.push(`no request succeeded: all ${numRequestsStarted} failed`);
  }
  const rated = wallTimeMs > 0;
  if (!rated && numRequestsStarted > 0) notes.push("wall time is 0 ms: rates are undefined");
  const summary: RunSummary = {
    numRequestsStarted,
    numCompleted,
    numErrors,
    errorRate: numRequestsStarted > 0 ? numErrors / numRequestsStarted : null,
    errorCodeFrequency,
    totalOutputTokens,
    outputTokensPerS: rated ? totalOutputTokens / (wallTimeMs / 1000) : null,
    completedRequestsPerMin: rated ? numCompleted / (wallTimeMs / 60_000) : null,
    wallTimeMs,
    stats,
  };
  const server = _serverStats(ok);
  if (server) summary.server = server;
  const ttftParts = _ttftParts(ok);
  if (ttftParts) summary.ttftParts = ttftParts;
  const promptCache = _promptCache(ok);
  if (promptCache) summary.promptCache = promptCache;
  const byTurn = _byTurn(measured);
  if (byTurn) summary.byTurn = byTurn;
  if (notes.length > 0) summary.note = notes.join("; ");
  return summary;
}
