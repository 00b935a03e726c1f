/**
 * `deno task compare A B [C…]`: compare runs metric by metric, with bootstrap intervals of the
 * differences and a verdict, as markdown or JSON.
 *
 * @module
 */
import { readRunDirs } from "../report/read_run_dirs.ts";
import { compareRuns, renderComparisonMarkdown } from "../report/compare_runs.ts";
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * The help text of `deno task compare`: every flag and its default.
 *
 * @example
 * ```ts
 * import { COMPARE_HELP } from "./compare_command.ts";
 * if (!COMPARE_HELP.includes("--confidence")) throw new Error(COMPARE_HELP);
 * ```
 */
export const COMPARE_HELP = `deno task compare [flags] A B [C…]

Compares run folders (each holding requests.jsonl; a folder holding run folders stands for all of
them) with the first: per metric (TTFT, end-to-end latency, inter-token latency, output
throughput per request) each run's median and p99 over completed, measured requests, the
difference (run − first) with its percentile-bootstrap confidence interval, and a verdict:
faster or slower when the interval excludes 0, else "no significant difference". Warns when the
runs differ in workload (prompt lengths, concurrency or rate, tokenizer, API, endpoint, model)
or a percentile rests on too few samples.

Flags:
  --format FORMAT    markdown or json (default markdown)
  --confidence C     coverage of the intervals, in (0, 1) (default 0.95)
  --resamples N      bootstrap resamples per difference (default 1000)
  --seed N           seed of the bootstrap (default 0)
  --out FILE         write to FILE, which must not exist (default: print to stdout)
  -h, --help         show this help

Exit status: 0 compared; 2 bad input (one line on stderr).
`;

const _FLAGS = {
  format: { type: "string" },
  confidence: { type: "string" },
  resamples: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `deno task compare`: parse `args`, read the run folders ({@link readRunDirs}), compare them
 * ({@link compareRuns}) and print or write the markdown ({@link renderComparisonMarkdown}) or
 * JSON. Returns the exit code (0); bad input is a {@link UsageError}.
 *
 * @example An unknown format is refused before anything is read
 * ```ts
 * import { compareCommand } from "./compare_command.ts";
 * let message = "";
 * try {
 *   await compareCommand(["--format", "xml", "a", "b"]);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (message !== "--format must be markdown or json, got 'xml'") throw new Error(message);
 * ```
 */
export async function compareCommand(args: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags(args, _FLAGS, true);
  if (f.help) {
    console.log(COMPARE_HELP);
    return 0;
  }
  const format = f.format ?? "markdown";
  if (format !== "markdown" && format !== "json") {
    throw new UsageError(`--format must be markdown or json, got '${format}'`);
  }
  const confidence = numberFlag("confidence", f.confidence, 0.95, { min: 0, exclusive: true })!;
  if (!(confidence < 1)) {
    throw new UsageError(`--confidence must be in (0, 1), got '${f.confidence}'`);
  }
  const resamples = intFlag("resamples", f.resamples, 1000, { min: 1 });
  const seed = intFlag("seed", f.seed, 0);
  if (positionals.length === 0) throw new UsageError("give at least two run folders (see --help)");
  let runs;
  try {
    runs = await readRunDirs(positionals);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) {
      throw new UsageError((error as Error).message.replace(/^Cannot read run folders: /, ""));
    }
    throw error;
  }
  if (runs.length < 2) {
    throw new UsageError(`give at least two run folders, got ${runs.length} (see --help)`);
  }
  const comparison = compareRuns(
    runs.map((r) => ({ label: r.label, records: r.run.records, metadata: r.run.report.metadata })),
    { confidence, resamples, seed },
  );
  const text = format === "json"
    ? JSON.stringify(comparison, null, 2) + "\n"
    : renderComparisonMarkdown(comparison);
  if (f.out === undefined) {
    console.log(text.trimEnd());
    return 0;
  }
  try {
    await Deno.writeTextFile(f.out, text, { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(`--out '${f.out}' already exists (refusing to overwrite)`);
    }
    throw error;
  }
  console.log(f.out);
  return 0;
}

/**
 * The `main` of `scripts/compare.ts`: {@link compareCommand} with one-line errors (exit code 2
 * for bad input, 1 otherwise).
 *
 * @example No folders is one line on stderr and exit code 2
 * ```ts
 * import { compareMain } from "./compare_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await compareMain([]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (!text.startsWith("error: give at least two run folders")) throw new Error(text);
 * ```
 */
export function compareMain(args: string[]): Promise<number> {
  return runMain(() => compareCommand(args));
}
