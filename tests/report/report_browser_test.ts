/**
 * The HTML report in a real browser: headless Chromium (Debian `chromium`) renders the
 * report.html a simulator run writes, and the page of several runs that `deno task report`
 * writes. Skipped with a reason when Chromium is absent, unless CI is set: then it fails.
 */
import { assert, assertEquals } from "../_assert.ts";
import { benchmark } from "../../lib/run/benchmark.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { reportMain } from "../../lib/cli/report_command.ts";
import { findChromium, openPage } from "./_chromium.ts";

const chromium = await findChromium();
const ci = !["", "0", "false"].includes(Deno.env.get("CI") ?? "");
if (chromium === null && !ci) {
  console.warn(
    "report_browser_test: SKIPPED: no chromium on the PATH (Debian: apt-get install -y chromium); " +
      "with CI=1 this test fails instead",
  );
}

/** What the page says about its plots and layout (evaluated in the browser). */
interface Layout {
  plots: { id: string; width: number; height: number; marks: number; texts: number }[];
  figuresWithoutSvg: number;
  /** Texts of the SVGs that reach past their SVG's edge. */
  cutAtEdge: string[];
  /** Texts cut with an ellipsis. */
  ellipsized: string[];
  /** Pairs of axis labels of one axis that overlap or come closer than 2 px. */
  overlapping: string[];
  /** Tables wider than their box (part of them hidden behind a scroll bar). */
  tablesCut: string[];
  /** Page wider than the window (something cut at the right edge or a horizontal scroll). */
  pageWidth: number;
  windowWidth: number;
  embeddedRuns: number;
  errorRows: number;
  serverMetricsSections: number;
}

const LAYOUT = `(() => {
  const rect = (e) => e.getBoundingClientRect();
  const plots = [], cutAtEdge = [], ellipsized = [], overlapping = [];
  let figuresWithoutSvg = 0;
  for (const fig of document.querySelectorAll("figure.plot")) {
    const svg = fig.querySelector("svg");
    if (!svg) { figuresWithoutSvg++; continue; }
    const box = rect(svg);
    const texts = [...svg.querySelectorAll("text")].filter((t) => t.textContent.trim() !== "");
    plots.push({ id: fig.dataset.plot, width: box.width, height: box.height,
      marks: svg.querySelectorAll("path, rect, line, circle, text").length, texts: texts.length });
    for (const t of texts) {
      const r = rect(t);
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        cutAtEdge.push(fig.dataset.plot + ": " + t.textContent);
      }
      if (t.textContent.endsWith("\\u2026")) ellipsized.push(fig.dataset.plot + ": " + t.textContent);
    }
    for (const axis of svg.querySelectorAll("g.role-axis-label")) {
      const labels = [...axis.querySelectorAll("text")].filter((t) => t.textContent.trim() !== "" && getComputedStyle(t).opacity !== "0" && t.getAttribute("opacity") !== "0");
      const boxes = labels.map(rect);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const w = Math.min(boxes[i].right, boxes[j].right) - Math.max(boxes[i].left, boxes[j].left);
        const h = Math.min(boxes[i].bottom, boxes[j].bottom) - Math.max(boxes[i].top, boxes[j].top);
        if (w > -2 && h > -2) overlapping.push(fig.dataset.plot + ": '" + labels[i].textContent + "' and '" + labels[j].textContent + "'");
      }
    }
  }
  const tablesCut = [...document.querySelectorAll(".table-wrap")]
    .filter((w) => w.scrollWidth > w.clientWidth + 1)
    .map((w) => w.querySelector("th")?.textContent + ": " + w.scrollWidth + " > " + w.clientWidth);
  const data = JSON.parse(document.getElementById("tokenbench-data").textContent);
  return { plots, figuresWithoutSvg, cutAtEdge, ellipsized, overlapping, tablesCut,
    pageWidth: document.documentElement.scrollWidth, windowWidth: window.innerWidth,
    embeddedRuns: data.runs.length,
    errorRows: document.querySelectorAll("table.errors tbody tr").length,
    serverMetricsSections: document.querySelectorAll("section.server-metrics").length };
})()`;

