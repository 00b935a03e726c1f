import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { assertAlmostEquals } from "../_assert.ts";
import {
  applyLens,
  describeLenses,
  LENS_METRICS,
  LENS_NAMES,
  LENSES,
  type LensName,
  type LensRecord,
  lensRequestValues,
} from "../../lib/core/lenses.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { toRequestRecord } from "../../lib/core/to_request_record.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

/**
 * One OpenAI-style chat stream of a reasoning model as the OpenAI client yields it (a `message`
 * event before what each wire message carries), on a fake clock (ms after send):
 *
 *   5    headers 200
 *   10   role-only chunk                        (choices, no text)
 *   40   reasoning "Let me"         2 tokens
 *   60   reasoning " think"         1 token
 *   80   reasoning "."              1 token    R = 4
 *   100  content "Hello there"      2 tokens   t_1
 *   130  content ","                1 token
 *   150  content ""                            (an empty delta between tokens)
 *   170  content " how are you"     3 tokens
 *   200  content " today?"          2 tokens   t_C, C = 4 chunks, N = 8
 *   210  finish chunk, empty delta             (choices, no text)
 *   265  usage-only chunk, completion_tokens 12 (no choices; late: a long tail)
 *   270  [DONE]                                 T_done
 *   290  the body ends                          T_body
 *
 * Messages with choices M = 10 (role, 3 reasoning, 5 content, finish); 11 with the usage chunk.
 * Tokens: words and punctuation marks.
 */
const EVENTS: [number, StreamEvent][] = [
  [5, { kind: "headers", status: 200 }],
  [10, { kind: "message", choices: true }],
  [40, { kind: "message", choices: true }],
  [40, { kind: "reasoning", text: "Let me" }],
  [60, { kind: "message", choices: true }],
  [60, { kind: "reasoning", text: " think" }],
  [80, { kind: "message", choices: true }],
  [80, { kind: "reasoning", text: "." }],
  [100, { kind: "message", choices: true }],
  [100, { kind: "content", text: "Hello there" }],
  [130, { kind: "message", choices: true }],
  [130, { kind: "content", text: "," }],
  [150, { kind: "message", choices: true }],
  [150, { kind: "content", text: "" }],
  [170, { kind: "message", choices: true }],
  [170, { kind: "content", text: " how are you" }],
  [200, { kind: "message", choices: true }],
  [200, { kind: "content", text: " today?" }],
  [210, { kind: "message", choices: true }],
  [265, { kind: "message", choices: false }],
  [265, { kind: "usage", inputTokens: 20, outputTokens: 12 }],
  [270, { kind: "done", finishReason: "stop" }],
  [290, { kind: "body-end" }],
];
const countTokens = (text: string) => (text.match(/\w+|[^\w\s]/g) ?? []).length;

/** The record tokenbench's timer and `toRequestRecord` make of `events` on their clock. */
async function record(
  events: [number, StreamEvent][],
  requestId = 7,
  maxOutputTokens = 64,
): Promise<RequestRecord> {
  const clock = [0, ...events.map(([at]) => at), events.at(-1)![0] + 1];
  let i = 0;
  async function* stream(): AsyncGenerator<StreamEvent> {
    for (const [, event] of events) yield event;
  }
  const timing = await timeStream(stream(), { now: () => clock[i++], timeOrigin: 0 });
  return toRequestRecord(timing, { requestId, inputTokens: 20, maxOutputTokens, countTokens });
}

type Expected = Partial<
  Record<(typeof LENS_METRICS)[number] | "gapsMs" | "ok", number | number[] | boolean | null>
>;

