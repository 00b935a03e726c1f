/**
 * Sharding: one run split over several machines (or processes). Every shard sends its share of
 * the request ids, each request made from the run's seed and its id alone (the workload), so
 * the shares hold the unsharded run's prompts; `deno task merge` puts them back together.
 *
 * @module
 */

/** One share of a run: shard `index` (0-based) of `count`. */
export interface Shard {
  /** 0-based, below `count` (a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`). */
  index: number;
  /** Shards in the run. */
  count: number;
}

/**
 * Parse `I/N` (0-based `I`, e.g. `0/3`, `1/3`, `2/3`).
 *
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * const s = parseShard("1/3");
 * if (s.index !== 1 || s.count !== 3) throw new Error(JSON.stringify(s));
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || !Number.isSafeInteger(count)) {
    throw new RangeError(
      `Cannot parse shard: expected I/N with 0 <= I < N (e.g. 0/3), got '${text}'`,
    );
  }
  return { index, count };
}

/** The whole run a shard belongs to. */
export interface ShardRun {
  /** Measured requests of the whole run. */
  maxRequests: number;
  /** Warm-up requests of the whole run. Default 0. */
  warmup?: number;
  /** Closed-loop concurrency of the whole run. Default 1. */
  concurrency?: number;
  /** Open-loop rate of the whole run, requests/s. Default none. */
  rate?: number;
  /** The run's seed (prompts and arrivals). Default 0. */
  seed?: number;
}

/** What one shard runs. */
export interface ShardPlan {
  shard: Shard;
  /**
   * The run-wide id of each request this shard launches, warm-up first: the ids an unsharded
   * run would give them (warm-up `0 … W−1`, measured `W … W+M−1`), dealt round-robin.
   */
  requestIds: number[];
  /** This shard's warm-up requests. */
  warmup: number;
  /** This shard's measured requests. */
  maxRequests: number;
  /** This shard's concurrency: the run's, split as evenly as possible (at least 1). */
  concurrency: number;
  /** This shard's rate: the run's divided by `count` (Poisson shares add up to the run's). */
  rate: number | undefined;
  /** Seed of this shard's arrivals (`seed + index`); prompts keep the run's seed. */
  arrivalSeed: number;
}

/**
 * This shard's share of a run: ids dealt round-robin (`id mod count = index` within the
 * warm-up and within the measured requests), concurrency split evenly (the first
 * `concurrency mod count` shards get one more), the rate divided by `count`. The union of all
 * shards' ids is exactly the unsharded run's, so merged results have the same ids and prompts.
 *
 * @example Ten requests over three shards
 * ```ts
 * import { shardPlan } from "./shard.ts";
 * const plan = shardPlan({ index: 1, count: 3 }, { maxRequests: 10, concurrency: 4 });
 * if (plan.requestIds.join() !== "1,4,7" || plan.concurrency !== 1) throw new Error("plan");
 * ```
 */
export function shardPlan(shard: Shard, run: ShardRun): ShardPlan {
  const { index, count } = shard ?? {};
  if (
    !(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 &&
      index < count)
  ) {
    throw new RangeError(
      `Cannot plan shard: need 0 <= index < count, got ${index}/${count}`,
    );
  }
  const { maxRequests, warmup = 0, concurrency = 1, rate, seed = 0 } = run;
  if (!(Number.isInteger(maxRequests) && maxRequests >= 1)) {
    throw new RangeError(
      `Cannot plan shard: 'maxRequests' must be a positive integer, got ${maxRequests}`,
    );
  }
  if (!(Number.isInteger(warmup) && warmup >= 0)) {
    throw new RangeError(`Cannot plan shard: 'warmup' must be an integer >= 0, got ${warmup}`);
  }
  if (maxRequests < count) {
    throw new RangeError(
      `Cannot plan shard: ${maxRequests} requests cannot be split over ${count} shards`,
    );
  }
  if (rate === undefined && !(Number.isInteger(concurrency) && concurrency >= count)) {
    throw new RangeError(
      `Cannot plan shard: concurrency ${concurrency} cannot be split over ${count} shards ` +
        `(each needs at least 1)`,
    );
  }
  const share = (n: number) => Math.floor(n / count) + (index < n % count ? 1 : 0);
  const requestIds: number[] = [];
  for (let id = index; id < warmup; id += count) requestIds.push(id);
  for (let g = index; g < maxRequests; g += count) requestIds.push(warmup + g);
  return {
    shard: { index, count },
    requestIds,
    warmup: share(warmup),
    maxRequests: share(maxRequests),
    concurrency: Math.max(1, share(concurrency)),
    rate: rate === undefined ? undefined : rate / count,
    arrivalSeed: seed + index,
  };
}
