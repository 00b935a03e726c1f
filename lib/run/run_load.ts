/**
 * Load shapes: a closed loop that keeps exactly N requests in flight, or an open loop that sends
 * at a rate (Poisson or constant arrivals) with an optional in-flight cap; plus warm-up, a
 * request budget, a time budget and abort.
 *
 * @module
 */
import { createRandom } from "../core/random.ts";

/** What a task gets to know about the request it sends. */
export interface LoadSlot {
  /** 0-based launch order within the run, warm-up requests first. */
  requestId: number;
  /** `warmup` slots run before measurement and must be left out of every statistic. */
  phase: "warmup" | "measure";
  /**
   * When the load shape meant to send it, ms after its phase started: after the measurement
   * start for `measure` slots, after the warm-up start for `warmup` slots. In a closed loop it
   * is the moment a slot came free, so it equals `actualSendMs`.
   */
  intendedSendMs: number;
  /**
   * When it was actually sent (handed to the task), ms after its phase started. With `leadMs`
   * (open loop) a task can be handed over before it is due: it then waits
   * `intendedSendMs − actualSendMs` itself.
   */
  actualSendMs: number;
  /** Aborts when the run's `signal` aborts: the task should stop and return a cancelled result. */
  signal: AbortSignal;
}

/** Options of {@link runLoad}. */
export interface LoadOptions<T = unknown> {
  /**
   * Closed loop: exactly this many requests in flight; when one completes the next starts at
   * once. With `rate` set it only sets the warm-up concurrency. Default 1.
   */
  concurrency?: number;
  /** Open loop: arrivals per second, independent of completions. Default unset (closed loop). */
  rate?: number;
  /** Open-loop arrival process: exponential gaps (`poisson`) or equal gaps. Default `"poisson"`. */
  arrival?: "poisson" | "constant";
  /**
   * Open-loop cap on requests in flight; an arrival waits for a free slot and the wait shows
   * in `actualSendMs - intendedSendMs`. Default `Infinity` (no cap).
   */
  maxInFlight?: number;
  /**
   * Measured requests to send in total; never more are sent. A positive integer, or `Infinity`
   * together with a finite `durationMs`. Default 10.
   */
  maxRequests?: number;
  /** Stop launching measured requests this many ms after measurement starts. Default `Infinity`. */
  durationMs?: number;
  /**
   * Warm-up requests sent before measuring, closed-loop at `concurrency`, all awaited before the
   * measurement starts. Default 0.
   */
  warmup?: number;
  /** Abort: no more launches, and every slot's `signal` aborts. Default none. */
  signal?: AbortSignal;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
  /** Uniform [0, 1) source for Poisson gaps. Default a generator seeded with `seed`. */
  random?: () => number;
  /** Seed of the default `random` (`createRandom` from random.ts). Default 0. */
  seed?: number;
  /**
   * Waits `ms`; should return early (resolve or reject) when `signal` aborts.
   * Default a `setTimeout` that resolves early on abort.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called as each task completes, in completion order (the runner appends to JSONL here). */
  onSettled?: (result: T, slot: LoadSlot) => void;
  /**
   * Open loop: hand each arrival to its task this many ms before it is due, for tasks that
   * send from another thread (a Worker) and wait for the due time there, so the hand-over and
   * the main thread's own wake-up do not make them late. Such a task must wait
   * `intendedSendMs − actualSendMs` ms (when positive) before sending; a task that does not
   * sends early. An arrival counts in flight (`maxInFlight`) from its hand-over. Default 0.
   */
  leadMs?: number;
  /**
   * Open loop on given arrival times (a trace replay): measured request `k` is due
   * `schedule(k)` ms after the measurement starts (non-decreasing; a smaller value is taken as
   * the one before), and `undefined` ends the run. Replaces `rate` and `arrival`; `maxInFlight`,
   * `maxRequests`, `durationMs` and `leadMs` apply as to any open loop. Default none.
   */
  schedule?: (k: number) => number | undefined;
}

/** What {@link runLoad} returns. */
export interface LoadResult<T> {
  /** Every task's result, indexed by `requestId` (warm-up results first). */
  results: T[];
  /** Measured requests started (warm-up excluded). */
  startedCount: number;
  /** Warm-up requests started. */
  warmupCount: number;
  /** Measurement phase: first measured send to last measured completion, ms (0 if none). */
  wallTimeMs: number;
  /** Whether `signal` had aborted by the time the run ended. */
  aborted: boolean;
}