/** Hand-computed values of the stream under each lens (formulas of docs/metrics.md). */
const EXPECTED: Record<LensName, Expected> = {
  // ITL = TPOT = (t_C − t_1)/(N − 1) = 100/7; E2E at [DONE]; N/E2E = 8/0.270 s.
  tokenbench: {
    ttftMs: 100,
    itlMs: 100 / 7,
    tpotMs: 100 / 7,
    e2eMs: 270,
    outputThroughputTokPerS: 8 / 0.27,
    outputTokens: 8,
    ttstMs: null,
    gapsMs: [],
  },
  // vLLM: TTFT at the role chunk; E2E at the last message with choices (210), not the usage
  // chunk; N_v = usage 12; TPOT = (210 − 10)/11; pooled gaps between the 10 choices messages.
  vllm: {
    ttftMs: 10,
    itlMs: null,
    tpotMs: 200 / 11,
    e2eMs: 210,
    outputTokens: 12,
    outputThroughputTokPerS: null,
    gapsMs: [30, 20, 20, 20, 30, 20, 20, 30, 10],
  },
  // GuideLLM: 7 token iterations (3 reasoning, 4 content), first 40, last 200; N_g = usage 12;
  // ITL = 160/11; TPOT = 200/12; E2E at [DONE]; time to first output token 100.
  guidellm: {
    ttftMs: 40,
    itlMs: 160 / 11,
    tpotMs: 200 / 12,
    e2eMs: 270,
    outputThroughputTokPerS: 12 / 0.27,
    outputTokens: 12,
    firstAnswerMs: 100,
    ok: true,
  },
  // GuideLLM 0.5.4: answer chunks only (100 … 200), N_g = usage 12, E2E at the body's end.
  "guidellm-0.5.4": {
    ttftMs: 100,
    itlMs: 100 / 11,
    tpotMs: 200 / 12,
    e2eMs: 290,
    outputThroughputTokPerS: 12 / 0.29,
    outputTokens: 12,
    firstAnswerMs: null,
    ok: true,
  },
  // LLMPerf (current): M = 10 messages it receives (it asks no usage); ITL = t_C/M = 200/10;
  // E2E at the end of the body (290); N/E2E.
  llmperf: { ttftMs: 100, itlMs: 20, tpotMs: null, e2eMs: 290, outputThroughputTokPerS: 8 / 0.29 },
  // Apr – Dec 2024: ITL = t_C/N = 200/8; N/E2E.
  "llmperf-2024": { ttftMs: 100, itlMs: 25, e2eMs: 290, outputThroughputTokPerS: 8 / 0.29 },
  // Dec 2023 – Apr 2024: ITL = t_C/N; M/E2E = 10/0.29.
  "llmperf-2023": { ttftMs: 100, itlMs: 25, e2eMs: 290, outputThroughputTokPerS: 10 / 0.29 },
  // AIPerf: responses with content or reasoning 40 … 200; OSL = 8 + 4; ITL = 160/11; per-user
  // 1000/ITL = 68.75; TTST 20; pooled ICL gaps.
  aiperf: {
    ttftMs: 40,
    itlMs: 160 / 11,
    e2eMs: 200,
    outputThroughputTokPerS: 68.75,
    outputTokens: 12,
    ttstMs: 20,
    firstAnswerMs: null,
    gapsMs: [20, 20, 20, 30, 40, 30],
  },
  // GenAI-Perf: answer responses only, 100 … 200; OSL = N = 8; ITL = 100/7 rounded to the ns.
  "genai-perf": {
    ttftMs: 100,
    itlMs: Math.round(100e6 / 7) / 1e6,
    e2eMs: 200,
    outputTokens: 8,
    ttstMs: 30,
    outputThroughputTokPerS: 1000 / (Math.round(100e6 / 7) / 1e6),
    gapsMs: [],
  },
};

function check(lens: LensName, r: LensRecord, expected: Expected, requestId = 7): void {
  const v = lensRequestValues(lens, r);
  strictEqual(v.requestId, requestId);
  for (const [key, want] of Object.entries(expected)) {
    const got = v[key as keyof typeof v];
    if (typeof want === "number" && typeof got === "number") {
      assertAlmostEquals(got, want, 1e-9, `${lens} ${key}: ${got} vs ${want}`);
    } else {
      deepStrictEqual(got, want, `${lens} ${key}`);
    }
  }
}

