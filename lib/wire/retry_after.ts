/**
 * The `Retry-After` header of a throttled (429) or unavailable (503) answer.
 *
 * @module
 */

/**
 * A `Retry-After` header in ms: delay-seconds, or an HTTP date from `nowMs`; undefined when
 * absent or unreadable.
 *
 * @example
 * ```ts
 * import { parseRetryAfterMs } from "./retry_after.ts";
 * if (parseRetryAfterMs("2") !== 2000) throw new Error("seconds");
 * const at = Date.parse("Wed, 21 Oct 2015 07:28:05 GMT");
 * if (parseRetryAfterMs("Wed, 21 Oct 2015 07:28:05 GMT", at - 3000) !== 3000) throw new Error();
 * if (parseRetryAfterMs(null) !== undefined || parseRetryAfterMs("soon") !== undefined) throw new Error();
 * ```
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) && /[a-z]/i.test(text) ? Math.max(0, at - nowMs) : undefined;
}
