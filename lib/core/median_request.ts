/**
 * Pick a typical request of a run: the completed one with the median end-to-end latency.
 *
 * @module
 */
import type { RequestRecord } from "./request_record.ts";

/**
 * The completed, measured request with the median end-to-end latency (the lower middle one of
 * an even count), among those with streamed chunks: a typical request for
 * `plotTokenTimeline`. `undefined` when no request qualifies. Warm-up and failed requests are
 * left out.
 *
 * @example
 * ```ts
 * import { medianRequest } from "./median_request.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const rec = (requestId: number, e2eMs: number) =>
 *   ({ requestId, phase: "measure", status: "ok", e2eMs, chunkArrivalMs: [e2eMs] }) as RequestRecord;
 * const typical = medianRequest([rec(0, 900), rec(1, 300), rec(2, 500), rec(3, 700)]);
 * if (typical?.requestId !== 2) throw new Error(`got ${typical?.requestId}`);
 * ```
 */
export function medianRequest(records: readonly RequestRecord[]): RequestRecord | undefined {
  if (!Array.isArray(records)) {
    throw new TypeError(
      `Cannot pick median request: 'records' must be an array of records, got ${records}`,
    );
  }
  const ok = records
    .filter((r) =>
      r.phase === "measure" && r.status === "ok" && Array.isArray(r.chunkArrivalMs) &&
      r.chunkArrivalMs.length > 0
    )
    .sort((a, b) => a.e2eMs - b.e2eMs || a.requestId - b.requestId);
  return ok[Math.floor((ok.length - 1) / 2)];
}
