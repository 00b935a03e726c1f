import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { goodput, parseSlo, type Slo } from "../../lib/core/goodput.ts";
import type { LensName } from "../../lib/core/lenses.ts";
import type { RequestRecord, RequestRecordBase } from "../../lib/core/request_record.ts";
import { recordBase } from "../_record.ts";

const BASE: RequestRecordBase = recordBase({
  inputTokens: 10,
  maxOutputTokens: 10,
});
const OK = { status: "ok", errorCode: null, errorMessage: null } as const;

/** A completed request: N tokens, one per chunk, `gap` ms apart from `ttft`; role chunk 5 ms earlier. */
function done(
  requestId: number,
  ttft: number,
  tokens: number,
  gap: number,
  e2e: number,
): RequestRecord {
  const chunkArrivalMs = Array.from({ length: tokens }, (_, k) => ttft + k * gap);
  return {
    ...BASE,
    ...OK,
    requestId,
    firstMessageMs: ttft - 5,
    ttftMs: ttft,
    lastContentMs: chunkArrivalMs[tokens - 1],
    e2eMs: e2e,
    outputTokens: tokens,
    chunkCount: tokens,
    chunkArrivalMs,
    chunkTokens: chunkArrivalMs.map(() => 1),
  };
}

const RECORDS: RequestRecord[] = [
  done(1, 200, 10, 40, 600), // A: ttft 200, tpot 40, e2e 600
  done(2, 700, 10, 30, 1000), // B: ttft 700, tpot 30, e2e 1000
  done(3, 300, 10, 60, 900), // C: ttft 300, tpot 60, e2e 900
  done(4, 100, 1, 0, 150), // D: one token, no tpot
  { ...BASE, requestId: 5, status: "error", errorCode: 429, errorMessage: "throttled", e2eMs: 20 }, // E
  { ...done(6, 10, 10, 1, 30), phase: "warmup" }, // F: warm-up, left out
  { ...BASE, ...OK, requestId: 7, firstMessageMs: 45, e2eMs: 50 }, // G: completed, no token
];

Deno.test("parseSlo() reads NAME:MS pairs, with spaces, decimals and vLLM's e2el", () => {
  deepStrictEqual(parseSlo("ttft:500,tpot:50,e2e:10000"), { ttft: 500, tpot: 50, e2e: 10000 });
  deepStrictEqual(parseSlo(" ttft : 250.5 , itl:20 "), { ttft: 250.5, itl: 20 });
  deepStrictEqual(parseSlo("E2EL:1e4"), { e2e: 10000 });
});

Deno.test("parseSlo() rejects a bad part in one line naming it", () => {
  const cases: [string, string][] = [
    ["ttft=500", 'part "ttft=500" must be NAME:MS'],
    ["ttft:500,", 'part "" must be NAME:MS'],
    ["ttfb:500", 'unknown metric "ttfb"'],
    ["ttft:0", 'limit in "ttft:0" must be a positive number'],
    ["ttft:-5", 'got "-5"'],
    ["tpot:fast", 'got "fast"'],
    ["tpot:", 'got ""'],
    ["ttft:1,ttft:2", '"ttft" is given twice'],
    ["e2e:1,e2el:2", '"e2e" is given twice'],
    ["", "empty spec"],
  ];
  for (const [spec, says] of cases) {
    throws(
      () => parseSlo(spec),
      (err: Error) =>
        err instanceof RangeError && err.message.includes(says) && !err.message.includes("\n"),
      spec,
    );
  }
  throws(() => parseSlo(500 as unknown as string), TypeError);
});

Deno.test("goodput() counts requests meeting every SLO; errors fail, warm-up is left out", () => {
  // Started: A B C D E G = 6. ttft ≤ 500: A C D (G has no token) = 3. tpot ≤ 50: A B, plus D
  // and G with fewer than two tokens = 4. e2e ≤ 950: A C D G = 4. All three: A D = 2.
  const g = goodput(RECORDS, parseSlo("ttft:500,tpot:50,e2e:950"), { wallTimeMs: 4000 });
  strictEqual(g.lens, "tokenbench");
  strictEqual(g.numRequestsStarted, 6);
  strictEqual(g.requestsMeeting, 2);
  strictEqual(g.share, 2 / 6);
  strictEqual(g.ratePerS, 0.5);
  deepStrictEqual(g.perMetricShare, { ttft: 3 / 6, tpot: 4 / 6, e2e: 4 / 6 });
  deepStrictEqual(g.slo, { ttft: 500, tpot: 50, e2e: 950 });
  // Under our lens itl is the same figure as tpot.
  strictEqual(goodput(RECORDS, { itl: 50 }, { wallTimeMs: 4000 }).requestsMeeting, 4);
});

Deno.test("goodput() bounds the chosen lens's definitions", () => {
  // vLLM: TTFT at the first message (ttft − 5; G's at 45), TPOT = (E2E − TTFT)/(N − 1):
  // A (600−195)/9 = 45, B (1000−695)/9 ≈ 33.9, C (900−295)/9 ≈ 67.2; D and G have < 2 tokens.
  // ttft ≤ 500: A C D G; tpot ≤ 50: A B D G; both: A D G.
  const g = goodput(RECORDS, { ttft: 500, tpot: 50 }, { wallTimeMs: 1000, lens: "vllm" });
  strictEqual(g.requestsMeeting, 3);
  deepStrictEqual(g.perMetricShare, { ttft: 4 / 6, tpot: 4 / 6 });
  strictEqual(g.ratePerS, 3);
});

Deno.test("goodput() refuses a bound the lens has no per-request value for", () => {
  const refusals: [LensName, Slo, string][] = [
    ["vllm", { itl: 50 }, `lens "vllm" has no per-request 'itl'; use ttft, tpot, e2e`],
    ["llmperf", { tpot: 50 }, `lens "llmperf" has no per-request 'tpot'`],
    ["genai-perf", { tpot: 50 }, `lens "genai-perf" has no per-request 'tpot'`],
  ];
  for (const [lens, slo, says] of refusals) {
    throws(
      () => goodput(RECORDS, slo, { wallTimeMs: 1, lens }),
      (err: Error) => err instanceof RangeError && err.message.includes(says),
      lens,
    );
  }
  throws(
    () => goodput(RECORDS, { ttft: 1 }, { wallTimeMs: 1, lens: "nope" as LensName }),
    RangeError,
  );
});

Deno.test("goodput() checks its SLO object and wall time", () => {
  throws(() => goodput(RECORDS, {}, { wallTimeMs: 1 }), /bounds no metric/);
  throws(() => goodput(RECORDS, { ttft: -1 }, { wallTimeMs: 1 }), /'ttft' must be a positive/);
  throws(
    () => goodput(RECORDS, { ttfb: 1 } as Slo, { wallTimeMs: 1 }),
    /unknown SLO metric "ttfb"/,
  );
  throws(() => goodput(RECORDS, { ttft: 1 }, {} as { wallTimeMs: number }), /'wallTimeMs'/);
  const none = goodput([], { ttft: 1 }, { wallTimeMs: 0 });
  deepStrictEqual([none.share, none.ratePerS, none.perMetricShare.ttft], [null, null, null]);
});
