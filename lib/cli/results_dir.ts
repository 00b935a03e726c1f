/**
 * `--results-dir`: the folder every run's new folder is made in, checked before anything is
 * sent.
 *
 * @module
 */
import { UsageError } from "./flags.ts";
import { newRunDir } from "../report/new_run_dir.ts";

/**
 * Check that `root` can hold run folders: it is a folder, or does not exist yet (it is created
 * with the first run folder). A {@link UsageError} naming `--results-dir` otherwise.
 *
 * @example
 * ```ts
 * import { checkResultsRoot } from "./results_dir.ts";
 * const file = await Deno.makeTempFile();
 * let message = "";
 * try {
 *   await checkResultsRoot(file);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * await Deno.remove(file);
 * if (!message.startsWith("--results-dir")) throw new Error(message);
 * ```
 */
export async function checkResultsRoot(root: string): Promise<void> {
  try {
    const info = await Deno.stat(root);
    if (!info.isDirectory) throw new UsageError(`--results-dir '${root}' is not a folder`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new UsageError(`--results-dir '${root}': ${(err as Error).message}`);
    }
    const link = await Deno.lstat(root).then((i) => i.isSymlink, () => false);
    if (link) {
      const target = await Deno.readLink(root).catch(() => "?");
      throw new UsageError(
        `--results-dir '${root}' is a symbolic link to '${target}', which does not exist`,
      );
    }
  }
}

/**
 * Create and return a new, empty run folder `<resultsDir>/<UTC time>_<name>` (default root
 * `results`), after {@link checkResultsRoot}; a {@link UsageError} naming `--results-dir` when
 * it cannot be made.
 *
 * @example
 * ```ts
 * import { newResultsDir } from "./results_dir.ts";
 * const root = await Deno.makeTempDir();
 * const dir = await newResultsDir(root, "m");
 * if (!(await Deno.stat(dir)).isDirectory) throw new Error(dir);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function newResultsDir(
  resultsDir: string | undefined,
  name: string,
): Promise<string> {
  const root = resultsDir ?? "results";
  await checkResultsRoot(root);
  try {
    return await newRunDir(root, name);
  } catch (err) {
    throw new UsageError(`--results-dir '${root}': ${(err as Error).message}`);
  }
}
