/**
 * The live progress line of a run: done/total, errors, TTFT p50 so far, output tokens/s. Its
 * state is a few counters and a histogram, so it stays the same size however long the run.
 *
 * @module
 */
import type { RequestRecord } from "./request_record.ts";

/** What the progress line is computed from: build it with {@link progressState}. */
export interface ProgressState {
  /** Requests the run means to send. */
  total: number;
  /** Clock value when the run started (same clock as the `nowMs` passed in). */
  startMs: number;
  /** Measured records completed so far. */
  done: number;
  /** Of those, the failed ones. */
  errors: number;
  /** Output tokens of the completed ones. */
  outputTokens: number;
  /** TTFTs seen, as counts per histogram bucket (bucket `k` holds `[1.005^k, 1.005^(k+1))` ms;
   * `-Infinity` holds TTFTs of at most 0 ms). */
  ttftBuckets: Map<number, number>;
  /** Number of TTFTs in `ttftBuckets`. */
  ttftCount: number;
}

/** Relative width of a TTFT histogram bucket: the p50 shown is within 0.25 % of the true one. */
const _RATIO = 1.005;

/**
 * An empty progress state for a run of `total` requests started at `startMs`.
 *
 * @example
 * ```ts
 * import { progressState } from "./progress_line.ts";
 * const state = progressState(10, 0);
 * if (state.done !== 0 || state.total !== 10) throw new Error("empty");
 * ```
 */
export function progressState(total: number, startMs: number): ProgressState {
  return {
    total,
    startMs,
    done: 0,
    errors: 0,
    outputTokens: 0,
    ttftBuckets: new Map(),
    ttftCount: 0,
  };
}

/**
 * Count one completed measured request into `state` (warm-up records are not measured: leave
 * them out).
 *
 * @example
 * ```ts
 * import { addToProgress, progressState } from "./progress_line.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const state = progressState(2, 0);
 * addToProgress(state, { status: "ok", ttftMs: 200, outputTokens: 5 } as RequestRecord);
 * if (state.done !== 1 || state.outputTokens !== 5) throw new Error("counted");
 * ```
 */
export function addToProgress(state: ProgressState, record: RequestRecord): void {
  state.done++;
  if (record.status === "error") {
    state.errors++;
    return;
  }
  state.outputTokens += record.outputTokens;
  if (record.ttftMs !== null) {
    const key = record.ttftMs > 0
      ? Math.floor(Math.log(record.ttftMs) / Math.log(_RATIO))
      : -Infinity;
    state.ttftBuckets.set(key, (state.ttftBuckets.get(key) ?? 0) + 1);
    state.ttftCount++;
  }
}

/** The TTFT median of `state`, ms (the middle of its bucket), or null before any TTFT. */
function _ttftP50(state: ProgressState): number | null {
  if (state.ttftCount === 0) return null;
  const keys = [...state.ttftBuckets.keys()].sort((a, b) => a - b);
  const middle = (state.ttftCount - 1) / 2;
  let seen = 0;
  for (const key of keys) {
    seen += state.ttftBuckets.get(key)!;
    if (seen > middle) return key === -Infinity ? 0 : _RATIO ** (key + 0.5);
  }
  return null;
}

/**
 * One line describing a run in progress: `12/30 done | 0 errors | TTFT p50 0.412 s | 310.2
 * output tok/s | 3.1 s`.
 *
 * @example
 * ```ts
 * import { progressLine, progressState } from "./progress_line.ts";
 * const line = progressLine(progressState(10, 0), 1500);
 * if (!line.startsWith("0/10 done")) throw new Error(line);
 * ```
 */
export function progressLine(state: ProgressState, nowMs: number): string {
  const elapsedS = Math.max(0, nowMs - state.startMs) / 1000;
  const p50 = _ttftP50(state);
  const parts = [
    `${state.done}/${state.total} done`,
    `${state.errors} error${state.errors === 1 ? "" : "s"}`,
    `TTFT p50 ${p50 === null ? "-" : `${(p50 / 1000).toFixed(3)} s`}`,
    `${elapsedS > 0 ? (state.outputTokens / elapsedS).toFixed(1) : "0.0"} output tok/s`,
    `${elapsedS.toFixed(1)} s`,
  ];
  return parts.join(" | ");
}
