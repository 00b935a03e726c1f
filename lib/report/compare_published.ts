/**
 * Compare recomputed tables with every TTFT and throughput table of a published markdown
 * document in one call.
 *
 * @module
 */
import { parseMarkdownTables } from "./markdown_table.ts";
import { compareTables, type TableComparison, tableKind } from "./compare_tables.ts";
import type { ReproducedTables } from "./reproduce_tables.ts";

/**
 * Finds every pipe table of `markdown` whose heading names "Time to First Token"/"TTFT" or
 * "Throughput" ({@link tableKind}) and compares it cell by cell ({@link compareTables}) with the
 * recomputed rows of the same kind. One comparison per published table, in document order;
 * empty when the document has no such table. Sum `matched` and `total` for the overall count.
 *
 * @example A published TTFT table against a recomputed row
 * ```ts
 * import { comparePublished } from "./compare_published.ts";
 * const published = [
 *   "### Time to First Token (seconds)", "",
 *   "| Framework | Model | Median | Mean | Min | Max | P25 | P75 | P95 | P99 |",
 *   "|---|---|---|---|---|---|---|---|---|---|",
 *   "| bedrock | claude-instant-v1 | 1.21 | 1.29 | 1.12 | 2.19 | 1.17 | 1.27 | 1.89 | 2.17 |",
 * ].join("\n");
 * const row = { framework: "bedrock", model: "claude-instant-v1", median: 1.21, mean: 1.29,
 *   min: 1.12, max: 2.19, p25: 1.17, p75: 1.27, p95: 1.89, p99: 2.18 };
 * const [ttft] = comparePublished(published, { ttft: [row], throughput: [] });
 * if (ttft.kind !== "ttft" || ttft.matched !== 7 || ttft.total !== 8) throw new Error("7/8");
 * ```
 */
export function comparePublished(
  markdown: string,
  tables: Pick<ReproducedTables, "ttft" | "throughput">,
): TableComparison[] {
  if (typeof markdown !== "string") {
    throw new TypeError(
      `Cannot compare with published tables: 'markdown' must be a string, got ${markdown}`,
    );
  }
  const comparisons: TableComparison[] = [];
  for (const table of parseMarkdownTables(markdown)) {
    const kind = tableKind(table.title);
    if (kind === null) continue;
    comparisons.push(compareTables(table, kind === "ttft" ? tables.ttft : tables.throughput));
  }
  return comparisons;
}
