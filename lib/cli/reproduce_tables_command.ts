/**
 * `deno task tables PATH… [flags]`: the seed card's two tables (TTFT, output throughput) from
 * LLMPerf raw data or tokenbench JSONL, and a cell-by-cell comparison with a published table.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import { TABLE_COLUMNS, type TableRow } from "../core/table_row.ts";
import { readResults } from "../report/read_results.ts";
import {
  DEFAULT_TABLE_RECIPE,
  describeRecipe,
  parseErrorCodes,
  parseRowRecipe,
  reproduceTables,
  type ReproduceTablesOptions,
  type RowRecipe,
  runLabels,
  type TableRecipe,
  THROUGHPUT_SOURCES,
  type ThroughputSource,
} from "../report/reproduce_tables.ts";
import { parseMarkdownTables, renderMarkdownTable } from "../report/markdown_table.ts";
import {
  compareTables,
  renderComparison,
  TABLE_TITLES,
  tableKind,
} from "../report/compare_tables.ts";
import { UsageError } from "./flags.ts";

const _FORMATS = ["markdown", "csv", "json"] as const;

/**
 * The help text of `deno task tables`: every flag with its default, the exit status and an
 * example.
 *
 * @example
 * ```ts
 * import { REPRODUCE_TABLES_HELP } from "./reproduce_tables_command.ts";
 * if (!REPRODUCE_TABLES_HELP.includes("--row-recipe")) throw new Error(REPRODUCE_TABLES_HELP);
 * ```
 */
export const REPRODUCE_TABLES_HELP = `Usage: deno task tables PATH... [flags]

Regenerate the seed card's tables ("Time to First Token (seconds)" and "Output Tokens
Throughput (tokens/s)", one row per run) from raw data: LLMPerf *_individual_responses.json /
*_summary.json files, individual/X.json + summary/X.json folders, tokenbench *.jsonl, or
folders of them (read recursively). Each individual file's summary is found by name or layout.

Recipe flags:
  --throughput SOURCE        stored (request_output_throughput_token_per_s) or tokens-per-e2e
                             (number_output_tokens / end_to_end_latency_s)   [default: stored]
  --include-error-codes LIST error codes kept in the throughput statistics, comma-separated;
                             use --include-error-codes=-100 for negative codes [default: none]
  --ttft-digits N            decimals of the TTFT table (0-15)                [default: 2]
  --throughput-digits N      decimals of the throughput table (0-15)          [default: 2]
  --truncate                 cut toward zero instead of rounding like Python round()
                                                                              [default: round]
  --framework NAME           framework label of every row  [default: summary's 'framework',
                             else the file name up to its first '_']
  --model NAME               model label of every row      [default: summary's 'model', else
                             from the file name]
  --row-recipe SEL:KEY=VALUE override for the runs SEL names (run name like groq_70b, or
                             framework); KEY is throughput, include-error-codes, ttft-digits,
                             throughput-digits, truncate, framework or model; repeatable
                                                                              [default: none]
Output:
  --format FORMAT            markdown, csv or json                            [default: markdown]
                             json is {"ttft": [ROW...], "throughput": [ROW...]}, ROW =
                             {framework, model, median, mean, min, max, p25, p75, p95, p99}
  --compare PUBLISHED.md     instead of the tables, compare each cell with the published
                             tables in that markdown file; prints match/mismatch per cell,
                             N/M cells match, and the recipe                  [default: off]
  --help                     show this help

Exit status: 0 ok; 1 some files could not be loaded (named on stderr, the rest are used);
2 bad flags or paths (one line on stderr, nothing printed).

Example (the LLMPerf leaderboard's 70B tables):
  deno task tables raw_data/llmperf-leaderboard/individual/*_70b.json \\
    --throughput tokens-per-e2e --throughput-digits 0 --ttft-digits 2 \\
    --row-recipe groq:throughput=stored --row-recipe=bedrock:include-error-codes=-100 \\
    --row-recipe replicate:model=meta/llama-2-70b-chat \\
    --compare raw_data/llmperf-leaderboard/published_70b.md
`;

