import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { summarizeRun } from "../../lib/core/summarize_run.ts";
import { summarize } from "../../lib/core/summarize.ts";
import { REQUEST_METRICS, RUN_METRICS } from "../../lib/core/metric_names.ts";
import type { RequestRecord, RequestRecordBase } from "../../lib/core/request_record.ts";
import { recordBase } from "../_record.ts";

const BASE: RequestRecordBase = recordBase({
  startEpochMs: 1_700_000_000_000,
  inputTokens: 100,
  maxOutputTokens: 50,
});

/** A completed request with consistent derived metrics. */
function okRecord(
  requestId: number,
  f: { ttftMs: number; e2eMs: number; outputTokens: number; inputTokens?: number },
  phase: "warmup" | "measure" = "measure",
): RequestRecord {
  const lastContentMs = f.e2eMs - 1;
  return {
    ...BASE,
    requestId,
    phase,
    status: "ok",
    errorCode: null,
    errorMessage: null,
    inputTokens: f.inputTokens ?? 100,
    outputTokens: f.outputTokens,
    ttftMs: f.ttftMs,
    lastContentMs,
    e2eMs: f.e2eMs,
    interTokenLatencyMs: f.outputTokens > 1
      ? (lastContentMs - f.ttftMs) / (f.outputTokens - 1)
      : null,
    llmperfInterTokenLatencyS: lastContentMs / 1000 / f.outputTokens,
    outputThroughputTokPerS: f.outputTokens / (f.e2eMs / 1000),
  };
}

function errorRecord(
  requestId: number,
  errorCode: number,
  phase: "warmup" | "measure" = "measure",
) {
  const r: RequestRecord = {
    ...BASE,
    requestId,
    phase,
    status: "error",
    errorCode,
    errorMessage: `failed with ${errorCode}`,
    e2eMs: 5,
    outputTokens: 7, // partial output before the failure: must not count
  };
  return r;
}

const MEASURED = [
  okRecord(2, { ttftMs: 120, e2eMs: 900, outputTokens: 40, inputTokens: 90 }),
  okRecord(3, { ttftMs: 80, e2eMs: 1100, outputTokens: 50, inputTokens: 110 }),
  errorRecord(4, 429),
  okRecord(5, { ttftMs: 200, e2eMs: 1500, outputTokens: 60 }),
  errorRecord(6, 503),
  errorRecord(7, 429),
  okRecord(8, { ttftMs: 150, e2eMs: 1300, outputTokens: 30 }),
];
const WARMUP = [
  okRecord(0, { ttftMs: 9000, e2eMs: 20000, outputTokens: 999 }, "warmup"),
  errorRecord(1, 500, "warmup"),
];

Deno.test("summarizeRun() counts requests, errors and error codes of measured requests", () => {
  const s = summarizeRun([...WARMUP, ...MEASURED], { wallTimeMs: 4000 });
  strictEqual(s.numRequestsStarted, 7);
  strictEqual(s.numCompleted, 4);
  strictEqual(s.numErrors, 3);
  strictEqual(s.errorRate, 3 / 7);
  deepStrictEqual(s.errorCodeFrequency, { "429": 2, "503": 1 });
  strictEqual(s.note, undefined);
});

Deno.test("summarizeRun() leaves warm-up records out entirely", () => {
  const withWarmup = summarizeRun([...WARMUP, ...MEASURED], { wallTimeMs: 4000 });
  const without = summarizeRun(MEASURED, { wallTimeMs: 4000 });
  deepStrictEqual(withWarmup, without);
});

Deno.test("summarizeRun() computes LLMPerf's aggregate throughput from completed requests", () => {
  const s = summarizeRun(MEASURED, { wallTimeMs: 4000 });
  strictEqual(s.totalOutputTokens, 40 + 50 + 60 + 30); // errored partial output excluded
  strictEqual(s.outputTokensPerS, 180 / 4);
  strictEqual(s.completedRequestsPerMin, 4 / (4000 / 60_000));
  strictEqual(s.wallTimeMs, 4000);
});

Deno.test("summarizeRun() gives each request metric the stats of completed requests only", () => {
  const s = summarizeRun(MEASURED, { wallTimeMs: 4000 });
  deepStrictEqual(Object.keys(s.stats), [...REQUEST_METRICS]);
  const completed = MEASURED.filter((r) => r.status === "ok");
  for (const metric of REQUEST_METRICS) {
    const values = completed.map((r) => r[metric] as number);
    deepStrictEqual(s.stats[metric], summarize(values), metric);
  }
  strictEqual(s.stats.ttftMs.p50, 135);
  strictEqual(s.stats.e2eMs.min, 900);
  strictEqual(s.stats.inputTokens.mean, 100);
});

