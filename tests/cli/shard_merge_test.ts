import { assert, assertEquals } from "../_assert.ts";
import { parseShard, shardPlan } from "../../lib/core/shard.ts";
import { mergeShards, type ShardRunInput } from "../../lib/report/merge_shards.ts";
import { readRunJsonl } from "../../lib/report/read_run_jsonl.ts";
import { readServerMetricsJsonl } from "../../lib/report/read_server_metrics.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";
import type { RunMetadata } from "../../lib/report/run_metadata.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { main as mergeMain } from "../../scripts/merge.ts";
import { main as benchMain } from "../../scripts/token_benchmark.ts";

const BENCH = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;

Deno.test("parseShard() reads I/N and refuses anything else", () => {
  assertEquals(parseShard("2/3"), { index: 2, count: 3 });
  for (const bad of ["3/3", "1/0", "-1/2", "a/b", "1", "1/2/3"]) {
    let message = "";
    try {
      parseShard(bad);
    } catch (err) {
      assert(err instanceof RangeError);
      message = err.message;
    }
    assert(message.includes(`'${bad}'`), `${bad}: ${message}`);
  }
});

Deno.test("shardPlan() deals every request id to exactly one shard and splits the load", () => {
  const run = { maxRequests: 10, warmup: 4, concurrency: 8, rate: 9, seed: 5 };
  const plans = [0, 1, 2].map((index) => shardPlan({ index, count: 3 }, run));
  const ids = plans.flatMap((p) => p.requestIds).sort((a, b) => a - b);
  assertEquals(ids, Array.from({ length: 14 }, (_, i) => i));
  assertEquals(plans.map((p) => p.concurrency), [3, 3, 2]);
  assertEquals(plans.map((p) => p.maxRequests), [4, 3, 3]);
  assertEquals(plans.map((p) => p.warmup), [2, 1, 1]);
  assertEquals(plans.map((p) => p.rate), [3, 3, 3]);
  assertEquals(plans.map((p) => p.arrivalSeed), [5, 6, 7]);
  // Warm-up ids come first, then measured ids shifted past the warm-up.
  assertEquals(plans[1].requestIds, [1, 5, 8, 11]);
  let message = "";
  try {
    shardPlan({ index: 0, count: 3 }, { maxRequests: 10, concurrency: 2 });
  } catch (err) {
    message = (err as Error).message;
  }
  assert(message.includes("concurrency 2 cannot be split over 3 shards"), message);
});

function meta(index: number, count: number, extra: Partial<RunMetadata> = {}): RunMetadata {
  return {
    llmApi: "openai",
    model: "m",
    endpoint: "http://127.0.0.1/v1",
    simulated: true,
    tokenizer: "cl100k_base",
    promptMode: "llmperf",
    seed: 0,
    meanInputTokens: 10,
    stddevInputTokens: 0,
    meanOutputTokens: 10,
    stddevOutputTokens: 0,
    numConcurrentRequests: 2,
    rate: null,
    arrival: null,
    maxInFlight: null,
    maxRequests: 2,
    warmup: 0,
    timeoutS: 60,
    requestTimeoutS: null,
    additionalSamplingParams: {},
    userMetadata: {},
    shard: { index, count },
    ...extra,
  };
}

function rec(requestId: number, startEpochMs: number, e2eMs: number, actualSendMs = 0) {
  return {
    requestId,
    phase: "measure",
    status: "ok",
    errorCode: null,
    errorMessage: null,
    startEpochMs,
    e2eMs,
    intendedSendMs: actualSendMs,
    actualSendMs,
  } as unknown as RequestRecord;
}

function shard(index: number, count: number, records: RequestRecord[], extra = {}): ShardRunInput {
  return {
    source: `s${index}`,
    finished: true,
    report: { records, wallTimeMs: 0, startEpochMs: 0, metadata: meta(index, count, extra) },
  };
}

