/**
 * `deno task notebooks [--out DIR] [NOTEBOOK…]`: execute notebooks with the real Deno Jupyter
 * kernel (through `scripts/_nbrun.py`), keep every output, write the executed copies, and check
 * them with {@link checkNotebook}.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkNotebook, type Notebook } from "./check_notebook.ts";
import { intFlag, parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * Exit code in CI when Jupyter (the Python packages) is not installed: nothing was run.
 *
 * @example
 * ```ts
 * import { EXIT_NO_JUPYTER } from "./run_notebooks_command.ts";
 * if (EXIT_NO_JUPYTER !== 77) throw new Error("automake's 'skipped'");
 * ```
 */
export const EXIT_NO_JUPYTER = 77;

/**
 * How to install what the runner needs, on Debian/Ubuntu.
 *
 * @example
 * ```ts
 * import { JUPYTER_INSTALL_HINT } from "./run_notebooks_command.ts";
 * if (!JUPYTER_INSTALL_HINT.includes("python3-nbclient")) throw new Error(JUPYTER_INSTALL_HINT);
 * ```
 */
export const JUPYTER_INSTALL_HINT =
  "apt-get update && apt-get install -y jupyter-nbconvert python3-nbclient";

/** The install command of the one-line "skipped" message (outside CI). */
const JUPYTER_SKIP_HINT = "apt-get install -y jupyter-nbconvert python3-nbclient";

/** The Python driver that executes one notebook, `scripts/_nbrun.py`. */
function _driver(): string {
  return fileURLToPath(new URL("../../scripts/_nbrun.py", import.meta.url));
}

/**
 * The help text of `deno task notebooks`: what is checked, the exit codes, every flag and its
 * default.
 *
 * @example
 * ```ts
 * import { RUN_NOTEBOOKS_HELP } from "./run_notebooks_command.ts";
 * if (!RUN_NOTEBOOKS_HELP.includes("--cell-timeout S")) throw new Error(RUN_NOTEBOOKS_HELP);
 * ```
 */
export const RUN_NOTEBOOKS_HELP = `deno task notebooks [flags] [NOTEBOOK…]

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

const _FLAGS = {
  out: { type: "string" },
  python: { type: "string" },
  "cell-timeout": { type: "string" },
  "settle-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

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

/** Options of {@link runNotebooksCommand}. */
export interface RunNotebooksCommandOptions {
  /**
   * The environment; only `CI` is read (when Jupyter is missing: outside CI that is a skip, exit
   * 0; in CI exit {@link EXIT_NO_JUPYTER}). Undefined when it could not be read (no
   * `--allow-env=CI`): a missing Jupyter is then exit {@link EXIT_NO_JUPYTER} with a hint.
   * Default undefined.
   */
  env?: Record<string, string>;
}

/**
 * `deno task notebooks`: parse `args`, execute each notebook (default: every
 * `notebooks/*.ipynb`) with the Deno kernel in its own folder, write the executed copy to
 * `--out` and check it ({@link checkNotebook}); prints `PASS`/`FAIL` per notebook and
 * `notebooks: N passed, N failed`. Returns the exit code: 0 all passed (or Jupyter missing
 * outside CI), 1 one failed, {@link EXIT_NO_JUPYTER} Jupyter missing in CI. Bad input is a
 * {@link UsageError} before anything runs.
 *
 * @example Help
 * ```ts
 * import { runNotebooksCommand } from "./run_notebooks_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await runNotebooksCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--python PATH")) throw new Error(text);
 * ```
 */
export async function runNotebooksCommand(
  args: string[],
  options: RunNotebooksCommandOptions = {},
): Promise<number> {
  const { values: f, positionals } = parseFlags(args, _FLAGS, true);
  if (f.help) {
    console.log(RUN_NOTEBOOKS_HELP);
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
    const ci = _ciFromEnv(options.env);
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
        _driver(),
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
}

/**
 * The `main` of `scripts/run_notebooks.ts`: {@link runNotebooksCommand} with one-line errors
 * (exit code 2 for bad input, 1 otherwise). `env` holds `CI` as far as it could be read
 * (undefined: not at all).
 *
 * @example A file that is not a notebook is one line on stderr and exit code 2
 * ```ts
 * import { runNotebooksMain } from "./run_notebooks_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await runNotebooksMain(["x.txt"], {}) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (text !== "error: 'x.txt' is not an .ipynb file") throw new Error(text);
 * ```
 */
export function runNotebooksMain(
  args: string[],
  env?: Record<string, string>,
): Promise<number> {
  return runMain(() => runNotebooksCommand(args, { env }));
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
 * `false`); `null` when the environment could not be read (`env` undefined).
 */
function _ciFromEnv(env: Record<string, string> | undefined): boolean | null {
  if (env === undefined) return null;
  const value = (env.CI ?? "").trim().toLowerCase();
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
    const run = await _run(python, [_driver(), "kernelspec", "deno"]);
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
