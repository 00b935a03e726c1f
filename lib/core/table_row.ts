/**
 * One row of a seed-card table: the statistics of a run's values, rounded (like Python's
 * `round()`) or truncated to a number of decimals.
 *
 * @module
 */

import { quantileSorted } from "./quantile.ts";
import { pairwiseSum } from "./pairwise_sum.ts";

/** The statistic columns of a seed-card table, in column order. */
export const TABLE_COLUMNS = ["median", "mean", "min", "max", "p25", "p75", "p95", "p99"] as const;

/** One of {@link TABLE_COLUMNS}. */
export type TableColumn = typeof TABLE_COLUMNS[number];

/** The column headings of a seed-card table, `Framework | Model | Median | … | P99`. */
export const TABLE_HEADINGS = [
  "Framework",
  "Model",
  "Median",
  "Mean",
  "Min",
  "Max",
  "P25",
  "P75",
  "P95",
  "P99",
] as const;

/**
 * One row of a seed-card table. Numbers are already rounded or truncated; `null` when the run
 * had no value to summarise.
 */
export interface TableRow {
  framework: string;
  model: string;
  median: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  p25: number | null;
  p75: number | null;
  p95: number | null;
  p99: number | null;
}

/** Options of {@link tableRow}. */
export interface TableRowOptions {
  /** Framework label (first column). Required. */
  framework: string;
  /** Model label (second column). Required. */
  model: string;
  /** Decimals to keep, an integer 0–15. Default 2. */
  digits?: number;
  /** Default `false`: round like Python's `round()`. `true`: cut toward zero instead. */
  truncate?: boolean;
}

/**
 * The seed-card row of `values`: median, mean, min, max, p25, p75, p95, p99 (numpy `linear`
 * quantiles, numpy pairwise-summed mean), each rounded with {@link roundHalfEven} or cut with
 * {@link truncateDigits} to `digits` decimals. NaN values are rejected; an empty list gives a
 * row of `null`s.
 *
 * @example Two decimals, rounded and truncated
 * ```ts
 * import { tableRow } from "./table_row.ts";
 * const rounded = tableRow([1.216, 1.0, 2.0], { framework: "f", model: "m" });
 * if (rounded.median !== 1.22 || rounded.max !== 2) throw new Error(JSON.stringify(rounded));
 * const cut = tableRow([1.216, 1.0, 2.0], { framework: "f", model: "m", truncate: true });
 * if (cut.median !== 1.21) throw new Error(JSON.stringify(cut));
 * ```
 */
export function tableRow(values: ArrayLike<number>, options: TableRowOptions): TableRow {
  const { framework, model, digits = 2, truncate = false } = options;
  _checkDigits(digits, "digits");
  const sorted = Float64Array.from(values);
  for (let i = 0; i < sorted.length; i++) {
    if (Number.isNaN(sorted[i])) {
      throw new RangeError(`Cannot make table row: value ${i} is NaN`);
    }
  }
  const mean = sorted.length ? pairwiseSum(sorted, 0, sorted.length) / sorted.length : null;
  sorted.sort();
  const n = sorted.length;
  const cut = (x: number | null) =>
    x === null ? null : truncate ? truncateDigits(x, digits) : roundHalfEven(x, digits);
  return {
    framework,
    model,
    median: cut(quantileSorted(sorted, 0.5)),
    mean: cut(mean),
    min: cut(n ? sorted[0] : null),
    max: cut(n ? sorted[n - 1] : null),
    p25: cut(quantileSorted(sorted, 0.25)),
    p75: cut(quantileSorted(sorted, 0.75)),
    p95: cut(quantileSorted(sorted, 0.95)),
    p99: cut(quantileSorted(sorted, 0.99)),
  };
}

/**
 * `x` rounded to `digits` decimals exactly as Python's `round(x, digits)`: the decimal closest
 * to the double's exact binary value, and a true tie (only possible when the double is exactly
 * halfway, like 0.125 or 2.5) goes to the even digit. Differs from `Number(x.toFixed(d))`, which
 * sends ties away from zero, and from `Math.round(x * 10 ** d) / 10 ** d`, whose product rounds.
 *
 * @example
 * ```ts
 * import { roundHalfEven } from "./table_row.ts";
 * if (roundHalfEven(2.5, 0) !== 2 || roundHalfEven(3.5, 0) !== 4) throw new Error("ties");
 * if (roundHalfEven(0.125, 2) !== 0.12) throw new Error("exact tie");
 * if (roundHalfEven(1.005, 2) !== 1) throw new Error("1.005 is below the tie in binary");
 * ```
 */
export function roundHalfEven(x: number, digits: number): number {
  _checkDigits(digits, "digits");
  if (!Number.isFinite(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 1e21) return x; // already an integer; toFixed would switch to exponent form
  let s = ax.toFixed(digits); // exact decimal of the double; ties away from zero
  const y = ax * 2 ** (digits + 1);
  if (Number.isInteger(y) && y % 2 === 1 && Number(s.at(-1)) % 2 === 1) {
    s = _decrementLastDigit(s);
  }
  const r = Number(s);
  return x < 0 ? -r : r;
}

/**
 * `x` cut toward zero after `digits` decimals of its exact decimal value (the double 0.29 is
 * 0.28999999999999998…, so it cuts to 0.28, as `math.floor(0.29 * 100) / 100` does in Python).
 *
 * @example
 * ```ts
 * import { truncateDigits } from "./table_row.ts";
 * if (truncateDigits(65.6495, 2) !== 65.64) throw new Error("cut");
 * if (truncateDigits(-1.239, 2) !== -1.23) throw new Error("toward zero");
 * ```
 */
export function truncateDigits(x: number, digits: number): number {
  _checkDigits(digits, "digits");
  if (!Number.isFinite(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 1e21) return x;
  const s = ax.toFixed(100);
  const dot = s.indexOf(".");
  const r = Number(digits === 0 ? s.slice(0, dot) : s.slice(0, dot + 1 + digits));
  return x < 0 ? -r : r;
}

function _decrementLastDigit(s: string): string {
  const dot = s.indexOf(".");
  const decimals = dot < 0 ? 0 : s.length - dot - 1;
  const n = BigInt(s.replace(".", "")) - 1n;
  const digitsOnly = n.toString().padStart(decimals + 1, "0");
  return decimals === 0
    ? digitsOnly
    : `${digitsOnly.slice(0, -decimals)}.${digitsOnly.slice(-decimals)}`;
}

function _checkDigits(digits: number, name: string): void {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    throw new RangeError(`Cannot round: '${name}' must be an integer from 0 to 15, got ${digits}`);
  }
}
