/**
 * Every run writes a new folder, `<root>/<UTC time>_<name>`; nothing is ever overwritten.
 *
 * @module
 */

/**
 * The folder name of a run started at `date`: `20261127T201502Z_<name>`, where `name` (a model
 * id, say) keeps letters, digits, `_`, `.` and `-`, and every other run of characters becomes
 * one `-`.
 *
 * @example
 * ```ts
 * import { runDirName } from "./new_run_dir.ts";
 * const name = runDirName("meta-llama/Llama-3 8B", new Date("2026-11-27T20:15:02.123Z"));
 * if (name !== "20261127T201502Z_meta-llama-Llama-3-8B") throw new Error(name);
 * ```
 */
export function runDirName(name: string, date: Date): string {
  const stamp = date.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}_${name.replace(/[^\w.-]+/g, "-").replace(/-{2,}/g, "-")}`;
}

/**
 * Create and return a new, empty folder `<root>/<UTC time>_<name>` ({@link runDirName}), with
 * `-1`, `-2`, … appended when a run of the same second took the name. `root` is created when
 * missing. Rejects with a `TypeError` when `root` exists and is not a folder or is a symbolic
 * link to something missing, and with the file system's error (naming `root`) when the folder
 * cannot be made.
 *
 * @example A new folder each call
 * ```ts
 * import { newRunDir } from "./new_run_dir.ts";
 * const root = await Deno.makeTempDir();
 * const a = await newRunDir(root, "m");
 * const b = await newRunDir(root, "m");
 * if (a === b || !(await Deno.stat(b)).isDirectory) throw new Error(`${a} ${b}`);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function newRunDir(root: string, name: string): Promise<string> {
  if (typeof root !== "string" || root === "") {
    throw new TypeError(
      `Cannot create run folder: 'root' must be a folder path, got ${JSON.stringify(root)}`,
    );
  }
  try {
    const info = await Deno.stat(root);
    if (!info.isDirectory) {
      throw new TypeError(`Cannot create run folder: '${root}' is not a folder`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    // Missing: made below, unless it is a symbolic link to something missing.
    const link = await Deno.lstat(root).then((i) => i.isSymlink, () => false);
    if (link) {
      const target = await Deno.readLink(root).catch(() => "?");
      throw new TypeError(
        `Cannot create run folder: '${root}' is a symbolic link to '${target}', which does ` +
          `not exist (create it, or give another folder)`,
      );
    }
  }
  const base = runDirName(name, new Date());
  const parent = root.replace(/\/+$/, "") || "/";
  await Deno.mkdir(root, { recursive: true });
  for (let n = 0; n < 100; n++) {
    const dir = `${parent === "/" ? "" : parent}/${n === 0 ? base : `${base}-${n}`}`;
    try {
      await Deno.mkdir(dir);
      return dir;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw error;
    }
  }
  throw new Deno.errors.AlreadyExists(
    `Cannot create run folder: 100 folders named ${base} already exist in ${root}`,
  );
}
