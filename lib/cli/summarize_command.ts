/**
 * `deno task summarize DIR [--out NEWDIR]`: rebuild every file derived from a run (summary.json,
 * requests.csv, tables.md, LLMPerf's two files) from its `requests.jsonl` alone, e.g. after the
 * run was killed. Never overwrites anything.
 *
 * @module
 */
import { rebuildRunFiles } from "../report/rebuild_run_files.ts";
import { parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * The help text of `deno task summarize`.
 *
 * @example
 * ```ts
 * import { SUMMARIZE_HELP } from "./summarize_command.ts";
 * if (!SUMMARIZE_HELP.includes("--out NEWDIR")) throw new Error(SUMMARIZE_HELP);
 * ```
 */
export const SUMMARIZE_HELP = `deno task summarize DIR [flags]

Rebuilds every file derived from the run in DIR (summary.json, requests.csv, tables.md and
LLMPerf's {model}_{in}_{out}_summary.json / _individual_responses.json) from DIR/requests.jsonl
alone. A run that did not finish (killed, crashed: no end line in requests.jsonl, a RUNNING file
left behind) is summarized as far as it got and reported as unfinished; its summary says
"finished": false. A last line cut short by a kill -9 is left out.

Nothing is ever overwritten:
  without --out   the files are written into DIR, only if none of them exists there yet
  --out NEWDIR    the files (and a copy of requests.jsonl) go to NEWDIR, which must not exist

  --out NEWDIR    write into this new folder instead of DIR (default: DIR)
  -h, --help      show this help

Exit status: 0 written; 2 bad input (one line on stderr, nothing written).
`;

const _FLAGS = {
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Whether the benchmark that left `dir/RUNNING` is still running (Linux: /proc/PID). */
async function _stillRunning(dir: string): Promise<number | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/RUNNING`);
  } catch {
    return null;
  }
  let pid: unknown;
  try {
    pid = JSON.parse(text)?.pid;
  } catch {
    return null;
  }
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid === Deno.pid) return null;
  try {
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    return cmdline.includes("token_benchmark") || cmdline.includes("demo") ? pid : null;
  } catch {
    return null; // no such process, or no /proc: assume it is gone
  }
}

/**
 * `deno task summarize DIR`: parse `args`, rebuild every file derived from the run in DIR from
 * its `requests.jsonl` ({@link rebuildRunFiles}; into DIR, or a new `--out` folder), print the
 * tables and the files; returns the exit code (0). Bad input (no run folder, files already
 * there, the run still going) is a {@link UsageError}; nothing is overwritten.
 *
 * @example Help
 * ```ts
 * import { summarizeCommand } from "./summarize_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await summarizeCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("requests.jsonl")) throw new Error(text);
 * ```
 */
export async function summarizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, _FLAGS, true);
  if (values.help) {
    console.log(SUMMARIZE_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "give the run folder: deno task summarize DIR (see --help)"
        : `give one run folder, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const dir = positionals[0].replace(/\/+$/, "") || "/";
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch {
    throw new UsageError(`DIR '${dir}' does not exist`);
  }
  if (!info.isDirectory) throw new UsageError(`DIR '${dir}' is not a folder`);
  try {
    if (!(await Deno.stat(`${dir}/requests.jsonl`)).isFile) throw new Error();
  } catch {
    throw new UsageError(`DIR '${dir}' has no requests.jsonl (not a tokenbench run folder)`);
  }
  if (values.out !== undefined && values.out.trim() === "") {
    throw new UsageError("--out must name a new folder, got ''");
  }
  const pid = values.out === undefined ? await _stillRunning(dir) : null;
  if (pid !== null) {
    throw new UsageError(
      `the run in '${dir}' is still going (pid ${pid}); wait for it, or pass --out NEWDIR ` +
        `for a snapshot`,
    );
  }
  let result;
  try {
    result = await rebuildRunFiles(dir, { outDir: values.out });
  } catch (error) {
    const message = (error as Error).message?.split("\n")[0] ?? String(error);
    if (error instanceof SyntaxError) throw new UsageError(message);
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(
        values.out === undefined
          ? `${message.replace(/^Cannot rebuild run files: /, "")}; pass --out NEWDIR to ` +
            `rebuild elsewhere`
          : `--out ${message.replace(/^Cannot rebuild run files: /, "")}`,
      );
    }
    if (
      error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied ||
      error instanceof Deno.errors.NotADirectory
    ) {
      throw new UsageError(
        values.out === undefined ? message : `--out '${values.out}': ${message}`,
      );
    }
    throw error;
  }
  const { run } = result;
  console.log(result.tables);
  console.log(`results: ${result.dir}`);
  for (const path of result.paths) console.log(`  ${path}`);
  const measured = run.records.filter((r) => r.phase === "measure");
  const failed = measured.filter((r) => r.status === "error").length;
  console.error(
    run.finished
      ? `run finished: ${measured.length} requests, ${failed} errors`
      : `run unfinished (${run.unfinishedReason}); ${measured.length} requests recorded, ` +
        `${failed} errors`,
  );
  const tornInside = run.tornLines.filter((_, i, all) =>
    !(run.tornLastLine && i === all.length - 1)
  );
  if (tornInside.length > 0) {
    console.error(
      `note: ${tornInside.length} torn line${tornInside.length === 1 ? "" : "s"} of ` +
        `requests.jsonl (a write cut short) left out: line ${tornInside.join(", ")}`,
    );
  }
  if (run.tornLastLine) {
    console.error("note: the last line of requests.jsonl was cut short and was left out");
  }
  if (run.missingRecords > 0) {
    console.error(
      `warning: the end line counts ${run.end?.numRecords} records, requests.jsonl holds ` +
        `${run.records.length}: ${run.missingRecords} missing`,
    );
  }
  if (measured.length > 0 && failed === measured.length) {
    console.error(`warning: every request failed (${failed} of ${measured.length})`);
  }
  return 0;
}

/**
 * The `main` of `scripts/summarize.ts`: {@link summarizeCommand} with one-line errors (exit code
 * 2 for bad input, 1 otherwise).
 *
 * @example No folder is one line on stderr and exit code 2
 * ```ts
 * import { summarizeMain } from "./summarize_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await summarizeMain([]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (!text.startsWith("error: give the run folder")) throw new Error(text);
 * ```
 */
export function summarizeMain(args: string[]): Promise<number> {
  return runMain(() => summarizeCommand(args));
}
