/**
 * A small lookahead buffer over a {@link Workload}: the next few requests of a run are made in
 * the background (one per event-loop turn, between sends), so that making a prompt is off the
 * request path, while nothing beyond those few is held.
 *
 * @module
 */
import type { Workload, WorkloadRequest } from "../core/workload.ts";

/** Options of {@link createWorkloadBuffer}. */
export interface WorkloadBufferOptions {
  /** The workload id of the k-th request the run takes (a shard's share). Default k. */
  idAt?: (k: number) => number;
  /** Requests the run takes in all; nothing is made beyond. Default `workload.size`. */
  count?: number;
  /** Requests made ahead of the last one taken. Default 8. */
  lookahead?: number;
  /** Requests made at once, before the buffer is returned (the first sends wait for none).
   * Default `lookahead`. */
  prefill?: number;
  /** Runs background work later (one request per call). Default `setTimeout(fn, 0)`. */
  schedule?: (fn: () => void) => void;
  /**
   * How long this thread is free, ms: until the run's next send is due (an open loop's next
   * arrival), `Infinity` when unknown. A background turn that finds less than `minIdleMs` makes
   * nothing and comes back just after that send, so that making a prompt (a ms or more) does
   * not delay it, unless fewer than a quarter of `lookahead` requests are left waiting.
   * Default none (every turn makes one).
   */
  idleMs?: () => number;
  /** The free time a background turn needs, ms (with `idleMs`). Default 3. */
  minIdleMs?: number;
}

/** What {@link createWorkloadBuffer} returns. */
export interface WorkloadBuffer {
  /**
   * Request `id`: from the buffer when it was made ahead, else made now (a miss). Throws what
   * the workload throws for it.
   */
  take(id: number): WorkloadRequest;
  /** Requests taken from the buffer, and made on the spot because they were not ready. */
  readonly counts: { readonly hits: number; readonly misses: number };
  /** Requests waiting in the buffer now (at most `lookahead`). */
  readonly buffered: number;
  /** Stops the background work. Idempotent. */
  close(): void;
}

function _check(name: string, value: unknown, min: number): number {
  if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= min)) {
    throw new RangeError(
      `Cannot create workload buffer: '${name}' must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * Buffer `workload` for a run that takes its requests in order `idAt(0), idAt(1), …`: after
 * each `take`, the next `lookahead` requests are made, one per scheduled turn. A request taken
 * out of order is made on the spot. The first `prefill` requests are made here and what the
 * workload throws for one of them is thrown here (so a bad workload fails before anything is
 * sent); a request whose making throws in the background is left out, and `take` makes it
 * again, throwing there.
 *
 * @example Take five requests of a workload, in order
 * ```ts
 * import { createWorkloadBuffer } from "./workload_buffer.ts";
 * import type { Workload } from "../core/workload.ts";
 * const workload: Workload = {
 *   kind: "synthetic",
 *   size: Infinity,
 *   request: (i) => ({ prompt: `p${i}`, inputTokens: 1, maxOutputTokens: 1 }),
 * };
 * const buffer = createWorkloadBuffer(workload, { count: 5, lookahead: 2 });
 * const prompts: string[] = [];
 * for (let id = 0; id < 5; id++) {
 *   prompts.push(buffer.take(id).prompt);
 *   await new Promise((r) => setTimeout(r, 5));
 * }
 * buffer.close();
 * if (prompts.join() !== "p0,p1,p2,p3,p4") throw new Error(prompts.join());
 * if (buffer.counts.misses !== 0) throw new Error("made ahead");
 * ```
 */
export function createWorkloadBuffer(
  workload: Workload,
  options: WorkloadBufferOptions = {},
): WorkloadBuffer {
  if (typeof workload?.request !== "function") {
    throw new TypeError(
      `Cannot create workload buffer: 'workload' must be a Workload, got ${workload}`,
    );
  }
  const idAt = options.idAt ?? ((k: number) => k);
  const count = options.count ?? workload.size;
  if (!(count === Infinity || (Number.isSafeInteger(count) && count >= 0))) {
    throw new RangeError(
      `Cannot create workload buffer: 'count' must be a non-negative integer or Infinity, got ${count}`,
    );
  }
  const lookahead = _check("lookahead", options.lookahead ?? 8, 0);
  const prefill = Math.min(_check("prefill", options.prefill ?? lookahead, 0), lookahead);
  const schedule = options.schedule ?? ((fn: () => void) => void setTimeout(fn, 0));
  const queue: { id: number; request: WorkloadRequest }[] = [];
  let nextK = 0; // the next request to make ahead
  let taken = 0;
  let scheduled = false;
  let closed = false;
  const counts = { hits: 0, misses: 0 };

  const makeOne = (rethrow = false): boolean => {
    if (closed || nextK >= count || queue.length >= lookahead) return false;
    const id = idAt(nextK++);
    try {
      queue.push({ id, request: workload.request(id) });
    } catch (error) {
      // Left out: `take` makes it again and throws there, on the request's own path.
      if (rethrow) throw error;
    }
    return true;
  };
  const idleMs = options.idleMs;
  const minIdleMs = options.minIdleMs ?? 3;
  if (!(typeof minIdleMs === "number" && minIdleMs >= 0 && minIdleMs < 2 ** 31)) {
    throw new RangeError(
      `Cannot create workload buffer: 'minIdleMs' must be a number of ms >= 0, got ${minIdleMs}`,
    );
  }
  const lowWater = Math.ceil(lookahead / 4);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const turn = () => {
    scheduled = false;
    timer = undefined;
    if (closed) return;
    const free = idleMs?.() ?? Infinity;
    if (free < minIdleMs && queue.length >= lowWater && nextK < count) {
      // A send is due soon: come back just after it.
      scheduled = true;
      timer = setTimeout(turn, Math.max(1, free + 1));
      return;
    }
    if (makeOne()) later();
  };
  const later = () => {
    if (scheduled || closed || nextK >= count || queue.length >= lookahead) return;
    scheduled = true;
    schedule(turn);
  };
  for (let i = 0; i < prefill; i++) makeOne(true);

  return {
    take(id: number): WorkloadRequest {
      taken++;
      if (nextK < taken) nextK = taken;
      const at = queue.findIndex((entry) => entry.id === id);
      let request: WorkloadRequest;
      if (at >= 0) {
        request = queue[at].request;
        // Taken out of order (sessions take their turns interleaved): the others stay.
        queue.splice(at, 1);
        counts.hits++;
      } else {
        request = workload.request(id);
        counts.misses++;
      }
      later();
      return request;
    },
    counts,
    get buffered() {
      return queue.length;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      queue.length = 0;
    },
  };
}
