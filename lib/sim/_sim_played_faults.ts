/**
 * The faults played while a response streams (`reset-mid-stream`, `malformed-sse`,
 * `invalid-json`, `empty-choices`): the others change the plan before it is played
 * (`applySimFault`).
 *
 * @module
 */
import { type SimFault, simFaultAfterChunks, type SimFaultEncoder } from "./sim_faults.ts";
import type { SimResponsePlan } from "./sim_plan.ts";
import type { SimResponseEncoder } from "./sim_wire_format.ts";
import type { SimRequestLog } from "./_sim_request_log.ts";
import type { SimBodyWriter } from "./_sim_body_writer.ts";

/** What a played fault acts on. */
export interface SimPlayedFaultTarget {
  /** The plan being played (after `applySimFault`). */
  plan: SimResponsePlan;
  /** The response's log entry (`fault`, `endSentEpochMs` are set). */
  entry: SimRequestLog;
  /** The response's encoder (its optional `encodeFault` makes the broken bytes). */
  encoder: SimResponseEncoder;
  /** The response's body. */
  writer: SimBodyWriter;
  /** Aborted by a connection reset (stops the plan). */
  controller: AbortController;
}

/** Plays a response's fault at its place in the stream. */
export interface SimPlayedFaults {
  /** Plays the fault if it is due before content chunk `index` (the end is `chunks.length`). */
  before(index: number, sentAtEpochMs: number): void;
  /** Settles once a played connection reset broke the body; null while there is none. */
  resetting(): Promise<void> | null;
}

/**
 * The player of `fault` (null: none) for one response.
 *
 * @example No fault plays nothing
 * ```ts
 * import { createSimPlayedFaults } from "./_sim_played_faults.ts";
 * import { createSimBodyWriter } from "./_sim_body_writer.ts";
 * import { newSimRequestLog } from "./_sim_request_log.ts";
 * const controller = new AbortController();
 * const url = new URL("http://h/");
 * const entry = newSimRequestLog({
 *   requestId: 0, format: "f", url, headers: new Headers(), arrivalEpochMs: 0,
 * });
 * const faults = createSimPlayedFaults(null, {
 *   plan: { inputTokens: 0, outputTokens: 0, finishReason: "stop", openAtMs: 0, endAtMs: 0,
 *     chunks: [] },
 *   entry,
 *   encoder: {
 *     streamContentType: "text/plain",
 *     encodeStep: () => null,
 *     encodeWhole: () => new Response(),
 *   },
 *   writer: createSimBodyWriter({ stream: true, signal: controller.signal, onClientAbort() {} }),
 *   controller,
 * });
 * faults.before(0, Date.now());
 * if (entry.fault !== null || faults.resetting() !== null) throw new Error("fault");
 * ```
 */
export function createSimPlayedFaults(
  fault: SimFault | null,
  target: SimPlayedFaultTarget,
): SimPlayedFaults {
  const { plan, entry, writer, controller } = target;
  // Faults played before content chunk `index` (the end counts as index `chunks.length`).
  const faultAt = fault === null ? -1 : Math.min(simFaultAfterChunks(fault), plan.chunks.length);
  let faultDone = false;
  let resetting: Promise<void> | null = null;
  const before = (index: number, sentAtEpochMs: number): void => {
    if (fault === null || !_PLAYED_FAULTS.has(fault.kind) || writer.body === null) return;
    const repeated = fault.kind === "malformed-sse" || fault.kind === "empty-choices";
    if (index < faultAt || (faultDone && !(repeated && index < plan.chunks.length))) return;
    faultDone = true;
    if (fault.kind === "reset-mid-stream") {
      entry.fault = fault.kind;
      entry.endSentEpochMs = sentAtEpochMs;
      controller.abort();
      resetting = writer.resetWhenFlushed();
      return;
    }
    const encodeFault = (target.encoder as Partial<SimFaultEncoder>).encodeFault;
    const bytes = encodeFault ? encodeFault(fault.kind, sentAtEpochMs) : null;
    if (bytes === null) return;
    entry.fault = fault.kind;
    writer.write(bytes);
  };
  return { before, resetting: () => resetting };
}

/** Faults played while streaming (the others change the plan, see `applySimFault`). */
const _PLAYED_FAULTS = new Set<string>([
  "reset-mid-stream",
  "malformed-sse",
  "invalid-json",
  "empty-choices",
]);
