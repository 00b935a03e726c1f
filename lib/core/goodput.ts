/**
 * Goodput under service-level objectives: the share and rate of requests that meet every SLO
 * (`--slo ttft:500,tpot:50,e2e:10000`, milliseconds), as vLLM's `--goodput` does.
 *
 * @module
 */
import {
  checkLensName,
  LENSES,
  type LensName,
  type LensRecord,
  lensRequestValues,
  type LensSpec,
} from "./lenses.ts";

/**
 * The metrics an SLO can bound, each an upper limit in ms on the lens's per-request value:
 * `ttft` → `ttftMs`, `tpot` → `tpotMs`, `itl` → `itlMs`, `e2e` → `e2eMs`. Under the default
 * tokenbench lens `tpot` and `itl` are the same figure, `(t_C − t_1) / (N − 1)`.
 *
 * @example Valid SLO names
 * ```ts
 * import { SLO_METRICS } from "./goodput.ts";
 * if (SLO_METRICS.join() !== "ttft,tpot,itl,e2e") throw new Error("names");
 * ```
 */
export const SLO_METRICS = ["ttft", "tpot", "itl", "e2e"] as const;

/** One of {@link SLO_METRICS}. */
export type SloMetric = typeof SLO_METRICS[number];

/** Upper limits in ms, one per bounded metric; at least one. */
export type Slo = Partial<Record<SloMetric, number>>;

const _FIELD = {
  ttft: "ttftMs",
  tpot: "tpotMs",
  itl: "itlMs",
  e2e: "e2eMs",
} as const satisfies Record<SloMetric, string>;

/** vLLM spells the end-to-end bound `e2el`; accepted as a synonym of `e2e`. */
const _ALIASES: Record<string, SloMetric> = { e2el: "e2e" };

/**
 * Parse an SLO spec `NAME:MS[,NAME:MS…]` (names from {@link SLO_METRICS}, `e2el` also accepted
 * for `e2e`; limits are positive numbers of milliseconds). A non-string throws a `TypeError`; a
 * malformed part, an unknown name, a bad limit or a repeated name throws a one-line `RangeError`
 * naming the part.
 *
 * @example vLLM-style SLOs
 * ```ts
 * import { parseSlo } from "./goodput.ts";
 * const slo = parseSlo("ttft:500,tpot:50,e2e:10000");
 * if (slo.ttft !== 500 || slo.tpot !== 50 || slo.e2e !== 10000) throw new Error("parse");
 * ```
 */
export function parseSlo(spec: string): Slo {
  if (typeof spec !== "string") {
    throw new TypeError(
      `Cannot parse SLO: expected a string like "ttft:500,tpot:50", got ${typeof spec}`,
    );
  }
  const trimmed = spec.trim();
  if (trimmed === "") {
    throw new RangeError(
      `Cannot parse SLO: empty spec; expected NAME:MS pairs like "ttft:500,tpot:50"`,
    );
  }
  const slo: Slo = {};
  for (const raw of trimmed.split(",")) {
    const part = raw.trim();
    const match = /^([A-Za-z0-9_]+)\s*:\s*(.*)$/.exec(part);
    if (!match) {
      throw new RangeError(`Cannot parse SLO: part "${part}" must be NAME:MS, e.g. "ttft:500"`);
    }
    const key = match[1].toLowerCase();
    const name = (SLO_METRICS as readonly string[]).includes(key)
      ? key as SloMetric
      : _ALIASES[key];
    if (name === undefined) {
      throw new RangeError(
        `Cannot parse SLO: unknown metric "${match[1]}" in "${part}"; use one of ${
          SLO_METRICS.join(", ")
        }`,
      );
    }
    const text = match[2].trim();
    const ms = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
    if (!(Number.isFinite(ms) && ms > 0)) {
      throw new RangeError(
        `Cannot parse SLO: limit in "${part}" must be a positive number of ms, got "${text}"`,
      );
    }
    if (slo[name] !== undefined) {
      throw new RangeError(`Cannot parse SLO: "${name}" is given twice (in "${part}")`);
    }
    slo[name] = ms;
  }
  return slo;
}

/** Options of {@link goodput}. */
export interface GoodputOptions {
  /** Wall time of the measurement, ms (first send to last completion). Required. */
  wallTimeMs: number;
  /** Lens whose per-request definitions the SLOs bound. Default `"tokenbench"`. */
  lens?: LensName;
}

/** Requests meeting the SLOs. */
export interface GoodputResult {
  /** The SLOs applied. */
  slo: Slo;
  /** The lens whose definitions were bounded. */
  lens: LensName;
  /** Measured requests started (warm-up excluded): the denominator of the shares. */
  numRequestsStarted: number;
  /** Requests that completed and met every SLO. */
  requestsMeeting: number;
  /** `requestsMeeting / numRequestsStarted`; `null` when nothing was started. */
  share: number | null;
  /** `requestsMeeting / (wallTimeMs / 1000)`, requests per second; `null` when the wall time is 0. */
  ratePerS: number | null;
  /** For each bounded metric, the share of started requests meeting that SLO alone. */
  perMetricShare: Partial<Record<SloMetric, number | null>>;
}

