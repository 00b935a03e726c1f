/**
 * Error rate and error codes per run.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RunRecords } from "../core/run_records.ts";
import {
  _checkRuns,
  _checkSize,
  _countTicks,
  _emptyPanel,
  _errorCodeLabel,
  _measured,
  _panelTitle,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Options of {@link plotErrors}. */
export interface PlotErrorsOptions {
  /** Width of each panel, px. Default `360`. */
  width?: number;
  /** Height per run, px (the plot grows with the number of runs). Default `40`. */
  rowHeight?: number;
  /** Chart title. Default `"Errors"`. */
  title?: string;
}

/**
 * Plot failures per run: the error rate (failed / started measured requests, with the counts
 * written on each bar), and the failed requests split by error code (HTTP status, or
 * tokenbench's own 408 timeout, 499 cancelled, 599 network). Warm-up requests are left out.
 * A run without errors shows a 0 % bar. Returns a vega-lite v5 spec with the data inlined.
 *
 * @example A run with two 429s
 * ```ts
 * import { plotErrors } from "./plot_errors.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const ok = { status: "ok", phase: "measure" } as RequestRecord;
 * const e429 = { status: "error", phase: "measure", errorCode: 429 } as RequestRecord;
 * const spec = plotErrors({ label: "sim", records: [ok, ok, e429, e429] });
 * const text = JSON.stringify(spec);
 * if (!text.includes('"errorRate":0.5') || !text.includes('"code":"429"')) throw new Error("data");
 * ```
 */
export function plotErrors(
  runs: RunRecords | readonly RunRecords[],
  options: PlotErrorsOptions = {},
): PlotSpec {
  const what = "errors";
  const list = _checkRuns(what, runs);
  const { width = 360, rowHeight = 40, title = "Errors" } = options;
  _checkSize(what, "width", width);
  _checkSize(what, "rowHeight", rowHeight);

  const domain = list.map((r) => r.label);
  const rates = list.map((run) => {
    const measured = _measured(run.records);
    const failed = measured.filter((r) => r.status === "error").length;
    const started = measured.length;
    return {
      run: run.label,
      started,
      failed,
      errorRate: started > 0 ? failed / started : 0,
      text: started > 0
        ? `${failed} of ${started} (${(100 * failed / started).toFixed(1)}%)`
        : "no requests",
    };
  });
  const codes = list.flatMap((run) => {
    const counts = new Map<number, number>();
    for (const r of _measured(run.records)) {
      if (r.status === "error") counts.set(r.errorCode, (counts.get(r.errorCode) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => a[0] - b[0]).map(([code, count]) => ({
      run: run.label,
      code: _errorCodeLabel(code),
      count,
    }));
  });
  const height = Math.max(rowHeight * list.length, 60);
  const countTicks = _countTicks(Math.max(0, ...rates.map((r) => r.failed)));
  const y = { field: "run", type: "nominal", title: null, sort: domain, scale: { domain } };
  const maxRate = Math.max(0.05, ...rates.map((r) => r.errorRate));
  const ratePanel = {
    title: _panelTitle("Error rate"),
    width,
    height,
    data: { values: rates },
    encoding: {
      y,
      x: {
        field: "errorRate",
        type: "quantitative",
        title: "Failed requests (% of measured)",
        axis: { format: "%" },
        // room on the right for the count labels
        scale: { domain: [0, Math.min(1, maxRate * 1.6)], clamp: true },
      },
    },
    layer: [
      { mark: { type: "bar", color: "#e45756", size: Math.min(24, rowHeight * 0.6) } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, color: "#333333" },
        encoding: { text: { field: "text", type: "nominal" } },
      },
    ],
  };
  const codePanel = codes.length === 0
    ? { ..._emptyPanel("no errors", width, height), title: _panelTitle("Errors by code") }
    : {
      title: _panelTitle("Errors by code"),
      width,
      height,
      data: { values: codes },
      mark: { type: "bar", size: Math.min(24, rowHeight * 0.6) },
      encoding: {
        y,
        x: {
          field: "count",
          type: "quantitative",
          title: "Failed requests",
          stack: "zero",
          scale: { domain: [0, countTicks[countTicks.length - 1]] },
          axis: { values: countTicks, format: "d" },
        },
        color: { field: "code", type: "nominal", title: "Error code", scale: { scheme: "set2" } },
        tooltip: [
          { field: "run", type: "nominal", title: "Run" },
          { field: "code", type: "nominal", title: "Code" },
          { field: "count", type: "quantitative", title: "Requests" },
        ],
      },
    };
  return {
    $schema: _VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: "measured requests; warm-up left out" },
    config: _plotConfig(),
    hconcat: [ratePanel, codePanel],
  } as PlotSpec;
}
