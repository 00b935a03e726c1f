/**
 * The seed card's two tables (TTFT and output throughput) from runs' individual records, made
 * by a named recipe with per-row overrides, so that published tables can be regenerated cell
 * for cell.
 *
 * @module
 */

import type { LlmperfIndividualRecord } from "./llmperf_individual.ts";
import type { LlmperfRun } from "./load_llmperf.ts";
import { type TableRow, tableRow } from "../core/table_row.ts";

/**
 * Where per-request throughput comes from: `stored` is LLMPerf's
 * `request_output_throughput_token_per_s`; `tokens-per-e2e` is
 * `number_output_tokens / end_to_end_latency_s`.
 */
export const THROUGHPUT_SOURCES = ["stored", "tokens-per-e2e"] as const;

/** One of {@link THROUGHPUT_SOURCES}. */
export type ThroughputSource = typeof THROUGHPUT_SOURCES[number];

/** How a table row is made from a run. */
export interface TableRecipe {
  /** Per-request throughput source. Default `"stored"`. */
  throughput: ThroughputSource;
  /** Error codes whose records are kept in the throughput statistics. Default `[]`. */
  includeErrorCodes: readonly number[];
  /** Decimals of the TTFT table. Default 2. */
  ttftDigits: number;
  /** Decimals of the throughput table. Default 2. */
  throughputDigits: number;
  /** Default `false`: round like Python's `round()`; `true`: cut toward zero. */
  truncate: boolean;
  /** Framework label. Default: the summary's `framework`, else from the file name. */
  framework?: string;
  /** Model label. Default: the summary's `model`, else from the file name. */
  model?: string;
}

/** The default recipe: stored throughput, errors excluded, 2 digits, rounded. */
export const DEFAULT_TABLE_RECIPE: Readonly<TableRecipe> = Object.freeze({
  throughput: "stored",
  includeErrorCodes: Object.freeze([]) as readonly number[],
  ttftDigits: 2,
  throughputDigits: 2,
  truncate: false,
});

/**
 * A recipe override for the runs a selector names: the run's name (file name without
 * `_individual_responses.json`/`.json`), or its framework label from the data (before any
 * label override); case-insensitive.
 */
export interface RowRecipe {
  selector: string;
  recipe: Partial<TableRecipe>;
}

/** The two tables, one row per run, and the runs that gave no row. */
export interface ReproducedTables {
  ttft: TableRow[];
  throughput: TableRow[];
  /** Runs left out, with the reason (no individual records). */
  skipped: { name: string; reason: string }[];
}

/** Options of {@link reproduceTables}. */
export interface ReproduceTablesOptions {
  /** The recipe for every row; missing fields come from {@link DEFAULT_TABLE_RECIPE}. */
  recipe?: Partial<TableRecipe>;
  /** Per-row overrides, applied in order after `recipe`. Default `[]`. */
  rowRecipes?: readonly RowRecipe[];
}

/**
 * The TTFT and output-throughput table rows of each run. TTFT: `ttft_s` of successful records
 * (null `error_code`). Throughput: per the recipe's source, over successful records plus those
 * whose `error_code` is in `includeErrorCodes`; records whose end-to-end latency is not positive
 * are left out of `tokens-per-e2e`. Statistics and rounding as {@link tableRow}.
 *
 * @example The 70B leaderboard's Groq row used the stored throughput
 * ```ts
 * import { reproduceTables } from "./reproduce_tables.ts";
 * const rec = (ttft: number, e2e: number, stored: number) => ({
 *   error_code: null, error_msg: "", inter_token_latency_s: 0, ttft_s: ttft,
 *   end_to_end_latency_s: e2e, request_output_throughput_token_per_s: stored,
 *   number_total_tokens: 701, number_output_tokens: 151, number_input_tokens: 550,
 * });
 * const run = {
 *   name: "groq_70b", individualPath: null, summaryPath: null, metadata: {}, source: "llmperf" as const,
 *   summary: { framework: "groq", model: "llama2-70b-4096" },
 *   individual: [rec(0.2, 1, 150), rec(0.3, 1, 150)],
 * };
 * const tables = reproduceTables([run], {
 *   recipe: { throughput: "tokens-per-e2e", throughputDigits: 0 },
 *   rowRecipes: [{ selector: "groq", recipe: { throughput: "stored" } }],
 * });
 * if (tables.throughput[0].median !== 150 || tables.ttft[0].mean !== 0.25) throw new Error("rows");
 * ```
 */
