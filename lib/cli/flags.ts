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

/** A non-negative (or positive) integer flag value, or a {@link UsageError} naming the flag. */
export function intFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  { min = 0 }: { min?: number } = {},
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  }
  return n;
}

/** A finite number flag value >= min (or > min when `exclusive`). */
export function numberFlag(
  name: string,
  value: string | undefined,
  fallback: number | undefined,
  { min = 0, exclusive = false }: { min?: number; exclusive?: boolean } = {},
): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || (exclusive && n === min)) {
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