Deno.test("mergeShards() sums the load and spans earliest send to latest completion", () => {
  const merged = mergeShards([
    shard(1, 2, [rec(1, 1100, 500), rec(3, 1300, 900, 200)]),
    shard(0, 2, [rec(0, 1000, 200), rec(2, 1250, 300, 250)], {
      clientHealth: {
        workers: 2,
        loopLagMsP99: 7,
        loopLagMsMax: 9,
        dispatchLagMsP99: 1,
        dispatchLagMsMax: 1,
        cpuMsPer1kTokens: 30,
        limitMs: 5,
        warnings: ["lag"],
      },
    }),
  ]);
  assertEquals(merged.records.map((r) => r.requestId), [0, 1, 2, 3]);
  assertEquals(merged.startEpochMs, 1000);
  assertEquals(merged.wallTimeMs, 1300 + 900 - 1000);
  assertEquals(merged.metadata.numConcurrentRequests, 4);
  assertEquals(merged.metadata.maxRequests, 4);
  assertEquals(merged.metadata.shard, undefined);
  assertEquals(merged.metadata.merged, { shards: 2, sources: ["s1", "s0"] });
  assertEquals(merged.metadata.clientHealth?.warnings, ["shard 0: lag"]);
  // Shard 1 started 100 ms after shard 0: its send times move onto the merged start.
  assertEquals(merged.records[1].actualSendMs, 100);
  assertEquals(merged.records[3].actualSendMs, 300);
  assert(merged.finished);
});

/** The whole run's load, as a shard records it. */
const OF = { maxRequests: 100, warmup: 0, concurrency: 4, rate: null };

Deno.test("mergeShards() refuses runs that are not the shards of one run", () => {
  const cases: [ShardRunInput[], string][] = [
    [[shard(0, 2, []), shard(0, 2, [])], "shard 0 given twice"],
    [[shard(0, 2, []), shard(1, 3, [])], "others are of 2"],
    [[shard(0, 2, []), shard(1, 2, [], { seed: 9 })], "seed 9"],
    [[shard(0, 2, [rec(0, 0, 1)]), shard(1, 2, [rec(0, 0, 1)])], "requestId 0 is in both"],
    [[shard(0, 2, [])], "shard(s) 1 of 2 missing"],
    [[shard(0, 2, []), shard(1, 2, [], { rate: 2 })], "s1 is an open loop, s0 is a closed loop"],
    [
      [
        shard(0, 2, [], { shard: { index: 0, count: 2, of: OF } }),
        shard(1, 2, [], { shard: { index: 1, count: 2, of: { ...OF, maxRequests: 200 } } }),
      ],
      "s1 is a shard of a run of 200 requests, 0 warm-up, concurrency 4, s0 of 100 requests",
    ],
    [
      [shard(0, 2, []), shard(1, 2, [], { additionalSamplingParams: { temperature: 1 } })],
      "s1 has additionalSamplingParams",
    ],
  ];
  for (const [runs, expected] of cases) {
    let message = "";
    try {
      mergeShards(runs);
    } catch (err) {
      assert(err instanceof RangeError);
      message = err.message;
    }
    assert(message.includes(expected), `${expected}: ${message}`);
  }
  const partial = mergeShards([shard(0, 2, [rec(0, 0, 1)])], { allowMissing: true });
  assertEquals(partial.missing, [1]);
  assert(!partial.finished && partial.metadata.stopReason!.includes("without shard(s) 1"));
});