export function reproduceTables(
  runs: readonly LlmperfRun[],
  options: ReproduceTablesOptions = {},
): ReproducedTables {
  const out: ReproducedTables = { ttft: [], throughput: [], skipped: [] };
  for (const run of runs) {
    if (run.individual === null) {
      out.skipped.push({ name: run.name, reason: "no individual responses (summary only)" });
      continue;
    }
    const recipe = recipeForRun(run, options);
    const labels = runLabels(run);
    const framework = recipe.framework ?? labels.framework;
    const model = recipe.model ?? labels.model;
    const { ttft, throughput } = _values(run.individual, recipe);
    out.ttft.push(
      tableRow(ttft, { framework, model, digits: recipe.ttftDigits, truncate: recipe.truncate }),
    );
    out.throughput.push(
      tableRow(throughput, {
        framework,
        model,
        digits: recipe.throughputDigits,
        truncate: recipe.truncate,
      }),
    );
  }
  return out;
}

/**
 * The recipe a run gets: defaults, then `options.recipe`, then each matching row recipe in
 * order. Throws `RangeError`/`TypeError` for invalid recipe values.
 *
 * @example
 * ```ts
 * import { recipeForRun } from "./reproduce_tables.ts";
 * const run = { name: "bedrock_70b", individualPath: null, summaryPath: null, individual: [],
 *   summary: { framework: "bedrock" }, metadata: {}, source: "llmperf" as const };
 * const r = recipeForRun(run, {
 *   rowRecipes: [{ selector: "bedrock", recipe: { includeErrorCodes: [-100] } }],
 * });
 * if (r.includeErrorCodes[0] !== -100 || r.throughput !== "stored") throw new Error("recipe");
 * ```
 */
export function recipeForRun(run: LlmperfRun, options: ReproduceTablesOptions = {}): TableRecipe {
  const recipe: TableRecipe = { ...DEFAULT_TABLE_RECIPE, ...options.recipe };
  const names = [run.name.toLowerCase(), runLabels(run).framework.toLowerCase()];
  for (const row of options.rowRecipes ?? []) {
    if (names.includes(row.selector.toLowerCase())) Object.assign(recipe, row.recipe);
  }
  _checkRecipe(recipe);
  return recipe;
}

/**
 * A run's labels from its data: framework = the summary's (or JSONL header's) `framework` (a
 * tokenbench header: its `--metadata framework=…`), else for a tokenbench run its API
 * (`openai (simulated)`, as tokenbench's own tables say), else the file name up to its first
 * `_` (`groq_70b` → `groq`); model = the summary's (or header's)
 * `model`, else the model part of an LLMPerf stem (`m_550_150` → `m`), else the file name after
 * its first `_`, else the file name.
 *
 * @example
 * ```ts
 * import { runLabels } from "./reproduce_tables.ts";
 * const run = { name: "groq_70b", individualPath: null, summaryPath: null, individual: [],
 *   summary: null, metadata: {}, source: "llmperf" as const };
 * const { framework, model } = runLabels(run);
 * if (framework !== "groq" || model !== "70b") throw new Error(`${framework} ${model}`);
 * ```
 */
