import { syntheticRun } from "./tests/_plot_fixture.ts";
import { plotTtftDistribution } from "./lib/plot_ttft_distribution.ts";
import { plotThroughputBoxplot } from "./lib/plot_throughput_boxplot.ts";
import { plotTokenTimeline } from "./lib/plot_token_timeline.ts";
import { plotLoadCurve } from "./lib/plot_load_curve.ts";
import { plotErrors } from "./lib/plot_errors.ts";
import { loadPoint } from "./lib/load_point.ts";
import { summarizeRun } from "./lib/summarize_run.ts";
import { renderSvg } from "./lib/render_svg.ts";
import { toPng } from "./lib/to_png.ts";
const runs = [
  { label: "sim-fast c=2", records: syntheticRun({ requests: 60, concurrency: 2, ttftMs: 150, itlMs: 15, errorRate: 0.03, seed: 1, warmup: 2 }) },
  { label: "sim-slow c=8", records: syntheticRun({ requests: 60, concurrency: 8, ttftMs: 300, itlMs: 30, errorRate: 0.1, seed: 2 }) },
];
const sweep = ["A", "B"].flatMap((p, k) => [1, 2, 4, 8, 16].map((c) => {
  const recs = syntheticRun({ requests: 40, concurrency: c, ttftMs: 150 * (k + 1), itlMs: 15 * (k + 1), errorRate: 0.01 * c, seed: c + 10 * k });
  return loadPoint(summarizeRun(recs, { wallTimeMs: 40 / c * 1500 }), { label: `provider ${p}`, load: c });
}));
const stalled = runs[0].records.find((r) => r.status === "ok" && r.chunkArrivalMs.some((t, i, a) => i > 0 && t - a[i - 1] > 300))!;
const specs: Record<string, unknown> = {
  ttft: plotTtftDistribution(runs),
  ttft1: plotTtftDistribution(runs[0]),
  box: plotThroughputBoxplot(runs),
  timeline: plotTokenTimeline(stalled),
  load: plotLoadCurve(sweep), loadlog: plotLoadCurve(sweep, { logLoad: true }),
  errors: plotErrors(runs),
  errors0: plotErrors({ label: "clean", records: runs[0].records.filter((r) => r.status === "ok") }),
};
for (const [name, spec] of Object.entries(specs)) {
  const svg = await renderSvg(spec as any);
  await Deno.writeTextFile(`/tmp/plots/${name}.svg`, svg);
  await Deno.writeFile(`/tmp/plots/${name}.png`, await toPng(svg, { width: 1100 }));
  console.log(name, svg.length);
}
