/**
 * Event-loop lag: how late a timer fires on this thread. A busy event loop delays every
 * callback the same way, including the one that stamps a chunk's arrival, so the lag is a
 * lower bound on the client's own timing error.
 *
 * @module
 */
import { quantile } from "../core/quantile.ts";

/** Options of {@link startLoopLag}. */
export interface LoopLagOptions {
  /** Timer period, ms: one sample per period. Default 50 (a 10 ms timer on every thread costs
   * about 10 ms of CPU per second per thread on a 2-core machine). */
  intervalMs?: number;
  /** Samples kept (the oldest are dropped first). Default 100000 (over 80 min at 50 ms). */
  maxSamples?: number;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
  /** Schedules `callback` after `ms`; returns a handle for `clearTimer`. Default `setTimeout`. */
  setTimer?: (callback: () => void, ms: number) => unknown;
  /** Cancels a handle of `setTimer`. Default `clearTimeout`. */
  clearTimer?: (handle: unknown) => void;
}

/** What a {@link LoopLagMonitor} measured. */
export interface LoopLagStats {
  /** Samples taken. */
  count: number;
  /** Median lag, ms (`null` without samples). */
  p50Ms: number | null;
  /** 99th percentile lag, ms (`null` without samples). */
  p99Ms: number | null;
  /** Largest lag, ms (`null` without samples). */
  maxMs: number | null;
}

/** A running lag monitor. */
export interface LoopLagMonitor {
  /** Lags measured so far, ms, oldest first (a copy). */
  samples(): number[];
  /** Statistics of the samples so far. */
  stats(): LoopLagStats;
  /** Forget the samples so far (the monitor keeps running). */
  reset(): void;
  /** Stop the timer; returns the statistics of every sample kept. Idempotent. */
  stop(): LoopLagStats;
}

/**
 * Statistics of lag samples (numpy `linear` quantiles).
 *
 * @example
 * ```ts
 * import { loopLagStats } from "./loop_lag.ts";
 * const s = loopLagStats([0.1, 0.2, 5]);
 * if (s.count !== 3 || s.maxMs !== 5 || s.p50Ms !== 0.2) throw new Error(JSON.stringify(s));
 * ```
 */
export function loopLagStats(samples: readonly number[]): LoopLagStats {
  if (samples.length === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
  let max = -Infinity;
  for (const s of samples) if (s > max) max = s;
  return {
    count: samples.length,
    p50Ms: quantile(samples, 0.5),
    p99Ms: quantile(samples, 0.99),
    maxMs: max,
  };
}

/**
 * Start measuring this thread's event-loop lag: a timer re-armed every `intervalMs`, each firing
 * recording `max(0, now − (previous firing + intervalMs))`. A timer callback held up by other
 * work (parsing chunks, a long synchronous task) shows as lag. Stop it when done: a running
 * monitor keeps the process alive.
 *
 * @example A blocked loop shows as lag
 * ```ts
 * import { startLoopLag } from "./loop_lag.ts";
 * const monitor = startLoopLag({ intervalMs: 5 });
 * await new Promise((r) => setTimeout(r, 12));
 * const until = performance.now() + 30;
 * while (performance.now() < until) Math.sqrt(2); // busy: the timer cannot fire
 * await new Promise((r) => setTimeout(r, 12));
 * const stats = monitor.stop();
 * if (!(stats.maxMs! >= 20)) throw new Error(JSON.stringify(stats));
 * ```
 */
export function startLoopLag(options: LoopLagOptions = {}): LoopLagMonitor {
  const intervalMs = options.intervalMs ?? 50;
  const maxSamples = options.maxSamples ?? 100_000;
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new RangeError(
      `Cannot start loop lag monitor: 'intervalMs' must be a positive number, got ${intervalMs}`,
    );
  }
  if (!(Number.isInteger(maxSamples) && maxSamples > 0)) {
    throw new RangeError(
      `Cannot start loop lag monitor: 'maxSamples' must be a positive integer, got ${maxSamples}`,
    );
  }
  const now = options.now ?? (() => performance.now());
  const setTimer = options.setTimer ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
  const clearTimer = options.clearTimer ??
    ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let samples: number[] = [];
  let stopped = false;
  let expected = now() + intervalMs;
  const tick = () => {
    if (stopped) return;
    const t = now();
    samples.push(Math.max(0, t - expected));
    if (samples.length > maxSamples) samples = samples.slice(samples.length - maxSamples);
    expected = t + intervalMs;
    handle = setTimer(tick, intervalMs);
  };
  let handle = setTimer(tick, intervalMs);
  return {
    samples: () => samples.slice(),
    stats: () => loopLagStats(samples),
    reset: () => {
      samples = [];
    },
    stop: () => {
      if (!stopped) {
        stopped = true;
        clearTimer(handle);
      }
      return loopLagStats(samples);
    },
  };
}