export function runLabels(run: LlmperfRun): { framework: string; model: string } {
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const name = run.name;
  const underscore = name.indexOf("_");
  const stem = /^(.+?)_\d+_\d+(?:_\d+_\d+)?$/.exec(name);
  const user = run.metadata.userMetadata as Record<string, unknown> | undefined;
  const api = (llmApi: unknown, simulated: unknown) =>
    str(llmApi) === undefined ? undefined : `${llmApi}${simulated === true ? " (simulated)" : ""}`;
  const framework = str(run.summary?.framework) ?? str(run.metadata.framework) ??
    str(user?.framework) ?? api(run.summary?.llm_api, run.summary?.simulated) ??
    api(run.metadata.llmApi, run.metadata.simulated) ??
    (underscore > 0 ? name.slice(0, underscore) : name);
  const model = str(run.summary?.model) ?? str(run.metadata.model) ??
    (stem ? stem[1] : underscore > 0 ? name.slice(underscore + 1) : name);
  return { framework, model };
}

/**
 * Parses a row recipe `SELECTOR:KEY=VALUE` (one key per spec), keys as the script's flags:
 * `throughput`, `include-error-codes` (comma-separated), `ttft-digits`, `throughput-digits`,
 * `truncate` (`true`/`false`), `framework`, `model`. Throws `TypeError` naming the spec.
 *
 * @example
 * ```ts
 * import { parseRowRecipe } from "./reproduce_tables.ts";
 * const r = parseRowRecipe("bedrock:include-error-codes=-100");
 * if (r.selector !== "bedrock" || r.recipe.includeErrorCodes?.[0] !== -100) throw new Error("parse");
 * ```
 */
export function parseRowRecipe(spec: string): RowRecipe {
  const m = /^([^:]+):([a-z-]+)=(.*)$/.exec(spec);
  if (!m) {
    throw new TypeError(
      `Cannot parse row recipe: expected SELECTOR:KEY=VALUE, got ${JSON.stringify(spec)}`,
    );
  }
  const [, selector, key, value] = m;
  const bad = (what: string) =>
    new TypeError(`Cannot parse row recipe ${JSON.stringify(spec)}: ${what}`);
  let recipe: Partial<TableRecipe>;
  switch (key) {
    case "throughput":
      if (!(THROUGHPUT_SOURCES as readonly string[]).includes(value)) {
        throw bad(`throughput must be one of ${THROUGHPUT_SOURCES.join(", ")}`);
      }
      recipe = { throughput: value as ThroughputSource };
      break;
    case "include-error-codes":
      recipe = { includeErrorCodes: parseErrorCodes(value) };
      break;
    case "ttft-digits":
    case "throughput-digits": {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n > 15) throw bad(`${key} must be an integer from 0 to 15`);
      recipe = key === "ttft-digits" ? { ttftDigits: n } : { throughputDigits: n };
      break;
    }
    case "truncate":
      if (value !== "true" && value !== "false") throw bad("truncate must be true or false");
      recipe = { truncate: value === "true" };
      break;
    case "framework":
      recipe = { framework: value };
      break;
    case "model":
      recipe = { model: value };
      break;
    default:
      throw bad(`unknown key '${key}'`);
  }
  return { selector, recipe };
}

/**
 * Parses a comma-separated list of error codes (`"-100,429"`; `""` or `"none"` is empty).
 * Throws `TypeError` naming the value.
 *
 * @example
 * ```ts
 * import { parseErrorCodes } from "./reproduce_tables.ts";
 * if (parseErrorCodes("-100, 429").join() !== "-100,429") throw new Error("codes");
 * ```
 */
export function parseErrorCodes(text: string): number[] {
  if (text.trim() === "" || text.trim() === "none") return [];
  return text.split(",").map((s) => {
    const t = s.trim();
    if (!/^[+-]?\d+(\.\d+)?$/.test(t)) {
      throw new TypeError(`Cannot parse error codes: ${JSON.stringify(t)} is not a number`);
    }
    return Number(t);
  });
}