Deno.test("the stream gives the record the hand computation assumes", async () => {
  const r = await record(EVENTS);
  strictEqual(r.status, "ok");
  deepStrictEqual(
    [r.firstMessageMs, r.firstReasoningMs, r.ttftMs, r.lastContentMs, r.e2eMs, r.bodyEndMs],
    [10, 40, 100, 200, 270, 290],
  );
  deepStrictEqual(r.chunkArrivalMs, [100, 130, 170, 200]);
  deepStrictEqual(r.reasoningArrivalMs, [40, 60, 80]);
  deepStrictEqual(r.choicesArrivalMs, [10, 40, 60, 80, 100, 130, 150, 170, 200, 210]);
  deepStrictEqual([r.outputTokens, r.reasoningTokens, r.serverOutputTokens, r.messageCount], [
    8,
    4,
    12,
    11,
  ]);
});

Deno.test("every lens reads the stream as its peer's code would", async () => {
  const r = await record(EVENTS);
  for (const lens of LENS_NAMES) check(lens, r, EXPECTED[lens]);
});

Deno.test("the lens names, the versions they equal, and --lens help", () => {
  deepStrictEqual([...LENS_NAMES], [
    "tokenbench",
    "vllm",
    "guidellm",
    "guidellm-0.5.4",
    "llmperf",
    "llmperf-2024",
    "llmperf-2023",
    "aiperf",
    "genai-perf",
  ]);
  ok(LENSES.llmperf.version.includes("f1d6bed"));
  ok(LENSES["llmperf-2024"].version.includes("afd137a"));
  ok(LENSES["llmperf-2023"].version.includes("1eac866"));
  ok(LENSES.guidellm.version.includes("ee7a774"));
  ok(LENSES["guidellm-0.5.4"].version.includes("v0.5.4"));
  ok(LENSES.aiperf.version.includes("db4f639"));
  ok(LENSES["genai-perf"].version.includes("263c5f6"));
  ok(LENSES.vllm.version.includes("55508"));
  const help = describeLenses().split("\n");
  strictEqual(help.length, LENS_NAMES.length);
  LENS_NAMES.forEach((name, i) => ok(help[i].startsWith(`${name}: `), help[i]));
});

Deno.test("the tokenbench lens agrees with the record's own derived metrics", async () => {
  const r = await record(EVENTS);
  const v = lensRequestValues("tokenbench", r);
  strictEqual(v.itlMs, r.interTokenLatencyMs);
  strictEqual(v.outputThroughputTokPerS, r.outputThroughputTokPerS);
  assertAlmostEquals(
    lensRequestValues("llmperf-2024", r).itlMs!,
    r.llmperfInterTokenLatencyS! * 1000,
    1e-9,
  );
});

Deno.test("without a usage-only chunk vLLM ends at the same message and LLMPerf counts the same M", async () => {
  // The stream a peer that does not ask for usage receives: no usage chunk.
  const noUsage = EVENTS.filter(([at]) => at !== 265);
  const r = await record(noUsage);
  strictEqual(r.messageCount, 10);
  check("vllm", r, { e2eMs: 210, outputTokens: 8, tpotMs: 200 / 7 });
  check("llmperf", r, { itlMs: 20 });
  check("llmperf-2023", r, { outputThroughputTokPerS: 10 / 0.29 });
  // GuideLLM without usage takes the request's output-token target (64), and without a target
  // the 7 token iterations.
  check("guidellm", r, { outputTokens: 64, itlMs: 160 / 63, tpotMs: 200 / 64 });
  check("guidellm", await record(noUsage, 7, 0), {
    outputTokens: 7,
    itlMs: 160 / 6,
    tpotMs: 200 / 7,
  });
});

