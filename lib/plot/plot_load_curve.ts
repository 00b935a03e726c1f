/**
 * Latency and throughput against load, from a sweep of runs.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { LoadPoint } from "../core/load_point.ts";
import {
  _checkSize,
  _emptyPanel,
  _panelTitle,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Options of {@link plotLoadCurve}. */
export interface PlotLoadCurveOptions {
  /** Title of every x axis, with its unit. Default `"Concurrency (requests in flight)"`. */
  loadTitle?: string;
  /** Width of each panel, px. Default `330`. */
  width?: number;
  /** Height of each panel, px. Default `230`. */
  height?: number;
  /** Logarithmic load axis, for sweeps that double the load (1, 2, 4, 8 …). Default `false`. */
  logLoad?: boolean;
  /** Chart title. Default `"Latency and throughput vs load"`. */
  title?: string;
}

interface _Panel {
  title: string;
  axis: string;
  series: [stat: string, pick: (p: LoadPoint) => number | null | undefined][];
  format?: string;
}

/**
 * Plot how a sweep behaves as load grows: TTFT (p50 and p99), end-to-end latency (p50 and p99),
 * aggregate output throughput and, when the rows carry it, error rate, each against `load`. One
 * colored line per `label` (provider or configuration), dashed for p99. Rows come from
 * {@link loadPoint} or are written by hand; `null` figures are skipped. Returns a vega-lite v5
 * spec with the data inlined.
 *
 * @example Two providers at three concurrencies
 * ```ts
 * import { plotLoadCurve } from "./plot_load_curve.ts";
 * const row = (label: string, load: number, k: number) => ({
 *   label, load, ttftP50Ms: 100 * k * load, ttftP99Ms: 180 * k * load,
 *   e2eP50Ms: 900 * k, outputTokensPerS: 40 * load / k,
 * });
 * const rows = [1, 2, 4].flatMap((c) => [row("A", c, 1), row("B", c, 2)]);
 * const spec = plotLoadCurve(rows);
 * if (!JSON.stringify(spec).includes("Output throughput")) throw new Error("panel");
 * ```
 */
export function plotLoadCurve(
  rows: readonly LoadPoint[],
  options: PlotLoadCurveOptions = {},
): PlotSpec {
  const what = "load curve";
  if (!Array.isArray(rows)) {
    throw new TypeError(`Cannot plot ${what}: 'rows' must be an array of load points, got ${rows}`);
  }
  for (const row of rows) {
    if (
      typeof row?.label !== "string" || !(typeof row.load === "number" && Number.isFinite(row.load))
    ) {
      throw new TypeError(
        `Cannot plot ${what}: each row needs a string 'label' and a finite 'load', got ${
          JSON.stringify(row)
        }`,
      );
    }
  }
  const {
    loadTitle = "Concurrency (requests in flight)",
    width = 330,
    height = 230,
    logLoad = false,
    title = "Latency and throughput vs load",
  } = options;
  _checkSize(what, "width", width);
  _checkSize(what, "height", height);

  const labels = [...new Set(rows.map((r) => r.label))];
  const panels: _Panel[] = [
    {
      title: "Time to first token",
      axis: "TTFT (ms)",
      series: [["p50", (p) => p.ttftP50Ms], ["p99", (p) => p.ttftP99Ms]],
    },
    {
      title: "End-to-end latency",
      axis: "Latency (ms)",
      series: [["p50", (p) => p.e2eP50Ms], ["p99", (p) => p.e2eP99Ms]],
    },
    {
      title: "Output throughput (all requests)",
      axis: "Output tokens/s",
      series: [["total", (p) => p.outputTokensPerS]],
    },
  ];
  if (rows.some((r) => typeof r.errorRate === "number")) {
    panels.push({
      title: "Error rate",
      axis: "Failed requests",
      series: [["total", (p) => p.errorRate]],
      format: "%",
    });
  }
  const stats = ["p50", "p99", "total"];
  const concat = panels.map((panel) => {
    const values = rows.flatMap((row) =>
      panel.series.flatMap(([stat, pick]) => {
        const value = pick(row);
        return typeof value === "number" && Number.isFinite(value)
          ? [{ label: row.label, load: row.load, stat, value }]
          : [];
      })
    ).sort((a, b) => a.load - b.load);
    if (values.length === 0) {
      return { ..._emptyPanel("no values", width, height), title: _panelTitle(panel.title) };
    }
    const encoding = {
      x: {
        field: "load",
        type: "quantitative",
        title: loadTitle,
        scale: logLoad ? { type: "log", base: 2 } : { zero: false },
        ...(logLoad ? { axis: { values: [...new Set(rows.map((r) => r.load))] } } : {}),
      },
      y: {
        field: "value",
        type: "quantitative",
        title: panel.axis,
        // the same count for the nice domain and the ticks puts a labelled tick at the top of
        // every panel, so the titles of panels side by side line up
        scale: { nice: 6 },
        axis: { tickCount: 6, ...(panel.format ? { format: panel.format } : {}) },
      },
      color: { field: "label", type: "nominal", title: "Series", scale: { domain: labels } },
      strokeDash: {
        field: "stat",
        type: "nominal",
        title: "Statistic",
        scale: { domain: stats, range: [[1, 0], [6, 4], [1, 0]] },
        legend: {
          values: ["p50", "p99"],
          symbolType: "stroke",
          symbolStrokeWidth: 2,
          symbolSize: 400,
          encode: { symbols: { update: { stroke: { value: "#444444" } } } },
        },
      },
      detail: { field: "stat", type: "nominal" },
      tooltip: [
        { field: "label", type: "nominal", title: "Series" },
        { field: "load", type: "quantitative", title: "Load" },
        { field: "stat", type: "nominal", title: "Statistic" },
        { field: "value", type: "quantitative", title: panel.axis, format: panel.format ?? ".1f" },
      ],
    };
    return {
      title: _panelTitle(panel.title),
      width,
      height,
      data: { values },
      mark: { type: "line", point: { filled: true, size: 45 }, strokeWidth: 2 },
      encoding,
    };
  });
  const head = {
    $schema: _VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: "one line per series; p50 solid, p99 dashed" },
    config: _plotConfig(),
  };
  if (rows.length === 0) {
    return { ...head, ..._emptyPanel("no runs in the sweep", width, height) } as PlotSpec;
  }
  return {
    ...head,
    columns: 2,
    concat,
    resolve: { scale: { color: "shared", strokeDash: "shared" } },
  } as PlotSpec;
}
