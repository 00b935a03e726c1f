/**
 * Per-request output throughput as one box plot per run.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RunRecords } from "../core/run_records.ts";
import {
  _checkRuns,
  _checkSize,
  _emptyPanel,
  _measured,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Options of {@link plotThroughputBoxplot}. */
export interface PlotThroughputBoxplotOptions {
  /** Plot width, px. Default `560`. */
  width?: number;
  /** Height per run, px (the plot grows with the number of runs). Default `46`. */
  rowHeight?: number;
  /** Chart title. Default `"Output throughput per request"`. */
  title?: string;
}

/**
 * Box plots of per-request output throughput (`outputThroughputTokPerS` = output tokens / e2e,
 * tokens/s), one horizontal box per run, the way the LLMPerf leaderboard compares providers: box
 * from p25 to p75 with the median marked, whiskers to the furthest value within 1.5 × IQR, points
 * beyond them drawn as outliers. Completed, measured requests only; each axis label carries the
 * run's request count. Returns a vega-lite v5 spec with the data inlined.
 *
 * @example Two providers
 * ```ts
 * import { plotThroughputBoxplot } from "./plot_throughput_boxplot.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const rec = (tps: number) =>
 *   ({ status: "ok", phase: "measure", outputThroughputTokPerS: tps }) as RequestRecord;
 * const spec = plotThroughputBoxplot([
 *   { label: "provider A", records: [rec(40), rec(45), rec(52)] },
 *   { label: "provider B", records: [rec(80), rec(90)] },
 * ]);
 * const rows = (spec as { data: { values: { run: string }[] } }).data.values;
 * if (rows.length !== 5 || rows[0].run !== "provider A (n=3)") throw new Error("rows");
 * ```
 */
export function plotThroughputBoxplot(
  runs: RunRecords | readonly RunRecords[],
  options: PlotThroughputBoxplotOptions = {},
): PlotSpec {
  const what = "throughput box plot";
  const list = _checkRuns(what, runs);
  const { width = 560, rowHeight = 46, title = "Output throughput per request" } = options;
  _checkSize(what, "width", width);
  _checkSize(what, "rowHeight", rowHeight);

  const named = list.map((run) => {
    const values = _measured(run.records)
      .filter((r) => r.status === "ok" && typeof r.outputThroughputTokPerS === "number")
      .map((r) => r.outputThroughputTokPerS as number);
    return { run: `${run.label} (n=${values.length})`, values };
  });
  const domain = named.map((n) => n.run);
  const values = named.flatMap((n) => n.values.map((tokPerS) => ({ run: n.run, tokPerS })));
  const height = Math.max(rowHeight * list.length, 80);
  const head = {
    $schema: _VEGA_LITE_SCHEMA,
    title: {
      text: title,
      subtitle: [
        "output tokens / end-to-end latency of each completed, measured request",
        "box p25–p75, line at the median, whiskers to 1.5 × IQR, dots beyond",
      ],
    },
    config: _plotConfig(),
  };
  if (values.length === 0) {
    return { ...head, ..._emptyPanel("no completed requests", width, height) } as PlotSpec;
  }
  return {
    ...head,
    width,
    height,
    data: { values },
    mark: {
      type: "boxplot",
      extent: 1.5,
      size: Math.min(28, rowHeight * 0.6),
      median: { color: "#222222", strokeWidth: 2 },
      outliers: { size: 24, opacity: 0.7 },
      rule: { color: "#555555" },
    },
    encoding: {
      y: { field: "run", type: "nominal", title: null, sort: domain, scale: { domain } },
      x: {
        field: "tokPerS",
        type: "quantitative",
        title: "Output throughput per request (tokens/s)",
        scale: { zero: false },
      },
      color: { field: "run", type: "nominal", legend: null, scale: { domain } },
    },
  } as PlotSpec;
}