Deno.test("usage that disagrees with the text moves only the lenses that read usage", async () => {
  const events = EVENTS.map(([at, e]): [number, StreamEvent] =>
    e.kind === "usage" ? [at, { ...e, outputTokens: 30 }] : [at, e]
  );
  const r = await record(events);
  check("vllm", r, { outputTokens: 30, tpotMs: 200 / 29 });
  check("guidellm", r, { outputTokens: 30, itlMs: 160 / 29 });
  for (const lens of ["tokenbench", "llmperf", "aiperf", "genai-perf"] as const) {
    check(lens, r, EXPECTED[lens]);
  }
});

Deno.test("an empty answer: an error for GuideLLM, AIPerf and GenAI-Perf, zeros for LLMPerf", async () => {
  const events: [number, StreamEvent][] = [
    [5, { kind: "headers", status: 200 }],
    [10, { kind: "message", choices: true }],
    [30, { kind: "message", choices: true }],
    [30, { kind: "content", text: "" }],
    [40, { kind: "message", choices: true }],
    [45, { kind: "done", finishReason: "stop" }],
    [50, { kind: "body-end" }],
  ];
  const r = await record(events);
  strictEqual(r.outputTokens, 0);
  for (const lens of ["guidellm", "aiperf", "genai-perf"] as const) {
    check(lens, r, { ok: false, ttftMs: null, e2eMs: null, outputTokens: null });
  }
  // vLLM: a success (choices messages came), TTFT at the role chunk, no TPOT.
  check("vllm", r, { ok: true, ttftMs: 10, e2eMs: 40, outputTokens: 0, tpotMs: null });
  // LLMPerf writes 0 for TTFT and ITL; with Llama-2's BOS the empty text counts 1 token.
  check("llmperf", r, { ok: true, ttftMs: 0, itlMs: 0, outputTokens: 0, e2eMs: 50 });
  const bos = lensRequestValues("llmperf", r, { emptyTextTokens: 1 });
  deepStrictEqual([bos.outputTokens, bos.itlMs, bos.outputThroughputTokPerS], [1, 0, 1 / 0.05]);
  const run = applyLens("aiperf", [{ ...r, actualSendMs: 0 }]);
  deepStrictEqual([run.numCompleted, run.numErrors, run.peer.failed], [0, 1, 1]);
  throws(() => lensRequestValues("llmperf", r, { emptyTextTokens: -1 }), RangeError);
});

Deno.test("a one-token answer and chunks read together", async () => {
  const events: [number, StreamEvent][] = [
    [5, { kind: "headers", status: 200 }],
    [50, { kind: "message", choices: true }],
    [50, { kind: "content", text: "Hi" }],
    [60, { kind: "message", choices: true }],
    [70, { kind: "done", finishReason: "stop" }],
  ];
  const one = await record(events);
  check("tokenbench", one, { itlMs: null, outputTokens: 1 });
  check("vllm", one, { ttftMs: 50, e2eMs: 60, tpotMs: null });
  check("aiperf", one, { ttftMs: 50, ttstMs: null, itlMs: null, gapsMs: [] });
  check("genai-perf", one, { itlMs: null, ttstMs: null, outputTokens: 1 });
  check("llmperf", one, { itlMs: 50 / 2, e2eMs: 71 }); // no body end: the end of the stream
  // Two answer chunks read at once (same stamp): one GenAI-Perf response, two for AIPerf.
  const together: [number, StreamEvent][] = [
    [5, { kind: "headers", status: 200 }],
    [50, { kind: "message", choices: true }],
    [50, { kind: "content", text: "Hi" }],
    [50, { kind: "message", choices: true }],
    [50, { kind: "content", text: " there" }],
    [90, { kind: "message", choices: true }],
    [90, { kind: "content", text: "!" }],
    [95, { kind: "done", finishReason: "stop" }],
  ];
  const r = await record(together);
  check("genai-perf", r, { ttstMs: 40, itlMs: 20, outputTokens: 3 });
  // AIPerf's inter-chunk latency rejects the request's gaps when one is 0.
  check("aiperf", r, { ttstMs: 0, gapsMs: [], itlMs: 20 });
});

