/**
 * `deno task notebooks:strip [--check] [NOTEBOOK…]`: notebooks are committed without outputs.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags, runMain, UsageError } from "../lib/cli/flags.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

const HELP = `deno task notebooks:strip [flags] [NOTEBOOK…]

Removes what executing a notebook adds: every code cell's outputs and execution count, and the
timing metadata JupyterLab records ("execution"). Rewrites the notebook the way Jupyter writes
it (keys sorted, one-space indent), only when something changes. Default: every notebooks/*.ipynb.

Flags:
  --check     change nothing; list the notebooks that carry outputs or execution counts and
              exit 1 when there is one (exit 0 otherwise)
  -h, --help  show this help
`;

const FLAGS = {
  check: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** What executing leaves in a cell. */
const _CELL_METADATA_KEYS = ["execution", "ExecuteTime"] as const;

/**
 * A copy of an nbformat v4 notebook without outputs, execution counts or execution timings,
 * and whether that removed anything.
 */
export function stripNotebook(nb: unknown): { notebook: unknown; changed: boolean } {
  if (typeof nb !== "object" || nb === null || !Array.isArray((nb as { cells?: unknown }).cells)) {
    throw new TypeError("Cannot strip notebook: it has no 'cells' array");
  }
  let changed = false;
  const cells = (nb as { cells: Record<string, unknown>[] }).cells.map((cell) => {
    if (cell.cell_type !== "code") return cell;
    const copy: Record<string, unknown> = { ...cell };
    if (!Array.isArray(copy.outputs) || copy.outputs.length > 0) {
      changed = true;
      copy.outputs = [];
    }
    if (copy.execution_count !== null) {
      changed = true;
      copy.execution_count = null;
    }
    const metadata = copy.metadata as Record<string, unknown> | undefined;
    if (metadata && _CELL_METADATA_KEYS.some((k) => k in metadata)) {
      changed = true;
      copy.metadata = Object.fromEntries(
        Object.entries(metadata).filter(([k]) =>
          !(_CELL_METADATA_KEYS as readonly string[]).includes(k)
        ),
      );
    }
    return copy;
  });
  return { notebook: { ...(nb as object), cells }, changed };
}

/** JSON the way nbformat writes notebooks: keys sorted, indent 1, trailing newline. */
export function notebookJson(nb: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  return await runMain(async () => {
    const { values: f, positionals } = parseFlags(args, FLAGS, true);
    if (f.help) {
      console.log(HELP);
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
  });
}

async function _defaultNotebooks(): Promise<string[]> {
  const dir = relative(Deno.cwd(), join(ROOT, "notebooks")) || ".";
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

if (import.meta.main) Deno.exit(await main(Deno.args));
