/**
 * Rendering time and size of a run's `report.html` by run size: synthetic runs of `--sizes`
 * records (default 1e3, 1e4, 1e5: 64 streams, 1 % errors, 50–150 output tokens in chunks of 1–2,
 * a quarter of the requests with one stall), the median and min–max over `--repetitions` renders
 * (default 3, after one warm-up render at the smallest size), and the page's size. Two ways:
 * `run` is what every run with a results folder pays at its end (`writeRunFiles` hands
 * `htmlReport` the `runReport` it made for summary.json), `derived` what `deno task report` pays
 * (`htmlReport` derives the statistics itself). `--plot-records N` is htmlReport's
 * `plotRecords` (default its default, 20000; a large N draws every record).
 *
 *     deno run -A bench/report_speed.ts [--sizes 1000,10000,100000] [--repetitions 3] \
 *       [--plot-records N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createRandom, quantile, type RequestRecord } from "tokenbench/core";
import { htmlReport, type RunMetadata, runReport, type RunReportInput } from "tokenbench/report";

const STREAMS = 64;

/** `n` records of a closed loop at {@link STREAMS} streams, seeded. */
export function records(n: number): RequestRecord[] {
  const random = createRandom(42);
  const free = Array.from({ length: STREAMS }, () => 0); // when each stream is free, ms
  const out: RequestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const stream = i % STREAMS;
    const send = free[stream];
    const base = {
      requestId: i,
      phase: "measure" as const,
      intendedSendMs: send,
      actualSendMs: send + 0.2,
      startEpochMs: 1.7e12 + send,
      inputTokens: 550,
      maxOutputTokens: 150,
      reasoningTokens: 0,
      serverInputTokens: null,
      serverOutputTokens: null,
      serverLatencyMs: null,
      serverFirstByteLatencyMs: null,
      firstReasoningMs: null,
      reasoningArrivalMs: [],
      retries: 0,
    };
    if (random() < 0.01) {
      free[stream] = send + 40;
      out.push({
        ...base,
        outputTokens: 0,
        headersMs: 35,
        firstMessageMs: null,
        ttftMs: null,
        lastContentMs: null,
        e2eMs: 40,
        interTokenLatencyMs: null,
        llmperfInterTokenLatencyS: null,
        outputThroughputTokPerS: null,
        chunkCount: 0,
        chunkArrivalMs: [],
        chunkTokens: [],
        messageCount: 0,
        choicesArrivalMs: [],
        lastMessageMs: null,
        status: "error",
        errorCode: 429,
        errorMessage: "Too Many Requests",
      });
      continue;
    }
    const ttft = 150 + random() * 300;
    const tokens = 50 + Math.floor(random() * 101);
    const arrivals: number[] = [];
    const sizes: number[] = [];
    const stallAt = random() < 0.25 ? Math.floor(random() * 30) : -1;
    let t = ttft;
    for (let left = tokens; left > 0;) {
      const k = Math.min(left, 1 + Math.floor(random() * 2));
      arrivals.push(Math.round(t * 10) / 10);
      sizes.push(k);
      left -= k;
      t += k * (15 + 10 * random()) + (arrivals.length === stallAt ? 500 : 0);
    }
    const last = arrivals[arrivals.length - 1];
    const e2e = last + 2;
    free[stream] = send + e2e;
    out.push({
      ...base,
      outputTokens: tokens,
      headersMs: ttft / 2,
      firstMessageMs: ttft * 0.9,
      ttftMs: arrivals[0],
      lastContentMs: last,
      e2eMs: e2e,
      interTokenLatencyMs: (last - arrivals[0]) / (tokens - 1),
      llmperfInterTokenLatencyS: e2e / tokens / 1000,
      outputThroughputTokPerS: tokens / (e2e / 1000),
      chunkCount: arrivals.length,
      chunkArrivalMs: arrivals,
      chunkTokens: sizes,
      messageCount: arrivals.length + 2,
      choicesArrivalMs: arrivals,
      lastMessageMs: e2e,
      status: "ok",
      errorCode: null,
      errorMessage: null,
    });
  }
  return out;
}

export function metadata(n: number): RunMetadata {
  return {
    llmApi: "openai",
    model: "synthetic",
    endpoint: "http://127.0.0.1:9/v1",
    simulated: true,
    tokenizer: "cl100k_base",
    promptMode: "llmperf",
    seed: 42,
    meanInputTokens: 550,
    stddevInputTokens: 0,
    meanOutputTokens: 100,
    stddevOutputTokens: 30,
    numConcurrentRequests: STREAMS,
    rate: null,
    arrival: null,
    maxInFlight: null,
    maxRequests: n,
    warmup: 0,
    timeoutS: 600,
    requestTimeoutS: null,
    additionalSamplingParams: {},
    userMetadata: {},
  };
}

async function render(
  recs: RequestRecord[],
  how: "run" | "derived",
  plotRecords: number | undefined,
): Promise<{ ms: number; bytes: number }> {
  const wallTimeMs = Math.max(...recs.map((r) => r.actualSendMs + r.e2eMs));
  const run: RunReportInput = {
    records: recs,
    wallTimeMs,
    startEpochMs: 1.7e12,
    metadata: metadata(recs.length),
  };
  // The run pipeline has made runReport for summary.json before: not timed here.
  const report = how === "run" ? runReport(run) : undefined;
  const t0 = performance.now();
  const html = await htmlReport({ label: "synthetic", run, report }, { plotRecords });
  const ms = performance.now() - t0;
  return { ms, bytes: new TextEncoder().encode(html).length };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "1000,10000,100000" },
      repetitions: { type: "string", default: "3" },
      "plot-records": { type: "string" },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const reps = Number(values.repetitions);
  const plotRecords = values["plot-records"] === undefined
    ? undefined
    : Number(values["plot-records"]);
  if (
    !sizes.every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(reps) && reps > 0) ||
    !(plotRecords === undefined || (Number.isInteger(plotRecords) && plotRecords > 0))
  ) {
    console.error(
      `error: --sizes, --repetitions and --plot-records must be positive integers, got ` +
        `'${values.sizes}', '${values.repetitions}' and '${values["plot-records"]}'`,
    );
    Deno.exit(2);
  }
  // warm-up: compile vega's parsers and the text measure
  await render(records(Math.min(...sizes)), "run", plotRecords);
  for (const n of sizes) {
    const recs = records(n);
    for (const how of ["run", "derived"] as const) {
      const runs: { ms: number; bytes: number }[] = [];
      for (let i = 0; i < reps; i++) runs.push(await render(recs, how, plotRecords));
      const times = runs.map((r) => r.ms);
      console.log(JSON.stringify({
        records: n,
        how,
        medianMs: Math.round(quantile(times, 0.5)!),
        minMs: Math.round(Math.min(...times)),
        maxMs: Math.round(Math.max(...times)),
        pageKiB: Math.round(runs[0].bytes / 1024),
      }));
    }
  }
}