Deno.test("summarizeRun() skips null metric values and says how many", () => {
  const records = [
    okRecord(0, { ttftMs: 100, e2eMs: 500, outputTokens: 1 }), // no inter-token latency
    okRecord(1, { ttftMs: 100, e2eMs: 500, outputTokens: 11 }),
    okRecord(2, { ttftMs: 100, e2eMs: 700, outputTokens: 21 }),
  ];
  const s = summarizeRun(records, { wallTimeMs: 1000 });
  strictEqual(s.stats.interTokenLatencyMs.count, 2);
  strictEqual(s.stats.interTokenLatencyMs.note, "1 of 3 completed requests have no value");
  strictEqual(s.stats.ttftMs.note, undefined);
  const single = summarizeRun(records.slice(0, 2), { wallTimeMs: 1000 });
  ok(
    /^1 of 2 completed requests have no value; one value/.test(
      single.stats.interTokenLatencyMs.note ?? "",
    ),
    single.stats.interTokenLatencyMs.note,
  );
});

Deno.test("summarizeRun() when every request failed: null stats with notes, errorRate 1", () => {
  const s = summarizeRun([errorRecord(0, 599), errorRecord(1, 408)], { wallTimeMs: 300 });
  strictEqual(s.numCompleted, 0);
  strictEqual(s.errorRate, 1);
  strictEqual(s.totalOutputTokens, 0);
  strictEqual(s.outputTokensPerS, 0);
  strictEqual(s.note, "no request succeeded: all 2 failed");
  for (const metric of REQUEST_METRICS) {
    strictEqual(s.stats[metric].count, 0);
    strictEqual(s.stats[metric].p50, null);
    strictEqual(s.stats[metric].note, "no request succeeded");
  }
  ok(!JSON.stringify(s).includes("NaN"));
  deepStrictEqual(JSON.parse(JSON.stringify(s)), s);
});

Deno.test("summarizeRun() of no measured requests has null rates and a note", () => {
  const s = summarizeRun(WARMUP, { wallTimeMs: 0 });
  strictEqual(s.numRequestsStarted, 0);
  strictEqual(s.errorRate, null);
  strictEqual(s.outputTokensPerS, null);
  strictEqual(s.completedRequestsPerMin, null);
  strictEqual(s.note, "no measured requests");
  strictEqual(s.stats.e2eMs.note, "no measured requests");
  deepStrictEqual(JSON.parse(JSON.stringify(s)), s);
});

Deno.test("summarizeRun() with zero wall time leaves rates null instead of Infinity", () => {
  const s = summarizeRun(MEASURED.slice(0, 1), { wallTimeMs: 0 });
  strictEqual(s.outputTokensPerS, null);
  strictEqual(s.completedRequestsPerMin, null);
  strictEqual(s.note, "wall time is 0 ms: rates are undefined");
});

Deno.test("summarizeRun() rejects a bad wall time naming the value", () => {
  for (const wallTimeMs of [-1, NaN, Infinity]) {
    throws(() => summarizeRun(MEASURED, { wallTimeMs }), {
      name: "RangeError",
      message:
        `Cannot summarize run: 'wallTimeMs' must be a non-negative finite number, got ${wallTimeMs}`,
    });
  }
  throws(() => summarizeRun("x" as unknown as RequestRecord[], { wallTimeMs: 1 }), TypeError);
});

Deno.test("summarizeRun() has a field for every RUN_METRICS name", () => {
  const s = summarizeRun(MEASURED, { wallTimeMs: 4000 });
  for (const name of RUN_METRICS) ok(typeof s[name] === "number", name);
});

Deno.test("summarizeRun() splits TTFT at the wire send and leaves cold starts out of the warm TTFT", () => {
  const ok = { status: "ok", errorCode: null, errorMessage: null } as const;
  const records: RequestRecord[] = [
    { ...recordBase({ ttftMs: 50, requestSentMs: 10, coldStart: true }), ...ok },
    { ...recordBase({ requestId: 1, ttftMs: 20, requestSentMs: 2, coldStart: false }), ...ok },
    { ...recordBase({ requestId: 2, ttftMs: 24, requestSentMs: 4, coldStart: false }), ...ok },
    {
      ...recordBase({ requestId: 3, ttftMs: 1, requestSentMs: 0.5, coldStart: true }),
      status: "error",
      errorCode: 500,
      errorMessage: "x",
    },
  ];
  const s = summarizeRun(records, { wallTimeMs: 1000 });
  const parts = s.ttftParts;
  if (parts === undefined) throw new Error("no ttftParts");
  strictEqual(parts.coldStarts, 1);
  deepStrictEqual(parts.sendMs.count, 3);
  strictEqual(parts.sendMs.max, 10);
  strictEqual(parts.ttftFromSentMs.min, 18);
  strictEqual(parts.ttftFromSentMs.max, 40);
  strictEqual(parts.ttftWarmMs.count, 2);
  strictEqual(parts.ttftWarmMs.max, 24);
  strictEqual(s.stats.ttftMs.max, 50);
  // Records of a client that stamps nothing (or of older files): no section.
  const old = summarizeRun([{ ...recordBase({ ttftMs: 5 }), ...ok }], { wallTimeMs: 1000 });
  strictEqual(old.ttftParts, undefined);
});
