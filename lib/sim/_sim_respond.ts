/**
 * Plays one planned response: picks and applies its injected fault, then plays the plan's steps
 * at their absolute times through the shared send gate, encoding each with the wire format,
 * writing it to the body and stamping it in the ground-truth log.
 *
 * @module
 */
import { playPlan, type SimResponsePlan, type SimStep } from "./sim_plan.ts";
import type { Random } from "../core/random.ts";
import type { SimVocabulary } from "./sim_vocabulary.ts";
import type { SimParsedRequest, SimResponseEncoder, SimWireFormat } from "./sim_wire_format.ts";
import { applySimFault, type SimFault } from "./sim_faults.ts";
import type { SimTcpFront } from "./sim_tcp_front.ts";
import type { SimRequestLog } from "./_sim_request_log.ts";
import type { SimHandlerInfo } from "./_sim_server.ts";
import { createSimBodyWriter, type SimBodyWriter } from "./_sim_body_writer.ts";
import { createSimPlayedFaults, type SimPlayedFaults } from "./_sim_played_faults.ts";

/** What every response of a simulator shares. */
export interface SimResponder {
  /** Single-token words (for `huge-chunk` faults). */
  vocabulary: SimVocabulary;
  /** The fault generator (for `applySimFault`; the picker draws from it too). */
  faultRandom: Random;
  /** The fault injected into request `requestId`, if any. */
  pickFault: (requestId: number) => SimFault | null;
  /** The send gate shared by every request (`createSendGate`). */
  gate: () => Promise<void> | null;
  /** Controllers of the responses being played (aborted on close). */
  active: Set<AbortController>;
  /** The TCP front, once there is one (to drop a connection). */
  front: () => SimTcpFront | null;
}

/** One request, parsed, planned and logged, to be answered. */
export interface SimPlannedResponse {
  /** The server's connection info. */
  handlerInfo: SimHandlerInfo;
  /** The wire format serving it. */
  format: SimWireFormat;
  /** The parsed request. */
  parsed: SimParsedRequest;
  /** The answer's plan, before faults. */
  plan: SimResponsePlan;
  /** The request's log entry, filled in as the response is sent. */
  entry: SimRequestLog;
  /** Arrival on the `performance.now` clock (the plan's times count from it). */
  arrivalMs: number;
  /** Called once when the response is over (played, failed, or dropped). Default none. */
  onFinished?: () => void;
}

/**
 * Answers a planned request: resolves with the response once its headers are due (streams go on
 * being written after), or with a bare 503 when nothing was sent (aborted, or the connection was
 * dropped on purpose).
 *
 * @example Played by the simulator
 * ```ts
 * import { startSimulator } from "./simulator.ts";
 * await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
 * const response = await fetch(`${sim.url}/v1/completions`, {
 *   method: "POST", body: JSON.stringify({ model: "sim", prompt: "Hi", max_tokens: 2 }),
 * });
 * await response.text();
 * if (response.status !== 200 || sim.log()[0].outputTokens !== 2) throw new Error("response");
 * ```
 */
export function respondToPlan(
  planned: SimPlannedResponse,
  responder: SimResponder,
): Promise<Response> {
  const { handlerInfo, format, parsed, entry } = planned;
  const { active } = responder;
  const controller = new AbortController();
  active.add(controller);
  const onClientAbort = () => {
    if (entry.endSentEpochMs === null) entry.disconnected = true;
    controller.abort();
  };
  // Rejects when the client went away before the whole response was written.
  handlerInfo.completed.catch(onClientAbort);
  // Injected fault: faults of the plan change it here, the others are played below.
  const fault = responder.pickFault(entry.requestId);
  let plan = planned.plan;
  if (fault !== null) {
    plan = _applyPlanFault(plan, fault, entry, responder);
    const front = responder.front();
    if (fault.kind === "reset-before-headers" && front !== null) {
      entry.fault = fault.kind;
      entry.disconnected = true;
      entry.endSentEpochMs = performance.timeOrigin + performance.now();
      front.drop((handlerInfo.remoteAddr as Deno.NetAddr).port);
      controller.abort();
      active.delete(controller);
      planned.onFinished?.();
      return Promise.resolve(new Response(null, { status: 503 }));
    }
  }
  const encoder = format.encoder(parsed, {
    requestId: entry.requestId,
    arrivalEpochMs: entry.arrivalEpochMs,
    inputTokens: plan.inputTokens,
    ...(plan.cachedInputTokens !== undefined ? { cachedInputTokens: plan.cachedInputTokens } : {}),
  });
  const { promise, resolve } = Promise.withResolvers<Response>();
  const drip = fault?.kind === "slow-drip" && parsed.stream
    ? { bytes: fault.bytes ?? 1, ms: fault.dripMs ?? 1 }
    : null;
  const { signal } = controller;
  const writer = createSimBodyWriter({ stream: parsed.stream, drip, signal, onClientAbort });
  if (drip !== null) entry.fault = "slow-drip";
  const faults = createSimPlayedFaults(fault, { plan, entry, encoder, writer, controller });
  const send = _stepSender({ plan, entry, format, encoder, writer, faults, resolve });
  playPlan(plan, { arrivalMs: planned.arrivalMs, signal, gate: responder.gate, send })
    // A send never throws; a failure here means a bug in a format: end the response.
    .catch(() => writer.finish())
    .finally(() => {
      active.delete(controller);
      writer.finish();
      planned.onFinished?.();
      // Aborted before anything was sent: answer something (the client is gone anyway).
      resolve(new Response(null, { status: 503 }));
    });
  return promise;
}

