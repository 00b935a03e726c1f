import { assert, assertEquals } from "../_assert.ts";
import { plotTtftDistribution } from "../../lib/plot/plot_ttft_distribution.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts, syntheticRun } from "../_plot_fixture.ts";
import assertNode from "node:assert/strict";

const run = (seed: number, concurrency: number) =>
  syntheticRun({
    requests: 30,
    concurrency,
    ttftMs: 100,
    itlMs: 10,
    errorRate: 0.1,
    seed,
    warmup: 3,
  });

Deno.test("plotTtftDistribution() bins only completed, measured requests", () => {
  const records = run(1, 2);
  const ttfts = records
    .filter((r) => r.phase === "measure" && r.status === "ok")
    .map((r) => r.ttftMs!);
  assert(ttfts.length < records.length, "fixture should hold errors and warm-up");
  const [bins] = dataValues(plotTtftDistribution({ label: "a", records }, { kind: "histogram" }));
  assertEquals(bins.reduce((n, b) => n + (b.requests as number), 0), ttfts.length);
  const lastTo = Math.max(...bins.map((b) => b.toMs as number));
  for (const b of bins) {
    const [from, to] = [b.fromMs as number, b.toMs as number];
    // bins are [from, to), the last one [from, to]
    const inside = ttfts.filter((t) => t >= from && (t < to || (to === lastTo && t === to)));
    assertEquals(inside.length, b.requests, `bin ${from}–${to}`);
  }
});

Deno.test("plotTtftDistribution() puts whole-number ticks on the count axis", () => {
  const spec = JSON.stringify(
    plotTtftDistribution({ label: "a", records: run(7, 1) }, { kind: "histogram" }),
  );
  const values = JSON.parse(spec.match(/"axis":\{"values":(\[[^\]]*\])/)![1]) as number[];
  assert(values.length >= 2 && values.every(Number.isInteger), JSON.stringify(values));
});

Deno.test("plotTtftDistribution() ECDF steps from 0 to 1 in sorted TTFT order", () => {
  const records = run(2, 1);
  const [ecdf] = dataValues(plotTtftDistribution({ label: "a", records }, { kind: "ecdf" }));
  const n = ecdf.length - 1;
  assertEquals(ecdf[0].fraction, 0);
  assertEquals(ecdf.at(-1)!.fraction, 1);
  ecdf.slice(1).forEach((v, i) => assertEquals(v.fraction, (i + 1) / n));
  for (let i = 1; i < ecdf.length; i++) {
    assert((ecdf[i].ttftMs as number) >= (ecdf[i - 1].ttftMs as number), "sorted");
  }
});

Deno.test("plotTtftDistribution() labels runs with their counts and renders with units", async () => {
  const runs = [{ label: "fast", records: run(3, 1) }, { label: "slow", records: run(4, 8) }];
  const spec = plotTtftDistribution(runs);
  const svg = await renderSvg(spec);
  const texts = svgTexts(svg);
  for (const t of ["Time to first token", "TTFT (ms)", "Requests", "Requests with TTFT ≤ x"]) {
    assert(texts.includes(t), `missing ${t}`);
  }
  const n = (records: typeof runs[0]["records"]) =>
    records.filter((r) => r.phase === "measure" && r.status === "ok").length;
  assert(texts.includes(`fast (n=${n(runs[0].records)})`), texts.join("|"));
  assert(texts.includes(`slow (n=${n(runs[1].records)})`));
});

Deno.test("plotTtftDistribution() gives three or more runs a histogram each", () => {
  const runs = [1, 2, 3].map((c) => ({ label: `c=${c}`, records: run(c, c) }));
  const spec = plotTtftDistribution(runs, { kind: "histogram" }) as unknown as Record<
    string,
    unknown
  >;
  assert("facet" in spec && "spec" in spec, Object.keys(spec).join(","));
});

Deno.test("plotTtftDistribution() shows an empty panel when nothing completed", async () => {
  const failed = run(5, 1).filter((r) => r.status === "error");
  const svg = await renderSvg(plotTtftDistribution({ label: "none", records: failed }));
  assert(svgTexts(svg).includes("no completed requests with a TTFT"));
});

Deno.test("plotTtftDistribution() rejects bad runs and options, naming them", () => {
  const records = run(6, 1);
  assertNode.throws(() => plotTtftDistribution([]), /'runs' must hold at least one run/);
  assertNode.throws(
    () => plotTtftDistribution([{ label: "x", records }, { label: "x", records }]),
    /labels must be unique, got 'x' twice/,
  );
  assertNode.throws(
    () => plotTtftDistribution({ label: "", records }),
    /'label' must be a non-empty string/,
  );
  assertNode.throws(
    () => plotTtftDistribution({ label: "a", records }, { kind: "pie" as "ecdf" }),
    /'kind' must be one of both, histogram, ecdf, got pie/,
  );
  assertNode.throws(
    () => plotTtftDistribution({ label: "a", records }, { width: 0 }),
    /'width' must be a positive number, got 0/,
  );
});
