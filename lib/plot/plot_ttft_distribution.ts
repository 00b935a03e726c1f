/**
 * TTFT distribution per run: histogram and ECDF.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RunRecords } from "../core/run_records.ts";
import {
  _bins,
  _checkRuns,
  _checkSize,
  _count,
  _countTicks,
  _emptyPanel,
  _measured,
  _panelTitle,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Bin edges without floating-point noise (0.30000000000000004 → 0.3). */
function _round(x: number): number {
  return Number(x.toPrecision(12));
}

/** Which panels {@link plotTtftDistribution} draws. */
export const TTFT_PLOT_KINDS = ["both", "histogram", "ecdf"] as const;

/** One of {@link TTFT_PLOT_KINDS}. */
export type TtftPlotKind = typeof TTFT_PLOT_KINDS[number];

/** Options of {@link plotTtftDistribution}. */
export interface PlotTtftDistributionOptions {
  /** `"histogram"`, `"ecdf"` or `"both"` side by side. Default `"both"`. */
  kind?: TtftPlotKind;
  /** About how many histogram bins span all runs' TTFTs (edges are rounded to 1, 2 or 5 × 10ⁿ ms). Default `30`. */
  maxBins?: number;
  /** Width of each panel, px. Default `420`. */
  width?: number;
  /** Height of each panel, px. Default `280`. */
  height?: number;
  /** Chart title. Default `"Time to first token"`. */
  title?: string;
}

/**
 * Plot the distribution of time to first token (`ttftMs`) of each run's completed, measured
 * requests: a histogram (requests per TTFT bin, runs overlaid) and the empirical CDF (fraction
 * of requests with TTFT ≤ x; read p50 at 0.5 and p90 at 0.9). One run's histogram is plain
 * bars, two runs' are overlaid, three or more get one small histogram each on shared axes.
 * Errored and warm-up requests are left out, as in the summary statistics. Returns a vega-lite v5
 * spec with the data inlined.
 *
 * @example Two runs
 * ```ts
 * import { plotTtftDistribution } from "./plot_ttft_distribution.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const rec = (ttftMs: number) => ({ status: "ok", phase: "measure", ttftMs }) as RequestRecord;
 * const spec = plotTtftDistribution([
 *   { label: "fast", records: [rec(100), rec(120), rec(180)] },
 *   { label: "slow", records: [rec(300), rec(350)] },
 * ], { kind: "ecdf" });
 * const values = (spec as { data: { values: { run: string; fraction: number }[] } }).data.values;
 * // with several runs, each label carries its count of requests
 * if (values.filter((v) => v.run === "slow (n=2)").at(-1)?.fraction !== 1) throw new Error("ecdf");
 * ```
 */
