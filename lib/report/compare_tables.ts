/**
 * Cell-by-cell comparison of a published seed-card table with recomputed {@link TableRow}s.
 *
 * @module
 */

import type { MarkdownTable } from "./markdown_table.ts";
import {
  TABLE_COLUMNS,
  TABLE_HEADINGS,
  type TableColumn,
  type TableRow,
} from "../core/table_row.ts";

/** The two kinds of seed-card table. */
export const TABLE_KINDS = ["ttft", "throughput"] as const;

/** One of {@link TABLE_KINDS}. */
export type TableKind = typeof TABLE_KINDS[number];

/** The seed card's title of each kind of table. */
export const TABLE_TITLES: Readonly<Record<TableKind, string>> = {
  ttft: "Time to First Token (seconds)",
  throughput: "Output Tokens Throughput (tokens/s)",
};

/** One published cell against its recomputed value. */
export interface CellComparison {
  framework: string;
  model: string;
  column: TableColumn;
  /** The cell's text as published. */
  published: string;
  /** The published text as a number (`0.3` and `0.30` are both 0.3); `null` if not a number. */
  publishedValue: number | null;
  /** The recomputed, rounded value; `null` when no recomputed row matched or it had no value. */
  recomputed: number | null;
  /** Whether the two numbers are equal. */
  match: boolean;
}

/** The comparison of one published table. */
export interface TableComparison {
  /** Which table (`null` when its heading did not tell). */
  kind: TableKind | null;
  /** The published table's heading. */
  title: string | null;
  /** Every published cell, row by row. */
  cells: CellComparison[];
  /** Cells that match. */
  matched: number;
  /** All published cells. */
  total: number;
  /** Published rows (`framework / model`) with no recomputed row. */
  missingRows: string[];
  /** Recomputed rows that the published table does not have, and repeated labels. */
  extraRows: string[];
}

/**
 * The kind of seed-card table a heading names: `"ttft"` for "Time to First Token"/"TTFT",
 * `"throughput"` for "Throughput", else `null`.
 *
 * @example
 * ```ts
 * import { tableKind } from "./compare_tables.ts";
 * if (tableKind("Output Tokens Throughput (tokens/s) — 70B Models") !== "throughput") {
 *   throw new Error("throughput");
 * }
 * if (tableKind("Time to First Token (seconds)") !== "ttft") throw new Error("ttft");
 * ```
 */
export function tableKind(title: string | null): TableKind | null {
  if (title === null) return null;
  if (/time to first token|\bttft\b/i.test(title)) return "ttft";
  if (/throughput/i.test(title)) return "throughput";
  return null;
}

/**
 * Compares a published table with recomputed rows. Rows are matched on framework and model
 * (trimmed, case-insensitive); columns by their headings (`Median`, `P25`, …, any case). A cell
 * matches when the published number equals the recomputed one (both are the decimal's nearest
 * double, so `0.3`, `0.30` and a recomputed 0.3 all match). Published rows without a recomputed
 * row count as mismatches; recomputed rows the table lacks, and rows whose labels repeat an
 * earlier row's (only the first is compared), are listed in `extraRows`.
 * Throws `TypeError` when the table lacks the `Framework`/`Model` or a statistic column.
 *
 * @example
 * ```ts
 * import { compareTables } from "./compare_tables.ts";
 * const result = compareTables({
 *   title: "Time to First Token", line: 1,
 *   header: ["Framework", "Model", "Median", "Mean", "Min", "Max", "P25", "P75", "P95", "P99"],
 *   rows: [["groq", "llama2-70b-4096", "0.22", "0.23", "0.17", "0.36", "0.19", "0.24", "0.3", "0.35"]],
 * }, [{ framework: "groq", model: "llama2-70b-4096", median: 0.22, mean: 0.23, min: 0.17,
 *   max: 0.36, p25: 0.19, p75: 0.24, p95: 0.30, p99: 0.36 }]);
 * if (result.matched !== 7 || result.total !== 8) throw new Error(`${result.matched}`);
 * ```
 */
