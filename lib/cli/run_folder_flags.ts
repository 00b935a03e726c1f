/**
 * What `deno task compare` and `deno task report` share: the bootstrap flags, reading the run
 * folders named on the command line, and writing a new output file.
 *
 * @module
 */
import { readRunDirs, type RunFolder } from "../report/read_run_dirs.ts";
import { intFlag, numberFlag, UsageError } from "./flags.ts";

/**
 * `--confidence` (in (0, 1), default 0.95) and `--resamples` (default 1000), checked.
 *
 * @example
 * ```ts
 * import { bootstrapFlags } from "./run_folder_flags.ts";
 * const b = bootstrapFlags({ confidence: "0.9" });
 * if (b.confidence !== 0.9 || b.resamples !== 1000) throw new Error(JSON.stringify(b));
 * ```
 */
export function bootstrapFlags(
  f: { confidence?: string; resamples?: string },
): { confidence: number; resamples: number } {
  const confidence = numberFlag("confidence", f.confidence, 0.95, { min: 0, exclusive: true })!;
  if (!(confidence < 1)) {
    throw new UsageError(`--confidence must be in (0, 1), got '${f.confidence}'`);
  }
  return { confidence, resamples: intFlag("resamples", f.resamples, 1000, { min: 1 }) };
}

/**
 * {@link readRunDirs} of the command line's folders; a missing folder or an unreadable file is
 * a {@link UsageError} naming it.
 *
 * @example A missing folder
 * ```ts
 * import { readRunFolders } from "./run_folder_flags.ts";
 * let message = "";
 * try {
 *   await readRunFolders(["/nonexistent/run"]);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (!message.includes("/nonexistent/run")) throw new Error(message);
 * ```
 */
export async function readRunFolders(paths: readonly string[]): Promise<RunFolder[]> {
  try {
    return await readRunDirs(paths);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) {
      throw new UsageError((error as Error).message.replace(/^Cannot read run folders: /, ""));
    }
    throw error;
  }
}

/**
 * Write `text` to `path`, which must not exist: an existing one is a {@link UsageError}
 * (`--out '…' already exists (refusing to overwrite)`).
 *
 * @example
 * ```ts
 * import { writeNewOut } from "./run_folder_flags.ts";
 * const file = await Deno.makeTempFile();
 * let message = "";
 * try {
 *   await writeNewOut(file, "x");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * await Deno.remove(file);
 * if (!message.endsWith("already exists (refusing to overwrite)")) throw new Error(message);
 * ```
 */
export async function writeNewOut(path: string, text: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text, { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(`--out '${path}' already exists (refusing to overwrite)`);
    }
    throw error;
  }
}
