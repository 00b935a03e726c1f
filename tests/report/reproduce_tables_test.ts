import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { main } from "../../scripts/reproduce_tables.ts";
import {
  describeRecipe,
  parseRowRecipe,
  recipeForRun,
  reproduceTables,
  runLabels,
} from "../../lib/report/reproduce_tables.ts";
import type { LlmperfRun } from "../../lib/report/load_llmperf.ts";
import { TABLE_COLUMNS } from "../../lib/core/table_row.ts";

const REF = new URL("../../raw_data/", import.meta.url).pathname;
const SEED_DATA = `${REF}seed`;
const SEED_CARD = new URL("../../raw_data/seed/published_tables.md", import.meta.url).pathname;
const LEADERBOARD = `${REF}llmperf-leaderboard`;
const PUBLISHED_70B = `${REF}llmperf-leaderboard/published_70b.md`;
const FRAMEWORKS = [
  "anyscale",
  "bedrock",
  "fireworks",
  "groq",
  "lepton",
  "perplexity",
  "replicate",
  "together",
];
const INDIVIDUAL_70B = FRAMEWORKS.map((f) => `${LEADERBOARD}/individual/${f}_70b.json`);
const RECIPE_70B = [
  "--throughput",
  "tokens-per-e2e",
  "--throughput-digits",
  "0",
  "--ttft-digits",
  "2",
  "--row-recipe",
  "groq:throughput=stored",
  "--row-recipe=bedrock:include-error-codes=-100",
  "--row-recipe",
  "replicate:model=meta/llama-2-70b-chat",
];

async function run(args: string[]) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** `N/M cells match` lines of a comparison, per table then overall. */
function counts(out: string): string[] {
  return out.split("\n").filter((l) => /cells match$/.test(l)).map((l) => l.trim());
}

function mismatches(out: string): string[] {
  return out.split("\n").filter((l) => l.startsWith("  mismatch")).map((l) =>
    l.replace(/\s+/g, " ").trim()
  );
}

Deno.test("the seed card's row is reproduced 16/16 with stored throughput, truncation and 2 digits", async () => {
  const { code, stdout, stderr } = await run([
    SEED_DATA,
    "--throughput",
    "stored",
    "--truncate",
    "--ttft-digits",
    "2",
    "--throughput-digits",
    "2",
    "--framework",
    "bedrock",
    "--model",
    "claude-instant-v1",
    "--compare",
    SEED_CARD,
  ]);
  assertEquals([code, stderr], [0, ""]);
  assertEquals(counts(stdout), ["8/8 cells match", "8/8 cells match", "16/16 cells match"]);
  assert(
    /^recipe: throughput=stored include-error-codes=none ttft-digits=2 throughput-digits=2 truncate/m
      .test(stdout),
    stdout,
  );
});

Deno.test("rounding instead of truncating reproduces only 8/16 seed cells", async () => {
  const { stdout } = await run([
    SEED_DATA,
    "--framework",
    "bedrock",
    "--model",
    "claude-instant-v1",
    "--compare",
    SEED_CARD,
  ]);
  assertEquals(counts(stdout), ["4/8 cells match", "4/8 cells match", "8/16 cells match"]);
});

Deno.test("the 70B leaderboard tables are reproduced 62/64 (throughput) and 61/64 (TTFT) with the per-row recipe", async () => {
  const { code, stdout, stderr } = await run([
    ...INDIVIDUAL_70B,
    ...RECIPE_70B,
    "--compare",
    PUBLISHED_70B,
  ]);
  assertEquals([code, stderr], [0, ""]);
  // published order: throughput table first, then TTFT
  assertEquals(counts(stdout), ["62/64 cells match", "61/64 cells match", "123/128 cells match"]);
  assertEquals(mismatches(stdout), [
    "mismatch anyscale / meta-llama/Llama-2-70b-chat-hf P99 published 82 recomputed 81",
    "mismatch groq / llama2-70b-4096 P99 published 208 recomputed 207",
    "mismatch fireworks / accounts/fireworks/models/llama-v2-70b-chat Median published 0.51 recomputed 0.52",
    "mismatch perplexity / llama-2-70b-chat Max published 0.70 recomputed 0.69",
    "mismatch together / together_ai/togethercomputer/llama-2-70b-chat Median published 0.63 recomputed 0.64",
  ]);
  assert(
    stdout.includes("rows groq: throughput=stored; bedrock: include-error-codes=-100"),
    stdout,
  );
});

