/**
 * The simulator's running limit: at most `maxRunning` requests are answered at once, the others
 * wait in arrival order (as a server's scheduler queues them).
 *
 * @module
 */

/** The running limit of one simulator. */
export interface SimSlots {
  /** Requests being answered. */
  readonly running: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
  /** Takes a slot at once when one is free and nobody waits: `true`; else `false` (nothing
   * changes). */
  tryAcquire(): boolean;
  /** Resolves with `true` once the request may start, or `false` if `signal` aborted first
   * (it then leaves the queue). */
  acquire(signal?: AbortSignal): Promise<boolean>;
  /** A started request is done: its slot goes to the first waiting one. */
  release(): void;
}

/**
 * Slots for `maxRunning` requests at a time (`Infinity`: never wait).
 *
 * @example The second request waits until the first is done
 * ```ts
 * import { createSimSlots } from "./_sim_slots.ts";
 * const slots = createSimSlots(1);
 * if (!slots.tryAcquire() || slots.tryAcquire()) throw new Error("one slot");
 * const second = slots.acquire();
 * const queued = `${slots.running} running, ${slots.waiting} waiting`;
 * if (queued !== "1 running, 1 waiting") throw new Error(queued);
 * slots.release();
 * const started = `${await second}: ${slots.running} running, ${slots.waiting} waiting`;
 * if (started !== "true: 1 running, 0 waiting") throw new Error(started);
 * ```
 */
export function createSimSlots(maxRunning: number): SimSlots {
  let running = 0;
  const queue: (() => void)[] = [];
  return {
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    tryAcquire(): boolean {
      if (queue.length > 0 || running >= maxRunning) return false;
      running++;
      return true;
    },
    acquire(signal?: AbortSignal): Promise<boolean> {
      if (signal?.aborted) return Promise.resolve(false);
      if (running < maxRunning) {
        running++;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const start = () => {
          signal?.removeEventListener("abort", leave);
          running++;
          resolve(true);
        };
        const leave = () => {
          const at = queue.indexOf(start);
          if (at >= 0) queue.splice(at, 1);
          resolve(false);
        };
        queue.push(start);
        signal?.addEventListener("abort", leave, { once: true });
      });
    },
    release(): void {
      running = Math.max(0, running - 1);
      const next = queue.shift();
      next?.();
    },
  };
}
