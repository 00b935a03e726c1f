import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseMarkdownTables, renderMarkdownTable } from "../../lib/report/markdown_table.ts";
import type { TableRow } from "../../lib/core/table_row.ts";

const SEED_CARD = new URL("../../raw_data/seed/published_tables.md", import.meta.url);
const PUBLISHED_70B = new URL(
  "../../raw_data/llmperf-leaderboard/published_70b.md",
  import.meta.url,
);

const ROW: TableRow = {
  framework: "bedrock",
  model: "claude-instant-v1",
  median: 1.21,
  mean: 1.29,
  min: 1.12,
  max: 2.19,
  p25: 1.17,
  p75: 1.27,
  p95: 1.89,
  p99: 2.17,
};

Deno.test("renderMarkdownTable() writes the seed card's columns, padded, with a heading", () => {
  const text = renderMarkdownTable([ROW, {
    ...ROW,
    framework: "groq",
    model: "llama2-70b-4096",
    p99: 0.3,
  }], {
    title: "Time to First Token (seconds)",
    digits: 2,
  });
  const lines = text.split("\n");
  assertEquals(lines[0], "### Time to First Token (seconds)");
  assertEquals(lines[1], "");
  assertEquals(
    lines[2],
    "| Framework | Model             | Median | Mean |  Min |  Max |  P25 |  P75 |  P95 |  P99 |",
  );
  assertEquals(
    lines[3],
    "|:----------|:------------------|-------:|-----:|-----:|-----:|-----:|-----:|-----:|-----:|",
  );
  assertEquals(
    lines[5],
    "| groq      | llama2-70b-4096   |   1.21 | 1.29 | 1.12 | 2.19 | 1.17 | 1.27 | 1.89 | 0.30 |",
  );
  assertEquals(lines.at(-1), "");
  // every row has the same width
  assertEquals(new Set(lines.slice(2, 6).map((l) => l.length)).size, 1);
});

Deno.test("renderMarkdownTable() prints shortest numbers without digits, n/a for nulls, and escapes pipes", () => {
  const text = renderMarkdownTable([{ ...ROW, model: "a|b", p99: 0.3, max: null }]);
  assert(!text.startsWith("#"));
  const cells = text.split("\n")[2].split(/(?<!\\)\|/).map((c) => c.trim());
  assertEquals(cells.slice(1, -1), [
    "bedrock",
    "a\\|b",
    "1.21",
    "1.29",
    "1.12",
    "n/a",
    "1.17",
    "1.27",
    "1.89",
    "0.3",
  ]);
});

Deno.test("renderMarkdownTable() output parses back to the same cells", () => {
  const [table] = parseMarkdownTables(
    renderMarkdownTable([{ ...ROW, model: "x|y" }], { title: "T", digits: 2 }),
  );
  assertEquals(table.title, "T");
  assertEquals(table.header, [
    "Framework",
    "Model",
    "Median",
    "Mean",
    "Min",
    "Max",
    "P25",
    "P75",
    "P95",
    "P99",
  ]);
  assertEquals(table.rows, [[
    "bedrock",
    "x|y",
    "1.21",
    "1.29",
    "1.12",
    "2.19",
    "1.17",
    "1.27",
    "1.89",
    "2.17",
  ]]);
});

Deno.test("parseMarkdownTables() reads both tables of the seed card despite their uneven padding", () => {
  const tables = parseMarkdownTables(Deno.readTextFileSync(SEED_CARD));
  assertEquals(tables.map((t) => t.title), [
    "Time to First Token (seconds)",
    "Output Tokens Throughput (tokens/s)",
  ]);
  assertEquals(tables[0].rows, [[
    "bedrock",
    "claude-instant-v1",
    "1.21",
    "1.29",
    "1.12",
    "2.19",
    "1.17",
    "1.27",
    "1.89",
    "2.17",
  ]]);
  assertEquals(tables[1].rows[0].slice(0, 3), ["bedrock", "claude-instant-v1", "65.64"]);
});

Deno.test("parseMarkdownTables() reads the published 70B tables: 8 rows each, any padding or number format", () => {
  const tables = parseMarkdownTables(Deno.readTextFileSync(PUBLISHED_70B));
  assertEquals(tables.length, 2);
  assertEquals(tables.map((t) => t.rows.length), [8, 8]);
  assert(tables[0].title!.startsWith("Output Tokens Throughput"));
  assert(tables[1].title!.startsWith("Time to First Token"));
  const perplexity = tables[1].rows.find((r) => r[0] === "perplexity")!;
  assertEquals(perplexity, [
    "perplexity",
    "llama-2-70b-chat",
    "0.37",
    "0.42",
    "0.29",
    "0.70",
    "0.34",
    "0.52",
    "0.63",
    "0.66",
  ]);
  const groq = tables[1].rows.find((r) => r[0] === "groq")!;
  assertEquals(groq[8], "0.3");
});

Deno.test("parseMarkdownTables() ignores pipes outside tables and tables without an alignment row", () => {
  const text = "# Title\n\na | b in prose\n\n| x | y |\n| 1 | 2 |\n\n## Real\nA|B\n--|--\n1|2\n";
  const tables = parseMarkdownTables(text);
  assertEquals(tables.length, 1);
  assertEquals(tables[0], { title: "Real", header: ["A", "B"], rows: [["1", "2"]], line: 9 });
});
