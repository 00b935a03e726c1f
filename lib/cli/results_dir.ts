/**
 * Every run writes a new folder: `<results-dir>/<UTC time>_<model>`; nothing is overwritten.
 *
 * @module
 */
import { UsageError } from "./flags.ts";

/** Create and return a new, empty run folder under `resultsDir` (default `results`). */
export async function newResultsDir(
  resultsDir: string | undefined,
  model: string,
): Promise<string> {
  const root = resultsDir ?? "results";
  try {
    const info = await Deno.stat(root);
    if (!info.isDirectory) throw new UsageError(`--results-dir '${root}' is not a folder`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new UsageError(`--results-dir '${root}': ${(err as Error).message}`);
    }
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = `${stamp}_${model.replace(/[^\w.-]+/g, "-").replace(/-{2,}/g, "-")}`;
  for (let n = 0; n < 100; n++) {
    const dir = `${root}/${n === 0 ? name : `${name}-${n}`}`;
    try {
      await Deno.mkdir(root, { recursive: true });
      await Deno.mkdir(dir);
      return dir;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) continue;
      throw new UsageError(`--results-dir '${root}': ${(err as Error).message}`);
    }
  }
  throw new UsageError(`--results-dir '${root}': could not create a new run folder`);
}