/**
 * Run `task` under a load shape and collect its results.
 *
 * - Closed loop (default): `concurrency` workers, each starts its next request as soon as its
 *   previous one completes, so exactly N are in flight until the budget runs out (no waves).
 * - Open loop (`rate` set): arrival `i` is due at the absolute time
 *   `start + gap_1 + … + gap_i` (the first at the start), so a late send does not delay the
 *   ones after it. Gaps are exponential with mean `1000 / rate` ms (`poisson`) or equal.
 * - No more than `maxRequests` measured requests are ever sent; no launch after `durationMs`
 *   or after `signal` aborts. Requests already in flight are awaited in every case.
 *
 * Tasks are expected never to throw (failures are results). If one does, it is a programming
 * error: the run goes on (its slot is freed and the load shape holds), nothing is lost from the
 * other tasks (`onSettled` still sees each of them), and once all have settled `runLoad` rejects
 * with an `AggregateError` holding every thrown error. An `onSettled` that throws is treated the
 * same way. Bad options throw a `TypeError`/`RangeError` before any task starts.
 *
 * @example Three requests, two at a time
 * ```ts
 * import { runLoad } from "./run_load.ts";
 * const { results, startedCount } = await runLoad(
 *   (slot) => Promise.resolve(slot.requestId * 10),
 *   { concurrency: 2, maxRequests: 3 },
 * );
 * if (startedCount !== 3 || results.join() !== "0,10,20") throw new Error("closed loop");
 * ```
 */
export async function runLoad<T>(
  task: (slot: LoadSlot) => Promise<T>,
  options: LoadOptions<T> = {},
): Promise<LoadResult<T>> {
  if (typeof task !== "function") {
    throw new TypeError(`Cannot run load: 'task' must be a function, got ${typeof task}`);
  }
  const o = _validate(options);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? _sleep;
  const signal = options.signal ?? new AbortController().signal;
  const onSettled = options.onSettled;

  const results: T[] = [];
  const thrown: unknown[] = [];
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };
  // Resolves on the next completion or on abort.
  const nextCompletion = () => new Promise<void>((resolve) => waiters.push(resolve));
  signal.addEventListener("abort", wakeAll);

  let firstMeasuredSend: number | null = null;
  let lastMeasuredDone: number | null = null;

  const launch = (slot: LoadSlot): Promise<void> => {
    inFlight++;
    if (slot.phase === "measure" && firstMeasuredSend === null) {
      firstMeasuredSend = now() + Math.max(0, slot.intendedSendMs - slot.actualSendMs);
    }
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(task(slot));
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        if (slot.phase === "measure") lastMeasuredDone = now();
        results[slot.requestId] = result;
        try {
          onSettled?.(result, slot);
        } catch (error) {
          thrown.push(error);
        }
      },
      (error) => {
        if (slot.phase === "measure") lastMeasuredDone = now();
        thrown.push(error);
      },
    ).finally(() => {
      inFlight--;
      wakeAll();
    });
  };

  // Closed loop: `workers` loops that each launch, await, launch again.
  const closedLoop = async (
    phase: LoadSlot["phase"],
    firstId: number,
    count: number,
    workers: number,
    deadlineMs: number,
  ): Promise<number> => {
    const t0 = now();
    let launched = 0;
    const worker = async () => {
      while (launched < count && !signal.aborted && now() - t0 < deadlineMs) {
        const t = now() - t0;
        const slot = { requestId: firstId + launched++, phase, intendedSendMs: t, actualSendMs: t };
        await launch({ ...slot, signal });
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, count) }, worker));
    return launched;
  };

  const schedule = options.schedule;
  const openLoop = async (firstId: number): Promise<number> => {
    const rate = o.rate as number;
    const random = options.random ?? createRandom(o.seed);
    const gapMs = (): number => {
      if (o.arrival === "constant") return 1000 / rate;
      const u = random();
      if (!(u >= 0 && u < 1)) {
        throw new RangeError(`Cannot run load: 'random' must return a number in [0, 1), got ${u}`);
      }
      return -Math.log(1 - u) * 1000 / rate; // exponential gap with mean 1000 / rate ms
    };
    const pending: Promise<void>[] = [];
    const t0 = now();
    let target = 0;
    let launched = 0;
    let broken = false; // an injected effect failed: stop launching, report at the end
    while (launched < o.maxRequests) {
      if (schedule) {
        let due: number | undefined;
        try {
          due = schedule(launched);
        } catch (error) {
          thrown.push(error);
          break;
        }
        if (due === undefined) break;
        if (!Number.isFinite(due)) {
          thrown.push(new RangeError(`Cannot run load: 'schedule' must return ms, got ${due}`));
          break;
        }
        target = Math.max(target, due);
      } else if (launched > 0) {
        try {
          target += gapMs();
        } catch (error) {
          thrown.push(error);
          break;
        }
      }
      if (target >= o.durationMs) break;
      // Timers can fire a fraction of a ms early against `now`: check again (a bounded number
      // of times, so an injected sleep that does not move the clock cannot spin forever).
      for (let tries = 0; tries < 3 && !signal.aborted; tries++) {
        const waitMs = t0 + target - o.leadMs - now();
        if (waitMs <= 0) break;
        try {
          await sleep(waitMs, signal);
        } catch (error) {
          if (!signal.aborted) {
            thrown.push(error);
            broken = true;
          }
          break;
        }
      }
      if (broken) break;
      while (inFlight >= o.maxInFlight && !signal.aborted) await nextCompletion();
      if (signal.aborted || now() - t0 >= o.durationMs) break;
      pending.push(launch({
        requestId: firstId + launched++,
        phase: "measure",
        intendedSendMs: target,
        actualSendMs: now() - t0,
        signal,
      }));
    }
    await Promise.all(pending);
    return launched;
  };

  let warmupCount = 0;
  let startedCount = 0;
  try {
    if (o.warmup > 0 && !signal.aborted) {
      warmupCount = await closedLoop("warmup", 0, o.warmup, o.concurrency, Infinity);
    }
    if (!signal.aborted) {
      startedCount = o.rate === undefined && schedule === undefined
        ? await closedLoop("measure", warmupCount, o.maxRequests, o.concurrency, o.durationMs)
        : await openLoop(warmupCount);
    }
  } finally {
    signal.removeEventListener("abort", wakeAll);
  }

  if (thrown.length > 0) {
    const first = thrown[0] instanceof Error ? thrown[0].message : String(thrown[0]);
    throw new AggregateError(
      thrown,
      `Cannot run load: ${thrown.length} error(s) thrown by a task or callback ` +
        `(tasks must return failures as results); first: ${first}`,
    );
  }
  const wallTimeMs = firstMeasuredSend !== null && lastMeasuredDone !== null
    ? Math.max(0, lastMeasuredDone - firstMeasuredSend)
    : 0;
  return { results, startedCount, warmupCount, wallTimeMs, aborted: signal.aborted };
}

