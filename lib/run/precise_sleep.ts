/**
 * A sleep that wakes on time: `setTimeout` fires about 1 ms late at the median in Deno (its
 * timers have millisecond granularity), which an open loop would add to every arrival's
 * dispatch lag.
 *
 * @module
 */

/** Options of {@link preciseSleep}. */
export interface PreciseSleepOptions {
  /**
   * The timer is set this many ms early (Deno's timers fire p99 about 1.5 ms late here, now and
   * then later); the rest is waited in short slices that yield to the event loop between them,
   * so I/O keeps flowing. Longer is not better on a busy machine: a thread that busy-waits longer
   * is more often preempted (dispatch lag p99 0.72–0.81 ms with 1.5 ms against 0.93–2.61 ms with
   * 3 ms, measured by `deno task calibrate`). Default 1.5.
   */
  earlyMs?: number;
  /**
   * Each slice of the final wait busy-waits this long before yielding (a `MessageChannel`
   * round trip, about 4 µs): fewer turns allocate less (a message costs about 2.5 KB of
   * garbage, and the collections it causes make later sleeps late), at the price of I/O waiting
   * up to a slice. Default 0.05.
   */
  sliceMs?: number;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
}

/**
 * Wait `ms` milliseconds, waking within a few tens of µs of the deadline when the machine is
 * not overloaded: a `setTimeout` for all but the last `earlyMs`, then event-loop turns until
 * the deadline. Resolves early (never rejects) when `signal` aborts. The drop-in `sleep` of
 * `runLoad`: `runBenchmark` uses it by default.
 *
 * @example Waiting 5 ms
 * ```ts
 * import { preciseSleep } from "./precise_sleep.ts";
 * const t0 = performance.now();
 * await preciseSleep(5);
 * const late = performance.now() - t0 - 5;
 * // Never early; how late depends on the machine (microseconds when idle).
 * if (!(late >= 0 && late < 1000)) throw new Error(`late by ${late} ms`);
 * ```
 */
export function preciseSleep(
  ms: number,
  signal?: AbortSignal,
  options: PreciseSleepOptions = {},
): Promise<void> {
  const now = options.now ?? (() => performance.now());
  const earlyMs = options.earlyMs ?? 1.5;
  const sliceMs = options.sliceMs ?? 0.05;
  if (!(earlyMs >= 0)) {
    throw new RangeError(`Cannot sleep: 'earlyMs' must be a number >= 0, got ${earlyMs}`);
  }
  if (!(sliceMs >= 0 && sliceMs <= 1)) {
    throw new RangeError(`Cannot sleep: 'sliceMs' must be a number in [0, 1], got ${sliceMs}`);
  }
  const deadline = now() + ms;
  return new Promise<void>((resolve) => {
    if (signal?.aborted || !(ms > 0)) return resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let channel: MessageChannel | null = null;
    const finish = () => {
      clearTimeout(timer);
      channel?.port1.close();
      channel?.port2.close();
      channel = null;
      signal?.removeEventListener("abort", finish);
      resolve();
    };
    signal?.addEventListener("abort", finish, { once: true });
    const spin = () => {
      if (signal?.aborted) return;
      const until = Math.min(deadline, now() + sliceMs);
      while (now() < until) { /* a short busy slice */ }
      if (now() >= deadline) return finish();
      if (channel === null) {
        channel = new MessageChannel();
        channel.port1.onmessage = spin;
      }
      channel.port2.postMessage(0);
    };
    const first = ms - earlyMs;
    if (first > 0) timer = setTimeout(spin, first);
    else spin();
  });
}
