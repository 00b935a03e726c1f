import { assert, assertEquals } from "../_assert.ts";
import { plotThroughputBoxplot } from "../../lib/plot/plot_throughput_boxplot.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts, syntheticRun } from "../_plot_fixture.ts";
import assertNode from "node:assert/strict";

const records = syntheticRun({
  requests: 30,
  concurrency: 4,
  ttftMs: 100,
  itlMs: 10,
  errorRate: 0.1,
  seed: 9,
  warmup: 2,
});

Deno.test("plotThroughputBoxplot() plots each completed, measured request's tokens/s", () => {
  const [values] = dataValues(plotThroughputBoxplot({ label: "A", records }));
  const expected = records
    .filter((r) => r.phase === "measure" && r.status === "ok")
    .map((r) => r.outputThroughputTokPerS);
  assertEquals(values.map((v) => v.tokPerS), expected);
  assertEquals(new Set(values.map((v) => v.run)), new Set([`A (n=${expected.length})`]));
});

Deno.test("plotThroughputBoxplot() keeps the runs' order and renders the unit", async () => {
  const runs = ["zeta", "alpha", "mid"].map((label, i) => ({
    label,
    records: syntheticRun({
      requests: 10,
      concurrency: 1 + i,
      ttftMs: 100,
      itlMs: 10,
      errorRate: 0,
      seed: i,
    }),
  }));
  const svg = await renderSvg(plotThroughputBoxplot(runs));
  const texts = svgTexts(svg);
  assert(texts.includes("Output throughput per request (tokens/s)"));
  const order = texts.filter((t) => / \(n=\d+\)$/.test(t));
  const n = (r: typeof runs[0]) => r.records.filter((x) => x.status === "ok").length;
  assertEquals(order.slice(0, 3), runs.map((r) => `${r.label} (n=${n(r)})`));
});

Deno.test("plotThroughputBoxplot() says so when no request completed", async () => {
  const failed = records.filter((r) => r.status === "error");
  const svg = await renderSvg(plotThroughputBoxplot({ label: "A", records: failed }));
  assert(svgTexts(svg).includes("no completed requests"));
});

Deno.test("plotThroughputBoxplot() rejects a bad rowHeight, naming it", () => {
  assertNode.throws(
    () => plotThroughputBoxplot({ label: "A", records }, { rowHeight: -1 }),
    /'rowHeight' must be a positive number, got -1/,
  );
});
