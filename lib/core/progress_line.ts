/**
 * The live progress line of a run: done/total, errors, TTFT p50 so far, output tokens/s.
 *
 * @module
 */
import type { RequestRecord } from "./request_record.ts";
import { quantile } from "./quantile.ts";

/** What the progress line is computed from. */
export interface ProgressState {
  /** Requests the run means to send. */
  total: number;
  /** Measured records completed so far. */
  records: RequestRecord[];
  /** Clock value when the run started (same clock as the `nowMs` passed in). */
  startMs: number;
}

/**
 * One line describing a run in progress.
 *
 * @example
 * ```ts
 * import { progressLine } from "./progress_line.ts";
 * const line = progressLine({ total: 10, records: [], startMs: 0 }, 1500);
 * if (!line.startsWith("0/10 done")) throw new Error(line);
 * ```
 */
export function progressLine(state: ProgressState, nowMs: number): string {
  const done = state.records.length;
  let errors = 0;
  let tokens = 0;
  const ttft: number[] = [];
  for (const r of state.records) {
    if (r.status === "error") errors++;
    else {
      tokens += r.outputTokens;
      if (r.ttftMs !== null) ttft.push(r.ttftMs);
    }
  }
  const elapsedS = Math.max(0, nowMs - state.startMs) / 1000;
  const p50 = quantile(ttft, 0.5);
  const parts = [
    `${done}/${state.total} done`,
    `${errors} error${errors === 1 ? "" : "s"}`,
    `TTFT p50 ${p50 === null ? "-" : `${(p50 / 1000).toFixed(3)} s`}`,
    `${elapsedS > 0 ? (tokens / elapsedS).toFixed(1) : "0.0"} output tok/s`,
    `${elapsedS.toFixed(1)} s`,
  ];
  return parts.join(" | ");
}
