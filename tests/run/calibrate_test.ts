import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { calibrate, calibrationTable } from "../../lib/run/calibrate.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { main } from "../../scripts/calibrate.ts";

const REQUIRED_KEYS = [
  "concurrency",
  "ttftErrorMs",
  "chunkDelayMs",
  "loopLagMsP99",
  "dispatchLagMsP99",
];

Deno.test("calibrate() measures every level against the simulator's send stamps", async () => {
  await using sim = await startSimulator({ ttftMs: 10, itlMs: 4 });
  const seen: number[] = [];
  const result = await calibrate(sim.url, {
    levels: [1, 3],
    workers: 1,
    tokens: 8,
    minRequests: 2,
    minSamples: 16,
    dispatchRate: 40,
    dispatchAloneS: 0.5,
    clockSamples: 3,
    onLevel: (level) => seen.push(level.concurrency),
  });
  assertEquals(seen, [1, 3]);
  assertEquals(result.workers, 1);
  // The probe alone, after the levels: about 40/s × 0.5 s arrivals, each with a lag.
  const alone = result.dispatch!;
  assert(alone.requests >= 5 && alone.requests <= 60, `${alone.requests} probe arrivals`);
  assert(alone.dispatchLagMsP99 !== null && alone.dispatchLagMsP99 >= alone.dispatchLagMsP50!);
  assert(alone.dispatchLagMsMax! >= alone.dispatchLagMsP99, "max ≥ p99");
  assertEquals(alone.loopLagMsP99ByThread.length, 2);
  for (const level of result.levels) {
    assertEquals(Object.keys(level).slice(0, 5), REQUIRED_KEYS);
    assertEquals(level.errors, 0);
    assertEquals(level.chunks, Math.max(level.concurrency, 2) * 8);
    // The simulator shares this process: delays are small but not necessarily sub-ms.
    assert(
      level.chunkDelayMs.p50! > -1 && level.chunkDelayMs.p50! < 50,
      `${level.chunkDelayMs.p50}`,
    );
    assert(level.chunkDelayMs.max! >= level.chunkDelayMs.p99!, "max ≥ p99");
    assert(level.ttftErrorMs.p50 !== null && level.ttftErrorMs.p50 > -1, "TTFT error measured");
    // The streaming pass's requests and the TTFT pass's: one stream of one-token requests
    // beside the other streams until 16 answers are in. Past 16: what the other streams ended
    // during the probe's last request, and what they had in flight then (each at most c − 1).
    const streaming = Math.max(level.concurrency, 2);
    const over = 2 * (level.concurrency - 1);
    assert(
      level.ttftSamples >= streaming + 16 && level.ttftSamples <= streaming + 16 + over,
      `${level.ttftSamples} TTFT samples`,
    );
    assert(level.burstTtftErrorMs.p99 !== null, "the burst measured");
    // The error taken apart: the client's send, upstream, the first chunk's delay.
    const parts = level.ttftErrorPartsMs;
    assert(parts.send.p50 !== null && parts.send.p50 >= 0, JSON.stringify(parts));
    assert(parts.upstream.p50 !== null && parts.firstChunk.p50 !== null, JSON.stringify(parts));
    assert(parts.fromSent.p99 !== null && parts.fromSent.p99 < level.ttftErrorMs.p99! + 1);
    assert(level.probeRequests > 0 && level.dispatchLagMsP99 !== null, "dispatch lag measured");
    // The second pass (probe beside the streams) measured its chunks too.
    assert(level.chunkDelayWithProbeMs?.p99 !== null, "chunk delay with the probe");
    assertEquals(level.loopLagMsP99ByThread.length, 2, "main thread and one worker");
    assert(level.cpuMsPer1kTokens !== null && level.cpuMsPer1kTokens > 0, "CPU measured");
  }
  const table = calibrationTable(result.levels);
  assert(table.split("\n").length >= 4 && table.includes("| 3 "), table);
});

Deno.test("calibrate() on the calling thread (workers 0) with the fetch transport", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 2 });
  const result = await calibrate(sim.url, {
    levels: [2],
    workers: 0,
    transport: "fetch",
    tokens: 4,
    minRequests: 2,
    minSamples: 0,
    dispatchRate: 0,
    warmup: false,
    clockSamples: 2,
  });
  const [level] = result.levels;
  assertEquals([level.workers, level.transport, level.chunks], [0, "fetch", 8]);
  assertEquals(level.dispatchLagMsP99, null, "no probe, no dispatch lag");
  assertEquals(level.chunkDelayWithProbeMs, null, "no second pass");
  assertEquals(result.dispatch, null);
  assertEquals(level.loopLagMsP99ByThread.length, 1);
});

Deno.test("calibrate() refuses an endpoint that is not the simulator", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ simulator: "other" }),
  );
  try {
    await assertRejects(
      () => calibrate(`http://127.0.0.1:${server.addr.port}`, { levels: [1], workers: 0 }),
      TypeError,
      "not tokenbench's simulator",
    );
    await assertRejects(
      () => calibrate(`http://127.0.0.1:${server.addr.port}`, { levels: [0] }),
      RangeError,
      "'levels'",
    );
  } finally {
    await server.shutdown();
  }
});

