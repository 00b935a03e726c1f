import { assertEquals, assertRejects } from "../_assert.ts";
import { comparePublished } from "../../lib/report/compare_published.ts";
import { readResults } from "../../lib/report/read_results.ts";
import { reproduceTables } from "../../lib/report/reproduce_tables.ts";
import type { TableRow } from "../../lib/core/table_row.ts";

const RAW_DATA = new URL("../../raw_data/", import.meta.url).pathname;

function row(framework: string, median: number): TableRow {
  return {
    framework,
    model: "m",
    median,
    mean: 1,
    min: 1,
    max: 1,
    p25: 1,
    p75: 1,
    p95: 1,
    p99: 1,
  };
}

const HEADER =
  "| Framework | Model | Median | Mean | Min | Max | P25 | P75 | P95 | P99 |\n|---|---|---|---|---|---|---|---|---|---|";

Deno.test("comparePublished() compares each table with the rows of its kind, in document order", () => {
  const markdown = [
    "## Output Tokens Throughput",
    HEADER,
    "| a | m | 50 | 1 | 1 | 1 | 1 | 1 | 1 | 1 |",
    "",
    "## Some other table",
    HEADER,
    "| a | m | 9 | 9 | 9 | 9 | 9 | 9 | 9 | 9 |",
    "",
    "## TTFT",
    HEADER,
    "| a | m | 0.5 | 1 | 1 | 1 | 1 | 1 | 1 | 1 |",
  ].join("\n");
  const result = comparePublished(markdown, { ttft: [row("a", 0.5)], throughput: [row("a", 51)] });
  assertEquals(result.map((c) => [c.kind, c.matched, c.total]), [
    ["throughput", 7, 8],
    ["ttft", 8, 8],
  ]);
  assertEquals(comparePublished("no tables here", { ttft: [], throughput: [] }), []);
});

Deno.test("comparePublished() reproduces the seed card 16/16 from its raw data", async () => {
  const { runs, errors } = await readResults([`${RAW_DATA}seed`]);
  assertEquals(errors, []);
  const tables = reproduceTables(runs, {
    recipe: {
      throughput: "stored",
      truncate: true,
      framework: "bedrock",
      model: "claude-instant-v1",
    },
  });
  const card = await Deno.readTextFile(`${RAW_DATA}seed/published_tables.md`);
  const result = comparePublished(card, tables);
  assertEquals(result.map((c) => [c.kind, c.matched, c.total]), [["ttft", 8, 8], [
    "throughput",
    8,
    8,
  ]]);
  const rounded = comparePublished(
    card,
    reproduceTables(runs, {
      recipe: { throughput: "stored", framework: "bedrock", model: "claude-instant-v1" },
    }),
  );
  assertEquals(rounded.reduce((n, c) => n + c.matched, 0), 8, "rounding instead of truncating");
});

Deno.test("comparePublished() rejects markdown that is not a string", async () => {
  await assertRejects(
    () => comparePublished(42 as unknown as string, { ttft: [], throughput: [] }),
    TypeError,
    "'markdown' must be a string",
  );
});
