/**
 * A pool of Deno Workers that send requests: each worker builds its own client from a
 * {@link ClientSpec} and runs the stream and its timer on its own event loop, so chunk arrivals
 * are stamped by a thread that does nothing else. The caller keeps the load shape.
 *
 * @module
 */
import type { ClientSpec } from "../clients/create_client.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import type { RequestWorkerInput, RequestWorkerOutput, WorkerRequest } from "./request_worker.ts";
import type { StreamTiming } from "../core/time_stream.ts";
import { failedTiming } from "./time_request.ts";

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers to start. Default `navigator.hardwareConcurrency` (the number of cores). */
  workers?: number;
  /** Period of each worker's event-loop lag timer, ms. Default 50. */
  loopLagIntervalMs?: number;
  /** Module each worker runs. Default `./_request_worker_entry.ts` next to this file (it
   * calls `serveRequests(self)`). */
  workerUrl?: string | URL;
  /** Give up waiting for the workers to start after this many ms. Default 30000. */
  startTimeoutMs?: number;
  /**
   * Connections each worker opens to the endpoint before it says it is ready (the `http1`
   * transport only), so its first requests pay no TCP connect. Default 0.
   */
  preconnectPerWorker?: number;
}

/** Options of {@link WorkerPool.timeRequest}: those of `timeRequest` (time_request.ts). */
export interface PoolTimeRequestOptions {
  /** Timeout from send to the end of the stream, ms (error 408), run in the worker. Default none. */
  requestTimeoutMs?: number;
  /** Timeout from send to the first content, ms (error 408), run in the worker. Default none. */
  firstTokenTimeoutMs?: number;
  /** Cancels the request in its worker: error 499 `cancelled: <reason>`. Default none. */
  cancel?: AbortSignal;
  /**
   * Send no earlier than this epoch time (ms): the worker waits for it on its own event loop
   * (`preciseSleep`), so a request handed over early leaves on time whatever the hand-over
   * cost. Default: at once.
   */
  sendAtEpochMs?: number;
  /**
   * Send from this worker (an index, taken modulo the pool's size; a failed worker's request
   * goes to the least busy live one): warm-up requests spread over every worker. Default: the
   * least busy worker.
   */
  worker?: number;
}

/** A running pool. */
export interface WorkerPool {
  /** Number of workers. */
  readonly size: number;
  /**
   * Send `request` from the least busy worker (`timeRequest` of time_request.ts runs there)
   * and resolve with its timing. Never rejects: a worker that fails gives an error timing
   * (599). Times in the timing are the worker's own (relative to its send; `startEpochMs` is
   * epoch ms).
   */
  timeRequest(request: WorkerRequest, options?: PoolTimeRequestOptions): Promise<StreamTiming>;
  /** Requests in flight per worker. */
  inFlight(): number[];
  /** Each worker's event-loop lag samples, ms, since start or the last reset. */
  loopLag(options?: { reset?: boolean }): Promise<number[][]>;
  /** Cancel what is in flight and stop every worker. Idempotent. */
  close(): Promise<void>;
}

interface _Slot {
  worker: Worker;
  alive: boolean;
  inFlight: number;
  pending: Map<number, (timing: StreamTiming) => void>;
  lagWaiters: ((samples: number[]) => void)[];
  closed: PromiseWithResolvers<void>;
}

/**
 * Start `workers` Deno Workers, each with a client built from `spec`, and wait until every one
 * is ready. Requests go to the worker with the fewest in flight (ties in turn), so the load the
 * caller shapes (concurrency, rate, request budget) holds across workers. Close the pool when
 * done. Needs the permissions the client needs (they are inherited).
 *
 * @example Two workers against the simulator
 * ```ts
 * import { createWorkerPool } from "./worker_pool.ts";
 * import { startSimulator } from "../sim/simulator.ts";
 * const sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
 * const pool = await createWorkerPool(
 *   { api: "openai", options: { baseUrl: `${sim.url}/v1` }, transport: "http1" },
 *   { workers: 2 },
 * );
 * try {
 *   const timings = await Promise.all([1, 2, 3].map(() =>
 *     pool.timeRequest({ model: "m", prompt: "Hi", maxTokens: 4 })
 *   ));
 *   if (timings.some((t) => t.error !== null || t.chunkArrivalMs.length !== 4)) {
 *     throw new Error("every request streams 4 chunks");
 *   }
 * } finally {
 *   await pool.close();
 *   await sim.close();
 * }
 * ```
 */
