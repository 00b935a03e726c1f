import { assert, assertEquals } from "../_assert.ts";
import { findStalls, plotTokenTimeline } from "../../lib/plot/plot_token_timeline.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts, syntheticRun } from "../_plot_fixture.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";
import assertNode from "node:assert/strict";

const [first] = syntheticRun({
  requests: 1,
  concurrency: 1,
  ttftMs: 100,
  itlMs: 10,
  errorRate: 0,
  seed: 1,
});
const record: RequestRecord = {
  ...first,
  requestId: 12,
  ttftMs: 200,
  e2eMs: 1000,
  outputTokens: 7,
  chunkArrivalMs: [200, 220, 240, 260, 900, 920],
  chunkTokens: [1, 2, 1, 1, 1, 1],
};

Deno.test("plotTokenTimeline() accumulates chunk tokens from zero at send time", () => {
  const values = dataValues(plotTokenTimeline(record));
  const line = values.find((v) => v.length === record.chunkArrivalMs.length + 1)!;
  assertEquals(line.map((p) => [p.tMs, p.tokens]), [
    [0, 0],
    [200, 1],
    [220, 3],
    [240, 4],
    [260, 5],
    [900, 6],
    [920, 7],
  ]);
});

Deno.test("plotTokenTimeline() marks TTFT, the end and a stall beyond 5 × the median gap", async () => {
  const values = dataValues(plotTokenTimeline(record));
  const stalls = values.find((v) => v.length > 0 && "gapMs" in v[0])!;
  assertEquals(stalls.map((s) => [s.fromMs, s.toMs, s.gapMs]), [[260, 900, 640]]);
  const texts = svgTexts(await renderSvg(plotTokenTimeline(record)));
  for (const t of ["TTFT", "end", "stall 640 ms", "Time since request sent (ms)"]) {
    assert(texts.includes(t), `missing ${t}: ${texts.join("|")}`);
  }
  assert(texts.some((t) => t.startsWith("TTFT 200 ms · 7 tokens in 6 chunks · end 1000 ms")));
});

Deno.test("plotTokenTimeline() takes an explicit stall threshold", () => {
  const values = dataValues(plotTokenTimeline(record, { stallMs: 15 }));
  const stalls = values.find((v) => v.length > 0 && "gapMs" in v[0])!;
  assertEquals(stalls.length, 5);
});

Deno.test("plotTokenTimeline() names the error of a failed request", async () => {
  const failed: RequestRecord = {
    ...record,
    status: "error",
    errorCode: 599,
    errorMessage: "connection reset",
  };
  const texts = svgTexts(await renderSvg(plotTokenTimeline(failed)));
  assert(texts.includes("failed: 599 network, connection reset"), texts.join("|"));
});

Deno.test("plotTokenTimeline() rejects chunk arrays of different lengths", () => {
  assertNode.throws(
    () => plotTokenTimeline({ ...record, chunkTokens: [1] }),
    /must be arrays of equal length, got 6 and 1/,
  );
});

Deno.test("findStalls() returns the gaps longer than the threshold", () => {
  assertEquals(findStalls([0, 10, 20, 100, 105], 50), [{ fromMs: 20, toMs: 100, gapMs: 80 }]);
  assertEquals(findStalls([5], 0), []);
});