/** Where {@link reproduceTablesCommand} writes; defaults to the process's stdout and stderr. */
export interface ReproduceTablesCommandOptions {
  /** Receives stdout text. Default: writes to `Deno.stdout`. */
  stdout?: (text: string) => void;
  /** Receives stderr text. Default: writes to `Deno.stderr`. */
  stderr?: (text: string) => void;
}

/**
 * `deno task tables PATH…`: parse `args`, read the results ({@link readResults}), build the two
 * tables ({@link reproduceTables}) and write them (markdown, CSV or JSON) or, with `--compare`,
 * the cell-by-cell comparison with a published table ({@link compareTables}); returns the exit
 * code: 0 ok, 1 when some files could not be loaded (named on stderr), 2 for bad flags or paths
 * (one line on stderr, prefixed `reproduce_tables:`, nothing on stdout).
 *
 * @example Help
 * ```ts
 * import { reproduceTablesCommand } from "./reproduce_tables_command.ts";
 * let text = "";
 * const code = await reproduceTablesCommand(["--help"], { stdout: (t) => text += t });
 * if (code !== 0 || !text.includes("--throughput SOURCE")) throw new Error(text);
 * ```
 *
 * @example A bad flag is one line on stderr and exit code 2
 * ```ts
 * import { reproduceTablesCommand } from "./reproduce_tables_command.ts";
 * let text = "";
 * const code = await reproduceTablesCommand(["--format", "xml", "x"], { stderr: (t) => text += t });
 * if (code !== 2 || !text.startsWith("reproduce_tables: --format")) throw new Error(text);
 * ```
 */
export async function reproduceTablesCommand(
  args: string[],
  options: ReproduceTablesCommandOptions = {},
): Promise<number> {
  const enc = new TextEncoder();
  const stdout = options.stdout ?? ((t: string) => Deno.stdout.writeSync(enc.encode(t)));
  const stderr = options.stderr ?? ((t: string) => Deno.stderr.writeSync(enc.encode(t)));
  try {
    return await _run(args, stdout, stderr);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TypeError || e instanceof RangeError) {
      stderr(`reproduce_tables: ${String(e.message).split("\n")[0]}\n`);
      return 2;
    }
    throw e;
  }
}

