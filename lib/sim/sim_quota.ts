/**
 * The simulator's provider quotas: requests-per-minute and tokens-per-minute token buckets, as
 * providers enforce them (Bedrock's on-demand quotas, OpenAI's rate limits). A request that finds
 * a bucket short is refused (HTTP 429; Bedrock `ThrottlingException`) and takes nothing.
 *
 * @module
 */

/** Options of {@link createSimQuota}. */
export interface SimQuotaOptions {
  /** Requests per minute; default none. */
  rpm?: number;
  /** Tokens per minute (prompt tokens plus `max_tokens`, as Bedrock reserves them); default
   * none. */
  tpm?: number;
  /** Each bucket holds this many seconds of its quota (the burst allowed). Default 1. */
  burstS?: number;
}

/** A quota of one simulator. */
export interface SimQuota {
  /**
   * Take one request of `tokens` at `nowMs` (monotonic ms): `null` when both buckets had
   * enough (and are charged), else which quota was short and when it will have enough, ms.
   */
  take(nowMs: number, tokens: number): { quota: "rpm" | "tpm"; retryAfterMs: number } | null;
}

/**
 * New buckets, full.
 *
 * @example 60 requests per minute: one per second, a burst of one
 * ```ts
 * import { createSimQuota } from "./sim_quota.ts";
 * const quota = createSimQuota({ rpm: 60 });
 * if (quota.take(0, 10) !== null) throw new Error("first passes");
 * const refused = quota.take(100, 10);
 * if (refused?.quota !== "rpm" || Math.round(refused.retryAfterMs) !== 900) throw new Error("429");
 * if (quota.take(1000, 10) !== null) throw new Error("refilled");
 * ```
 */
export function createSimQuota(options: SimQuotaOptions): SimQuota {
  const burstS = options?.burstS ?? 1;
  if (!(Number.isFinite(burstS) && burstS > 0)) {
    throw new RangeError(`Cannot create quota: 'burstS' must be a positive number, got ${burstS}`);
  }
  const buckets: { quota: "rpm" | "tpm"; perMs: number; size: number; level: number }[] = [];
  for (const quota of ["rpm", "tpm"] as const) {
    const perMinute = options?.[quota];
    if (perMinute === undefined) continue;
    if (!(Number.isFinite(perMinute) && perMinute > 0)) {
      throw new RangeError(
        `Cannot create quota: '${quota}' must be a positive number, got ${perMinute}`,
      );
    }
    const perMs = perMinute / 60_000;
    const size = Math.max(1, perMs * burstS * 1000);
    buckets.push({ quota, perMs, size, level: size });
  }
  let lastMs = -Infinity;
  return {
    take(nowMs, tokens) {
      const elapsed = Number.isFinite(lastMs) ? Math.max(0, nowMs - lastMs) : 0;
      lastMs = Math.max(lastMs, nowMs);
      for (const b of buckets) b.level = Math.min(b.size, b.level + elapsed * b.perMs);
      for (const b of buckets) {
        // A request larger than the bucket passes when the bucket is full (and leaves a debt).
        const need = Math.min(b.quota === "rpm" ? 1 : tokens, b.size);
        if (b.level < need) return { quota: b.quota, retryAfterMs: (need - b.level) / b.perMs };
      }
      for (const b of buckets) b.level -= b.quota === "rpm" ? 1 : tokens;
      return null;
    },
  };
}
