/** `deno task bench` with the workload flags (--dataset, --prefix-tokens), against the simulator. */
import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { parseDataset } from "../../lib/core/parse_dataset.ts";
import { parseTrace } from "../../lib/core/parse_trace.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

const SCRIPT = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;
const DATA = new URL("../testdata/workloads/", import.meta.url).pathname;

async function bench(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      SCRIPT,
      "--quiet",
      ...args,
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("bench --dataset sends the file's prompts with their lengths, in file order when asked", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const r = await bench([
      "--model",
      "m",
      "--base-url",
      `${sim.url}/v1`,
      "--results-dir",
      tmp,
      "--dataset",
      `${DATA}prompts.jsonl`,
      "--dataset-order",
      "sequential",
      "--max-num-completed-requests",
      "14",
      "--num-concurrent-requests",
      "1",
      "--mean-output-tokens",
      "7",
      "--stddev-output-tokens",
      "0",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const dir = /results: (.+)/.exec(r.stdout)![1].trim();
    const lines = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const records = lines.filter((l) => l.requestId !== undefined).sort((a, b) =>
      a.requestId - b.requestId
    );
    assertEquals(records.length, 14);
    const entries = parseDataset(await Deno.readTextFile(`${DATA}prompts.jsonl`));
    const tokenizer = createTokenizer("cl100k_base");
    const truth = sim.log();
    try {
      records.forEach((record, i) => {
        const entry = entries[i % entries.length]; // 14 requests: one pass and two more
        assertEquals(record.inputTokens, tokenizer.countTokens(entry.prompt), `request ${i}`);
        assertEquals(record.maxOutputTokens, entry.maxOutputTokens ?? 7);
        // What the simulator received: the same prompt length and max_tokens.
        assertEquals(truth[i].maxTokens, record.maxOutputTokens);
      });
    } finally {
      tokenizer.free();
    }
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.workload, {
      kind: "dataset",
      file: `${DATA}prompts.jsonl`,
      format: "jsonl",
      entries: 12,
      order: "sequential",
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("bench --dataset with a bad line names it, exits 2 and sends nothing", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const base = ["--model", "m", "--base-url", `${sim.url}/v1`, "--results-dir", tmp];
    const bad = await bench([...base, "--dataset", `${DATA}bad.jsonl`]);
    assertEquals(bad.code, 2);
    assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert(
      bad.stderr.includes("bad.jsonl: line 3: 'max_tokens' must be a positive integer, got 0"),
      bad.stderr,
    );
    const missing = await bench([...base, "--dataset", `${DATA}nowhere.jsonl`]);
    assertEquals(missing.code, 2);
    assert(missing.stderr.includes("--dataset cannot read"), missing.stderr);
    const orphan = await bench([...base, "--dataset-order", "sequential"]);
    assertEquals(orphan.code, 2);
    assert(orphan.stderr.includes("--dataset-order needs --dataset FILE"), orphan.stderr);
    const both = await bench([
      ...base,
      "--dataset",
      `${DATA}prompts.jsonl`,
      "--prefix-tokens",
      "64",
    ]);
    assertEquals(both.code, 2);
    const lonely = await bench([...base, "--num-prefixes", "4"]);
    assertEquals(lonely.code, 2);
    assert(lonely.stderr.includes("--num-prefixes needs --prefix-tokens"), lonely.stderr);
    const turns = await bench([...base, "--turns", "3"]);
    assertEquals(turns.code, 2);
    assert(
      turns.stderr.includes("--turns needs --sessions N (or a --dataset with session_id)"),
      turns.stderr,
    );
    const sessionsRate = await bench([...base, "--sessions", "2", "--rate", "3"]);
    assertEquals(sessionsRate.code, 2);
    assertEquals(sim.log().length, 0, "nothing was sent");
    assertEquals([...Deno.readDirSync(tmp)].length, 0, "no folder was made");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("bench --trace replays an Azure trace at its timestamps, --trace-speedup times faster", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const r = await bench([
      "--model",
      "m",
      "--base-url",
      `${sim.url}/v1`,
      "--results-dir",
      tmp,
      "--trace",
      `${DATA}azure.csv`,
      "--trace-speedup",
      "2",
      "--workers",
      "0",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const dir = /results: (.+)/.exec(r.stdout)![1].trim();
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.workload, {
      kind: "trace",
      file: `${DATA}azure.csv`,
      format: "azure",
      requests: 30,
      speedup: 2,
    });
    assertEquals(summary.metadata.arrival, "trace");
    const trace = parseTrace(await Deno.readTextFile(`${DATA}azure.csv`));
    const records = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l)).filter((l) => l.requestId !== undefined);
    assertEquals(records.length, 30, "the whole trace by default");
    for (const record of records) {
      const t = trace[record.requestId];
      assertEquals(record.intendedSendMs, t.arrivalMs / 2);
      assertEquals(record.maxOutputTokens, t.outputTokens);
    }
    const bad = await bench([
      "--model",
      "m",
      "--base-url",
      `${sim.url}/v1`,
      "--results-dir",
      tmp,
      "--trace",
      `${DATA}prompts.jsonl`,
    ]);
    assertEquals(bad.code, 2);
    assert(
      bad.stderr.includes("prompts.jsonl: line 1: 'timestamp' must be a number of ms"),
      bad.stderr,
    );
    const both = await bench([
      "--model",
      "m",
      "--base-url",
      `${sim.url}/v1`,
      "--trace",
      `${DATA}azure.csv`,
      "--rate",
      "5",
    ]);
    assertEquals(both.code, 2);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("bench --sessions runs conversations and writes the turns to the records and the summary", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const r = await bench([
      "--model",
      "m",
      "--base-url",
      `${sim.url}/v1`,
      "--results-dir",
      tmp,
      "--sessions",
      "2",
      "--turns",
      "3",
      "--think-time-ms",
      "5",
      "--max-num-completed-requests",
      "6",
      "--mean-input-tokens",
      "40",
      "--stddev-input-tokens",
      "0",
      "--mean-output-tokens",
      "5",
      "--stddev-output-tokens",
      "0",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const dir = /results: (.+)/.exec(r.stdout)![1].trim();
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.sessions, { sessions: 2, turns: 3, thinkTimeMs: 5 });
    assertEquals(
      summary.summary.byTurn.map((t: { turn: number; completed: number }) => [t.turn, t.completed]),
      [[0, 2], [1, 2], [2, 2]],
    );
    const tables = await Deno.readTextFile(`${dir}/tables.md`);
    assert(tables.includes("### By turn"), tables);
    const csv = await Deno.readTextFile(`${dir}/requests.csv`);
    const header = csv.split("\n")[0].split(",");
    for (const column of ["sessionId", "turn", "historyTokens"]) {
      assert(header.includes(column), column);
    }
    // The simulator saw the history grow turn by turn.
    const sizes = sim.log().map((t) => t.inputTokens);
    assert(Math.max(...sizes) > 2 * Math.min(...sizes), sizes.join());
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("bench --find-max-concurrency finds the capacity model's answer and writes a folder per probe", async () => {
  // ITL = 10 × (1 + (C − 1)) ms: 30 ms at C = 3, 40 ms at C = 4; TPOT ≤ 35 ms up to C = 3.
  await using sim = await startSimulator({
    ttftMs: 5,
    itlMs: 10,
    capacity: { maxBatch: 64, itlGrowth: 1 },
  });
  const tmp = await Deno.makeTempDir();
  try {
    const base = ["--model", "m", "--base-url", `${sim.url}/v1`, "--results-dir", tmp];
    const noSlo = await bench([...base, "--find-max-rate"]);
    assertEquals(noSlo.code, 2);
    assert(noSlo.stderr.includes("the search needs --slo"), noSlo.stderr);
    const lone = await bench([...base, "--goodput", "0.9"]);
    assertEquals(lone.code, 2);
    assertEquals(sim.log().length, 0);
    const r = await bench([
      ...base,
      "--find-max-concurrency",
      "--slo",
      "tpot:35",
      "--goodput",
      "0.9",
      "--max-num-completed-requests",
      "12",
      "--mean-input-tokens",
      "20",
      "--stddev-input-tokens",
      "0",
      "--mean-output-tokens",
      "5",
      "--stddev-output-tokens",
      "0",
      "--workers",
      "0",
    ]);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("Answer: **3 in flight**"), r.stdout);
    const dir = /search results: (.+)/.exec(r.stdout)![1].trim();
    const search = JSON.parse(await Deno.readTextFile(`${dir}/search.json`));
    assertEquals([search.answer, search.failedAt, search.ended], [3, 4, "converged"]);
    const folders = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name)
      .sort();
    assertEquals(
      folders,
      search.probes.map((p: { probe: number; load: number }) =>
        `probe${String(p.probe).padStart(2, "0")}-c${p.load}`
      ).sort(),
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("bench --dataset with session_id rows replays the conversations as sessions; --rate is refused", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const base = ["--model", "m", "--base-url", `${sim.url}/v1`, "--results-dir", tmp];
    const file = `${DATA}conversations.jsonl`;
    const r = await bench([
      ...base,
      "--dataset",
      file,
      "--dataset-order",
      "sequential",
      "--num-concurrent-requests",
      "3",
      "--think-time-ms",
      "5",
      "--max-num-completed-requests",
      "6",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const dir = /results: (.+)/.exec(r.stdout)![1].trim();
    const records = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l)).filter((l) => l.requestId !== undefined);
    // trip: 3 turns, bread: 2, 7: 1; turn t of session s is request s × 3 + t.
    assertEquals(
      records.map((x) => [x.sessionId, x.turn]).sort((a, b) => a[0] * 3 + a[1] - b[0] * 3 - b[1]),
      [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]],
    );
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.sessions, { sessions: 3, turns: 3, thinkTimeMs: 5 });
    // The last turn of "trip" carries its history (counted in its input tokens).
    const later = records.find((x) => x.sessionId === 0 && x.turn === 2);
    assert(later.historyTokens > 0 && later.historyTokens < later.inputTokens);
    const sent = sim.log().length;
    const rate = await bench([...base, "--dataset", file, "--rate", "3"]);
    assertEquals(rate.code, 2);
    assert(rate.stderr.includes("a --dataset with session_id runs a closed loop"), rate.stderr);
    assertEquals(sim.log().length, sent, "nothing more was sent");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
