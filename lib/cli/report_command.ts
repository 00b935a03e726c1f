/**
 * `deno task report RESULTS_DIR… [--out report.html]`: one self-contained HTML page of one or
 * several runs.
 *
 * @module
 */
import { readRunDirs } from "../report/read_run_dirs.ts";
import { htmlReport } from "../report/html_report.ts";
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * The help text of `deno task report`: every flag and its default.
 *
 * @example
 * ```ts
 * import { REPORT_HELP } from "./report_command.ts";
 * if (!REPORT_HELP.includes("--out FILE")) throw new Error(REPORT_HELP);
 * ```
 */
export const REPORT_HELP = `deno task report [flags] RESULTS_DIR…

Writes one self-contained HTML page (no script, nothing loaded when viewed: the plots are inline
SVG, the data is embedded) of the run folders given (each holding requests.jsonl; a folder
holding run folders stands for all of them): each run's context, the seed card's two tables,
every metric's statistics with confidence intervals and small-sample notes, the plots (TTFT
distribution, token timeline, throughput, errors), error codes with example messages (redacted)
and client health; with several runs first their comparison with the first run (as
deno task compare), the plots across runs and, when they differ only in load, the load curve
with its chosen point. Every run folder already holds its own report.html.

Flags:
  --out FILE         the page to write; must not exist (default report.html)
  --title TEXT       the page's title (default "tokenbench report: <run>" or "… N runs")
  --confidence C     coverage of the comparison's intervals, in (0, 1) (default 0.95)
  --resamples N      bootstrap resamples per difference (default 1000)
  -h, --help         show this help

Exit status: 0 written; 2 bad input (one line on stderr, nothing written).
`;

const _FLAGS = {
  out: { type: "string" },
  title: { type: "string" },
  confidence: { type: "string" },
  resamples: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `deno task report`: parse `args`, read the run folders ({@link readRunDirs}), render them
 * ({@link htmlReport}; each run labelled by its folder's name) and write the page to `--out`
 * (never overwriting). Prints the path; returns the exit code (0). Bad input is a
 * {@link UsageError}.
 *
 * @example An existing --out is refused before anything is read
 * ```ts
 * import { reportCommand } from "./report_command.ts";
 * const file = await Deno.makeTempFile();
 * let message = "";
 * try {
 *   await reportCommand(["--out", file, "somewhere"]);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * await Deno.remove(file);
 * if (!message.endsWith("already exists (refusing to overwrite)")) throw new Error(message);
 * ```
 */
export async function reportCommand(args: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags(args, _FLAGS, true);
  if (f.help) {
    console.log(REPORT_HELP);
    return 0;
  }
  const out = f.out ?? "report.html";
  const confidence = numberFlag("confidence", f.confidence, 0.95, { min: 0, exclusive: true })!;
  if (!(confidence < 1)) {
    throw new UsageError(`--confidence must be in (0, 1), got '${f.confidence}'`);
  }
  const resamples = intFlag("resamples", f.resamples, 1000, { min: 1 });
  if (await _exists(out)) {
    throw new UsageError(`--out '${out}' already exists (refusing to overwrite)`);
  }
  if (positionals.length === 0) {
    throw new UsageError("give at least one RESULTS_DIR (see --help)");
  }
  let runs;
  try {
    runs = await readRunDirs(positionals);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) {
      throw new UsageError((error as Error).message.replace(/^Cannot read run folders: /, ""));
    }
    throw error;
  }
  const html = await htmlReport(
    runs.map((r) => ({ label: r.label, run: r.run.report, serverMetrics: r.serverMetrics })),
    { title: f.title, compare: { confidence, resamples } },
  );
  try {
    await Deno.writeTextFile(out, html, { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(`--out '${out}' already exists (refusing to overwrite)`);
    }
    throw error;
  }
  console.log(out);
  return 0;
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The `main` of `scripts/report.ts`: {@link reportCommand} with one-line errors (exit code 2 for
 * bad input, 1 otherwise).
 *
 * @example No folder is one line on stderr and exit code 2
 * ```ts
 * import { reportMain } from "./report_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await reportMain(["--out", "/nonexistent-dir/x.html"]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (text !== "error: give at least one RESULTS_DIR (see --help)") throw new Error(text);
 * ```
 */
export function reportMain(args: string[]): Promise<number> {
  return runMain(() => reportCommand(args));
}