Deno.test("lenses fall back to what an older record holds when the extra fields are missing", async () => {
  const {
    reasoningArrivalMs: _r,
    choicesArrivalMs: _c,
    messageCount: _m,
    lastMessageMs: _l,
    bodyEndMs: _b,
    ...r
  } = await record(EVENTS);
  // LLMPerf: M falls back to the 4 answer chunks, E2E to the stream's end.
  check("llmperf", r, { itlMs: 50, e2eMs: 270 });
  check("llmperf-2023", r, { outputThroughputTokPerS: 4 / 0.27 });
  // vLLM: choices messages rebuilt from the first message (10), the first reasoning chunk (40)
  // and the answer chunks.
  check("vllm", r, { ttftMs: 10, e2eMs: 200, tpotMs: 190 / 11, gapsMs: [30, 60, 30, 40, 30] });
  // AIPerf: only the first reasoning response is known.
  check("aiperf", r, { ttftMs: 40, ttstMs: 60, e2eMs: 200, gapsMs: [60, 30, 40, 30] });
});

/** Three requests of a run, sent 1000 ms apart. */
async function run(): Promise<LensRecord[]> {
  const a = { ...(await record(EVENTS, 1)), actualSendMs: 0 };
  const b = {
    ...(await record(EVENTS.filter(([at]) => at !== 265 && at < 190), 2)),
    actualSendMs: 1000,
  };
  const c = { ...(await record(EVENTS.slice(0, 12), 3)), actualSendMs: 2000 };
  return [a, b, c];
}