/** Run the script's main, capturing what it prints. */
async function runScript(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("deno task calibrate --json prints {levels:[…]} with the required fields first", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 2 });
  const { code, out } = await runScript([
    "--json",
    "--sim-url",
    sim.url,
    "--levels",
    "1,2",
    "--workers",
    "0",
    "--tokens",
    "3",
    "--min-requests",
    "1",
    "--dispatch-rate",
    "0",
    "--min-samples",
    "4",
    "--start-at-once",
  ]);
  assertEquals(code, 0);
  const parsed = JSON.parse(out);
  assertEquals(Object.keys(parsed), ["machine", "levels", "dispatch", "overRepetitions"]);
  assert(parsed.machine.cores >= 1, JSON.stringify(parsed.machine));
  assertEquals(parsed.overRepetitions.length, 2);
  assertEquals(parsed.overRepetitions[0].repetitions, 1);
  assertEquals(parsed.dispatch, [], "no probe");
  assertEquals(parsed.levels.map((l: { concurrency: number }) => l.concurrency), [1, 2]);
  for (const level of parsed.levels) {
    assertEquals(Object.keys(level).slice(0, 5), REQUIRED_KEYS);
    assertEquals(Object.keys(level.ttftErrorMs), ["p50", "p99"]);
    assertEquals(Object.keys(level.chunkDelayMs), ["p50", "p99", "max"]);
    assertEquals(Object.keys(level.burstTtftErrorMs), ["p50", "p99", "upstreamP99"]);
  }
});

Deno.test("deno task calibrate prints the probe alone under the table, with the target", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 2 });
  const { code, out } = await runScript([
    "--sim-url",
    sim.url,
    "--levels",
    "1",
    "--workers",
    "0",
    "--tokens",
    "3",
    "--min-requests",
    "1",
    "--dispatch-rate",
    "40",
    "--dispatch-seconds",
    "0.3",
    "--min-samples",
    "0",
  ]);
  assertEquals(code, 0);
  assert(/^machine: \d+ cores, load average /.test(out), out);
  const line = out.split("\n").find((l) => l.startsWith("Open-loop dispatch lag alone at 40"));
  assert(line && /p99 [\d.]+ \(≤ 2 (ok|MISSED)\)/.test(line), out);
});

Deno.test("deno task calibrate: a bad flag is one line on stderr and exit code 2", async () => {
  for (
    const args of [
      ["--levels", "1,x"],
      ["--transport", "curl"],
      ["--sim-url", "ftp://x"],
      ["--workers", "-1"],
      ["--dispatch-seconds", "-1"],
    ]
  ) {
    const { code, out, err } = await runScript(args);
    assertEquals(code, 2, args.join(" "));
    assertEquals(out, "");
    assertEquals(err.split("\n").length, 1, err);
  }
});

Deno.test("calibrate() spreads a pass's first requests over one request's duration, or starts them at once", async () => {
  // Planned duration of a request: ttft 10 + 8 tokens × 10 ms = 90 ms; 4 streams start 22.5 ms apart.
  await using sim = await startSimulator({ ttftMs: 10, itlMs: 10 });
  const firstArrivals = async (spreadStart: boolean) => {
    const result = await calibrate(sim.url, {
      levels: [4],
      workers: 0,
      tokens: 8,
      minRequests: 4,
      minSamples: 0,
      dispatchRate: 0,
      clockSamples: 2,
      spreadStart,
    });
    // The burst is measured either way: one one-token request per stream.
    const burst = result.levels[0].burstTtftErrorMs;
    assert(burst.p50 !== null && burst.p99! >= burst.p50 && burst.upstreamP99 !== null);
    // The log holds the last pass: the streaming pass, one request per stream.
    const log = await (await fetch(`${sim.url}/_sim/log`)).json();
    const arrivals: number[] = log.requests.map((r: { arrivalEpochMs: number }) =>
      r.arrivalEpochMs
    );
    assertEquals(arrivals.length, 4);
    return arrivals.sort((a, b) => a - b);
  };
  const spread = await firstArrivals(true);
  for (let i = 1; i < 4; i++) {
    const gap = spread[i] - spread[i - 1];
    assert(gap > 15 && gap < 60, `spread start: gaps ${spread.map((a) => a - spread[0])}`);
  }
  const together = await firstArrivals(false);
  assert(together[3] - together[0] < 15, `at once: ${together.map((a) => a - together[0])}`);
});

Deno.test("calibrate() by default uses no more Workers than a level has streams, as the benchmark", async () => {
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const cores = navigator.hardwareConcurrency ?? 1;
  const result = await calibrate(sim.url, {
    levels: [1, 3],
    tokens: 2,
    minRequests: 1,
    minSamples: 0,
    dispatchRate: 0,
    clockSamples: 2,
  });
  assertEquals(result.levels.map((l) => l.workers), [1, Math.min(cores, 3)]);
  assertEquals(result.levels[0].loopLagMsP99ByThread.length, 2, "main thread and one Worker");
  assertEquals(result.workers, cores);
});
