/**
 * The streaming timer: stamps every event of any client's stream with an injected clock.
 *
 * @module
 */
import type { StreamEvent } from "./stream_event.ts";
import { CLIENT_ERROR_CODES } from "./request_record.ts";

/** What the timer saw of one streamed response. Times are ms after the request was sent. */
export interface StreamTiming {
  /** `now()` when the request was sent (the clock's own timebase). */
  startMs: number;
  /** Send time as Unix epoch ms: `timeOrigin + startMs` (for comparison with server stamps). */
  startEpochMs: number;
  /** The request left the client (the `sent` event), ms after `startMs`; null when the
   * client does not say. */
  requestSentMs: number | null;
  /** The request opened a new connection (the `sent` event); null when the client does not
   * say. */
  newConnection: boolean | null;
  /** HTTP status from the `headers` event, if any. */
  httpStatus: number | null;
  /** Response headers arrived. */
  headersMs: number | null;
  /** First wire message of any kind (role-only and usage-only chunks included). */
  firstMessageMs: number | null;
  /** First non-empty answer content. */
  ttftMs: number | null;
  /** First non-empty reasoning content. */
  firstReasoningMs: number | null;
  /** Last non-empty answer content. */
  lastContentMs: number | null;
  /**
   * End of the stream, normal or not: when the timer saw its last event, or, when the client
   * read the body on after the stream's `done` (a `body-end` event), when it saw the `done`.
   */
  endMs: number;
  /** The response body ended (the `body-end` event); null when the client did not say. */
  bodyEndMs: number | null;
  /** The answer text, concatenated. */
  text: string;
  /** The reasoning text, concatenated. */
  reasoningText: string;
  /** Arrival of each non-empty answer chunk. */
  chunkArrivalMs: number[];
  /** Text of each non-empty answer chunk. */
  chunkTexts: string[];
  /** Tokens the endpoint gave for each answer chunk (`undefined` where it gave none). */
  chunkTokensGiven: (number | undefined)[];
  /** Simulator send stamps (epoch ms) of the answer chunks, when every chunk carried one. */
  chunkSentEpochMs: number[] | null;
  /** Arrival of each non-empty reasoning chunk. */
  reasoningArrivalMs: number[];
  /** Wire messages (`message` events) seen. */
  messageCount: number;
  /** Arrival of each `message` event whose message had non-empty `choices`. */
  choicesArrivalMs: number[];
  /** Arrival of the last message, content, reasoning or usage event. */
  lastMessageMs: number | null;
  /** The server's usage and latency figures, merged over all `usage` events. */
  usage: Omit<Extract<StreamEvent, { kind: "usage" }>, "kind">;
  /** The failure, if the stream reported or suffered one. */
  error: { code: number; message: string; name?: string } | null;
  /** Finish reason from the `done` event. */
  finishReason: string | null;
  /** Retries reported by the client's `headers` event (SDK retries), else 0. */
  retries: number;
  /** Some answer text was a refusal (`content` events flagged `refusal`). Default false. */
  refusal?: boolean;
  /** The `headers` event's `retryAfterMs` (a 429's or 503's `Retry-After`). Default null. */
  retryAfterMs?: number | null;
}

/** Options of {@link timeStream}. */
export interface TimeStreamOptions {
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
  /** Epoch ms of the clock's zero. Default `performance.timeOrigin`. */
  timeOrigin?: number;
  /**
   * The request's signal. When it aborts, timing stops at once, even if the stream does not
   * react to the abort (the stream is closed in the background), so a timed-out or cancelled
   * request never holds its slot; the error is a timeout (408, when `signal.reason` is a
   * `TimeoutError`) or a cancellation (499), unless the stream reported its own error first.
   * Default none.
   */
  signal?: AbortSignal;
  /**
   * Stamp a `message` event that carries `receivedMs` (the network read's time, see
   * `MessageEvent` in stream_event.ts) and the events decoded from it (up to the next `message`)
   * with that time instead of the clock's. Default: true when `now` is the default clock
   * (`receivedMs` is `performance.now()` of this thread), false for an injected clock.
   */
  networkStamps?: boolean;
}

/**
 * Consume a stream of events and stamp each with the clock. The request is taken as sent when
 * the first `next()` is called (clients send lazily, inside their generator). Never throws: an
 * exception from the stream becomes `error` (code 599, or 408/499 when the signal aborted).
 *
 * @example Timing an in-memory stream with a fake clock
 * ```ts
 * import { timeStream } from "./time_stream.ts";
 * import type { StreamEvent } from "./stream_event.ts";
 * const clock = [0, 5, 7, 100, 120, 130, 135]; // start, 5 events, end
 * let i = 0;
 * const now = () => clock[i++];
 * async function* events(): AsyncGenerator<StreamEvent> {
 *   yield { kind: "headers", status: 200 };
 *   yield { kind: "message" };
 *   yield { kind: "content", text: "Hello" };
 *   yield { kind: "content", text: " world" };
 *   yield { kind: "done", finishReason: "stop" };
 * }
 * const t = await timeStream(events(), { now, timeOrigin: 0 });
 * if (t.ttftMs !== 100 || t.lastContentMs !== 120 || t.endMs !== 135) throw new Error("timing");
 * if (t.text !== "Hello world" || t.headersMs !== 5) throw new Error("text");
 * ```
 */
