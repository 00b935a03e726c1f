import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { compareTables, renderComparison, tableKind } from "../../lib/report/compare_tables.ts";
import { parseMarkdownTables } from "../../lib/report/markdown_table.ts";
import type { TableRow } from "../../lib/core/table_row.ts";

const PUBLISHED = `
## Time to First Token (seconds)

| Framework | Model | Median | Mean | Min | Max | P25 | P75 | P95 | P99 |
|---|---|---|---|---|---|---|---|---|---|
| groq | llama2-70b-4096 | 0.22 | 0.23 | 0.17 | 0.36 | 0.19 | 0.24 | 0.3 | 0.35 |
| lepton | llama2-70b | 0.93 | 0.90 | 0.72 | 1.12 | 0.82 | 0.96 | 1.01 | 1.1 |
`;

const GROQ: TableRow = {
  framework: "groq",
  model: "llama2-70b-4096",
  median: 0.22,
  mean: 0.23,
  min: 0.17,
  max: 0.36,
  p25: 0.19,
  p75: 0.24,
  p95: 0.3,
  p99: 0.35,
};

Deno.test("compareTables() matches 0.3 with 0.30, reports each cell, and counts a missing row as mismatches", () => {
  const [table] = parseMarkdownTables(PUBLISHED);
  const result = compareTables(table, [
    { ...GROQ, framework: " GROQ ", p99: 0.36 },
    { ...GROQ, framework: "anyscale" },
  ]);
  assertEquals(result.kind, "ttft");
  assertEquals(result.total, 16);
  assertEquals(result.matched, 7);
  const p99 = result.cells.find((c) => c.framework === "groq" && c.column === "p99")!;
  assertEquals(p99, {
    framework: "groq",
    model: "llama2-70b-4096",
    column: "p99",
    published: "0.35",
    publishedValue: 0.35,
    recomputed: 0.36,
    match: false,
  });
  assertEquals(result.missingRows, ["lepton / llama2-70b"]);
  assertEquals(result.extraRows, ["anyscale / llama2-70b-4096"]);
});

Deno.test("compareTables() needs every statistic column, and names a missing one", () => {
  const [table] = parseMarkdownTables(
    "| Framework | Model | Median |\n|--|--|--|\n| a | b | 1 |\n",
  );
  throws(() => compareTables(table, []), /no 'Mean' column/);
});

Deno.test("tableKind() tells the TTFT table from the throughput table by its heading", () => {
  assertEquals(tableKind("Time to First Token (seconds) — 70B Models"), "ttft");
  assertEquals(tableKind("TTFT"), "ttft");
  assertEquals(tableKind("Output Tokens Throughput (tokens/s)"), "throughput");
  assertEquals(tableKind("Run Configurations"), null);
  assertEquals(tableKind(null), null);
});

Deno.test("renderComparison() prints match/mismatch per cell, N/M per table and overall, then the recipe", () => {
  const [table] = parseMarkdownTables(PUBLISHED);
  const c = compareTables(table, [{ ...GROQ, p99: 0.36 }]);
  const text = renderComparison([c, c], { recipe: "ttft-digits=2" });
  const lines = text.trimEnd().split("\n");
  assert(
    lines.some((l) =>
      /^ {2}mismatch {2}groq \/ llama2-70b-4096 {2}P99 {5}published {3}0\.35 {2}recomputed 0\.36$/
        .test(l)
    ),
    text,
  );
  assert(lines.some((l) => l.startsWith("  match     groq / llama2-70b-4096  P95")), text);
  assert(lines.includes("  no recomputed row for lepton / llama2-70b"));
  assertEquals(lines.filter((l) => l === "  7/16 cells match").length, 2);
  assertEquals(lines.slice(-2), ["14/32 cells match", "recipe: ttft-digits=2"]);
  const quiet = renderComparison([c], { showMatches: false });
  assert(!quiet.includes("  match "));
});