Deno.test("applyLens() summarizes the run the peer's way: vLLM and LLMPerf", async () => {
  const records = await run();
  const vllm = applyLens("vllm", records);
  const e2e = records.map((r) => lensRequestValues("vllm", r).e2eMs!);
  const mean = (e2e[0] + e2e[1] + e2e[2]) / 3;
  const pop = Math.sqrt(e2e.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
  const sample = Math.sqrt(e2e.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
  assertAlmostEquals(vllm.peer.metrics.e2eMs!.mean, mean, 1e-9);
  assertAlmostEquals(vllm.peer.metrics.e2eMs!.std!, pop, 1e-9); // numpy: ddof 0
  assertAlmostEquals(vllm.stats.e2eMs!.stddev!, sample, 1e-9); // tokenbench: ddof 1
  strictEqual(vllm.peer.metrics.itlMs!.count, vllm.requests.flatMap((v) => v.gapsMs).length);
  strictEqual(vllm.peer.outputTokensPerS, vllm.outputTokensPerS);
  const llmperf = applyLens("llmperf", records);
  const itl = records.map((r) => lensRequestValues("llmperf", r).itlMs!).sort((x, y) => x - y);
  assertAlmostEquals(llmperf.peer.metrics.itlMs!.percentiles.p50, itl[1], 1e-12);
  assertAlmostEquals(llmperf.peer.metrics.itlMs!.percentiles.p25, (itl[0] + itl[1]) / 2, 1e-12);
  const m = (itl[0] + itl[1] + itl[2]) / 3;
  const s = Math.sqrt(itl.reduce((acc, x) => acc + (x - m) ** 2, 0) / 2);
  assertAlmostEquals(llmperf.peer.metrics.itlMs!.std!, s, 1e-12); // pandas: ddof 1
  strictEqual(llmperf.version, LENSES.llmperf.version);
});

Deno.test("applyLens() summarizes the run the peer's way: GuideLLM weights and AIPerf duration", async () => {
  const records = await run();
  const g = applyLens("guidellm", records);
  const v = g.requests;
  // ITL weighted by N_g − 1, TPOT by N_g: the weighted mean.
  const w = v.map((x) => x.outputTokens! - 1);
  const weighted = v.reduce((s, x, i) => s + x.itlMs! * w[i], 0) / (w[0] + w[1] + w[2]);
  assertAlmostEquals(g.peer.metrics.itlMs!.mean, weighted, 1e-9);
  strictEqual(g.peer.metrics.itlMs!.count, w[0] + w[1] + w[2]);
  // A weighted percentile is one of the values: the first whose cumulative weight reaches q.
  const byValue = v.map((x, i) => [x.itlMs!, w[i]] as const).sort((a, b) => a[0] - b[0]);
  let acc = 0;
  const total = w[0] + w[1] + w[2];
  const p50 = byValue.find(([, wi]) => (acc += wi) / total >= 0.5)![0];
  strictEqual(g.peer.metrics.itlMs!.percentiles.p50, p50);
  // Output tokens/s: Σ tokens over first to last token time of the run.
  const first = 0 + 40, last = 2000 + lensRequestValues("guidellm", records[2]).ttftMs!;
  const tokens = v.reduce((s, x) => s + x.outputTokens!, 0);
  ok(last > first);
  strictEqual(g.peer.totalOutputTokens, tokens);
  ok(g.peer.outputTokensPerS! > 0 && g.peer.durationMs <= 2000 + 270);
  // AIPerf: duration from the first send to the last response.
  const ai = applyLens("aiperf", records);
  const lastResponse = Math.max(
    ...records.map((r, i) => r.actualSendMs + ai.requests[i].e2eMs!),
  );
  strictEqual(ai.peer.durationMs, lastResponse);
  assertAlmostEquals(
    ai.peer.outputTokensPerS!,
    ai.totalOutputTokens / (lastResponse / 1000),
    1e-9,
  );
  strictEqual(ai.peer.metrics.interChunkMs!.count, ai.requests.flatMap((x) => x.gapsMs).length);
  ok("p1" in ai.peer.metrics.ttftMs!.percentiles && "p99" in ai.peer.metrics.ttftMs!.percentiles);
});

Deno.test("applyLens() keeps its statistics, pooled metric, run throughput and notes", async () => {
  const r = await record(EVENTS);
  const measured: LensRecord = { ...r, actualSendMs: 100 };
  const warmup: LensRecord = { ...measured, requestId: 0, phase: "warmup", actualSendMs: 0 };
  const failed: RequestRecord = {
    ...r,
    requestId: 8,
    actualSendMs: 150,
    e2eMs: 50,
    status: "error",
    errorCode: 429,
    errorMessage: "throttled",
  };
  const records = [warmup, measured, failed];
  for (const lens of LENS_NAMES) {
    const result = applyLens(lens, records);
    strictEqual(result.numRequestsStarted, 2, lens);
    strictEqual(result.numCompleted, 1, lens);
    strictEqual(result.numErrors, 1, lens);
    strictEqual(result.wallTimeMs, 270, lens);
    strictEqual(result.pooled, LENSES[lens].pooled);
    strictEqual(result.version, LENSES[lens].version);
    for (const metric of LENS_METRICS) {
      strictEqual(
        result.stats[metric] !== null,
        metric in LENSES[lens].metrics,
        `${lens} ${metric}`,
      );
    }
    deepStrictEqual(JSON.parse(JSON.stringify(result)), result, lens);
  }
  strictEqual(applyLens("vllm", records).stats.itlMs?.count, 9);
  const oneToken: RequestRecord = { ...r, requestId: 9, outputTokens: 1, chunkArrivalMs: [100] };
  const noted = applyLens("tokenbench", [r, oneToken]);
  ok(noted.stats.itlMs?.note?.startsWith("1 of 2 completed requests have no value"));
  const none = applyLens("tokenbench", [failed]);
  strictEqual(none.stats.ttftMs?.note, "no request succeeded");
  strictEqual(applyLens("tokenbench", []).outputTokensPerS, null);
});

Deno.test("applyLens() rejects an unknown lens, listing the valid names", () => {
  throws(
    () => applyLens("vlm" as LensName, []),
    (err: Error) =>
      err instanceof RangeError && err.message.includes('got "vlm"') &&
      LENS_NAMES.every((name) => err.message.includes(name)),
  );
  throws(() => applyLens("vllm", "records" as unknown as LensRecord[]), TypeError);
  throws(() => applyLens("vllm", [], { wallTimeMs: -1 }), RangeError);
});