export function plotTtftDistribution(
  runs: RunRecords | readonly RunRecords[],
  options: PlotTtftDistributionOptions = {},
): PlotSpec {
  const what = "TTFT distribution";
  const list = _checkRuns(what, runs);
  const {
    kind = "both",
    maxBins = 30,
    width = 420,
    height = 280,
    title = "Time to first token",
  } = options;
  if (!TTFT_PLOT_KINDS.includes(kind)) {
    throw new RangeError(
      `Cannot plot ${what}: 'kind' must be one of ${TTFT_PLOT_KINDS.join(", ")}, got ${kind}`,
    );
  }
  if (!(Number.isInteger(maxBins) && maxBins >= 2)) {
    throw new RangeError(`Cannot plot ${what}: 'maxBins' must be an integer >= 2, got ${maxBins}`);
  }
  _checkSize(what, "width", width);
  _checkSize(what, "height", height);

  const samples = list.map((run) => {
    const ttft = _measured(run.records)
      .filter((r) => r.status === "ok" && typeof r.ttftMs === "number")
      .map((r) => r.ttftMs as number)
      .sort((a, b) => a - b);
    // With several runs the legend carries each run's request count.
    return { run: list.length > 1 ? `${run.label} (n=${ttft.length})` : run.label, ttft };
  });
  const domain = samples.map((s) => s.run);
  const total = samples.reduce((n, s) => n + s.ttft.length, 0);
  const color = {
    field: "run",
    type: "nominal" as const,
    title: "Run",
    scale: { domain },
    legend: list.length > 1 ? {} : null,
  };
  const subtitle = list.length > 1
    ? "completed, measured requests"
    : `${list[0].label}: ${_count(samples[0].ttft.length, "completed request")} (measured)`;

  // Bins are computed here, shared by all runs, so that the count axis can have whole-number
  // ticks. One run: bars. Two: overlaid, translucent. More: one small histogram per run.
  const faceted = list.length > 2;
  const rowHeight = Math.max(48, Math.round(height / list.length));
  const bins = _bins(samples.flatMap((s) => s.ttft), maxBins);
  const binRows = samples.flatMap((s) => {
    const counts = new Map<number, number>();
    for (const v of s.ttft) {
      const i = Math.min(Math.floor((v - bins.start) / bins.step), bins.count - 1);
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => a[0] - b[0]).map(([i, requests]) => ({
      run: s.run,
      fromMs: _round(bins.start + i * bins.step),
      toMs: _round(bins.start + (i + 1) * bins.step),
      requests,
    }));
  });
  const ticks = _countTicks(Math.max(0, ...binRows.map((r) => r.requests)));
  const bars = {
    mark: { type: "bar" as const, opacity: list.length === 2 ? 0.55 : 0.9, binSpacing: 1 },
    encoding: {
      x: {
        field: "fromMs",
        type: "quantitative" as const,
        bin: { binned: true, step: bins.step },
        title: "TTFT (ms)",
        scale: { domain: [_round(bins.start), _round(bins.start + bins.count * bins.step)] },
      },
      x2: { field: "toMs" },
      y: {
        field: "requests",
        type: "quantitative" as const,
        title: "Requests",
        stack: null,
        scale: { domain: [0, ticks[ticks.length - 1]] },
        axis: { values: faceted ? [0, ticks[ticks.length - 1]] : ticks },
      },
      color,
      tooltip: [
        { field: "run", type: "nominal" as const, title: "Run" },
        { field: "fromMs", type: "quantitative" as const, title: "TTFT from (ms)" },
        { field: "toMs", type: "quantitative" as const, title: "TTFT to (ms)" },
        { field: "requests", type: "quantitative" as const, title: "Requests" },
      ],
    },
  };
  const histogramData = { values: binRows };
  const histogram = total === 0
    ? _emptyPanel("no completed requests with a TTFT", width, height)
    : faceted
    ? {
      data: histogramData,
      facet: {
        row: {
          field: "run",
          type: "nominal" as const,
          title: null,
          sort: domain,
          header: { labelAngle: 0, labelOrient: "top" as const, labelAnchor: "start" as const },
        },
      },
      spacing: 6,
      spec: { width, height: rowHeight, ...bars },
    }
    : { width, height, data: histogramData, ...bars };

  // ECDF as steps: (x₁, 0), then (xᵢ, i/n); drawn with interpolate "step-after".
  const ecdfValues = samples.flatMap((s) => {
    const n = s.ttft.length;
    if (n === 0) return [];
    const points = [{ run: s.run, ttftMs: s.ttft[0], fraction: 0 }];
    s.ttft.forEach((ttftMs, i) => points.push({ run: s.run, ttftMs, fraction: (i + 1) / n }));
    return points;
  });
  const ecdf = total === 0 ? _emptyPanel("no completed requests with a TTFT", width, height) : {
    width,
    height,
    data: { values: ecdfValues },
    mark: { type: "line" as const, interpolate: "step-after" as const, strokeWidth: 2 },
    encoding: {
      x: {
        field: "ttftMs",
        type: "quantitative" as const,
        title: "TTFT (ms)",
        scale: { zero: false },
      },
      y: {
        field: "fraction",
        type: "quantitative" as const,
        title: "Requests with TTFT ≤ x",
        scale: { domain: [0, 1] },
        axis: { format: "%", values: [0, 0.25, 0.5, 0.75, 0.9, 1] },
      },
      color,
      tooltip: [
        { field: "run", type: "nominal" as const, title: "Run" },
        { field: "ttftMs", type: "quantitative" as const, title: "TTFT (ms)", format: ".1f" },
        { field: "fraction", type: "quantitative" as const, title: "Fraction ≤", format: ".1%" },
      ],
    },
  };

  const head = {
    $schema: _VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    config: _plotConfig(),
  };
  if (kind === "histogram") return { ...head, ...histogram } as PlotSpec;
  if (kind === "ecdf") return { ...head, ...ecdf } as PlotSpec;
  return {
    ...head,
    hconcat: [
      { ...histogram, title: _panelTitle("Histogram") },
      { ...ecdf, title: _panelTitle("Cumulative (ECDF)") },
    ],
    resolve: { scale: { color: "shared" } },
  } as PlotSpec;
}