async function _run(
  args: string[],
  stdout: (t: string) => void,
  stderr: (t: string) => void,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        throughput: { type: "string" },
        "include-error-codes": { type: "string" },
        "ttft-digits": { type: "string" },
        "throughput-digits": { type: "string" },
        truncate: { type: "boolean" },
        framework: { type: "string" },
        model: { type: "string" },
        "row-recipe": { type: "string", multiple: true },
        format: { type: "string" },
        compare: { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (e) {
    throw new UsageError(String((e as Error).message).split("\n")[0]);
  }
  const v = parsed.values;
  if (v.help) {
    stdout(REPRODUCE_TABLES_HELP);
    return 0;
  }
  const recipe: Partial<TableRecipe> = {};
  if (v.throughput !== undefined) {
    if (!(THROUGHPUT_SOURCES as readonly string[]).includes(v.throughput)) {
      throw new UsageError(
        `--throughput must be one of ${THROUGHPUT_SOURCES.join(", ")}, got '${v.throughput}'`,
      );
    }
    recipe.throughput = v.throughput as ThroughputSource;
  }
  if (v["include-error-codes"] !== undefined) {
    try {
      recipe.includeErrorCodes = parseErrorCodes(v["include-error-codes"]);
    } catch {
      throw new UsageError(
        `--include-error-codes must be comma-separated numbers, got '${v["include-error-codes"]}'`,
      );
    }
  }
  for (
    const [flag, key] of [["ttft-digits", "ttftDigits"], [
      "throughput-digits",
      "throughputDigits",
    ]] as const
  ) {
    const text = v[flag];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || Number(text) > 15) {
      throw new UsageError(`--${flag} must be an integer from 0 to 15, got '${text}'`);
    }
    recipe[key] = Number(text);
  }
  if (v.truncate) recipe.truncate = true;
  if (v.framework !== undefined) recipe.framework = v.framework;
  if (v.model !== undefined) recipe.model = v.model;
  const rowRecipes: RowRecipe[] = [];
  for (const spec of v["row-recipe"] ?? []) {
    try {
      rowRecipes.push(parseRowRecipe(spec));
    } catch (e) {
      throw new UsageError(
        `--row-recipe ${(e as Error).message.replace(/^Cannot parse row recipe:? ?/, "")}`,
      );
    }
  }
  const format = v.format ?? "markdown";
  if (!(_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${_FORMATS.join(", ")}, got '${format}'`);
  }
  const paths = parsed.positionals;
  if (paths.length === 0) {
    throw new UsageError("give at least one PATH (a results file or folder); see --help");
  }
  for (const p of paths) {
    try {
      await Deno.stat(p);
    } catch {
      throw new UsageError(`cannot read PATH '${p}': no such file or directory`);
    }
  }
  let published = null;
  if (v.compare !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(v.compare);
    } catch {
      throw new UsageError(`--compare: cannot read '${v.compare}'`);
    }
    published = parseMarkdownTables(text).filter((t) => tableKind(t.title) !== null);
    if (published.length === 0) {
      throw new UsageError(
        `--compare: no 'Time to First Token' or 'Throughput' table found in '${v.compare}'`,
      );
    }
  }

  const { runs, errors } = await readResults(paths);
  const options: ReproduceTablesOptions = { recipe, rowRecipes };
  // Validate the merged recipe once, so a bad value is one usage line, not a partial output.
  const tables = reproduceTables(runs, options);
  if (tables.ttft.length === 0) {
    // Nothing loaded: one line, naming the first file that could not be read.
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more files)` : "";
    throw new UsageError(
      errors.length > 0
        ? `no run loaded: ${errors[0].message}${more}`
        : `no run with individual responses found in ${paths.join(" ")}`,
    );
  }

  let out: string;
  if (published !== null) {
    const comparisons = published.map((t) =>
      compareTables(t, tableKind(t.title) === "ttft" ? tables.ttft : tables.throughput)
    );
    out = renderComparison(comparisons, { recipe: describeRecipe(options) });
  } else if (format === "json") {
    out = JSON.stringify({ ttft: tables.ttft, throughput: tables.throughput }, null, 2) + "\n";
  } else if (format === "csv") {
    out = _csv(tables.ttft, tables.throughput);
  } else {
    const r = { ...DEFAULT_TABLE_RECIPE, ...recipe };
    const uniform = rowRecipes.every((x) =>
      x.recipe.ttftDigits === undefined && x.recipe.throughputDigits === undefined
    );
    out = renderMarkdownTable(tables.ttft, {
      title: TABLE_TITLES.ttft,
      digits: uniform ? r.ttftDigits : undefined,
    }) + "\n" + renderMarkdownTable(tables.throughput, {
      title: TABLE_TITLES.throughput,
      digits: uniform ? r.throughputDigits : undefined,
    });
  }
  stdout(out);

  for (const e of errors) stderr(`skipped ${e.message}\n`);
  for (const s of tables.skipped) stderr(`skipped run ${s.name}: ${s.reason}\n`);
  const names = new Set(
    runs.flatMap((r) => [r.name.toLowerCase(), runLabels(r).framework.toLowerCase()]),
  );
  for (const r of rowRecipes) {
    if (!names.has(r.selector.toLowerCase())) {
      stderr(`warning: --row-recipe selector '${r.selector}' matched no run\n`);
    }
  }
  return errors.length > 0 ? 1 : 0;
}

function _csv(ttft: TableRow[], throughput: TableRow[]): string {
  const rows: (string | number)[][] = [["table", "framework", "model", ...TABLE_COLUMNS]];
  for (const [table, list] of [["ttft", ttft], ["throughput", throughput]] as const) {
    for (const r of list) {
      rows.push([table, r.framework, r.model, ...TABLE_COLUMNS.map((c) => r[c] ?? "")]);
    }
  }
  return stringify(rows);
}