export async function createWorkerPool(
  spec: ClientSpec,
  options: WorkerPoolOptions = {},
): Promise<WorkerPool> {
  const size = options.workers ?? Math.max(1, navigator.hardwareConcurrency ?? 1);
  if (!(Number.isInteger(size) && size > 0)) {
    throw new RangeError(
      `Cannot create worker pool: 'workers' must be a positive integer, got ${size}`,
    );
  }
  const loopLagIntervalMs = options.loopLagIntervalMs ?? 50;
  if (!(Number.isFinite(loopLagIntervalMs) && loopLagIntervalMs > 0)) {
    throw new RangeError(
      `Cannot create worker pool: 'loopLagIntervalMs' must be a positive number, got ${loopLagIntervalMs}`,
    );
  }
  const url = options.workerUrl ?? new URL("./_request_worker_entry.ts", import.meta.url);
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  // Structured clone fails on functions: fail here with a clear message instead.
  try {
    structuredClone(spec);
  } catch (err) {
    throw new TypeError(
      `Cannot create worker pool: 'spec' must be plain data, ${(err as Error).message}`,
    );
  }

  let nextId = 0;
  let turn = 0;
  let closing = false;
  const slots: _Slot[] = [];
  const readiness: Promise<void>[] = [];
  for (let i = 0; i < size; i++) {
    const worker = new Worker(url.toString(), { type: "module" });
    const slot: _Slot = {
      worker,
      alive: true,
      inFlight: 0,
      pending: new Map(),
      lagWaiters: [],
      closed: Promise.withResolvers<void>(),
    };
    slots.push(slot);
    const ready = Promise.withResolvers<void>();
    readiness.push(ready.promise);
    const fail = (message: string) => {
      if (!slot.alive) return;
      slot.alive = false;
      ready.reject(new Error(`Cannot create worker pool: worker ${i} failed: ${message}`));
      for (const [id, resolve] of slot.pending) {
        slot.pending.delete(id);
        resolve(failedTiming(`worker ${i} failed: ${message}`));
      }
      for (const resolve of slot.lagWaiters.splice(0)) resolve([]);
      slot.closed.resolve();
      try {
        worker.terminate();
      } catch { /* gone */ }
    };
    worker.onmessage = (event: MessageEvent<RequestWorkerOutput>) => {
      const m = event.data;
      switch (m.type) {
        case "ready":
          ready.resolve();
          return;
        case "initError":
          fail(m.message);
          return;
        case "timing": {
          const resolve = slot.pending.get(m.id);
          if (resolve) {
            slot.pending.delete(m.id);
            resolve(m.timing);
          }
          return;
        }
        case "lag":
          slot.lagWaiters.shift()?.(m.samples);
          return;
        case "closed":
          slot.alive = false;
          slot.closed.resolve();
          return;
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      fail(event.message || "uncaught error");
    };
    worker.onmessageerror = () => fail("a message could not be decoded");
    const preconnect = options.preconnectPerWorker ?? 0;
    const init: RequestWorkerInput = {
      type: "init",
      spec,
      loopLagIntervalMs,
      ...(preconnect > 0 ? { preconnect } : {}),
    };
    worker.postMessage(init);
  }

  const terminateAll = async () => {
    closing = true;
    for (const slot of slots) {
      if (slot.alive) {
        slot.worker.postMessage({ type: "close" } satisfies RequestWorkerInput);
      }
    }
    // A worker that does not confirm within a second is terminated.
    await Promise.race([
      Promise.all(slots.map((s) => s.closed.promise)),
      new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        Promise.all(slots.map((s) => s.closed.promise)).then(() => clearTimeout(t));
      }),
    ]);
    for (const slot of slots) {
      for (const [id, resolve] of slot.pending) {
        slot.pending.delete(id);
        resolve(failedTiming("request cancelled: the pool closed", CLIENT_ERROR_CODES.cancelled));
      }
      for (const resolve of slot.lagWaiters.splice(0)) resolve([]);
      slot.alive = false;
      slot.closed.resolve();
      try {
        slot.worker.terminate();
      } catch { /* gone */ }
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.all(readiness),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `Cannot create worker pool: workers not ready after ${startTimeoutMs} ms`,
              ),
            ),
          startTimeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await terminateAll();
    throw err;
  } finally {
    clearTimeout(timer);
  }

  const pick = (): _Slot | null => {
    let best: _Slot | null = null;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[(turn + k) % slots.length];
      if (slot.alive && (best === null || slot.inFlight < best.inFlight)) best = slot;
    }
    turn = (turn + 1) % slots.length;
    return best;
  };

  let closePromise: Promise<void> | null = null;
  return {
    size,
    timeRequest(request, opts = {}) {
      const { cancel, requestTimeoutMs, firstTokenTimeoutMs, sendAtEpochMs, worker } = opts;
      if (closing) {
        return Promise.resolve(
          failedTiming("request not sent: the pool is closed", CLIENT_ERROR_CODES.cancelled),
        );
      }
      const pinned = worker === undefined || !Number.isInteger(worker)
        ? null
        : slots[((worker % slots.length) + slots.length) % slots.length];
      const slot = pinned?.alive ? pinned : pick();
      if (slot === null) return Promise.resolve(failedTiming("every worker of the pool failed"));
      const id = nextId++;
      slot.inFlight++;
      return new Promise<StreamTiming>((resolve) => {
        const onAbort = () => {
          if (!slot.alive) return;
          const reason = cancel?.reason;
          const text = reason instanceof Error || reason instanceof DOMException
            ? reason.message
            : typeof reason === "string"
            ? reason
            : "";
          slot.worker.postMessage({ type: "abort", id, reason: text } satisfies RequestWorkerInput);
        };
        slot.pending.set(id, (timing) => {
          slot.inFlight--;
          cancel?.removeEventListener("abort", onAbort);
          resolve(timing);
        });
        const message: RequestWorkerInput = {
          type: "send",
          id,
          request: { ...request },
          ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
          ...(firstTokenTimeoutMs !== undefined ? { firstTokenTimeoutMs } : {}),
          ...(sendAtEpochMs !== undefined ? { sendAtEpochMs } : {}),
        };
        slot.worker.postMessage(message);
        if (cancel?.aborted) onAbort();
        else cancel?.addEventListener("abort", onAbort, { once: true });
      });
    },
    inFlight: () => slots.map((s) => s.inFlight),
    loopLag(opts = {}) {
      return Promise.all(slots.map((slot) => {
        if (!slot.alive) return Promise.resolve([]);
        return new Promise<number[]>((resolve) => {
          slot.lagWaiters.push(resolve);
          slot.worker.postMessage(
            { type: "lag", reset: opts.reset ?? false } satisfies RequestWorkerInput,
          );
        });
      }));
    },
    close() {
      closePromise ??= terminateAll();
      return closePromise;
    },
  };
}