export async function timeStream(
  events: AsyncIterable<StreamEvent>,
  options: TimeStreamOptions = {},
): Promise<StreamTiming> {
  const now = options.now ?? (() => performance.now());
  const networkStamps = options.networkStamps ?? options.now === undefined;
  const timeOrigin = options.timeOrigin ?? performance.timeOrigin;
  const startMs = now();
  const t: StreamTiming = {
    startMs,
    startEpochMs: timeOrigin + startMs,
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
    chunkSentEpochMs: [],
    reasoningArrivalMs: [],
    messageCount: 0,
    choicesArrivalMs: [],
    lastMessageMs: null,
    usage: {},
    error: null,
    finishReason: null,
    retries: 0,
    refusal: false,
    retryAfterMs: null,
  };
  const sent: number[] = [];
  let allStamped = true;
  let text = "";
  let reasoning = "";
  // The current wire message's network read time (relative to the start), when it gave one.
  let readAt: number | null = null;
  // When the `done` event was stamped.
  let doneAt: number | null = null;
  // The stream failed or was aborted after its `done` (while the body was read on).
  let afterDone = false;
  try {
    for await (const event of _untilAborted(events, options.signal)) {
      if (event.kind === "message" || event.kind === "headers") {
        readAt = networkStamps && event.receivedMs !== undefined
          ? event.receivedMs - startMs
          : null;
      } else if (event.kind === "sent") readAt = null;
      const at = event.kind === "sent" && networkStamps && event.atMs !== undefined
        ? event.atMs - startMs
        : (event.kind === "body-end" || event.kind === "done") && networkStamps &&
            event.receivedMs !== undefined
        ? event.receivedMs - startMs
        : event.kind === "body-end"
        ? now() - startMs
        : readAt ?? now() - startMs;
      switch (event.kind) {
        case "sent":
          t.requestSentMs ??= at;
          if (event.newConnection !== undefined) t.newConnection ??= event.newConnection;
          break;
        case "headers":
          t.headersMs ??= at;
          t.httpStatus = event.status;
          if (event.retries !== undefined) t.retries = event.retries;
          if (event.retryAfterMs !== undefined) t.retryAfterMs = event.retryAfterMs;
          break;
        case "message":
          t.firstMessageMs ??= at;
          t.lastMessageMs = at;
          t.messageCount++;
          if (event.choices) t.choicesArrivalMs.push(at);
          break;
        case "content":
          t.firstMessageMs ??= at;
          t.lastMessageMs = at;
          if (event.text.length === 0) break;
          t.ttftMs ??= at;
          t.lastContentMs = at;
          if (event.refusal) t.refusal = true;
          text += event.text;
          t.chunkArrivalMs.push(at);
          t.chunkTexts.push(event.text);
          t.chunkTokensGiven.push(event.tokens);
          if (event.sentAtEpochMs === undefined) allStamped = false;
          else sent.push(event.sentAtEpochMs);
          break;
        case "reasoning":
          t.firstMessageMs ??= at;
          t.lastMessageMs = at;
          if (event.text.length === 0) break;
          t.firstReasoningMs ??= at;
          reasoning += event.text;
          t.reasoningArrivalMs.push(at);
          break;
        case "usage": {
          t.firstMessageMs ??= at;
          t.lastMessageMs = at;
          const { kind: _kind, ...figures } = event;
          Object.assign(t.usage, figures);
          break;
        }
        case "error":
          t.error ??= { code: event.code, message: event.message, name: event.name };
          break;
        case "done":
          t.finishReason = event.finishReason ?? null;
          doneAt ??= at;
          break;
        case "body-end":
          t.bodyEndMs ??= at;
          break;
      }
    }
  } catch (err) {
    // A timeout while the body is read on after `done` ends the reading, not the request.
    if (doneAt === null) t.error ??= classifyThrown(err, options.signal);
    else afterDone = true;
  }
  const end = now() - startMs;
  t.endMs = doneAt !== null && (t.bodyEndMs !== null || afterDone) ? doneAt : end;
  t.text = text;
  t.reasoningText = reasoning;
  t.chunkSentEpochMs = allStamped && sent.length > 0 ? sent : null;
  return t;
}

/** Thrown by {@link _untilAborted} when the signal aborts while waiting for the next event. */
class _Aborted extends Error {}

/**
 * The events of `events` until `signal` aborts: a pending `next()` is abandoned at the abort
 * (the iterator is closed in the background), so a stream that ignores the signal cannot hold
 * the caller.
 */
async function* _untilAborted<T>(
  events: AsyncIterable<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  if (signal === undefined) {
    yield* events;
    return;
  }
  const iterator = events[Symbol.asyncIterator]();
  // One waiter at a time is rejected at the abort (a race against a shared promise would leave
  // one reaction per event on it until the stream ends).
  let aborted = signal.aborted;
  let rejectWaiter: ((error: unknown) => void) | null = null;
  const onAbort = () => {
    aborted = true;
    rejectWaiter?.(new _Aborted());
  };
  signal.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    while (true) {
      if (aborted) throw new _Aborted();
      const next = iterator.next();
      const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectWaiter = reject;
        if (aborted) reject(new _Aborted()); // aborted while `next()` ran synchronously
        next.then(resolve, reject); // abandoned at an abort, it may still settle later: ignored
      });
      rejectWaiter = null;
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } catch (error) {
    // The stream itself threw: it is finished, do not close it again.
    if (!(error instanceof _Aborted)) done = true;
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Stopped early (abort, or the consumer broke off): close the stream without waiting for it.
    if (!done) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

function classifyThrown(
  err: unknown,
  signal: AbortSignal | undefined,
): { code: number; message: string; name?: string } {
  if (signal?.aborted) {
    const reason = signal.reason;
    const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
    return timedOut
      ? { code: CLIENT_ERROR_CODES.timeout, message: "request timed out", name: "TimeoutError" }
      : { code: CLIENT_ERROR_CODES.cancelled, message: "request cancelled", name: "AbortError" };
  }
  const name = err instanceof Error ? err.name : "Error";
  const message = err instanceof Error ? err.message : String(err);
  return { code: CLIENT_ERROR_CODES.network, message: `${name}: ${message}`, name };
}