interface _Validated {
  concurrency: number;
  rate: number | undefined;
  arrival: "poisson" | "constant";
  maxInFlight: number;
  maxRequests: number;
  durationMs: number;
  warmup: number;
  seed: number;
  leadMs: number;
}

function _validate<T>(options: LoadOptions<T>): _Validated {
  const fail = (name: string, what: string, value: unknown): never => {
    throw new RangeError(`Cannot run load: '${name}' must be ${what}, got ${String(value)}`);
  };
  const posInt = (v: number) => Number.isInteger(v) && v > 0;
  const {
    concurrency = 1,
    rate,
    arrival = "poisson",
    maxInFlight = Infinity,
    maxRequests = 10,
    durationMs = Infinity,
    warmup = 0,
    seed = 0,
    leadMs = 0,
  } = options;
  if (!posInt(concurrency)) fail("concurrency", "a positive integer", concurrency);
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
    fail("rate", "a positive finite number of requests per second", rate);
  }
  if (arrival !== "poisson" && arrival !== "constant") {
    fail("arrival", `"poisson" or "constant"`, JSON.stringify(arrival));
  }
  if (!(posInt(maxInFlight) || maxInFlight === Infinity)) {
    fail("maxInFlight", "a positive integer or Infinity", maxInFlight);
  }
  if (!(posInt(maxRequests) || maxRequests === Infinity)) {
    fail("maxRequests", "a positive integer or Infinity", maxRequests);
  }
  if (!(typeof durationMs === "number" && durationMs > 0)) {
    fail("durationMs", "a positive number of ms", durationMs);
  }
  if (maxRequests === Infinity && durationMs === Infinity) {
    fail("maxRequests", "finite unless 'durationMs' is set", maxRequests);
  }
  if (!(Number.isInteger(warmup) && warmup >= 0)) {
    fail("warmup", "a non-negative integer", warmup);
  }
  if (!Number.isSafeInteger(seed)) fail("seed", "a safe integer", seed);
  if (!(Number.isFinite(leadMs) && leadMs >= 0)) fail("leadMs", "a number of ms >= 0", leadMs);
  for (const name of ["now", "random", "sleep", "onSettled", "schedule"] as const) {
    const f = options[name];
    if (f !== undefined && typeof f !== "function") {
      throw new TypeError(`Cannot run load: '${name}' must be a function, got ${typeof f}`);
    }
  }
  return {
    concurrency,
    rate,
    arrival,
    maxInFlight,
    maxRequests,
    durationMs,
    warmup,
    seed,
    leadMs,
  };
}

/** `setTimeout` as a promise that resolves early when `signal` aborts. */
function _sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(id);
      resolve();
    };
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