/** The plan with the fault's changes (HTTP errors, stalls, …), logged when it changed. */
function _applyPlanFault(
  plan: SimResponsePlan,
  fault: SimFault,
  entry: SimRequestLog,
  responder: SimResponder,
): SimResponsePlan {
  const changed = applySimFault(plan, fault, {
    vocabulary: responder.vocabulary,
    random: responder.faultRandom,
  });
  if (changed === plan) return plan;
  entry.fault = fault.kind;
  entry.plannedOutputTokens = changed.chunks.reduce((n, c) => n + c.tokens, 0);
  return changed;
}

/** What sending the steps of one response acts on. */
interface _Sending {
  plan: SimResponsePlan;
  entry: SimRequestLog;
  format: SimWireFormat;
  encoder: SimResponseEncoder;
  writer: SimBodyWriter;
  faults: SimPlayedFaults;
  resolve: (response: Response) => void;
}

/** `playPlan`'s `send`: encodes and writes each step (or resolves the response), and logs it. */
function _stepSender(s: _Sending): (step: SimStep, sentAtEpochMs: number) => void | Promise<void> {
  const { plan, entry, encoder, writer, faults, resolve } = s;
  const body = writer.body;
  return (step, sentAtEpochMs) => {
    switch (step.kind) {
      case "open":
        if (body) {
          entry.status = 200;
          entry.headersSentEpochMs = sentAtEpochMs;
          const written = writer.write(encoder.encodeStep(step, sentAtEpochMs));
          resolve(
            new Response(body, {
              headers: { "content-type": encoder.streamContentType, "cache-control": "no-cache" },
            }),
          );
          return written;
        }
        return;
      case "chunk": {
        faults.before(step.index, sentAtEpochMs);
        const resetting = faults.resetting();
        if (resetting) return resetting;
        entry.chunkSentEpochMs.push(sentAtEpochMs);
        entry.chunkTokens.push(step.tokens);
        entry.chunkPlannedMs.push(step.atMs);
        entry.outputTokens += step.tokens;
        return writer.write(encoder.encodeStep(step, sentAtEpochMs));
      }
      case "end": {
        faults.before(plan.chunks.length, sentAtEpochMs);
        const resetting = faults.resetting();
        if (resetting) return resetting;
        entry.endSentEpochMs = sentAtEpochMs;
        entry.finishReason = step.finishReason;
        if (body) {
          const written = writer.write(encoder.encodeStep(step, sentAtEpochMs));
          if (written) return written.then(() => writer.finish());
          writer.finish();
        } else {
          entry.status = 200;
          entry.headersSentEpochMs = sentAtEpochMs;
          resolve(encoder.encodeWhole(plan, sentAtEpochMs));
        }
        return;
      }
      case "error":
        entry.endSentEpochMs = sentAtEpochMs;
        entry.error = {
          where: step.where,
          status: step.status,
          type: step.type,
          message: step.message,
        };
        if (body && step.where === "stream") {
          writer.write(encoder.encodeStep(step, sentAtEpochMs));
          writer.finish();
        } else {
          entry.status = step.status;
          entry.headersSentEpochMs = sentAtEpochMs;
          resolve(_withRetryAfter(s.format.errorResponse(step), step.retryAfterS));
        }
        return;
    }
  };
}

/** Adds `Retry-After` to an HTTP error response (injected 429s). */
function _withRetryAfter(response: Response, retryAfterS: number | undefined): Response {
  if (retryAfterS !== undefined) response.headers.set("retry-after", String(retryAfterS));
  return response;
}
