import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { assertAlmostEquals } from "../_assert.ts";
import {
  applyLens,
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
 * One recorded OpenAI-style chat stream of a reasoning model, on a fake clock (ms after send):
 *
 *   5    headers 200
 *   10   role-only chunk                       (choices non-empty, no text)
 *   40   reasoning "Let me"        2 tokens
 *   60   reasoning " think"        1 token
 *   80   reasoning "."             1 token    R = 4 reasoning tokens
 *   100  content "Hello there"     2 tokens   t_1
 *   130  content ","               1 token
 *   170  content " how are you"    3 tokens
 *   200  content " today?"         2 tokens   t_C, C = 4 chunks, N = 8 answer tokens
 *   210  finish chunk, empty delta             (choices non-empty, no text)
 *   215  usage-only chunk, completion_tokens 12 (choices empty)
 *   220  [DONE], end of stream                 E2E = 220
 *
 * Wire data messages M = 10 (role, 3 reasoning, 4 content, finish, usage).
 * Tokens: words and punctuation marks, so the whole answer "Hello there, how are you today?"
 * is 8 tokens and the reasoning "Let me think." is 4.
 */
const EVENTS: [number, StreamEvent][] = [
  [5, { kind: "headers", status: 200 }],
  [10, { kind: "message" }],
  [40, { kind: "reasoning", text: "Let me" }],
  [60, { kind: "reasoning", text: " think" }],
  [80, { kind: "reasoning", text: "." }],
  [100, { kind: "content", text: "Hello there" }],
  [130, { kind: "content", text: "," }],
  [170, { kind: "content", text: " how are you" }],
  [200, { kind: "content", text: " today?" }],
  [210, { kind: "message" }],
  [215, { kind: "message" }],
  [215, { kind: "usage", inputTokens: 20, outputTokens: 12 }],
  [220, { kind: "done", finishReason: "stop" }],
];
const countTokens = (text: string) => (text.match(/\w+|[^\w\s]/g) ?? []).length;

async function recordedStream(): Promise<RequestRecord> {
  const clock = [0, ...EVENTS.map(([at]) => at), 220];
  let i = 0;
  async function* events(): AsyncGenerator<StreamEvent> {
    for (const [, event] of EVENTS) yield event;
  }
  const timing = await timeStream(events(), { now: () => clock[i++], timeOrigin: 0 });
  return toRequestRecord(timing, {
    requestId: 7,
    inputTokens: 20,
    maxOutputTokens: 64,
    countTokens,
  });
}

/** What the proposed timer fields (LensRecordExtras) hold for the same stream. */
const EXTRAS = {
  reasoningArrivalMs: [40, 60, 80],
  choicesArrivalMs: [10, 40, 60, 80, 100, 130, 170, 200, 210],
  messageCount: 10,
  lastMessageMs: 215,
};

type Expected = Partial<Record<(typeof LENS_METRICS)[number] | "gapsMs", number | number[] | null>>;

/** Hand-computed values with every extra present. */
const WITH_EXTRAS: Record<LensName, Expected> = {
  // ITL = TPOT = (t_C − t_1)/(N − 1) = (200 − 100)/7; throughput N/E2E = 8/0.220 s.
  tokenbench: {
    ttftMs: 100,
    itlMs: 100 / 7,
    tpotMs: 100 / 7,
    e2eMs: 220,
    outputThroughputTokPerS: 8 / 0.22,
    outputTokens: 8,
    ttstMs: null,
    firstAnswerMs: null,
    gapsMs: [],
  },
  // ITL = (t_C − T0)/M = 200/10 (TTFT included); throughput N/E2E = 8/0.22.
  llmperf: { ttftMs: 100, itlMs: 20, tpotMs: null, e2eMs: 220, outputThroughputTokPerS: 8 / 0.22 },
  // ITL = (t_C − T0)/N = 200/8; throughput M/E2E = 10/0.22.
  "llmperf-2023": { ttftMs: 100, itlMs: 25, e2eMs: 220, outputThroughputTokPerS: 10 / 0.22 },
  // TTFT at the role chunk (10); E2E at the last data message, the usage chunk (215);
  // N = usage 12; TPOT = (215 − 10)/(12 − 1) = 205/11; ITL pooled: gaps between the 9 choices
  // messages 10,40,60,80,100,130,170,200,210.
  vllm: {
    ttftMs: 10,
    itlMs: null,
    tpotMs: 205 / 11,
    e2eMs: 215,
    outputTokens: 12,
    outputThroughputTokPerS: null,
    gapsMs: [30, 20, 20, 20, 30, 40, 30, 10],
  },
  // Responses with content or reasoning: 40,60,80,100,130,170,200. TTFT 40, TTST 60 − 40,
  // first answer token 100, request latency to the last response 200, OSL = 8 + 4 = 12,
  // ITL = (200 − 40)/(12 − 1) = 160/11, per-user throughput 1000/ITL = 68.75 tokens/s.
  "genai-perf": {
    ttftMs: 40,
    itlMs: 160 / 11,
    tpotMs: null,
    e2eMs: 200,
    outputThroughputTokPerS: 68.75,
    outputTokens: 12,
    ttstMs: 20,
    firstAnswerMs: 100,
    gapsMs: [20, 20, 20, 30, 40, 30],
  },
  // TTFT first content or reasoning 40; N from usage 12; last token 200;
  // ITL = (200 − 40)/(12 − 1) = 160/11; TPOT = (200 − 0)/12; throughput 12/0.22.
  guidellm: {
    ttftMs: 40,
    itlMs: 160 / 11,
    tpotMs: 200 / 12,
    e2eMs: 220,
    outputThroughputTokPerS: 12 / 0.22,
    outputTokens: 12,
  },
};

function check(lens: LensName, record: LensRecord, expected: Expected): void {
  const v = lensRequestValues(lens, record);
  strictEqual(v.requestId, 7);
  for (const [key, want] of Object.entries(expected)) {
    const got = v[key as keyof typeof v];
    if (typeof want === "number" && typeof got === "number") {
      assertAlmostEquals(got, want, 1e-9, `${lens} ${key}: ${got} vs ${want}`);
    } else {
      deepStrictEqual(got, want, `${lens} ${key}`);
    }
  }
}

Deno.test("the recorded stream gives the record the hand computation assumes", async () => {
  const r = await recordedStream();
  strictEqual(r.status, "ok");
  deepStrictEqual(
    [r.firstMessageMs, r.firstReasoningMs, r.ttftMs, r.lastContentMs, r.e2eMs],
    [10, 40, 100, 200, 220],
  );
  deepStrictEqual(r.chunkArrivalMs, [100, 130, 170, 200]);
  deepStrictEqual(r.chunkTokens, [2, 1, 3, 2]);
  deepStrictEqual([r.outputTokens, r.reasoningTokens, r.serverOutputTokens, r.chunkCount], [
    8,
    4,
    12,
    4,
  ]);
});

Deno.test("every lens reads one recorded stream as hand-computed", async () => {
  const r: LensRecord = { ...(await recordedStream()), ...EXTRAS };
  for (const lens of LENS_NAMES) check(lens, r, WITH_EXTRAS[lens]);
});

Deno.test("the tokenbench lens agrees with the record's own derived metrics", async () => {
  const r = await recordedStream();
  const v = lensRequestValues("tokenbench", r);
  strictEqual(v.itlMs, r.interTokenLatencyMs);
  strictEqual(v.outputThroughputTokPerS, r.outputThroughputTokPerS);
  // LLMPerf-2023's ITL is the record's llmperfInterTokenLatencyS, in ms.
  assertAlmostEquals(
    lensRequestValues("llmperf-2023", r).itlMs!,
    r.llmperfInterTokenLatencyS! * 1000,
    1e-9,
  );
});

Deno.test("lenses fall back to what a record holds when the extra fields are missing", async () => {
  // A record from a client that reports no wire messages, or from before these fields existed.
  const {
    reasoningArrivalMs: _r,
    choicesArrivalMs: _c,
    messageCount: _m,
    lastMessageMs: _l,
    ...r
  } = await recordedStream();
  // LLMPerf: M falls back to the 4 answer chunks: ITL 200/4, 2023 throughput 4/0.22.
  check("llmperf", r, { itlMs: 50 });
  check("llmperf-2023", r, { outputThroughputTokPerS: 4 / 0.22 });
  // vLLM: choices messages rebuilt as the first message (10, before any token), the first
  // reasoning chunk (40) and the answer chunks; E2E falls back to the end of stream (220).
  check("vllm", r, { ttftMs: 10, e2eMs: 220, tpotMs: 210 / 11, gapsMs: [30, 60, 30, 40, 30] });
  // GenAI-Perf: only the first reasoning response is known: 40,100,130,170,200.
  check("genai-perf", r, {
    ttftMs: 40,
    ttstMs: 60,
    e2eMs: 200,
    itlMs: 160 / 11,
    gapsMs: [60, 30, 40, 30],
  });
  // GuideLLM without usage counts iterations: 4 answer chunks + 1 known reasoning chunk = 5.
  const noUsage = { ...r, serverOutputTokens: null };
  check("guidellm", noUsage, { outputTokens: 5, itlMs: 160 / 4, tpotMs: 200 / 5 });
  // vLLM without usage uses the run tokenizer's N = 8: (220 − 10)/7.
  check("vllm", noUsage, { outputTokens: 8, tpotMs: 210 / 7 });
});

Deno.test("applyLens() gives statistics, the pooled metric and each tool's run throughput", async () => {
  const r = await recordedStream();
  const measured: LensRecord = { ...r, ...EXTRAS, actualSendMs: 100 };
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
  // Wall time by default: first measured send 100 to last measured end max(100+220, 150+50).
  const tokens: Record<LensName, number> = {
    tokenbench: 8,
    llmperf: 8,
    "llmperf-2023": 8,
    vllm: 12,
    "genai-perf": 12,
    guidellm: 12,
  };
  for (const lens of LENS_NAMES) {
    const result = applyLens(lens, records);
    strictEqual(result.numRequestsStarted, 2, lens);
    strictEqual(result.numCompleted, 1, lens);
    strictEqual(result.wallTimeMs, 220, lens);
    strictEqual(result.totalOutputTokens, tokens[lens], lens);
    strictEqual(result.outputTokensPerS, tokens[lens] / 0.22, lens);
    strictEqual(result.pooled, LENSES[lens].pooled);
    strictEqual(result.requests.length, 1);
    for (const metric of LENS_METRICS) {
      const stats = result.stats[metric];
      const defined = metric in LENSES[lens].metrics;
      strictEqual(stats !== null, defined, `${lens} ${metric} defined`);
    }
    strictEqual(applyLens(lens, records, { wallTimeMs: 2000 }).outputTokensPerS, tokens[lens] / 2);
  }
  const vllm = applyLens("vllm", records);
  strictEqual(vllm.stats.itlMs?.count, 8); // the pooled gaps, not one value per request
  strictEqual(vllm.stats.itlMs?.max, 40);
  strictEqual(vllm.stats.tpotMs?.count, 1);
  const genai = applyLens("genai-perf", records);
  strictEqual(genai.stats.interChunkMs?.count, 6);
  strictEqual(genai.stats.ttstMs?.p50, 20);
  strictEqual(applyLens("tokenbench", records).stats.ttftMs?.p50, 100);
});

Deno.test("applyLens() notes completed requests without a value and runs with no success", async () => {
  const r = await recordedStream();
  const oneToken: RequestRecord = { ...r, requestId: 9, outputTokens: 1, chunkArrivalMs: [100] };
  const result = applyLens("tokenbench", [r, oneToken]);
  strictEqual(result.stats.itlMs?.count, 1);
  ok(result.stats.itlMs?.note?.startsWith("1 of 2 completed requests have no value"));
  const failed: RequestRecord = { ...r, status: "error", errorCode: 599, errorMessage: "reset" };
  const none = applyLens("tokenbench", [failed]);
  strictEqual(none.stats.ttftMs?.count, 0);
  strictEqual(none.stats.ttftMs?.note, "no request succeeded");
  strictEqual(none.totalOutputTokens, 0);
  deepStrictEqual(JSON.parse(JSON.stringify(none)), none);
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
