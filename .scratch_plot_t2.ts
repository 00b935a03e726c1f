import { syntheticRun } from "./tests/_plot_fixture.ts";
import { plotTtftDistribution } from "./lib/plot_ttft_distribution.ts";
import { renderSvg } from "./lib/render_svg.ts";
import { toPng } from "./lib/to_png.ts";
const runs = [1, 2, 4, 8, 16].map((c) => ({
  label: `provider A c=${c}`,
  records: syntheticRun({
    requests: 40,
    concurrency: c,
    ttftMs: 150,
    itlMs: 15,
    errorRate: 0.02,
    seed: c,
  }),
}));
const svg = await renderSvg(plotTtftDistribution(runs));
await Deno.writeFile("/tmp/plots/ttft5.png", await toPng(svg, { width: 1400 }));
