import { assert, assertEquals } from "../_assert.ts";
import { plotLoadCurve } from "../../lib/plot/plot_load_curve.ts";
import { type LoadPoint, loadPoint } from "../../lib/core/load_point.ts";
import { summarizeRun } from "../../lib/core/summarize_run.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts, syntheticRun } from "../_plot_fixture.ts";
import assertNode from "node:assert/strict";

const rows: LoadPoint[] = [4, 1, 2].flatMap((load) => [
  {
    label: "A",
    load,
    ttftP50Ms: 100 * load,
    ttftP99Ms: 150 * load,
    e2eP50Ms: 900,
    outputTokensPerS: 40 * load,
  },
  {
    label: "B",
    load,
    ttftP50Ms: 80 * load,
    ttftP99Ms: null,
    e2eP50Ms: 700,
    outputTokensPerS: 50 * load,
  },
]);

Deno.test("plotLoadCurve() draws p50 and p99 per series, sorted by load, skipping nulls", () => {
  const [ttft, e2e, throughput] = dataValues(plotLoadCurve(rows));
  const a50 = ttft.filter((v) => v.label === "A" && v.stat === "p50");
  assertEquals(a50.map((v) => [v.load, v.value]), [[1, 100], [2, 200], [4, 400]]);
  assertEquals(ttft.filter((v) => v.label === "B" && v.stat === "p99").length, 0);
  assertEquals(e2e.length, 6); // p50 only: e2eP99Ms is absent
  assertEquals(throughput.filter((v) => v.label === "B").map((v) => v.value), [50, 100, 200]);
});

Deno.test("plotLoadCurve() adds an error-rate panel only when rows carry error rates", async () => {
  const without = svgTexts(await renderSvg(plotLoadCurve(rows)));
  assert(!without.includes("Error rate"));
  const withRate = rows.map((r) => ({ ...r, errorRate: r.load / 100 }));
  const texts = svgTexts(
    await renderSvg(plotLoadCurve(withRate, { loadTitle: "Rate (requests/s)" })),
  );
  for (
    const t of ["Error rate", "TTFT (ms)", "Latency (ms)", "Output tokens/s", "Rate (requests/s)"]
  ) {
    assert(texts.includes(t), `missing ${t}`);
  }
});

Deno.test("loadPoint() takes p50/p99 and the run's throughput from summarizeRun()", () => {
  const records = syntheticRun({
    requests: 20,
    concurrency: 2,
    ttftMs: 100,
    itlMs: 10,
    errorRate: 0.1,
    seed: 3,
  });
  const summary = summarizeRun(records, { wallTimeMs: 10_000 });
  const point = loadPoint(summary, { label: "sim", load: 2 });
  assertEquals(point, {
    label: "sim",
    load: 2,
    ttftP50Ms: summary.stats.ttftMs.p50,
    ttftP99Ms: summary.stats.ttftMs.p99,
    e2eP50Ms: summary.stats.e2eMs.p50,
    e2eP99Ms: summary.stats.e2eMs.p99,
    outputTokensPerS: summary.outputTokensPerS,
    completedRequestsPerMin: summary.completedRequestsPerMin,
    errorRate: summary.errorRate,
  });
  assert(point.ttftP50Ms !== null && point.errorRate! > 0);
});

Deno.test("plotLoadCurve() and loadPoint() reject bad input, naming it", () => {
  assertNode.throws(() => plotLoadCurve("x" as unknown as LoadPoint[]), /'rows' must be an array/);
  assertNode.throws(
    () => plotLoadCurve([{ ...rows[0], load: NaN }]),
    /each row needs a string 'label' and a finite 'load'/,
  );
  const summary = summarizeRun([], { wallTimeMs: 0 });
  assertNode.throws(
    () => loadPoint(summary, { label: "a", load: -1 }),
    /'load' must be a number >= 0, got -1/,
  );
});
