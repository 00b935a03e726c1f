/**
 * The simulator's capacity model: a server that runs at most `maxBatch` sequences at once and
 * prefills prompts one after the other at `prefillTokensPerS`, so that time to first token grows
 * with the prefill queued ahead and inter-token latency with the running batch. Formulas in
 * docs/workloads.md ("The simulator under load").
 *
 * @module
 */

/** Options of {@link createSimCapacity}. */
export interface SimCapacityOptions {
  /** Sequences running at once; an arrival beyond waits for the first to end. A positive
   * integer. */
  maxBatch: number;
  /** Prefill throughput, prompt tokens per second (uncached tokens only); prompts are prefilled
   * one after the other, in admission order. Default `Infinity` (no prefill time). */
  prefillTokensPerS?: number;
  /** Inter-token latency grows by this share of `itlMs` per other running sequence:
   * `itl = itlMs × (1 + itlGrowth × (running − 1))`. Default 0. */
  itlGrowth?: number;
}

/** What {@link SimCapacity.admit} decides for one request. */
export interface SimAdmission {
  /** Time to first token, ms after arrival: wait for a slot, wait for the prefill queue,
   * prefill, then the base `ttftMs`. */
  ttftMs: number;
  /** Inter-token latency for this request, ms. */
  itlMs: number;
  /** Sequences running when it was admitted, itself included. */
  running: number;
  /** Wait for a free slot, ms. */
  queueMs: number;
}

/** A capacity model of one simulator (its state is the slots' and the prefill's free times). */
export interface SimCapacity {
  /**
   * Admit a request arriving at `arrivalMs` (any monotonic clock, the same for every call,
   * arrivals in order) with `prefillTokens` to prefill and `outputTokens` to send, given the
   * base `ttftMs` and `itlMs`; its slot is held until its last token.
   */
  admit(
    arrivalMs: number,
    prefillTokens: number,
    outputTokens: number,
    base: { ttftMs: number; itlMs: number },
  ): SimAdmission;
}

/**
 * A new capacity model, every slot free.
 *
 * @example Two slots: the third request waits for the first to end
 * ```ts
 * import { createSimCapacity } from "./sim_capacity.ts";
 * const capacity = createSimCapacity({ maxBatch: 2 });
 * const base = { ttftMs: 10, itlMs: 1 };
 * capacity.admit(0, 100, 11, base); // ends at 10 + 10 × 1 = 20
 * capacity.admit(0, 100, 31, base); // ends at 40
 * const third = capacity.admit(5, 100, 5, base);
 * if (third.queueMs !== 15 || third.ttftMs !== 25) throw new Error(JSON.stringify(third));
 * ```
 */
export function createSimCapacity(options: SimCapacityOptions): SimCapacity {
  const maxBatch = options?.maxBatch;
  const prefillTokensPerS = options?.prefillTokensPerS ?? Infinity;
  const itlGrowth = options?.itlGrowth ?? 0;
  if (!(Number.isSafeInteger(maxBatch) && maxBatch >= 1)) {
    throw new RangeError(
      `Cannot create capacity model: 'maxBatch' must be a positive integer, got ${maxBatch}`,
    );
  }
  if (!(prefillTokensPerS > 0)) {
    throw new RangeError(
      `Cannot create capacity model: 'prefillTokensPerS' must be a positive number, got ${prefillTokensPerS}`,
    );
  }
  if (!(Number.isFinite(itlGrowth) && itlGrowth >= 0)) {
    throw new RangeError(
      `Cannot create capacity model: 'itlGrowth' must be a number >= 0, got ${itlGrowth}`,
    );
  }
  const slots = new Array<number>(maxBatch).fill(-Infinity); // when each slot comes free
  let prefillFreeAt = -Infinity;
  return {
    admit(arrivalMs, prefillTokens, outputTokens, base) {
      let j = 0;
      for (let k = 1; k < maxBatch; k++) if (slots[k] < slots[j]) j = k;
      const start = Math.max(arrivalMs, slots[j]);
      let running = 1;
      for (let k = 0; k < maxBatch; k++) if (k !== j && slots[k] > start) running++;
      const prefillStart = Math.max(start, prefillFreeAt);
      const prefillEnd = prefillStart + (prefillTokens / prefillTokensPerS) * 1000;
      prefillFreeAt = prefillEnd;
      const itlMs = base.itlMs * (1 + itlGrowth * (running - 1));
      const firstTokenAt = prefillEnd + base.ttftMs;
      slots[j] = firstTokenAt + Math.max(0, outputTokens - 1) * itlMs;
      return { ttftMs: firstTokenAt - arrivalMs, itlMs, running, queueMs: start - arrivalMs };
    },
  };
}