/** Open `path` in Chromium, check it, save a screenshot beside it; the layout found. */
async function check(path: string, shots: string, name: string): Promise<Layout> {
  const url = new URL(`file://${path}`).href;
  const profileDir = await Deno.makeTempDir({ prefix: "tokenbench_chromium_" });
  try {
    await using page = await openPage(chromium!, url, { profileDir });
    const layout = await page.evaluate<Layout>(LAYOUT);
    const png = await page.screenshot();
    assertEquals([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "a PNG screenshot");
    assert(png.length > 20_000, `screenshot of ${png.length} bytes`);
    await Deno.writeFile(`${shots}/${name}.png`, png);
    assertEquals(page.log.errors, [], `${name}: no console errors`);
    // the page's own file is the only request: nothing else is fetched
    assertEquals(page.log.requests.filter((u) => u !== url), [], `${name}: no network request`);
    return layout;
  } finally {
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}

function assertDrawn(layout: Layout, ids: readonly string[], name: string): void {
  assertEquals(layout.figuresWithoutSvg, 0, `${name}: every figure holds an SVG`);
  for (const id of ids) {
    const plot = layout.plots.find((p) => p.id === id);
    assert(plot !== undefined, `${name}: plot ${id} present (${layout.plots.map((p) => p.id)})`);
    assert(plot.width > 100 && plot.height > 100, `${name}: ${id} is ${plot.width}×${plot.height}`);
    assert(plot.marks > 20 && plot.texts > 3, `${name}: ${id} drew ${plot.marks} marks`);
  }
  assertEquals(layout.cutAtEdge, [], `${name}: no text cut at an SVG's edge`);
  assertEquals(layout.ellipsized, [], `${name}: no label cut short`);
  assertEquals(layout.overlapping, [], `${name}: no overlapping or touching axis labels`);
  assertEquals(layout.tablesCut, [], `${name}: every table fits the page`);
  assert(layout.pageWidth <= layout.windowWidth, `${name}: page ${layout.pageWidth} px wide`);
}

Deno.test({
  name:
    "report.html renders in headless Chromium: every plot drawn, no errors, nothing fetched, nothing cut",
  ignore: chromium === null && !ci,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (chromium === null) {
      throw new Error("CI is set and no chromium is installed: apt-get install -y chromium");
    }
    const root = await Deno.makeTempDir({ prefix: "tokenbench_report_browser_" });
    const shots = `${root}/screenshots`;
    await Deno.mkdir(shots);
    try {
      await using sim = await startSimulator({
        ttftMs: 30,
        itlMs: 2,
        jitterMs: 8,
        errorRate: 0.15,
        seed: 5,
      });
      const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
      const dirs: string[] = [];
      for (const concurrency of [2, 4]) {
        const run = await benchmark(client, {
          model: "sim",
          maxRequests: 40,
          concurrency,
          meanInputTokens: 30,
          stddevInputTokens: 5,
          meanOutputTokens: 16,
          stddevOutputTokens: 4,
          gracePeriodS: 0,
          simulator: sim,
          resultsDir: `${root}/results`,
          // the server's view beside the client's: the simulator's GET /metrics
          serverMetrics: { url: `${sim.url}/metrics`, intervalMs: 100 },
        });
        assert(run.dir !== null && run.report.summary.summary.numErrors > 0, "some errors");
        dirs.push(run.dir);
      }
      // every run folder holds its report.html
      const one = await check(`${dirs[0]}/report.html`, shots, "run");
      assertDrawn(
        one,
        [
          "ttft_distribution",
          "token_timeline",
          "run_timeline",
          "throughput_boxplot",
          "errors",
          "server_metrics",
        ],
        "run",
      );
      assertEquals(one.embeddedRuns, 1);
      assert(one.errorRows > 0, "error codes with example messages");
      assertEquals(one.serverMetricsSections, 1);

      // deno task report over the results folder: both runs, their comparison, the load curve
      const all = `${root}/all.html`;
      const log = console.log;
      console.log = () => {};
      try {
        assertEquals(await reportMain(["--out", all, `${root}/results`]), 0);
      } finally {
        console.log = log;
      }
      const several = await check(all, shots, "runs");
      assertDrawn(
        several,
        [
          "ttft_distribution",
          "token_timeline",
          "run_timeline",
          "throughput_boxplot",
          "errors",
          "load_curve",
          "server_metrics",
        ],
        "runs",
      );
      assertEquals(several.embeddedRuns, 2);
      console.log(`report_browser_test: screenshots in ${shots}`);
    } finally {
      // keep the screenshots, drop the rest
      for await (const e of Deno.readDir(root)) {
        if (e.name !== "screenshots") await Deno.remove(`${root}/${e.name}`, { recursive: true });
      }
    }
  },
});
