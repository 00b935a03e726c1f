/**
 * The simulator's prefix cache, like vLLM's automatic prefix caching: a prompt's token ids are
 * cut into blocks of `blockTokens`, each block named by a hash of itself and every block before
 * it, and the leading blocks already cached are the prompt's cached tokens. Blocks are kept in
 * least-recently-used order up to `capacityTokens`.
 *
 * @module
 */

/** Options of {@link createSimPrefixCache}. */
export interface SimPrefixCacheOptions {
  /** Tokens the cache holds (whole blocks); the least recently used blocks go first. */
  capacityTokens: number;
  /** Tokens per block: only whole blocks are cached and matched. Default 16 (vLLM's). */
  blockTokens?: number;
}

/** A prefix cache of one simulator. */
export interface SimPrefixCache {
  /**
   * Looks `ids` up and caches its whole blocks: the tokens of its leading blocks that were
   * cached before (at most `ids.length − 1`: the last token is always computed, as vLLM does).
   */
  lookup(ids: readonly number[]): number;
  /** Blocks held now. */
  readonly blocks: number;
  /** Tokens per block. */
  readonly blockTokens: number;
}

/**
 * A new, empty prefix cache.
 *
 * @example The second request with the same start hits the cache
 * ```ts
 * import { createSimPrefixCache } from "./sim_prefix_cache.ts";
 * const cache = createSimPrefixCache({ capacityTokens: 1024, blockTokens: 4 });
 * const shared = [1, 2, 3, 4, 5, 6, 7, 8];
 * if (cache.lookup([...shared, 9, 10]) !== 0) throw new Error("cold");
 * if (cache.lookup([...shared, 11, 12, 13]) !== 8) throw new Error("two blocks cached");
 * ```
 */
export function createSimPrefixCache(options: SimPrefixCacheOptions): SimPrefixCache {
  const capacityTokens = options?.capacityTokens;
  const blockTokens = options?.blockTokens ?? 16;
  if (!(Number.isSafeInteger(blockTokens) && blockTokens >= 1)) {
    throw new RangeError(
      `Cannot create prefix cache: 'blockTokens' must be a positive integer, got ${blockTokens}`,
    );
  }
  if (!(Number.isSafeInteger(capacityTokens) && capacityTokens >= blockTokens)) {
    throw new RangeError(
      `Cannot create prefix cache: 'capacityTokens' must be an integer >= 'blockTokens' (${blockTokens}), got ${capacityTokens}`,
    );
  }
  const capacity = Math.floor(capacityTokens / blockTokens);
  // Block keys in LRU order (a Map iterates in insertion order; a hit moves a key to the end).
  const lru = new Map<string, true>();
  return {
    lookup(ids: readonly number[]): number {
      let h1 = 0x811c9dc5;
      let h2 = 0x9747b28c;
      let matching = true;
      let cached = 0;
      const whole = Math.floor(ids.length / blockTokens);
      for (let b = 0; b < whole; b++) {
        for (let k = b * blockTokens; k < (b + 1) * blockTokens; k++) {
          const id = ids[k] | 0;
          h1 = Math.imul(h1 ^ id, 0x01000193);
          h2 = Math.imul(h2 ^ (id + 0x5bd1e995), 0x5bd1e995) ^ (h2 >>> 15);
        }
        const key = `${h1 >>> 0}:${h2 >>> 0}:${b}`;
        if (lru.has(key)) {
          lru.delete(key);
          if (matching) cached += blockTokens;
        } else {
          matching = false;
        }
        lru.set(key, true);
        if (lru.size > capacity) lru.delete(lru.keys().next().value!);
      }
      return Math.min(cached, Math.max(0, ids.length - 1));
    },
    get blocks() {
      return lru.size;
    },
    blockTokens,
  };
}