Deno.test("the whole leaderboard folder gives the same 70B counts, the other sizes listed as extra rows", async () => {
  const { code, stdout } = await run([
    LEADERBOARD,
    ...RECIPE_70B.slice(0, 6),
    "--row-recipe",
    "groq_70b:throughput=stored",
    "--row-recipe=bedrock_70b:include-error-codes=-100",
    "--row-recipe",
    "replicate_70b:model=meta/llama-2-70b-chat",
    "--compare",
    PUBLISHED_70B,
  ]);
  assertEquals(code, 0);
  assertEquals(counts(stdout), ["62/64 cells match", "61/64 cells match", "123/128 cells match"]);
  assertEquals(
    stdout.split("\n").filter((l) => l.startsWith("  not in the published table")).length,
    2 * 11,
  );
});

Deno.test("without the per-row overrides fewer 70B cells match (groq stored, bedrock -100 rows)", async () => {
  const { stdout } = await run([
    ...INDIVIDUAL_70B,
    ...RECIPE_70B.slice(0, 6),
    "--row-recipe",
    "replicate:model=meta/llama-2-70b-chat",
    "--compare",
    PUBLISHED_70B,
  ]);
  const [throughput, ttft] = counts(stdout);
  assertEquals(ttft, "61/64 cells match");
  assertEquals(throughput, "52/64 cells match"); // 10 fewer than with the overrides
});

Deno.test("--format json prints exactly {ttft: [ROW], throughput: [ROW]} with rounded numbers", async () => {
  const { code, stdout } = await run([...INDIVIDUAL_70B, ...RECIPE_70B, "--format", "json"]);
  assertEquals(code, 0);
  const data = JSON.parse(stdout);
  assertEquals(Object.keys(data), ["ttft", "throughput"]);
  assertEquals(data.ttft.length, 8);
  for (const row of [...data.ttft, ...data.throughput]) {
    assertEquals(Object.keys(row), ["framework", "model", ...TABLE_COLUMNS]);
  }
  const groq = data.throughput.find((r: { framework: string }) => r.framework === "groq");
  assertEquals([groq.model, groq.median, groq.p99], ["llama2-70b-4096", 185, 207]);
  for (const r of data.ttft) {
    for (const c of TABLE_COLUMNS) assertEquals(Math.round(r[c] * 100) / 100, r[c]);
  }
});

Deno.test("--format csv and the default markdown print both tables", async () => {
  const csv = await run([`${LEADERBOARD}/individual/groq_70b.json`, "--format", "csv"]);
  const lines = csv.stdout.trimEnd().split("\n");
  assertEquals(lines[0], "table,framework,model,median,mean,min,max,p25,p75,p95,p99");
  assertEquals(lines.length, 3);
  assert(lines[1].startsWith("ttft,groq,llama2-70b-4096,0.22,"), lines[1]);
  assert(lines[2].startsWith("throughput,groq,llama2-70b-4096,185.05,"), lines[2]);
  const md = await run([`${LEADERBOARD}/individual/groq_70b.json`, "--ttft-digits", "3"]);
  assert(
    md.stdout.startsWith("### Time to First Token (seconds)\n\n| Framework | Model "),
    md.stdout,
  );
  assert(md.stdout.includes("### Output Tokens Throughput (tokens/s)"));
  assert(/\| groq {6}\| llama2-70b-4096 \| +0\.22\d \|/.test(md.stdout), md.stdout);
});

Deno.test("--include-error-codes keeps those rows in the throughput statistics only", async () => {
  const path = `${LEADERBOARD}/individual/bedrock_70b.json`;
  const base = ["--throughput", "tokens-per-e2e", "--format", "json"];
  const without = JSON.parse((await run([path, ...base])).stdout);
  const withCodes = JSON.parse((await run([path, ...base, "--include-error-codes=-100"])).stdout);
  assertEquals(withCodes.ttft, without.ttft);
  assert(withCodes.throughput[0].min < without.throughput[0].min);
});

