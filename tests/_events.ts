/**
 * Collecting a client's events for comparison: network read stamps (`receivedMs` of `message`
 * events) vary from run to run, so they are checked (a finite time, never going back) and taken
 * out.
 *
 * @module
 */
import type { StreamEvent } from "../lib/core/stream_event.ts";

/** Every event of `events`, with `receivedMs` checked and removed from `message` events. */
export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  let last = -Infinity;
  for await (const event of events) {
    if (event.kind === "message" && event.receivedMs !== undefined) {
      const { receivedMs, ...rest } = event;
      if (!(Number.isFinite(receivedMs) && receivedMs >= last && receivedMs <= performance.now())) {
        throw new Error(`bad receivedMs ${receivedMs} after ${last}`);
      }
      last = receivedMs;
      out.push(rest);
    } else out.push(event);
  }
  return out;
}
