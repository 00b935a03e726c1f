/**
 * One request sent and its stream timed, wherever the client runs (this thread, or a pool's
 * Worker): the request's own timeouts and cancellation, and the wait for an arrival handed over
 * early.
 *
 * @module
 */
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import type { StreamEvent } from "../core/stream_event.ts";
import { type StreamTiming, timeStream } from "../core/time_stream.ts";
import { preciseSleep } from "./precise_sleep.ts";

/** Options of {@link timeRequest}. */
export interface TimeRequestOptions {
  /** Timeout from send to the end of the stream, ms (error 408). Default none. */
  requestTimeoutMs?: number;
  /** Timeout from send to the first content, ms (error 408). Default none. */
  firstTokenTimeoutMs?: number;
  /** Cancels the request: error 499 `cancelled: <reason>`. Default none. */
  cancel?: AbortSignal;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
  /**
   * Send no earlier than this epoch time (ms): wait for it first with `preciseSleep` (an
   * arrival handed over early, `leadMs`). A cancel ends the wait; the request is then cancelled
   * unsent (499). Default: at once.
   */
  sendAtEpochMs?: number;
}

/**
 * Send one request and time its stream: the part of {@link runBenchmark} that runs wherever the
 * client is (this thread, or a pool's Worker). Never throws; timeouts and cancellation become
 * the timing's error with the cause in its message.
 *
 * @example One request against an in-memory client
 * ```ts
 * import { timeRequest } from "./time_request.ts";
 * import type { LlmClient } from "../core/llm_client.ts";
 * const client: LlmClient = {
 *   api: "fake",
 *   async *stream() {
 *     yield { kind: "headers", status: 200 };
 *     yield { kind: "content", text: "hi" };
 *     yield { kind: "done" };
 *   },
 * };
 * const t = await timeRequest(client, { model: "m", prompt: "x", maxTokens: 1 });
 * if (t.error !== null || t.text !== "hi") throw new Error(JSON.stringify(t));
 * ```
 */
export async function timeRequest(
  client: LlmClient,
  request: Omit<LlmRequest, "signal">,
  options: TimeRequestOptions = {},
): Promise<StreamTiming> {
  if (options.sendAtEpochMs !== undefined) {
    const waitMs = options.sendAtEpochMs - (performance.timeOrigin + performance.now());
    if (waitMs > 0) await preciseSleep(waitMs, options.cancel);
  }
  const { signal, cause, watch, dispose } = _requestSignal(
    options.cancel ?? new AbortController().signal,
    {
      requestTimeoutMs: options.requestTimeoutMs,
      firstTokenTimeoutMs: options.firstTokenTimeoutMs,
    },
  );
  let timing;
  try {
    const events = client.stream({ ...request, signal });
    timing = await timeStream(watch(events), { now: options.now, signal });
  } finally {
    dispose();
  }
  const why = cause();
  if (timing.error !== null && why !== null && _ABORT_CODES.has(timing.error.code)) {
    timing.error = why;
  }
  return timing;
}

/**
 * A timing for a request that never reached a client: sent and ended now, with a 599 error.
 *
 * @example
 * ```ts
 * import { failedTiming } from "./time_request.ts";
 * const t = failedTiming("worker failed");
 * if (t.error?.code !== 599 || t.ttftMs !== null) throw new Error("failed timing");
 * ```
 */
export function failedTiming(
  message: string,
  code: number = CLIENT_ERROR_CODES.network,
): StreamTiming {
  const startMs = performance.now();
  const timing: StreamTiming = {
    startMs,
    startEpochMs: performance.timeOrigin + startMs,
    requestSentMs: null,
    newConnection: null,
    httpStatus: null,
    headersMs: null,
    firstMessageMs: null,
    ttftMs: null,
    firstReasoningMs: null,
    lastContentMs: null,
    endMs: 0,
    bodyEndMs: null,
    text: "",
    reasoningText: "",
    chunkArrivalMs: [],
    chunkTexts: [],
    chunkTokensGiven: [],
    chunkSentEpochMs: null,
    reasoningArrivalMs: [],
    messageCount: 0,
    choicesArrivalMs: [],
    lastMessageMs: null,
    usage: {},
    error: { code, message },
    finishReason: null,
    retries: 0,
  };
  return timing;
}

/** Codes a stream ends with when its request was aborted (the client's or the timer's view). */
const _ABORT_CODES = new Set<number>([
  CLIENT_ERROR_CODES.timeout,
  CLIENT_ERROR_CODES.cancelled,
  CLIENT_ERROR_CODES.network,
]);

type _Failure = { code: number; message: string; name: string };

function _seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function _reasonText(reason: unknown): string {
  const text = reason instanceof Error || reason instanceof DOMException
    ? reason.message
    : typeof reason === "string"
    ? reason
    : "";
  return text && text !== "signal is aborted without reason" ? text : "the run was stopped";
}

/**
 * One request's signal: aborts on `cancel`, on the request timeout and on the first-token
 * timeout (cleared by the first answer or reasoning content that `watch` sees). `cause()` is
 * the failure to record when one of them fired first, else null.
 */
function _requestSignal(
  cancel: AbortSignal,
  timeouts: { requestTimeoutMs?: number; firstTokenTimeoutMs?: number },
): {
  signal: AbortSignal;
  cause: () => _Failure | null;
  watch: (events: AsyncIterable<StreamEvent>) => AsyncIterable<StreamEvent>;
  dispose: () => void;
} {
  const local = new AbortController();
  let failure: _Failure | null = null;
  const fire = (f: _Failure, reason: unknown) => {
    if (failure !== null || local.signal.aborted) return;
    failure = f;
    local.abort(reason);
  };
  const onCancel = () =>
    fire({
      code: CLIENT_ERROR_CODES.cancelled,
      message: `cancelled: ${_reasonText(cancel.reason)}`,
      name: "AbortError",
    }, cancel.reason);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener("abort", onCancel, { once: true });
  const timeout = (message: string) => ({
    failure: { code: CLIENT_ERROR_CODES.timeout, message, name: "TimeoutError" },
    reason: new DOMException(message, "TimeoutError"),
  });
  const { requestTimeoutMs, firstTokenTimeoutMs } = timeouts;
  const requestTimer = requestTimeoutMs === undefined ? undefined : setTimeout(() => {
    const t = timeout(
      `request timeout: no complete answer within ${_seconds(requestTimeoutMs)} of send`,
    );
    fire(t.failure, t.reason);
  }, requestTimeoutMs);
  let firstTokenTimer = firstTokenTimeoutMs === undefined ? undefined : setTimeout(() => {
    const t = timeout(
      `first-token timeout: no content within ${_seconds(firstTokenTimeoutMs)} of send`,
    );
    fire(t.failure, t.reason);
  }, firstTokenTimeoutMs);
  async function* watch(events: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
    for await (const event of events) {
      if (
        firstTokenTimer !== undefined &&
        (event.kind === "content" || event.kind === "reasoning") && event.text !== ""
      ) {
        clearTimeout(firstTokenTimer);
        firstTokenTimer = undefined;
      }
      yield event;
    }
  }
  return {
    signal: local.signal,
    cause: () => failure,
    watch: firstTokenTimeoutMs === undefined ? (events) => events : watch,
    dispose: () => {
      clearTimeout(requestTimer);
      clearTimeout(firstTokenTimer);
      cancel.removeEventListener("abort", onCancel);
    },
  };
}
