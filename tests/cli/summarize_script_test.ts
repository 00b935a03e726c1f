/**
 * `deno task summarize DIR`: every derived file rebuilt from requests.jsonl alone, byte for byte
 * what the benchmark wrote; unfinished and cut-short runs; never an overwrite. Also
 * `readRunJsonl`, the parser behind it.
 */
import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { readRunJsonl } from "../../lib/report/read_run_jsonl.ts";

const BENCH = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;
const SUMMARIZE = new URL("../../scripts/summarize.ts", import.meta.url).pathname;
const PERMS = ["--allow-net=127.0.0.1,localhost", "--allow-read", "--allow-write", "--allow-env"];

async function run(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, "--allow-sys", script, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) out[entry.name] = await Deno.readTextFile(`${dir}/${entry.name}`);
  }
  return out;
}

Deno.test("summarize rebuilds every derived file from requests.jsonl, byte for byte, and never overwrites", async () => {
  const sim = await startSimulator({ ttftMs: 5, itlMs: 1, errorRate: 0.25, seed: 4 });
  const tmp = await Deno.makeTempDir();
  try {
    const bench = await run(BENCH, [
      "--model",
      "acme/m",
      "--base-url",
      `${sim.url}/v1`,
      "--results-dir",
      tmp,
      "--max-num-completed-requests",
      "16",
      "--num-concurrent-requests",
      "4",
      "--warmup",
      "2",
      "--mean-input-tokens",
      "50",
      "--mean-output-tokens",
      "20",
      "--quiet",
    ]);
    assertEquals(bench.code, 0, bench.stderr);
    const [name] = [...Deno.readDirSync(tmp)].map((e) => e.name);
    const dir = `${tmp}/${name}`;
    const original = await files(dir);
    assertEquals(Object.keys(original).length, 7, Object.keys(original).join());

    // In place: refused, one line, nothing touched.
    const again = await run(SUMMARIZE, [dir]);
    assertEquals(again.code, 2);
    assert(/^error: .*summary\.json already exists.*--out NEWDIR/.test(again.stderr), again.stderr);
    assertEquals(again.stderr.trim().split("\n").length, 1);
    assertEquals(await files(dir), original);

    // Into a new folder: the same bytes, requests.jsonl copied.
    const out = await run(SUMMARIZE, [dir, "--out", `${tmp}/rebuilt`]);
    assertEquals(out.code, 0, out.stderr);
    assert(/^run finished: 16 requests, \d+ errors$/m.test(out.stderr), out.stderr);
    assertEquals(await files(`${tmp}/rebuilt`), original);

    // From the JSONL alone, in place.
    await Deno.mkdir(`${tmp}/alone`);
    await Deno.copyFile(`${dir}/requests.jsonl`, `${tmp}/alone/requests.jsonl`);
    const alone = await run(SUMMARIZE, [`${tmp}/alone`]);
    assertEquals(alone.code, 0, alone.stderr);
    assertEquals(await files(`${tmp}/alone`), original);

    // --out must be new.
    const taken = await run(SUMMARIZE, [dir, "--out", `${tmp}/rebuilt`]);
    assertEquals(taken.code, 2);
    assert(/--out .*already exists/.test(taken.stderr), taken.stderr);

    // An unfinished run cut short mid-line: the torn line is left out, the rest summarized.
    const lines = original["requests.jsonl"].trimEnd().split("\n");
    const records = lines.slice(1, -1);
    const torn = [lines[0], ...records.slice(0, -1), records.at(-1)!.slice(0, 40)].join("\n");
    await Deno.mkdir(`${tmp}/killed`);
    await Deno.writeTextFile(`${tmp}/killed/requests.jsonl`, torn);
    const killed = await run(SUMMARIZE, [`${tmp}/killed`]);
    assertEquals(killed.code, 0, killed.stderr);
    assert(/^run unfinished \(requests\.jsonl has no end line/m.test(killed.stderr), killed.stderr);
    assert(/last line of requests\.jsonl was cut short/.test(killed.stderr), killed.stderr);
    const summary = JSON.parse(await Deno.readTextFile(`${tmp}/killed/summary.json`));
    assertEquals(summary.metadata.finished, false);
    assertEquals(summary.summary.numRequestsStarted, records.length - 1 - 2, "minus torn, warm-up");
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

const META = { model: "m", meanInputTokens: 1, meanOutputTokens: 1 };
const HEADER = JSON.stringify({ kind: "run", metadata: META });
const rec = (id: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    requestId: id,
    phase: "measure",
    status: "ok",
    errorCode: null,
    errorMessage: null,
    startEpochMs: 1000 + 10 * id,
    e2eMs: 100,
    ttftMs: 50,
    inputTokens: 1,
    outputTokens: 1,
    maxOutputTokens: 1,
    chunkArrivalMs: [50],
    ...extra,
  });
const END = JSON.stringify({
  kind: "run",
  metadata: { ...META, finished: true, stopReason: null },
  end: {
    finished: true,
    stopReason: null,
    wallTimeMs: 123,
    startEpochMs: 1000,
    numRecords: 2,
    endedAt: "x",
  },
});

Deno.test("readRunJsonl() reads header, records and end line; without an end line the run is unfinished", () => {
  const done = readRunJsonl([HEADER, rec(0), rec(1), END, ""].join("\n"));
  assertEquals(done.records.length, 2);
  assert(done.finished && done.unfinishedReason === null && !done.tornLastLine);
  assertEquals(done.report.wallTimeMs, 123, "the runner's wall time");
  assertEquals(done.report.metadata.finished, true);
  const cut = readRunJsonl([HEADER, rec(0), rec(1), ""].join("\n"));
  assert(!cut.finished && cut.end === null);
  assertEquals(cut.report.wallTimeMs, 110, "first send to last completion");
  assertEquals(cut.report.startEpochMs, 1000);
  assertEquals(cut.report.metadata.finished, false);
  const torn = readRunJsonl([HEADER, rec(0), rec(1).slice(0, 25)].join("\n"));
  assert(torn.tornLastLine);
  assertEquals(torn.records.length, 1);
  const noNewline = readRunJsonl([HEADER, rec(0)].join("\n"));
  assert(!noNewline.tornLastLine && noNewline.records.length === 1, "a whole last line counts");
});

Deno.test("readRunJsonl() names the file and line of anything malformed", () => {
  const cases: [string, string, RegExp][] = [
    [
      "bad JSON in the middle",
      [HEADER, "{oops", rec(1), ""].join("\n"),
      /^r\.jsonl line 2: not valid JSON/,
    ],
    [
      "record first",
      [rec(0), HEADER, ""].join("\n"),
      /^r\.jsonl line 1: the first line must be the run header/,
    ],
    [
      "duplicate id",
      [HEADER, rec(3), rec(3), ""].join("\n"),
      /^r\.jsonl line 3: duplicate requestId 3 \(also on line 2\)/,
    ],
    [
      "missing field",
      [HEADER, rec(0, { e2eMs: "fast" }), ""].join("\n"),
      /^r\.jsonl line 2: not a request record: 'e2eMs'/,
    ],
    [
      "bad status",
      [HEADER, rec(0, { status: "meh" }), ""].join("\n"),
      /line 2: not a request record: 'status'/,
    ],
    [
      "error without code",
      [HEADER, rec(0, { status: "error" }), ""].join("\n"),
      /line 2: .*errorCode/,
    ],
    [
      "after the end",
      [HEADER, END, rec(0), ""].join("\n"),
      /^r\.jsonl line 3: a line after the end line \(line 2\)/,
    ],
    ["two headers", [HEADER, HEADER, ""].join("\n"), /^r\.jsonl line 2: a second header line/],
    ["not an object", [HEADER, "[1]", ""].join("\n"), /line 2: expected a JSON object/],
    ["unknown kind", [HEADER, '{"kind":"x"}', ""].join("\n"), /line 2: unknown line kind "x"/],
    ["empty", "\n\n", /^r\.jsonl: is empty/],
    ["torn header", HEADER.slice(0, 20), /^r\.jsonl: no complete header line/],
  ];
  for (const [name, text, pattern] of cases) {
    let message = "";
    try {
      readRunJsonl(text, { path: "r.jsonl" });
    } catch (error) {
      assert(error instanceof SyntaxError, `${name}: a SyntaxError`);
      message = error.message;
    }
    assert(pattern.test(message), `${name}: '${message}' should match ${pattern}`);
    assert(!message.includes("\n"), `${name}: one line`);
  }
});

Deno.test("readRunJsonl() counts the records its end line has and the file lacks", () => {
  const end = END.replace('"numRecords":2', '"numRecords":3');
  const run = readRunJsonl([HEADER, rec(0), rec(1), end, ""].join("\n"));
  assertEquals(run.missingRecords, 1);
  assertEquals(readRunJsonl([HEADER, rec(0), rec(1), END, ""].join("\n")).missingRecords, 0);
});
