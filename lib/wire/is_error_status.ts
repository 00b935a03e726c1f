/**
 * Whether a value read from a wire payload or an SDK error is a usable HTTP error status.
 *
 * @module
 */

/**
 * True for an integer HTTP error status (400–599): a status field of an error body, an SDK
 * exception's `$metadata.httpStatusCode` or a model's original status.
 *
 * @example Accept 429, reject 200 and 429.5
 * ```ts
 * import { isErrorStatus } from "./is_error_status.ts";
 * if (!isErrorStatus(429) || isErrorStatus(200) || isErrorStatus(429.5)) throw new Error();
 * if (isErrorStatus("429")) throw new Error("strings are not statuses");
 * ```
 */
export function isErrorStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599;
}
