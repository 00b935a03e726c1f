/**
 * Markdown tables in the seed card's format: rendering {@link TableRow}s, and parsing the tables
 * of a published markdown document (any padding, any alignment row).
 *
 * @module
 */

import { TABLE_COLUMNS, TABLE_HEADINGS, type TableRow } from "../core/table_row.ts";

/** Options of {@link renderMarkdownTable}. */
export interface RenderMarkdownTableOptions {
  /** Heading written as `### {title}` above the table. Default: no heading. */
  title?: string;
  /**
   * Decimals shown for every number (`0.30`). Default: the shortest form that reads back as
   * the same number (`0.3`), as Python prints a float.
   */
  digits?: number;
  /** Text for a missing statistic. Default `"n/a"`. */
  missing?: string;
}

/**
 * Renders rows as the seed card's table: `| Framework | Model | Median | Mean | Min | Max | P25 |
 * P75 | P95 | P99 |`, columns padded to equal width, labels left-aligned and numbers
 * right-aligned (`|:---|---:|` alignment row), optionally under a `###` heading. Ends with a
 * newline. `|` inside labels is escaped.
 *
 * @example
 * ```ts
 * import { renderMarkdownTable } from "./markdown_table.ts";
 * const text = renderMarkdownTable([{
 *   framework: "bedrock", model: "claude-instant-v1", median: 1.21, mean: 1.29, min: 1.12,
 *   max: 2.19, p25: 1.17, p75: 1.27, p95: 1.89, p99: 2.17,
 * }], { title: "Time to First Token (seconds)", digits: 2 });
 * if (!text.startsWith("### Time to First Token (seconds)\n\n| Framework |")) throw new Error(text);
 * if (!text.includes("| bedrock   | claude-instant-v1 |   1.21 |")) throw new Error(text);
 * ```
 */
export function renderMarkdownTable(
  rows: readonly TableRow[],
  options: RenderMarkdownTableOptions = {},
): string {
  const { title, digits, missing = "n/a" } = options;
  if (digits !== undefined && (!Number.isInteger(digits) || digits < 0 || digits > 100)) {
    throw new RangeError(
      `Cannot render table: 'digits' must be an integer from 0 to 100, got ${digits}`,
    );
  }
  const fmt = (x: number | null) =>
    x === null ? missing : digits === undefined ? String(x) : x.toFixed(digits);
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const body = rows.map((r) => [
    esc(r.framework),
    esc(r.model),
    ...TABLE_COLUMNS.map((c) => fmt(r[c])),
  ]);
  const header: string[] = [...TABLE_HEADINGS];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join(" | ")} |`;
  const align = `|${
    widths.map((w, i) => i < 2 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`).join("|")
  }|`;
  const table = [line(header), align, ...body.map(line)].join("\n") + "\n";
  return title === undefined ? table : `### ${title}\n\n${table}`;
}

/** A table found in a markdown document. */
export interface MarkdownTable {
  /** Text of the nearest heading above the table (without `#`), or `null`. */
  title: string | null;
  /** Header cells, trimmed. */
  header: string[];
  /** Body rows, cells trimmed (`\|` unescaped). */
  rows: string[][];
  /** 1-based line number of the header row. */
  line: number;
}

/**
 * Every pipe table in a markdown document, with the heading it sits under: a `|` row followed by
 * an alignment row (`|---|:--:|`), then rows until the first line without a `|`. Cell padding, outer
 * pipes and alignment colons are all optional.
 *
 * @example
 * ```ts
 * import { parseMarkdownTables } from "./markdown_table.ts";
 * const [table] = parseMarkdownTables(
 *   "## TTFT\n\n| Framework | Model | Median |\n|---|---|---|\n| a |  b  |   0.3 |\n",
 * );
 * if (table.title !== "TTFT" || table.rows[0][2] !== "0.3") throw new Error(JSON.stringify(table));
 * ```
 */
export function parseMarkdownTables(text: string): MarkdownTable[] {
  const lines = text.split(/\r?\n/);
  const tables: MarkdownTable[] = [];
  let title: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (heading) {
      title = heading[1];
      continue;
    }
    if (!l.includes("|") || i + 1 >= lines.length || !_isAlignmentRow(lines[i + 1])) continue;
    const header = _cells(l);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && _isBodyRow(lines[j]); j++) {
      rows.push(_cells(lines[j].trim()));
    }
    tables.push({ title, header, rows, line: i + 1 });
    i = j - 1;
  }
  return tables;
}

function _isBodyRow(line: string): boolean {
  const l = line.trim();
  return l.includes("|") && !l.startsWith("#");
}

function _isAlignmentRow(line: string): boolean {
  const cells = _cells(line.trim());
  return cells.length > 0 && cells.every((c) => /^:?-+:?$/.test(c));
}

function _cells(line: string): string[] {
  let s = line;
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll("\\|", "|"));
}