/** Run a script's main in this process, capturing what it prints. */
async function capture(run: () => Promise<number>) {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await run(), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("three shard processes against one simulator merge into the unsharded run's requests and server metrics", async () => {
  await using sim = await startSimulator({ ttftMs: 15, itlMs: 2 });
  const root = await Deno.makeTempDir();
  try {
    const common = [
      "--model",
      "sim-model",
      "--base-url",
      `${sim.url}/v1`,
      "--max-num-completed-requests",
      "12",
      "--num-concurrent-requests",
      "3",
      "--warmup",
      "3",
      "--mean-input-tokens",
      "40",
      "--stddev-input-tokens",
      "10",
      "--mean-output-tokens",
      "6",
      "--stddev-output-tokens",
      "2",
      "--seed",
      "11",
      "--workers",
      "0",
      "--quiet",
    ];
    const children = [0, 1, 2].map((i) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net=127.0.0.1,localhost",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-sys",
          BENCH,
          ...common,
          "--server-metrics",
          `${sim.url}/metrics`,
          "--server-metrics-interval-ms",
          "20",
          "--shard",
          `${i}/3`,
          "--results-dir",
          `${root}/shards`,
        ],
        stdout: "null",
        stderr: "piped",
        stdin: "null",
      }).output()
    );
    const outputs = await Promise.all(children);
    for (const o of outputs) assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
    const shardDirs: string[] = [];
    for await (const e of Deno.readDir(`${root}/shards`)) {
      shardDirs.push(`${root}/shards/${e.name}`);
    }
    assertEquals(shardDirs.length, 3);
    const { code } = await capture(() =>
      mergeMain([...shardDirs, "--results-dir", `${root}/merged`])
    );
    assertEquals(code, 0);
    const [mergedName] = [...Deno.readDirSync(`${root}/merged`)].map((e) => e.name);
    const mergedDir = `${root}/merged/${mergedName}`;
    const merged = readRunJsonl(await Deno.readTextFile(`${mergedDir}/requests.jsonl`));
    const summary = JSON.parse(await Deno.readTextFile(`${mergedDir}/summary.json`));

    // Totals: every request of the run, once; the load of the whole run.
    assertEquals(merged.records.map((r) => r.requestId), Array.from({ length: 15 }, (_, i) => i));
    assertEquals(summary.summary.numRequestsStarted, 12);
    assertEquals(summary.summary.numCompleted, 12);
    assertEquals(summary.metadata.numConcurrentRequests, 3);
    assertEquals(summary.metadata.maxRequests, 12);
    assertEquals(summary.metadata.warmup, 3);
    assertEquals(summary.metadata.merged.shards, 3);
    assertEquals(sim.log().length, 15, "the simulator saw each request once");
    // Wall clock: earliest measured send to latest measured completion, over all shards.
    const measured = merged.records.filter((r) => r.phase === "measure");
    const first = Math.min(...measured.map((r) => r.startEpochMs));
    const last = Math.max(...measured.map((r) => r.startEpochMs + r.e2eMs));
    assertEquals(summary.summary.wallTimeMs, last - first);
    const tokens = measured.reduce((s, r) => s + r.outputTokens, 0);
    assertEquals(summary.summary.totalOutputTokens, tokens);

    // The shards' server metrics: every scrape of every shard, in epoch order, summarized.
    const shardMetrics = await Promise.all(
      shardDirs.map(async (d) =>
        readServerMetricsJsonl(await Deno.readTextFile(`${d}/server_metrics.jsonl`))
      ),
    );
    const mergedMetrics = readServerMetricsJsonl(
      await Deno.readTextFile(`${mergedDir}/server_metrics.jsonl`),
    );
    const scrapes = shardMetrics.reduce((n, m) => n + m.scrapes.length, 0);
    assert(scrapes >= 3, `${scrapes} scrapes`);
    assertEquals(mergedMetrics.scrapes.length, scrapes);
    const epochs = mergedMetrics.scrapes.map((x) => x.epochMs);
    assertEquals(epochs, [...epochs].sort((a, b) => a - b));
    assertEquals(mergedMetrics.header.url, `${sim.url}/metrics`);
    assertEquals(summary.serverMetrics.scrapes, scrapes);
    assert(summary.serverMetrics.roles.running !== undefined, "running requests summarized");
    const html = await Deno.readTextFile(`${mergedDir}/report.html`);
    assert(html.includes('data-plot="server_metrics"'), "the merged report plots them");

    // Shards that scraped different servers are refused, with the reason, nothing written.
    const moved = `${shardDirs[1]}/server_metrics.jsonl`;
    const text = await Deno.readTextFile(moved);
    await Deno.writeTextFile(
      moved,
      text.replace(`${sim.url}/metrics`, "http://127.0.0.1:1/metrics"),
    );
    const refused = await capture(() => mergeMain([...shardDirs, "--results-dir", `${root}/m2`]));
    assertEquals(refused.code, 2);
    assert(refused.err.includes("not the same server"), refused.err);
    assert(refused.err.includes("http://127.0.0.1:1/metrics"), refused.err);
    assertEquals([...Deno.readDirSync(root)].some((e) => e.name === "m2"), false);

    // The same prompts as the unsharded run: same ids, same prompt lengths.
    const { code: whole } = await capture(() =>
      benchMain([...common, "--results-dir", `${root}/whole`])
    );
    assertEquals(whole, 0);
    const [wholeName] = [...Deno.readDirSync(`${root}/whole`)].map((e) => e.name);
    const unsharded = readRunJsonl(
      await Deno.readTextFile(`${root}/whole/${wholeName}/requests.jsonl`),
    );
    const lengths = (rs: RequestRecord[]) =>
      [...rs].sort((a, b) => a.requestId - b.requestId).map((r) => [r.requestId, r.inputTokens]);
    assertEquals(lengths(merged.records), lengths(unsharded.records));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
