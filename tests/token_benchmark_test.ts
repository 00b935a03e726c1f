import { assert, assertAlmostEquals, assertEquals } from "./_assert.ts";
import { startSimulator } from "../lib/simulator.ts";
import { LLMPERF_INDIVIDUAL_FIELDS } from "../lib/llmperf_individual.ts";
import { llmperfSummary } from "../lib/llmperf_summary.ts";
import type { RequestRecord } from "../lib/request_record.ts";

const SCRIPT = new URL("../scripts/token_benchmark.ts", import.meta.url).pathname;
const DEMO = new URL("../scripts/demo.ts", import.meta.url).pathname;
const PERMS = [
  "--allow-net=127.0.0.1,localhost",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
];

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, script, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      names.push(e.name);
      if (e.isDirectory) {
        names.push(...(await listFiles(`${dir}/${e.name}`)).map((n) => `${e.name}/${n}`));
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

Deno.test("token_benchmark: bad input gives one line on stderr, exit code 2 and no files", async () => {
  const sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const closed = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    return `http://127.0.0.1:${port}/v1`;
  })();
  const tmp = await Deno.makeTempDir();
  const corpusEmpty = `${tmp}/empty.txt`;
  await Deno.writeTextFile(corpusEmpty, "\n\n");
  const ok = ["--model", "m", "--base-url", `${sim.url}/v1`, "--results-dir", `${tmp}/out`];
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    ["unknown flag", [...ok, "--bogus"], /bogus/],
    ["missing model", ["--base-url", `${sim.url}/v1`, "--results-dir", `${tmp}/out`], /--model/],
    [
      "non-numeric count",
      [...ok, "--max-num-completed-requests", "ten"],
      /--max-num-completed-requests.*'ten'/,
    ],
    ["negative count", [...ok, "--num-concurrent-requests", "-3"], /--num-concurrent-requests/],
    ["zero concurrency", [...ok, "--num-concurrent-requests", "0"], /--num-concurrent-requests/],
    ["fractional tokens", [...ok, "--mean-input-tokens", "1.5"], /--mean-input-tokens/],
    [
      "bad JSON",
      [...ok, "--additional-sampling-params", "{temperature: 0}"],
      /--additional-sampling-params.*JSON/,
    ],
    [
      "JSON not an object",
      [...ok, "--additional-sampling-params", "[1]"],
      /--additional-sampling-params/,
    ],
    ["bad metadata", [...ok, "--metadata", "novalue"], /--metadata/],
    ["bad llm api", [...ok, "--llm-api", "nope"], /--llm-api/],
    ["bad tokenizer", [...ok, "--tokenizer", "gpt5"], /--tokenizer/],
    ["bad rate", [...ok, "--rate", "0"], /--rate/],
    ["missing corpus", [...ok, "--corpus", `${tmp}/nope.txt`], /--corpus/],
    ["empty corpus", [...ok, "--corpus", corpusEmpty], /corpus|line/i],
    ["no endpoint", ["--model", "m", "--results-dir", `${tmp}/out`], /OPENAI_API_BASE/],
    [
      "bad URL",
      ["--model", "m", "--base-url", "ftp://x", "--results-dir", `${tmp}/out`],
      /--base-url/,
    ],
    [
      "unreachable endpoint",
      ["--model", "m", "--base-url", closed, "--results-dir", `${tmp}/out`],
      /cannot reach/,
    ],
    [
      "missing API key for a real endpoint",
      [
        "--model",
        "m",
        "--base-url",
        "https://api.example.invalid/v1",
        "--results-dir",
        `${tmp}/out`,
      ],
      /OPENAI_API_KEY/,
    ],
    ["bedrock without region", [...ok, "--llm-api", "bedrock"], /region/, { AWS_REGION: "" }],
    ["bad bedrock api", [
      ...ok,
      "--llm-api",
      "bedrock",
      "--region",
      "us-east-1",
      "--bedrock-api",
      "x",
    ], /--bedrock-api/],
  ];
  try {
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const results = await Promise.all(batch.map(([, args, , env]) => run(SCRIPT, args, env)));
      results.forEach((r, j) => {
        const [name, , pattern] = batch[j];
        const lines = r.stderr.trim().split("\n");
        assertEquals(r.code, 2, `${name}: exit code (stderr: ${r.stderr})`);
        assertEquals(lines.length, 1, `${name}: one line, got ${JSON.stringify(r.stderr)}`);
        assert(pattern.test(lines[0]), `${name}: ${lines[0]} should match ${pattern}`);
        assert(!/\n\s+at /.test(r.stderr), `${name}: no stack trace`);
      });
    }
    assertEquals(await listFiles(`${tmp}/out`), [], "nothing written");
    assertEquals(sim.log().length, 0, "no request sent");
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("token_benchmark: a run against the simulator writes LLMPerf's files, JSONL, CSV and tables", async () => {
  const sim = await startSimulator({
    ttftMs: 30,
    itlMs: 2,
    errorRate: 0.2,
    seed: 3,
    tokenizer: "llama2",
  });
  const tmp = await Deno.makeTempDir();
  try {
    const r = await run(SCRIPT, [
      "--model",
      "acme/sim-1:beta",
      "--base-url",
      `${sim.url}/v1`,
      "--mean-input-tokens",
      "200",
      "--stddev-input-tokens",
      "20",
      "--mean-output-tokens",
      "40",
      "--stddev-output-tokens",
      "5",
      "--num-concurrent-requests",
      "3",
      "--max-num-completed-requests",
      "20",
      "--warmup",
      "2",
      "--tokenizer",
      "llama2",
      "--metadata",
      "team=perf,purpose=test",
      "--results-dir",
      tmp,
    ]);
    assertEquals(r.code, 0, r.stderr);
    const [runDir] = await listFiles(tmp);
    const dir = `${tmp}/${runDir}`;
    const files = await listFiles(dir);
    const stem = "acme-sim-1-beta_200_40";
    assertEquals(files, [
      `${stem}_individual_responses.json`,
      `${stem}_summary.json`,
      "requests.csv",
      "requests.jsonl",
      "summary.json",
      "tables.md",
    ]);
    // JSONL: a header line, then one record per request, warm-up included and flagged.
    const lines = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const [header, ...records] = lines as [Record<string, unknown>, ...RequestRecord[]];
    assertEquals(header.kind, "run");
    assertEquals(records.length, 22);
    assertEquals(records.filter((x) => x.phase === "warmup").length, 2);
    const measured = records.filter((x) => x.phase === "measure");
    const errors = measured.filter((x) => x.status === "error");
    assert(errors.length > 0 && errors.length < 20, `some injected errors, got ${errors.length}`);
    // Ground truth: each ok record's count is what the simulator sent (+1: llama2 counts BOS),
    // and the tokens of all ok records add up to the simulator's log.
    const okAll = records.filter((x) => x.status === "ok");
    for (const rec of okAll) assertEquals(rec.outputTokens, rec.serverOutputTokens! + 1);
    const sent = sim.log().filter((l) => l.error === null && l.path.endsWith("/chat/completions"));
    assertEquals(sent.length, okAll.length);
    assertEquals(
      okAll.reduce((a, x) => a + x.outputTokens - 1, 0),
      sent.reduce((a, l) => a + l.outputTokens, 0),
    );
    // LLMPerf individual file: LLMPerf's exact keys.
    const individual = JSON.parse(
      await Deno.readTextFile(`${dir}/${stem}_individual_responses.json`),
    );
    assertEquals(individual.length, 20);
    for (const row of individual) {
      assertEquals(Object.keys(row).sort(), [...LLMPERF_INDIVIDUAL_FIELDS].sort());
    }
    // LLMPerf summary: recomputing from the individual file gives the same numbers.
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/${stem}_summary.json`));
    assertEquals(summary.results_num_requests_started, 20);
    assertEquals(summary.results_number_errors, errors.length);
    assertEquals(summary.team, "perf");
    assertEquals(summary.simulated, true);
    const recomputed = llmperfSummary(individual, {
      model: "acme/sim-1:beta",
      meanInputTokens: 200,
      stddevInputTokens: 20,
      meanOutputTokens: 40,
      stddevOutputTokens: 5,
      numConcurrentRequests: 3,
      wallTimeS: 1,
      timestamp: 0,
    });
    for (const [key, value] of Object.entries(recomputed)) {
      if (!key.startsWith("results_") || /per_min|mean_output_throughput/.test(key)) continue;
      if (typeof value === "number") assertAlmostEquals(summary[key], value, 1e-12, key);
    }
    // Our summary: simulated, counts add up.
    const ours = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(ours.metadata.simulated, true);
    assertEquals(ours.summary.numCompleted + ours.summary.numErrors, 20);
    const tables = await Deno.readTextFile(`${dir}/tables.md`);
    assert(
      tables.includes("Time to First Token (seconds)") &&
        tables.includes("Output Tokens Throughput"),
    );
    const csvLines = (await Deno.readTextFile(`${dir}/requests.csv`)).trim().split("\n");
    assertEquals(csvLines.length, 21);
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("demo --quick starts its own simulator, runs, and prints the tables and paths", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const r = await run(DEMO, ["--quick", "--results-dir", tmp]);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("### Time to First Token (seconds)"), r.stdout);
    assert(r.stdout.includes("### Output Tokens Throughput (tokens/s)"), r.stdout);
    assert(/results: .*tokenbench-sim/.test(r.stdout), r.stdout);
    const [runDir] = await listFiles(tmp);
    const summary = JSON.parse(await Deno.readTextFile(`${tmp}/${runDir}/summary.json`));
    assertEquals(summary.metadata.simulated, true);
    assertEquals(summary.summary.numRequestsStarted, 8);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
