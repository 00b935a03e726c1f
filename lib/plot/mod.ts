/**
 * tokenbench/plot: vega-lite plots of runs (TTFT distribution, token timeline, throughput,
 * errors, load curve), rendered to SVG or PNG, and displayed inline in Jupyter with `displayPlot`.
 * vega loads when a plot is first rendered.
 *
 * @example
 * ```ts
 * import { plotTtftDistribution } from "tokenbench/plot";
 * const spec = plotTtftDistribution([{ label: "a", records: [] }]);
 * if (typeof spec !== "object") throw new Error("a vega-lite spec");
 * ```
 *
 * @module
 */
export * from "./display_plot.ts";
export * from "./plot_errors.ts";
export * from "./plot_load_curve.ts";
export * from "./plot_run_timeline.ts";
export * from "./plot_server_metrics.ts";
export * from "./plot_throughput_boxplot.ts";
export * from "./plot_token_timeline.ts";
export * from "./plot_ttft_by.ts";
export * from "./plot_ttft_distribution.ts";
export * from "./render_svg.ts";
export * from "./to_png.ts";
