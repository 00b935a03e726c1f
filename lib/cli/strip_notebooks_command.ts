/**
 * `deno task notebooks:strip [--check] [NOTEBOOK…]`: notebooks are committed without outputs.
 * Each notebook goes through {@link stripNotebook} and is rewritten with {@link notebookJson}
 * when that changed something.
 *
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { notebookJson, stripNotebook } from "./strip_notebook.ts";
import { parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * The help text of `deno task notebooks:strip`.
 *
 * @example
 * ```ts
 * import { STRIP_NOTEBOOKS_HELP } from "./strip_notebooks_command.ts";
 * if (!STRIP_NOTEBOOKS_HELP.includes("--check")) throw new Error(STRIP_NOTEBOOKS_HELP);
 * ```
 */
export const STRIP_NOTEBOOKS_HELP = `deno task notebooks:strip [flags] [NOTEBOOK…]

Removes what executing a notebook adds: every code cell's outputs and execution count, and the
timing metadata JupyterLab records ("execution"). Rewrites the notebook the way Jupyter writes
it (keys sorted, one-space indent), only when something changes. Default: every notebooks/*.ipynb.

Flags:
  --check     change nothing; list the notebooks that carry outputs or execution counts and
              exit 1 when there is one (exit 0 otherwise)
  -h, --help  show this help
`;

const _FLAGS = {
  check: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `deno task notebooks:strip`: parse `args`, read every notebook (default: every
 * `notebooks/*.ipynb`) and strip it in place, or with `--check` only list those that carry
 * outputs; returns the exit code (0; 1 with `--check` when one carries outputs). A notebook
 * that cannot be read or is not JSON is a {@link UsageError} before anything is written.
 *
 * @example Help
 * ```ts
 * import { stripNotebooksCommand } from "./strip_notebooks_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await stripNotebooksCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--check")) throw new Error(text);
 * ```
 */
export async function stripNotebooksCommand(args: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags(args, _FLAGS, true);
  if (f.help) {
    console.log(STRIP_NOTEBOOKS_HELP);
    return 0;
  }
  const paths = positionals.length > 0 ? positionals : await _defaultNotebooks();
  const parsed: { path: string; nb: unknown }[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      throw new UsageError(`notebook '${path}' cannot be read`);
    }
    try {
      parsed.push({ path, nb: JSON.parse(text) });
    } catch {
      throw new UsageError(`notebook '${path}' is not JSON`);
    }
  }
  const results = parsed.map(({ path, nb }) => {
    try {
      return { path, ...stripNotebook(nb) };
    } catch (err) {
      throw new UsageError(`notebook '${path}': ${(err as Error).message}`);
    }
  });
  const dirty = results.filter((r) => r.changed);
  if (f.check) {
    for (const r of dirty) console.log(`carries outputs: ${r.path}`);
    console.log(
      `notebooks:strip: ${results.length - dirty.length} clean, ${dirty.length} carry outputs` +
        (dirty.length > 0 ? " (run: deno task notebooks:strip)" : ""),
    );
    return dirty.length === 0 ? 0 : 1;
  }
  for (const r of dirty) {
    await Deno.writeTextFile(r.path, notebookJson(r.notebook));
    console.log(`stripped: ${r.path}`);
  }
  console.log(
    `notebooks:strip: ${dirty.length} stripped, ${results.length - dirty.length} clean`,
  );
  return 0;
}

/**
 * The `main` of `scripts/strip_notebooks.ts`: {@link stripNotebooksCommand} with one-line errors
 * (exit code 2 for bad input, 1 otherwise).
 *
 * @example A missing notebook is one line on stderr and exit code 2
 * ```ts
 * import { stripNotebooksMain } from "./strip_notebooks_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await stripNotebooksMain(["--check", "nope.ipynb"]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (text !== "error: notebook 'nope.ipynb' cannot be read") throw new Error(text);
 * ```
 */
export function stripNotebooksMain(args: string[]): Promise<number> {
  return runMain(() => stripNotebooksCommand(args));
}

/** The project's `notebooks/*.ipynb`, relative to the current directory, sorted. */
async function _defaultNotebooks(): Promise<string[]> {
  const notebooks = fileURLToPath(new URL("../../notebooks", import.meta.url));
  const dir = relative(Deno.cwd(), notebooks) || ".";
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) found.push(join(dir, entry.name));
    }
  } catch {
    // no notebooks folder
  }
  return found.sort();
}