Deno.test("--help lists every flag with its default", async () => {
  const { code, stdout } = await run(["--help"]);
  assertEquals(code, 0);
  for (
    const flag of [
      "--throughput",
      "--include-error-codes",
      "--ttft-digits",
      "--throughput-digits",
      "--truncate",
      "--framework",
      "--model",
      "--row-recipe",
      "--format",
      "--compare",
      "--help",
    ]
  ) {
    assert(stdout.includes(flag), flag);
  }
  assertEquals(stdout.match(/\[default: /g)?.length, 10);
});

Deno.test("bad input gives one line on stderr, exit code 2 and no output", async () => {
  const groq = `${LEADERBOARD}/individual/groq_70b.json`;
  const cases: [string[], RegExp][] = [
    [[groq, "--bogus"], /'--bogus'/],
    [
      [groq, "--throughput", "tokens"],
      /--throughput must be one of stored, tokens-per-e2e, got 'tokens'/,
    ],
    [[groq, "--ttft-digits", "two"], /--ttft-digits must be an integer from 0 to 15, got 'two'/],
    [[groq, "--throughput-digits", "16"], /--throughput-digits/],
    [[groq, "--format", "xml"], /--format must be one of markdown, csv, json, got 'xml'/],
    [[groq, "--include-error-codes", "abc"], /--include-error-codes/],
    [[groq, "--include-error-codes", "-100"], /--include-error-codes/],
    [[groq, "--row-recipe", "groq"], /--row-recipe/],
    [[groq, "--row-recipe", "groq:speed=fast"], /unknown key 'speed'/],
    [[`${REF}does-not-exist`], /cannot read PATH '.*does-not-exist'/],
    [[], /give at least one PATH/],
    [[groq, "--compare", `${REF}nope.md`], /--compare: cannot read/],
    [[groq, "--compare", groq], /--compare: no 'Time to First Token' or 'Throughput' table/],
    [[`${REF}llmperf-leaderboard/summary`], /no run with individual responses/],
  ];
  for (const [args, pattern] of cases) {
    const { code, stdout, stderr } = await run(args);
    assertEquals(code, 2, args.join(" "));
    assertEquals(stdout, "", args.join(" "));
    const lines = stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, stderr);
    assert(lines[0].startsWith("reproduce_tables: ") && pattern.test(lines[0]), stderr);
  }
});

Deno.test("the script run as a process exits 2 with one stderr line and no stack trace", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      new URL("../../scripts/reproduce_tables.ts", import.meta.url).pathname,
      "--format",
      "xml",
      SEED_DATA,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2);
  assertEquals(out.stdout.length, 0);
  assertEquals(
    stderr,
    "reproduce_tables: --format must be one of markdown, csv, json, got 'xml'\n",
  );
});

Deno.test("malformed files are skipped with a line naming file and record, the rest still make tables, exit 1", async () => {
  const malformed = new URL("../testdata/llmperf/malformed/", import.meta.url).pathname;
  const { code, stdout, stderr } = await run([
    malformed,
    `${LEADERBOARD}/individual/groq_70b.json`,
  ]);
  assertEquals(code, 1);
  assert(stdout.includes("| groq "), stdout);
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 5);
  assert(
    lines.some((l) =>
      l ===
        `skipped ${malformed}missing_ttft_individual_responses.json: record 2: missing field 'ttft_s'`
    ),
    stderr,
  );
});

