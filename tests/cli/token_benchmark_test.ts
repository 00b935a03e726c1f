import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { LLMPERF_INDIVIDUAL_FIELDS } from "../../lib/report/llmperf_individual.ts";
import { llmperfSummary } from "../../lib/report/llmperf_summary.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const SCRIPT = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;
const DEMO = new URL("../../scripts/demo.ts", import.meta.url).pathname;
const TABLES = new URL("../../scripts/reproduce_tables.ts", import.meta.url).pathname;
const SUMMARIZE = new URL("../../scripts/summarize.ts", import.meta.url).pathname;
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

/** Every file under `dir` with its content, to check that nothing was written or changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await listFiles(dir)) {
    try {
      out[name] = await Deno.readTextFile(`${dir}/${name}`);
    } catch {
      out[name] = "<folder>";
    }
  }
  return out;
}

Deno.test("bench, tables and summarize: bad input gives one line on stderr, exit code 2 and no files", async () => {
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
  // Raw data for `tables` and run folders for `summarize`, under `${tmp}/data` (must not change).
  const data = `${tmp}/data`;
  await Deno.mkdir(`${data}/empty`, { recursive: true });
  await Deno.writeTextFile(`${data}/bad_individual_responses.json`, '[{"error_code": null');
  await Deno.writeTextFile(`${data}/notes.txt`, "not results\n");
  const metadata = {
    llmApi: "openai",
    model: "m",
    endpoint: "http://127.0.0.1/",
    simulated: true,
    tokenizer: "cl100k_base",
    promptMode: "llmperf",
    seed: 0,
    meanInputTokens: 10,
    stddevInputTokens: 0,
    meanOutputTokens: 10,
    stddevOutputTokens: 0,
    numConcurrentRequests: 1,
    rate: null,
    arrival: null,
    maxInFlight: null,
    maxRequests: 1,
    warmup: 0,
    timeoutS: 1,
    requestTimeoutS: null,
    additionalSamplingParams: {},
    userMetadata: {},
  };
  const header = JSON.stringify({ kind: "run", metadata });
  const record = (id: number) =>
    JSON.stringify({
      requestId: id,
      phase: "measure",
      status: "ok",
      errorCode: null,
      errorMessage: null,
      startEpochMs: 1e12,
      e2eMs: 5,
      ttftMs: 2,
      inputTokens: 10,
      outputTokens: 10,
      maxOutputTokens: 10,
      chunkArrivalMs: [],
    });
  const runDir = async (name: string, jsonl: string | null, extra: string[] = []) => {
    await Deno.mkdir(`${data}/${name}`);
    if (jsonl !== null) await Deno.writeTextFile(`${data}/${name}/requests.jsonl`, jsonl);
    for (const file of extra) await Deno.writeTextFile(`${data}/${name}/${file}`, "{}\n");
    return `${data}/${name}`;
  };
  const noJsonl = await runDir("no-jsonl", null);
  const badLine = await runDir(
    "bad-line",
    [header, record(0), "{not json", record(2), ""].join("\n"),
  );
  const noHeader = await runDir("no-header", [record(0), ""].join("\n"));
  const duplicate = await runDir("duplicate", [header, record(4), record(4), ""].join("\n"));
  const emptyJsonl = await runDir("empty-jsonl", "");
  const done = await runDir("summarized", [header, record(0), ""].join("\n"), ["summary.json"]);
  const good = await runDir("good", [header, record(0), ""].join("\n"));
  const noTtft = await runDir(
    "no-ttft",
    [header, record(0).replace(/"ttftMs":2,/, ""), ""].join("\n"),
  );
  const negative = await runDir(
    "negative",
    [header, record(0).replace(/"e2eMs":5/, '"e2eMs":-5'), ""].join("\n"),
  );
  await Deno.writeTextFile(`${data}/other_tool.jsonl`, '{"prompt":"hi","response":"yo"}\n');
  await Deno.writeTextFile(`${data}/nothing.jsonl`, "");
  const fifo = `${tmp}/fifo.jsonl`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  const dangling = `${tmp}/dangling`;
  await Deno.symlink(`${tmp}/no-such-target`, dangling);
  const before = await snapshot(data);
  const notAFolder = `${tmp}/file.txt`;
  await Deno.writeTextFile(notAFolder, "x");
  const bedrock = [...ok, "--llm-api", "bedrock", "--region", "us-east-1"];
  const cases: [string, string[], RegExp, Record<string, string>?, string?][] = [
    ["unknown flag", [...ok, "--bogus"], /bogus/],
    ["unknown transport", [...ok, "--transport", "curl"], /--transport must be one of/],
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
    [
      "bad endpoint",
      [...ok, "--endpoint", "assistants"],
      /--endpoint must be one of chat, completions, responses/,
    ],
    [
      "bad server metrics URL",
      [...ok, "--server-metrics", "metrics"],
      /--server-metrics is not an http\(s\) URL/,
    ],
    [
      "bad server metrics interval",
      [...ok, "--server-metrics", `${sim.url}/metrics`, "--server-metrics-interval-ms", "5"],
      /--server-metrics-interval-ms must be a number >= 10, got '5'/,
    ],
    [
      "server metrics interval alone",
      [...ok, "--server-metrics-interval-ms", "500"],
      /need --server-metrics URL/,
    ],
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
    ["negative grace period", [...ok, "--grace-period=-1"], /--grace-period.*'-1'/],
    ["zero first-token timeout", [...ok, "--first-token-timeout", "0"], /--first-token-timeout/],
    [
      "negative request timeout",
      [...ok, "--request-timeout=-2"],
      /--request-timeout must be a number > 0, got '-2'/,
    ],
    ["endless request timeout", [...ok, "--request-timeout", "1e12"], /--request-timeout.*at most/],
    [
      "sampling params override stream",
      [...ok, "--additional-sampling-params", '{"stream": false}'],
      /--additional-sampling-params must not set 'stream'/,
    ],
    ["sampling params null", [...ok, "--additional-sampling-params", "null"], /JSON object/],
    [
      "sampling params set max_tokens",
      [...ok, "--additional-sampling-params", '{"max_tokens": 3}'],
      /must not set 'max_tokens'.*--mean-output-tokens/,
    ],
    [
      "hex count",
      [...ok, "--max-num-completed-requests", "0x10"],
      /--max-num-completed-requests must be an integer >= 1, got '0x10'/,
    ],
    [
      "exponent concurrency",
      [...ok, "--num-concurrent-requests", "1e1"],
      /--num-concurrent-requests must be an integer >= 1, got '1e1'/,
    ],
    [
      "hex sweep level",
      [...ok, "--concurrency", "1,0x2"],
      /concurrency levels must be positive integers.*'1,0x2'/,
    ],
    ["hex timeout", [...ok, "--timeout", "0x10"], /--timeout must be a number > 0, got '0x10'/],
    [
      "huge request count",
      [...ok, "--max-num-completed-requests", "1000000000"],
      /--max-num-completed-requests must be at most 10000000 \(every prompt is made/,
    ],
    ["huge warm-up", [...ok, "--warmup", "1000000000000"], /--warmup must be at most 10000000/],
    [
      "huge count in digits",
      [...ok, "--max-num-completed-requests", "1" + "0".repeat(300)],
      /--max-num-completed-requests must be at most/,
    ],
    [
      "metadata empty key",
      [...ok, "--metadata", " =x"],
      /--metadata .*non-empty keys; bad pair ' =x'/,
    ],
    [
      "metadata replaces results",
      [...ok, "--metadata", "results=x"],
      /--metadata key 'results' is taken by LLMPerf's summary file \(it would replace every results_\* key\)/,
    ],
    ["metadata key twice", [...ok, "--metadata", "a=1,a=2"], /--metadata gives 'a' twice/],
    ["bad arrival", [...ok, "--rate", "2", "--arrival", "burst"], /--arrival.*'burst'/],
    ["bad prompt mode", [...ok, "--prompt-mode", "poetry"], /--prompt-mode/],
    ["bad endpoint", [...ok, "--endpoint", "embeddings"], /--endpoint/],
    ["fractional seed", [...ok, "--seed", "1.5"], /--seed/],
    ["corpus is a folder", [...ok, "--corpus", tmp], /--corpus cannot read/],
    ["results dir is a file", [...ok.slice(0, 4), "--results-dir", notAFolder], /--results-dir/],
    [
      "env: OPENAI_API_BASE not a URL",
      ["--model", "m", "--results-dir", `${tmp}/out`],
      /OPENAI_API_BASE is not an http\(s\) URL/,
      { OPENAI_API_BASE: "localhost:8000" },
    ],
    [
      "env: AWS_ENDPOINT_URL_BEDROCK_RUNTIME not a URL",
      [...bedrock],
      /AWS_ENDPOINT_URL_BEDROCK_RUNTIME is not an http\(s\) URL/,
      { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: "bedrock.local" },
    ],
    [
      "negative retries",
      [...bedrock, "--retries=-1"],
      /--retries must be an integer >= 0, got '-1'/,
    ],
    ["tables: no path", [], /give at least one PATH/, {}, TABLES],
    ["tables: missing path", [`${data}/nope`], /cannot read PATH/, {}, TABLES],
    ["tables: no results in folder", [`${data}/empty`], /no run with individual/, {}, TABLES],
    [
      "tables: malformed raw data",
      [`${data}/bad_individual_responses.json`],
      /no run loaded: .*bad_individual_responses\.json: record 0: not valid JSON/,
      {},
      TABLES,
    ],
    ["tables: not a results file", [`${data}/notes.txt`], /notes\.txt: not valid JSON/, {}, TABLES],
    [
      "tables: another tool's JSONL",
      [`${data}/other_tool.jsonl`],
      /other_tool\.jsonl: not a tokenbench requests\.jsonl: no request record/,
      {},
      TABLES,
    ],
    ["tables: empty JSONL", [`${data}/nothing.jsonl`], /nothing\.jsonl: is empty/, {}, TABLES],
    ["tables: a FIFO", [fifo], /fifo\.jsonl: not a regular file or folder/, {}, TABLES],
    [
      "summarize: record without ttftMs",
      [noTtft, "--out", `${tmp}/out/no-ttft`],
      /requests\.jsonl line 2: not a request record: 'ttftMs' must be a non-negative number or null, got undefined/,
      {},
      SUMMARIZE,
    ],
    [
      "summarize: negative e2eMs",
      [negative],
      /line 2: not a request record: 'e2eMs' must not be negative, got -5/,
      {},
      SUMMARIZE,
    ],
    [
      "summarize: --out under a file",
      [good, "--out", `${notAFolder}/x`],
      /^error: --out '.*file\.txt\/x'/,
      {},
      SUMMARIZE,
    ],
    [
      "results dir a dangling symlink",
      [...ok.slice(0, 4), "--results-dir", dangling],
      /--results-dir '.*dangling' is a symbolic link to '.*no-such-target', which does not exist/,
    ],
    ["summarize: no folder", [], /give the run folder/, {}, SUMMARIZE],
    ["summarize: missing folder", [`${data}/nope`], /DIR .* does not exist/, {}, SUMMARIZE],
    ["summarize: not a run folder", [noJsonl], /has no requests\.jsonl/, {}, SUMMARIZE],
    [
      "summarize: bad JSONL line",
      [badLine],
      /requests\.jsonl line 3: not valid JSON/,
      {},
      SUMMARIZE,
    ],
    [
      "summarize: no header",
      [noHeader],
      /line 1: the first line must be the run header/,
      {},
      SUMMARIZE,
    ],
    ["summarize: duplicate record", [duplicate], /line 3: duplicate requestId 4/, {}, SUMMARIZE],
    ["summarize: empty JSONL", [emptyJsonl], /requests\.jsonl: is empty/, {}, SUMMARIZE],
    ["summarize: already summarized", [done], /summary\.json already exists/, {}, SUMMARIZE],
    [
      "summarize: --out exists",
      [good, "--out", `${data}/empty`],
      /--out .*already exists/,
      {},
      SUMMARIZE,
    ],
    ["summarize: unknown flag", [good, "--force"], /force/, {}, SUMMARIZE],
  ];
  assert(cases.length >= 30, `${cases.length} cases`);
  try {
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const results = await Promise.all(
        batch.map(([, args, , env, script]) => run(script ?? SCRIPT, args, env)),
      );
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
    assertEquals(await snapshot(data), before, "no raw data or run folder changed");
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
      "report.html",
      "requests.csv",
      "requests.jsonl",
      "summary.json",
      "tables.md",
    ]);
    // JSONL: a header line, then one record per request, warm-up included and flagged, then
    // the end line.
    const lines = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const header = lines.shift() as Record<string, unknown>;
    const end = lines.pop() as { kind: string; end: { finished: boolean; numRecords: number } };
    const records = lines as RequestRecord[];
    assertEquals(header.kind, "run");
    assertEquals(end.kind, "run");
    assertEquals(end.end.finished, true);
    assertEquals(end.end.numRecords, 22);
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

Deno.test("token_benchmark: the Responses API with server metrics, through the script", async () => {
  await using sim = await startSimulator({ ttftMs: 40, itlMs: 2, maxRunning: 2 });
  const tmp = await Deno.makeTempDir();
  try {
    const r = await run(SCRIPT, [
      "--llm-api",
      "openai",
      "--endpoint",
      "responses",
      "--model",
      "gpt-5",
      "--base-url",
      `${sim.url}/v1`,
      "--mean-input-tokens",
      "50",
      "--stddev-input-tokens",
      "0",
      "--mean-output-tokens",
      "16",
      "--stddev-output-tokens",
      "0",
      "--num-concurrent-requests",
      "4",
      "--max-num-completed-requests",
      "8",
      "--additional-sampling-params",
      '{"reasoning":{"effort":"medium","summary":"auto"}}',
      "--server-metrics",
      `${sim.url}/metrics`,
      "--server-metrics-interval-ms",
      "20",
      "--quiet",
      "--results-dir",
      tmp,
    ]);
    assertEquals(r.code, 0, r.stderr);
    const [runDir] = await listFiles(tmp);
    const dir = `${tmp}/${runDir}`;
    assert((await listFiles(dir)).includes("server_metrics.jsonl"));
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.endpointKind, "responses");
    assertEquals(summary.summary.numCompleted, 8);
    assertEquals(summary.serverMetrics.roles.running.stats.max, 2);
    assertEquals(summary.serverMetrics.roles.waiting.stats.max, 2);
    const records = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n")
      .map((line) => JSON.parse(line)).filter((line) => "requestId" in line);
    // 16 × 0.25 = 4 tokens of reasoning summary before the answer.
    assert(records.every((rec) => rec.reasoningTokens === 4 && rec.serverOutputTokens === 16));
    assert(sim.log().every((entry) => entry.format === "openai-responses"));
    assert(
      /server metrics: \d+ scrape\(s\) of .*running p50 [\d.]+ max 2\.0/.test(r.stderr),
      r.stderr,
    );
  } finally {
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
