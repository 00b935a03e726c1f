/**
 * Interrupt safety of `deno task bench`, each run a real subprocess against the simulator:
 * SIGINT/SIGTERM stop launching, await (or, after the grace period, cancel) the requests in
 * flight, write every derived file and exit non-zero with a one-line reason; `kill -9` loses at
 * most the requests in flight and `deno task summarize` works on what is left.
 */
import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { readRunJsonl } from "../../lib/report/read_run_jsonl.ts";

const BENCH = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;
const SUMMARIZE = new URL("../../scripts/summarize.ts", import.meta.url).pathname;
const PERMS = [
  "--allow-net=127.0.0.1,localhost",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
];
const DERIVED = [
  "m_100_30_individual_responses.json",
  "m_100_30_summary.json",
  "report.html",
  "requests.csv",
  "requests.jsonl",
  "summary.json",
  "tables.md",
];

interface Started {
  child: Deno.ChildProcess;
  dir: () => Promise<string>;
  output: () => Promise<{ code: number; stdout: string; stderr: string }>;
}

function startBench(baseUrl: string, resultsDir: string, extra: string[]): Started {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PERMS,
      BENCH,
      "--model",
      "m",
      "--base-url",
      baseUrl,
      "--results-dir",
      resultsDir,
      "--mean-input-tokens",
      "100",
      "--stddev-input-tokens",
      "0",
      "--mean-output-tokens",
      "30",
      "--stddev-output-tokens",
      "0",
      "--max-num-completed-requests",
      "400",
      "--quiet",
      ...extra,
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  return {
    child,
    dir: async () => {
      for await (const entry of Deno.readDir(resultsDir)) return `${resultsDir}/${entry.name}`;
      throw new Error("no run folder");
    },
    output: async () => {
      const out = await output;
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
  };
}

/** Waits until the run's requests.jsonl holds at least `n` records. */
async function waitForRecords(resultsDir: string, n: number, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      for await (const entry of Deno.readDir(resultsDir)) {
        const text = await Deno.readTextFile(`${resultsDir}/${entry.name}/requests.jsonl`);
        const lines = text.split("\n").filter((l) => l.includes('"status"')).length;
        if (lines >= n) return lines;
      }
    } catch { /* not there yet */ }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${n} records after ${timeoutMs} ms`);
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

Deno.test("SIGINT: no new requests, in-flight ones finish within the grace period, every file is written, exit 130", async () => {
  const sim = await startSimulator({ ttftMs: 20, itlMs: 8 });
  const tmp = await Deno.makeTempDir();
  try {
    const run = startBench(`${sim.url}/v1`, tmp, [
      "--num-concurrent-requests",
      "4",
      "--grace-period",
      "10",
    ]);
    await waitForRecords(tmp, 6);
    run.child.kill("SIGINT");
    const { code, stderr } = await run.output();
    assertEquals(code, 130, stderr);
    const lines = stderr.trim().split("\n");
    assert(
      /^run stopped by SIGINT: \d+ of 400 requests recorded; results in /.test(lines.at(-1)!),
      lines.at(-1),
    );
    assert(!/\n\s+at /.test(stderr), "no stack trace");
    const dir = await run.dir();
    assertEquals(await names(dir), DERIVED, "every file, no RUNNING marker");
    const parsed = readRunJsonl(await Deno.readTextFile(`${dir}/requests.jsonl`));
    assert(parsed.end !== null && !parsed.finished);
    assertEquals(parsed.end!.stopReason, "stopped by SIGINT");
    // The grace period let every request in flight finish: nothing cancelled, nothing lost.
    assertEquals(parsed.records.filter((r) => r.status === "error").length, 0);
    assertEquals(parsed.records.length, sim.log().length, "every request sent was recorded");
    assert(parsed.records.length < 400, "stopped launching");
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.finished, false);
    assertEquals(summary.metadata.stopReason, "stopped by SIGINT");
    assertEquals(summary.summary.numRequestsStarted, parsed.records.length);
    assertEquals(summary.summary.numCompleted + summary.summary.numErrors, parsed.records.length);
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("SIGTERM: after the grace period requests in flight are cancelled as 499 records, exit 143", async () => {
  // Each answer takes about 30 × 60 ms = 1.8 s; the grace period is 0.2 s.
  const sim = await startSimulator({ ttftMs: 20, itlMs: 60 });
  const tmp = await Deno.makeTempDir();
  try {
    const run = startBench(`${sim.url}/v1`, tmp, [
      "--num-concurrent-requests",
      "3",
      "--grace-period",
      "0.2",
    ]);
    // Wait for the header line, then for requests to be in flight.
    await waitForRecords(tmp, 0);
    while (sim.log().length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = performance.now();
    run.child.kill("SIGTERM");
    const { code, stderr } = await run.output();
    const stopMs = performance.now() - t0;
    assertEquals(code, 143, stderr);
    assert(stopMs < 1_500, `stopped soon after the grace period (${stopMs} ms)`);
    assert(/\(3 cancelled\); results in /.test(stderr.trim().split("\n").at(-1)!), stderr);
    const dir = await run.dir();
    assertEquals(await names(dir), DERIVED);
    const parsed = readRunJsonl(await Deno.readTextFile(`${dir}/requests.jsonl`));
    const cancelled = parsed.records.filter((r) => r.status === "error");
    assertEquals(cancelled.map((r) => r.errorCode), [499, 499, 499]);
    for (const r of cancelled) assertEquals(r.errorMessage, "cancelled: stopped by SIGTERM");
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.summary.errorCodeFrequency, { "499": 3 });
    assertEquals(summary.metadata.finished, false);
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("kill -9 loses at most the requests in flight, and summarize works on what is left", async () => {
  const sim = await startSimulator({
    ttftMs: 10,
    itlMs: 5,
    faults: [{ kind: "http-500", every: 4 }],
  });
  const tmp = await Deno.makeTempDir();
  try {
    const run = startBench(`${sim.url}/v1`, tmp, ["--num-concurrent-requests", "4"]);
    await waitForRecords(tmp, 12);
    const killedAt = performance.timeOrigin + performance.now();
    run.child.kill("SIGKILL");
    const { code } = await run.output();
    assert(code !== 0);
    const dir = await run.dir();
    assertEquals(await names(dir), ["RUNNING", "requests.jsonl"], "the folder says unfinished");
    const parsed = readRunJsonl(await Deno.readTextFile(`${dir}/requests.jsonl`));
    assertEquals(parsed.end, null);
    assert(parsed.records.length >= 12);
    // Every response the simulator finished well before the kill is in the JSONL: at most
    // the requests in flight (4) are missing, and those were not finished.
    const log = sim.log();
    const recorded = new Set(
      parsed.records.flatMap((r) => r.chunkSentEpochMs?.length ? [r.chunkSentEpochMs[0]] : []),
    );
    const finishedEarly = log.filter((l) =>
      l.endSentEpochMs !== null && l.endSentEpochMs < killedAt - 250 && l.error === null
    );
    for (const l of finishedEarly) {
      assert(recorded.has(l.chunkSentEpochMs[0]), `request ${l.requestId} finished but was lost`);
    }
    assert(log.length - parsed.records.length <= 4, "lost at most the 4 in flight");
    const errorsEarly = log.filter((l) =>
      l.error !== null && l.endSentEpochMs !== null && l.endSentEpochMs < killedAt - 250
    );
    assert(errorsEarly.length > 0, "some injected errors happened");
    assert(
      parsed.records.filter((r) => r.status === "error").length >= errorsEarly.length,
      "every injected error that happened well before the kill was recorded",
    );

    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", SUMMARIZE, dir],
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assert(/^run unfinished \(requests\.jsonl has no end line/.test(stderr), stderr);
    assertEquals(await names(dir), ["RUNNING", ...DERIVED].sort());
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assertEquals(summary.metadata.finished, false);
    assertEquals(summary.summary.numRequestsStarted, parsed.records.length);
    assert(summary.summary.wallTimeMs > 0);
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("SIGTERM after the end line: the run is reported finished and the exit code is 0", async () => {
  const { benchCommand } = await import("../../lib/cli/bench_command.ts");
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const root = await Deno.makeTempDir();
  const listeners = new Map<Deno.Signal, () => void>();
  const signals = {
    add: (signal: Deno.Signal, fn: () => void) => void listeners.set(signal, fn),
    remove: (signal: Deno.Signal) => void listeners.delete(signal),
  };
  const log = console.log;
  const error = console.error;
  let stderr = "";
  let sent = false;
  console.log = () => {
    // The first line printed is the tables: the end line and every file are written by now.
    if (!sent) {
      sent = true;
      listeners.get("SIGTERM")!();
    }
  };
  console.error = (...args: unknown[]) => stderr += args.join(" ") + "\n";
  let code: number;
  try {
    code = await benchCommand([
      "--model",
      "m",
      "--base-url",
      `${sim.url}/v1`,
      "--results-dir",
      root,
      "--max-num-completed-requests",
      "3",
      "--mean-input-tokens",
      "20",
      "--mean-output-tokens",
      "5",
      "--workers",
      "0",
      "--quiet",
    ], { signals });
  } finally {
    console.log = log;
    console.error = error;
    await Deno.remove(root, { recursive: true });
  }
  assert(sent, "SIGTERM was delivered after the run ended");
  assert(stderr.includes("SIGTERM: no new requests"), `the listener saw it: ${stderr}`);
  assertEquals(code, 0, stderr);
  assert(!stderr.includes("stopped by SIGTERM"), stderr);
  assertEquals(listeners.size, 0, "the listeners are removed");
});