/**
 * Share and rate of measured requests that meet ALL the SLOs (each value ≤ its limit, as vLLM
 * compares). A failed request meets none. A completed request with no TTFT (no token at all)
 * fails a `ttft` bound; one with fewer than two tokens has no `tpot`/`itl` and passes those
 * bounds (vLLM counts its TPOT as 0). Bounding a metric the lens does not give per request
 * (vLLM's pooled ITL, LLMPerf's TPOT) throws a `RangeError`.
 *
 * @example One of two requests is fast enough
 * ```ts
 * import { goodput, parseSlo } from "./goodput.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const rec = (requestId: number, ttftMs: number) => ({
 *   requestId, phase: "measure", status: "ok", ttftMs, lastContentMs: ttftMs + 90, e2eMs: 400,
 *   outputTokens: 10, chunkCount: 10, chunkArrivalMs: [], firstMessageMs: ttftMs,
 *   firstReasoningMs: null, reasoningTokens: 0, serverOutputTokens: null,
 * }) as unknown as RequestRecord;
 * const g = goodput([rec(0, 200), rec(1, 800)], parseSlo("ttft:500,tpot:50"), { wallTimeMs: 2000 });
 * if (g.requestsMeeting !== 1 || g.share !== 0.5 || g.ratePerS !== 0.5) throw new Error("goodput");
 * ```
 */
export function goodput(
  records: readonly LensRecord[],
  slo: Slo,
  options: GoodputOptions,
): GoodputResult {
  if (!Array.isArray(records)) {
    throw new TypeError(
      `Cannot compute goodput: 'records' must be an array, got ${typeof records}`,
    );
  }
  const bounded = _checkSlo(slo);
  const wallTimeMs = options?.wallTimeMs;
  if (!(typeof wallTimeMs === "number" && Number.isFinite(wallTimeMs) && wallTimeMs >= 0)) {
    throw new RangeError(
      `Cannot compute goodput: 'wallTimeMs' must be a non-negative finite number, got ${wallTimeMs}`,
    );
  }
  const lens = options.lens === undefined ? "tokenbench" : checkLensName(options.lens);
  for (const metric of bounded) {
    if (!_perRequest(lens, metric)) {
      const usable = SLO_METRICS.filter((m) => _perRequest(lens, m));
      throw new RangeError(
        `Cannot compute goodput: lens "${lens}" has no per-request '${metric}'; use ${
          usable.join(", ")
        }`,
      );
    }
  }

  const measured = records.filter((r) => r.phase === "measure");
  const meetingPerMetric = new Map<SloMetric, number>(bounded.map((m) => [m, 0]));
  let requestsMeeting = 0;
  for (const r of measured) {
    if (r.status !== "ok") continue;
    const v = lensRequestValues(lens, r);
    if (!v.ok) continue; // the peer counts it as failed
    let all = true;
    for (const metric of bounded) {
      const value = v[_FIELD[metric]];
      const meets = value === null
        ? (metric === "tpot" || metric === "itl") && (v.outputTokens ?? 0) < 2
        : value <= (slo[metric] as number);
      if (meets) meetingPerMetric.set(metric, (meetingPerMetric.get(metric) ?? 0) + 1);
      else all = false;
    }
    if (all) requestsMeeting++;
  }
  const n = measured.length;
  const perMetricShare: Partial<Record<SloMetric, number | null>> = {};
  for (const metric of bounded) {
    perMetricShare[metric] = n > 0 ? (meetingPerMetric.get(metric) ?? 0) / n : null;
  }
  const copy: Slo = {};
  for (const metric of bounded) copy[metric] = slo[metric];
  return {
    slo: copy,
    lens,
    numRequestsStarted: n,
    requestsMeeting,
    share: n > 0 ? requestsMeeting / n : null,
    ratePerS: wallTimeMs > 0 ? requestsMeeting / (wallTimeMs / 1000) : null,
    perMetricShare,
  };
}

/** The bounded metrics of a valid SLO object, in SLO_METRICS order. */
function _checkSlo(slo: Slo): SloMetric[] {
  if (slo === null || typeof slo !== "object") {
    throw new TypeError(
      `Cannot compute goodput: 'slo' must be an object (see parseSlo), got ${slo}`,
    );
  }
  for (const key of Object.keys(slo)) {
    if (!(SLO_METRICS as readonly string[]).includes(key)) {
      throw new RangeError(
        `Cannot compute goodput: unknown SLO metric "${key}"; use one of ${SLO_METRICS.join(", ")}`,
      );
    }
  }
  const bounded = SLO_METRICS.filter((m) => slo[m] !== undefined);
  if (bounded.length === 0) {
    throw new RangeError("Cannot compute goodput: 'slo' bounds no metric");
  }
  for (const metric of bounded) {
    const limit = slo[metric];
    if (!(typeof limit === "number" && Number.isFinite(limit) && limit > 0)) {
      throw new RangeError(
        `Cannot compute goodput: SLO '${metric}' must be a positive number of ms, got ${limit}`,
      );
    }
  }
  return bounded;
}

/** Whether the lens defines the SLO's metric per request (not pooled, not absent). */
function _perRequest(lens: LensName, metric: SloMetric): boolean {
  const spec: LensSpec = LENSES[lens];
  const field = _FIELD[metric];
  return field in spec.metrics && spec.pooled !== field;
}