/**
 * One line describing a recipe and its row overrides, as printed after a comparison.
 *
 * @example
 * ```ts
 * import { describeRecipe } from "./reproduce_tables.ts";
 * const text = describeRecipe({ recipe: { throughput: "tokens-per-e2e", throughputDigits: 0 } });
 * if (!text.startsWith("throughput=tokens-per-e2e")) throw new Error(text);
 * ```
 */
export function describeRecipe(options: ReproduceTablesOptions = {}): string {
  const r: TableRecipe = { ...DEFAULT_TABLE_RECIPE, ...options.recipe };
  const parts = [
    `throughput=${r.throughput}`,
    `include-error-codes=${r.includeErrorCodes.length ? r.includeErrorCodes.join(",") : "none"}`,
    `ttft-digits=${r.ttftDigits}`,
    `throughput-digits=${r.throughputDigits}`,
    r.truncate ? "truncate" : "round half-even (Python round)",
    "errored rows excluded, numpy-linear quantiles",
  ];
  if (r.framework !== undefined) parts.push(`framework=${r.framework}`);
  if (r.model !== undefined) parts.push(`model=${r.model}`);
  const rows = (options.rowRecipes ?? []).map((row) =>
    `${row.selector}: ${_describePartial(row.recipe)}`
  );
  return rows.length ? `${parts.join(" ")}; rows ${rows.join("; ")}` : parts.join(" ");
}

function _describePartial(r: Partial<TableRecipe>): string {
  const out: string[] = [];
  if (r.throughput !== undefined) out.push(`throughput=${r.throughput}`);
  if (r.includeErrorCodes !== undefined) {
    out.push(`include-error-codes=${r.includeErrorCodes.join(",") || "none"}`);
  }
  if (r.ttftDigits !== undefined) out.push(`ttft-digits=${r.ttftDigits}`);
  if (r.throughputDigits !== undefined) out.push(`throughput-digits=${r.throughputDigits}`);
  if (r.truncate !== undefined) out.push(`truncate=${r.truncate}`);
  if (r.framework !== undefined) out.push(`framework=${r.framework}`);
  if (r.model !== undefined) out.push(`model=${r.model}`);
  return out.join(" ");
}

function _values(
  records: readonly LlmperfIndividualRecord[],
  recipe: TableRecipe,
): { ttft: Float64Array; throughput: Float64Array } {
  const include = new Set(recipe.includeErrorCodes);
  const ttft = new Float64Array(records.length);
  const throughput = new Float64Array(records.length);
  let nt = 0, np = 0;
  const stored = recipe.throughput === "stored";
  for (const r of records) {
    const ok = r.error_code === null;
    if (ok) ttft[nt++] = r.ttft_s;
    if (ok || include.has(r.error_code as number)) {
      if (stored) throughput[np++] = r.request_output_throughput_token_per_s;
      else if (r.end_to_end_latency_s > 0) {
        throughput[np++] = r.number_output_tokens / r.end_to_end_latency_s;
      }
    }
  }
  return { ttft: ttft.subarray(0, nt), throughput: throughput.subarray(0, np) };
}

function _checkRecipe(r: TableRecipe): void {
  if (!(THROUGHPUT_SOURCES as readonly string[]).includes(r.throughput)) {
    throw new TypeError(
      `Cannot make tables: 'throughput' must be one of ${THROUGHPUT_SOURCES.join(", ")}, got ${
        JSON.stringify(r.throughput)
      }`,
    );
  }
  for (const key of ["ttftDigits", "throughputDigits"] as const) {
    const d = r[key];
    if (!Number.isInteger(d) || d < 0 || d > 15) {
      throw new RangeError(
        `Cannot make tables: '${key}' must be an integer from 0 to 15, got ${d}`,
      );
    }
  }
  if (!Array.isArray(r.includeErrorCodes)) {
    throw new TypeError(`Cannot make tables: 'includeErrorCodes' must be an array of numbers`);
  }
}
