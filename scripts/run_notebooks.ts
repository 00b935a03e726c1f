/**
 * `deno task notebooks [--out DIR] [NOTEBOOK…]`: execute notebooks with the real Deno Jupyter
 * kernel, keep every output, write the executed copies, and check them.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { intFlag, parseFlags, runMain, UsageError } from "../lib/cli/flags.ts";

/** Exit code in CI when Jupyter (the Python packages) is not installed: nothing was run. */
export const EXIT_NO_JUPYTER = 77;

/** How to install what the runner needs, on Debian/Ubuntu. */
export const JUPYTER_INSTALL_HINT =
  "apt-get update && apt-get install -y jupyter-nbconvert python3-nbclient";

/** The install command of the one-line "skipped" message (outside CI). */
const JUPYTER_SKIP_HINT = "apt-get install -y jupyter-nbconvert python3-nbclient";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const DRIVER = fileURLToPath(new URL("./_nbrun.py", import.meta.url));

const HELP = `deno task notebooks [flags] [NOTEBOOK…]

Executes notebooks (default: every notebooks/*.ipynb) with the real Deno Jupyter kernel, one
kernel per notebook, started in the notebook's folder (so the project's deno.json and its
"tokenbench" import apply). Outputs are collected by scripts/_nbrun.py, which keeps reading after
a cell reports idle, so none is lost. Writes each executed copy to --out, then checks it:
  - no cell may have an error output, and every code cell must have run;
  - a plot cell (tag "plot", or a line "// expect: plot") must show image/svg+xml or vega-lite;
  - an output cell (tag "output", or "// expect: output") must show something.
Ends with "notebooks: N passed, N failed". Exit 0 when all passed, 1 when one failed, 2 on bad
flags. When Jupyter is missing nothing is run: outside CI (the CI environment variable unset,
empty, 0 or false) it prints "notebooks: skipped — Jupyter not installed (…)" and exits 0; in CI
it exits ${EXIT_NO_JUPYTER}.
Registers the kernel ("deno jupyter --install") when it is missing or points at another deno.

Flags:
  --out DIR          folder for the executed copies (default .executed)
  --python PATH      Python with jupyter_client and nbformat (default /usr/bin/python3)
  --cell-timeout S   seconds a cell may run (default 600)
  --settle-ms MS     after a cell reports idle, read outputs until quiet this long (default 200)
  -h, --help         show this help
`;

