/**
 * Shared command-line plumbing for scripts: flag parsing with one-line errors and exit code 2.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { redactSecrets } from "../core/redact_secrets.ts";

/** A problem with the user's input: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * What {@link parseFlags} returns: `parseArgs`'s `{ values, positionals }` for `options`.
 *
 * @example
 * ```ts
 * import { parseFlags, type ParsedFlags } from "./flags.ts";
 * const FLAGS = { quick: { type: "boolean" } } as const;
 * const parsed: ParsedFlags<typeof FLAGS> = parseFlags(["--quick"], FLAGS);
 * if (parsed.values.quick !== true) throw new Error("--quick");
 * ```
 */
export type ParsedFlags<T extends NonNullable<ParseArgsConfig["options"]>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>
>;

/** Parse flags strictly; unknown flags and missing values become a {@link UsageError}. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  allowPositionals = false,
): ParsedFlags<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.split("\n")[0].replace(/\. To specify a positional.*$/, ""));
  }
}

/** Digits only, with an optional sign: what Python's `int()` takes (no `0x10`, no `1e1`). */
const _INTEGER = /^[+-]?\d+$/;
/** A decimal number, as Python's `float()` takes one (no hex, no `Infinity`). */
const _DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * An integer flag value (decimal digits only: `0x10`, `1e1` and `1.0` are refused, as LLMPerf's
 * `int()` refuses them) in `[min, max]`, or a {@link UsageError} naming the flag.
 *
 * @example
 * ```ts
 * import { intFlag } from "./flags.ts";
 * if (intFlag("seed", "42", 0) !== 42) throw new Error("42");
 * let message = "";
 * try {
 *   intFlag("warmup", "1e1", 0);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (message !== "--warmup must be an integer >= 0, got '1e1'") throw new Error(message);
 * ```
 */
export function intFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER, why = "" }: {
    min?: number;
    max?: number;
    why?: string;
  } = {},
): number {
  if (value === undefined) return fallback;
  const text = value.trim();
  const n = Number(text);
  if (!_INTEGER.test(text) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  }
  if (n > max || !Number.isSafeInteger(n)) {
    throw new UsageError(
      `--${name} must be at most ${max}${why ? ` (${why})` : ""}, got '${value}'`,
    );
  }
  return n;
}

/** A finite decimal number flag value >= min (or > min when `exclusive`); hex and
 * `Infinity` are refused. */
export function numberFlag(
  name: string,
  value: string | undefined,
  fallback: number | undefined,
  { min = 0, exclusive = false }: { min?: number; exclusive?: boolean } = {},
): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value.trim());
  if (
    !_DECIMAL.test(value.trim()) || !Number.isFinite(n) || n < min || (exclusive && n === min)
  ) {
    throw new UsageError(
      `--${name} must be a number ${exclusive ? ">" : ">="} ${min}, got '${value}'`,
    );
  }
  return n;
}

/**
 * Run `main`, turning a UsageError, or a library's bad-option TypeError/RangeError (messages start
 * with "Cannot "), into one line on stderr and exit code 2. Other errors exit 1, still one line.
 * The line passes `redactSecrets` (header values, URL user info, credential query parameters).
 */
export async function runMain(main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (err) {
    const badOption = (err instanceof RangeError || err instanceof TypeError) &&
      err.message.startsWith("Cannot ");
    if (err instanceof UsageError || badOption) {
      console.error(redactSecrets(`error: ${err.message}`));
      return 2;
    }
    console.error(redactSecrets(`error: ${err instanceof Error ? err.message : String(err)}`));
    return 1;
  }
}
