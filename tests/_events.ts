/**
 * Collecting a client's events for comparison: stamps (`receivedMs` of `message` and `headers`
 * events, the `sent` event's `atMs`) vary from run to run, so they are checked (a finite time,
 * never going back, the send first) and taken out with the `sent` event itself; the `done`
 * event's read stamp likewise, and the `body-end` event after it (the body read on to its end).
 * {@link collectSent} returns what was taken out, for the tests of the send and body-end stamps.
 *
 * @module
 */
import type { SentEvent, StreamEvent } from "../lib/core/stream_event.ts";

/** Every event of `events` but `sent`, with the stamps checked and removed. */
export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  return (await collectSent(events)).events;
}

/** {@link collect}, and the `sent` event (null when the client yielded none). */
export async function collectSent(
  events: AsyncIterable<StreamEvent>,
): Promise<{ events: StreamEvent[]; sent: SentEvent | null; bodyEndMs: number | null }> {
  const out: StreamEvent[] = [];
  let sent: SentEvent | null = null;
  let bodyEndMs: number | null = null;
  let last = -Infinity;
  const check = (ms: number, what: string) => {
    if (!(Number.isFinite(ms) && ms >= last && ms <= performance.now())) {
      throw new Error(`bad ${what} ${ms} after ${last}`);
    }
    last = ms;
  };
  for await (const event of events) {
    if (event.kind === "sent") {
      if (sent !== null || out.length > 0) throw new Error("a sent event that is not the first");
      sent = event;
      if (event.atMs !== undefined) check(event.atMs, "sent atMs");
    } else if (event.kind === "body-end") {
      if (bodyEndMs !== null || out.at(-1)?.kind !== "done") {
        throw new Error("a body-end event that is not the one after done");
      }
      if (event.receivedMs === undefined) throw new Error("body-end without a stamp");
      check(event.receivedMs, "body-end receivedMs");
      bodyEndMs = event.receivedMs;
    } else if (
      (event.kind === "message" || event.kind === "headers" || event.kind === "done") &&
      event.receivedMs !== undefined
    ) {
      const { receivedMs, ...rest } = event;
      check(receivedMs, `${event.kind} receivedMs`);
      out.push(rest);
    } else out.push(event);
  }
  return { events: out, sent, bodyEndMs };
}