Deno.test("a tokenbench JSONL run is labelled from its header line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rec = (i: number) => ({
      requestId: i,
      phase: "measure",
      status: "ok",
      inputTokens: 10,
      outputTokens: 20,
      e2eMs: 1000,
      ttftMs: 100 * (i + 1),
      llmperfInterTokenLatencyS: 0.05,
      errorCode: null,
      errorMessage: null,
    });
    const text = [{ framework: "sim", model: "sim-1" }, rec(0), rec(1), rec(2)].map((x) =>
      JSON.stringify(x)
    ).join("\n");
    await Deno.writeTextFile(`${dir}/requests.jsonl`, text);
    const { code, stdout } = await run([dir, "--format", "json", "--throughput", "tokens-per-e2e"]);
    assertEquals(code, 0);
    const data = JSON.parse(stdout);
    assertEquals(data.ttft[0], {
      framework: "sim",
      model: "sim-1",
      median: 0.2,
      mean: 0.2,
      min: 0.1,
      max: 0.3,
      p25: 0.15,
      p75: 0.25,
      p95: 0.29,
      p99: 0.3,
    });
    assertEquals(data.throughput[0].median, 20);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function fakeRun(over: Partial<LlmperfRun>): LlmperfRun {
  return {
    name: "x",
    individualPath: null,
    summaryPath: null,
    individual: [],
    summary: null,
    metadata: {},
    source: "llmperf",
    ...over,
  };
}

Deno.test("runLabels() takes labels from the summary, else the JSONL header, else the file name", () => {
  assertEquals(
    runLabels(
      fakeRun({ name: "groq_70b", summary: { framework: "groq", model: "llama2-70b-4096" } }),
    ),
    { framework: "groq", model: "llama2-70b-4096" },
  );
  assertEquals(runLabels(fakeRun({ name: "r", metadata: { framework: "sim", model: "m" } })), {
    framework: "sim",
    model: "m",
  });
  assertEquals(runLabels(fakeRun({ name: "groq_70b" })), { framework: "groq", model: "70b" });
  assertEquals(
    runLabels(fakeRun({ name: "bedrock-anthropic-claude-instant-v1_1024_0_1024_100" })),
    {
      framework: "bedrock-anthropic-claude-instant-v1",
      model: "bedrock-anthropic-claude-instant-v1",
    },
  );
  assertEquals(runLabels(fakeRun({ name: "plain" })), { framework: "plain", model: "plain" });
  // tokenbench runs: --metadata framework=…, else the API as tokenbench's own tables label it
  assertEquals(
    runLabels(
      fakeRun({
        name: "requests",
        metadata: {
          llmApi: "openai",
          simulated: true,
          model: "m",
          userMetadata: { framework: "vllm" },
        },
      }),
    ),
    { framework: "vllm", model: "m" },
  );
  assertEquals(
    runLabels(
      fakeRun({
        name: "requests",
        metadata: { llmApi: "openai", simulated: true, model: "m", userMetadata: {} },
      }),
    ),
    { framework: "openai (simulated)", model: "m" },
  );
  assertEquals(
    runLabels(
      fakeRun({ name: "m_1_2", summary: { model: "m", llm_api: "bedrock", simulated: false } }),
    ),
    { framework: "bedrock", model: "m" },
  );
});

Deno.test("recipeForRun() applies row recipes by run name or framework, in order", () => {
  const run = fakeRun({ name: "bedrock_70b", summary: { framework: "bedrock" } });
  const rows = [
    parseRowRecipe("bedrock:include-error-codes=-100,429"),
    parseRowRecipe("BEDROCK_70B:ttft-digits=3"),
    parseRowRecipe("groq:throughput=stored"),
  ];
  const r = recipeForRun(run, { recipe: { throughput: "tokens-per-e2e" }, rowRecipes: rows });
  assertEquals([
    r.throughput,
    [...r.includeErrorCodes],
    r.ttftDigits,
    r.throughputDigits,
    r.truncate,
  ], ["tokens-per-e2e", [-100, 429], 3, 2, false]);
  throws(() => recipeForRun(run, { recipe: { ttftDigits: 99 } }), RangeError);
  assert(
    describeRecipe({ rowRecipes: rows }).includes(
      "; rows bedrock: include-error-codes=-100,429; BEDROCK_70B: ttft-digits=3",
    ),
  );
});

Deno.test("reproduceTables() skips runs that have only a summary, saying why", () => {
  const t = reproduceTables([fakeRun({ name: "s", individual: null, summary: {} })]);
  assertEquals(t, {
    ttft: [],
    throughput: [],
    skipped: [{ name: "s", reason: "no individual responses (summary only)" }],
  });
});