export function compareTables(
  published: MarkdownTable,
  recomputed: readonly TableRow[],
): TableComparison {
  const index = new Map<string, number>();
  published.header.forEach((h, i) => index.set(h.trim().toLowerCase(), i));
  const col = (heading: string) => {
    const i = index.get(heading.toLowerCase());
    if (i === undefined) {
      throw new TypeError(
        `Cannot compare tables: published table at line ${published.line} has no '${heading}' column`,
      );
    }
    return i;
  };
  const fwCol = col("Framework");
  const modelCol = col("Model");
  const statCols = TABLE_COLUMNS.map((c, i) => [c, col(TABLE_HEADINGS[i + 2])] as const);
  const key = (framework: string, model: string) =>
    `${framework.trim().toLowerCase()}\u0000${model.trim().toLowerCase()}`;
  const byKey = new Map<string, TableRow>();
  const duplicates: string[] = [];
  for (const r of recomputed) {
    const k = key(r.framework, r.model);
    if (byKey.has(k)) {
      duplicates.push(`${r.framework} / ${r.model} (duplicate label, not compared)`);
    } else byKey.set(k, r);
  }
  const seen = new Set<string>();
  const cells: CellComparison[] = [];
  const missingRows: string[] = [];
  for (const cellsOfRow of published.rows) {
    const framework = cellsOfRow[fwCol] ?? "";
    const model = cellsOfRow[modelCol] ?? "";
    const k = key(framework, model);
    const row = byKey.get(k);
    seen.add(k);
    if (!row) missingRows.push(`${framework} / ${model}`);
    for (const [column, i] of statCols) {
      const text = (cellsOfRow[i] ?? "").trim();
      const publishedValue = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)
        ? Number(text)
        : null;
      const value = row ? row[column] : null;
      cells.push({
        framework,
        model,
        column,
        published: text,
        publishedValue,
        recomputed: value,
        match: publishedValue !== null && value !== null && publishedValue === value,
      });
    }
  }
  const extraRows = [
    ...[...byKey.entries()].filter(([k]) => !seen.has(k)).map(([, r]) =>
      `${r.framework} / ${r.model}`
    ),
    ...duplicates,
  ];
  return {
    kind: tableKind(published.title),
    title: published.title,
    cells,
    matched: cells.filter((c) => c.match).length,
    total: cells.length,
    missingRows,
    extraRows,
  };
}

/** Options of {@link renderComparison}. */
export interface RenderComparisonOptions {
  /** A line describing how the values were recomputed, printed last. Default: none. */
  recipe?: string;
  /** Print matching cells too. Default `true`. */
  showMatches?: boolean;
}

/**
 * The comparison as text: per table its title, one line per cell (`match` or `mismatch`, row,
 * column, published and recomputed value), `N/M cells match`; then, for several tables, the
 * overall `N/M cells match`; then `recipe: …`.
 *
 * @example
 * ```ts
 * import { renderComparison } from "./compare_tables.ts";
 * const text = renderComparison([{
 *   kind: "ttft", title: "TTFT", matched: 0, total: 1, missingRows: [], extraRows: [],
 *   cells: [{ framework: "f", model: "m", column: "p99", published: "0.35", publishedValue: 0.35,
 *     recomputed: 0.36, match: false }],
 * }], { recipe: "ttft-digits=2" });
 * if (!text.includes("mismatch") || !text.includes("0/1 cells match")) throw new Error(text);
 * ```
 */
export function renderComparison(
  comparisons: readonly TableComparison[],
  options: RenderComparisonOptions = {},
): string {
  const { recipe, showMatches = true } = options;
  const out: string[] = [];
  let matched = 0, total = 0;
  for (const c of comparisons) {
    out.push(`${c.title ?? "(untitled table)"}`);
    const labelWidth = Math.max(0, ...c.cells.map((x) => `${x.framework} / ${x.model}`.length));
    for (const cell of c.cells) {
      if (cell.match && !showMatches) continue;
      const label = `${cell.framework} / ${cell.model}`.padEnd(labelWidth);
      const heading = TABLE_HEADINGS[TABLE_COLUMNS.indexOf(cell.column) + 2].padEnd(6);
      const rec = cell.recomputed === null ? "n/a" : String(cell.recomputed);
      out.push(
        `  ${cell.match ? "match   " : "mismatch"}  ${label}  ${heading}  published ${
          cell.published.padStart(6)
        }  recomputed ${rec}`,
      );
    }
    for (const r of c.missingRows) out.push(`  no recomputed row for ${r}`);
    for (const r of c.extraRows) out.push(`  not in the published table: ${r}`);
    out.push(`  ${c.matched}/${c.total} cells match`);
    matched += c.matched;
    total += c.total;
  }
  if (comparisons.length > 1) out.push(`${matched}/${total} cells match`);
  if (recipe !== undefined) out.push(`recipe: ${recipe}`);
  return out.join("\n") + "\n";
}