const FLAGS = {
  out: { type: "string" },
  python: { type: "string" },
  "cell-timeout": { type: "string" },
  "settle-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A notebook as nbformat v4 JSON (only the fields the runner reads are typed). */
export interface Notebook {
  cells: NotebookCell[];
  metadata?: Record<string, unknown>;
  nbformat?: number;
  nbformat_minor?: number;
}

/** One cell of a {@link Notebook}. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata?: Record<string, unknown> & { tags?: string[] };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/** What the driver reports of one run (scripts/_nbrun.py). */
interface _DriverReport {
  ok: boolean;
  error: string | null;
  cells: number;
  executed: number;
  outputs: number;
  lateOutputs: number;
  veryLateOutputs: number;
  maxLateMs: number;
}

/** The source of a cell as one string. */
function _source(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** What a cell declares it must show: `plot`, `output`, or both, by tag or `// expect:` line. */
export function cellExpectations(cell: NotebookCell): Set<"plot" | "output"> {
  const found = new Set<"plot" | "output">();
  const tags = Array.isArray(cell.metadata?.tags) ? cell.metadata.tags : [];
  for (const tag of tags) if (tag === "plot" || tag === "output") found.add(tag);
  for (const match of _source(cell).matchAll(/^\s*\/\/\s*expect:\s*(plot|output)\b/gm)) {
    found.add(match[1] as "plot" | "output");
  }
  return found;
}

/**
 * Problems of an executed notebook, one line each (empty when it passed): error outputs, code
 * cells that did not run, plot cells without `image/svg+xml` or vega-lite output, output cells
 * without output. Cells are numbered from 1 like in Jupyter's UI.
 */
export function checkNotebook(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const where = `cell ${i + 1}`;
    const outputs = cell.outputs ?? [];
    for (const out of outputs) {
      if (out.output_type === "error") {
        problems.push(`${where}: ${out.ename ?? "Error"}: ${(out.evalue ?? "").split("\n")[0]}`);
      }
    }
    if (_source(cell).trim() === "") return;
    if (cell.execution_count === null || cell.execution_count === undefined) {
      problems.push(`${where}: did not run`);
      return;
    }
    const expects = cellExpectations(cell);
    if (expects.has("plot")) {
      const plotted = outputs.some((o) =>
        o.data !== undefined &&
        ("image/svg+xml" in o.data || "application/vnd.vegalite.v5+json" in o.data)
      );
      if (!plotted) problems.push(`${where}: plot cell shows no image/svg+xml or vega-lite output`);
    }
    if (expects.has("output") && outputs.length === 0) {
      problems.push(`${where}: output cell shows nothing`);
    }
  });
  return problems;
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  return await runMain(async () => {
    const { values: f, positionals } = parseFlags(args, FLAGS, true);
    if (f.help) {
      console.log(HELP);
      return 0;
    }
    const out = f.out ?? ".executed";
    const python = f.python ?? "/usr/bin/python3";
    const cellTimeoutS = intFlag("cell-timeout", f["cell-timeout"], 600, { min: 1 });
    const settleMs = intFlag("settle-ms", f["settle-ms"], 200, { min: 0 });
    const notebooks = positionals.length > 0 ? positionals : await _defaultNotebooks();
    for (const path of notebooks) {
      if (!path.endsWith(".ipynb")) throw new UsageError(`'${path}' is not an .ipynb file`);
      try {
        if (!(await Deno.stat(path)).isFile) throw new Error();
      } catch {
        throw new UsageError(`notebook '${path}' does not exist`);
      }
    }
    const names = notebooks.map((p) => basename(p));
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new UsageError(`two notebooks are named '${twice}'; run them separately`);

    if (notebooks.length === 0) {
      console.log("notebooks: none found in notebooks/");
      console.log("notebooks: 0 passed, 0 failed");
      return 0;
    }
    const missing = await _jupyterMissing(python);
    if (missing) {
      const ci = _ciFromEnv();
      if (ci === false) {
        console.log(`notebooks: skipped — Jupyter not installed (${JUPYTER_SKIP_HINT})`);
        return 0;
      }
      const why = ci === null ? " (CI unknown: grant --allow-env=CI to skip outside CI)" : "";
      console.log(
        `notebooks: not run: ${missing}; install with: ${JUPYTER_INSTALL_HINT}${why}`,
      );
      return EXIT_NO_JUPYTER;
    }
    await _ensureKernel(python);

    let passed = 0, failed = 0;
    let late = 0, veryLate = 0;
    for (const path of notebooks) {
      const target = join(out, basename(path));
      const t0 = performance.now();
      const problems: string[] = [];
      let report: _DriverReport | undefined;
      const kernelName = await _kernelName(path);
      if (kernelName !== "deno") {
        problems.push(`its kernelspec is '${kernelName}', not 'deno'`);
      } else {
        const run = await _run(python, [
          DRIVER,
          "run",
          path,
          target,
          "--kernel",
          "deno",
          "--cwd",
          dirname(resolve(path)),
          "--timeout-s",
          String(cellTimeoutS),
          "--settle-ms",
          String(settleMs),
        ]);
        if (run.code !== 0) {
          problems.push(`runner failed: ${run.stderr.trim().split("\n").at(-1)}`);
        } else {
          report = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as _DriverReport;
          if (report.error) problems.push(report.error);
          const executed = JSON.parse(await Deno.readTextFile(target)) as Notebook;
          problems.push(...checkNotebook(executed));
        }
      }
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      const facts = report
        ? `${report.executed} cells, ${report.outputs} outputs, ${report.lateOutputs} after idle ` +
          `(latest ${report.maxLateMs} ms), ${report.veryLateOutputs} after the next cell began, ` +
          `${seconds} s`
        : `${seconds} s`;
      if (report) {
        late += report.lateOutputs;
        veryLate += report.veryLateOutputs;
      }
      if (problems.length === 0) {
        passed++;
        console.log(`PASS ${path} (${facts}) -> ${target}`);
      } else {
        failed++;
        console.log(`FAIL ${path} (${facts})`);
        for (const problem of problems) console.log(`  ${problem}`);
      }
    }
    console.log(
      `late outputs kept: ${late} after idle, ${veryLate} after the next cell began`,
    );
    console.log(`notebooks: ${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
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
    // no notebooks folder: nothing to run
  }
  return found.sort();
}

async function _run(cmd: string, args: string[]) {
  const output = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return {
    code: output.code,
    stdout: dec.decode(output.stdout),
    stderr: dec.decode(output.stderr),
  };
}

/**
 * Whether the `CI` environment variable says this is a CI run (set, and not empty, `0` or
 * `false`); `null` when it cannot be read (no `--allow-env=CI`).
 */
function _ciFromEnv(): boolean | null {
  if (Deno.permissions.querySync({ name: "env", variable: "CI" }).state !== "granted") {
    return null;
  }
  const value = (Deno.env.get("CI") ?? "").trim().toLowerCase();
  return !(value === "" || value === "0" || value === "false");
}

/** Why Jupyter cannot be used from `python`, or `null` when it can. */
async function _jupyterMissing(python: string): Promise<string | null> {
  try {
    const run = await _run(python, ["-c", "import jupyter_client, nbformat"]);
    if (run.code === 0) return null;
    const module = run.stderr.match(/No module named '([^']+)'/)?.[1];
    return `${python} lacks the Python module ${module ?? "jupyter_client or nbformat"}`;
  } catch {
    return `${python} was not found`;
  }
}

/** The kernelspec name a notebook asks for (`deno` when it names none). */
async function _kernelName(path: string): Promise<string> {
  let nb: Notebook;
  try {
    nb = JSON.parse(await Deno.readTextFile(path));
  } catch {
    throw new UsageError(`notebook '${path}' is not JSON`);
  }
  const spec = nb.metadata?.kernelspec as { name?: unknown } | undefined;
  return typeof spec?.name === "string" ? spec.name : "deno";
}

/** Register the Deno kernel when it is missing or runs another deno than this one. */
async function _ensureKernel(python: string): Promise<void> {
  const deno = Deno.execPath();
  const current = async () => {
    const run = await _run(python, [DRIVER, "kernelspec", "deno"]);
    if (run.code !== 0) throw new Error(`cannot read kernelspecs: ${run.stderr.trim()}`);
    return JSON.parse(run.stdout) as { argv: string[]; resourceDir: string } | null;
  };
  const same = async (path: string) => {
    try {
      return await Deno.realPath(path) === await Deno.realPath(deno);
    } catch {
      return false;
    }
  };
  const spec = await current();
  if (spec !== null && await same(spec.argv[0])) return;
  const args = ["jupyter", "--install", ...(spec === null ? [] : ["--force"])];
  const run = await _run(deno, args);
  if (run.code !== 0) throw new Error(`'deno ${args.join(" ")}' failed: ${run.stderr.trim()}`);
  const now = await current();
  if (now === null || !(await same(now.argv[0]))) {
    throw new Error(
      `the 'deno' kernelspec${now ? ` at ${now.resourceDir}` : ""} does not run ${deno} ` +
        `even after 'deno ${args.join(" ")}'`,
    );
  }
  console.log(
    `notebooks: ${spec === null ? "registered" : "re-registered"} the Deno kernel ` +
      `(${now.resourceDir} -> ${deno})`,
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
