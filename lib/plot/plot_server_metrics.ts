/**
 * The server's own metrics over a run (`server_metrics.jsonl`), beside the client's view: running
 * and waiting requests with the client's requests in flight, KV-cache usage, and any other
 * series asked for, against time since the run started.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RequestRecord } from "../core/request_record.ts";
import {
  type ServerMetricsPoint,
  type ServerMetricsRun,
  serverMetricsTimeline,
} from "../core/summarize_server_metrics.ts";
import { SERVER_METRIC_ROLES } from "../core/server_metric_roles.ts";
import {
  _checkSize,
  _count,
  _emptyPanel,
  _panelTitle,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Options of {@link plotServerMetrics}. */
export interface PlotServerMetricsOptions {
  /** The run's records: their requests in flight are drawn beside the server's running and
   * waiting requests, and the run's clock is theirs. Default none (the clock starts when
   * scraping started). */
  records?: readonly RequestRecord[];
  /** The run's start, epoch ms. Default: from `records` (`startEpochMs − actualSendMs`), else
   * when scraping started. */
  runStartEpochMs?: number;
  /** More sample names or series keys, one panel each (a counter as its rate per second).
   * Default none. */
  names?: readonly string[];
  /** Width of each panel, px. Default `620`. */
  width?: number;
  /** Height of each panel, px. Default `170`. */
  height?: number;
  /** Chart title. Default `"Server metrics over the run"`. */
  title?: string;
}

const _REQUESTS = "Requests";
const _CLIENT = "client: requests in flight";

/** The client's requests in flight as a step function: a point at each send and completion. */
function _inFlight(records: readonly RequestRecord[]): { tS: number; value: number }[] {
  const events: [number, number][] = [];
  for (const r of records) {
    events.push([r.actualSendMs, 1], [r.actualSendMs + r.e2eMs, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const points = [{ tS: 0, value: 0 }];
  let n = 0;
  for (const [t, step] of events) {
    n += step;
    points.push({ tS: t / 1000, value: n });
  }
  return points;
}

/**
 * Plot a run's server metrics over the run's clock: a "Requests" panel with the server's running
 * and waiting requests (vLLM's, SGLang's or TGI's names, see `SERVER_METRIC_ROLES`) and, given
 * `records`, the client's own requests in flight, as step lines coloured by series; a KV-cache
 * usage panel (percent) when the server reports it; one panel per extra name. Panels share the
 * time axis (seconds since the run started); failed scrapes are counted in the subtitle. Returns
 * a vega-lite v5 spec with the data inlined.
 *
 * @example Two scrapes of the simulator's metrics
 * ```ts
 * import { plotServerMetrics } from "./plot_server_metrics.ts";
 * const key = (name: string) => `${name}{model_name="tokenbench-sim"}`;
 * const spec = plotServerMetrics({
 *   header: { kind: "server-metrics", schemaVersion: 1, tool: { name: "tokenbench", version: "0" },
 *     url: "http://127.0.0.1:8000/metrics", intervalMs: 1000, startEpochMs: 0, names: [] },
 *   scrapes: [0, 1000].map((tMs, i) => ({
 *     kind: "scrape" as const, tMs, epochMs: tMs, scrapeMs: 1,
 *     values: { [key("vllm:num_requests_running")]: 2 * i, [key("vllm:num_requests_waiting")]: i },
 *   })),
 *   failures: [],
 *   types: { "vllm:num_requests_running": "gauge", "vllm:num_requests_waiting": "gauge" },
 * });
 * if (!JSON.stringify(spec).includes('"series":"server: waiting"')) throw new Error("waiting");
 * ```
 */
export function plotServerMetrics(
  run: ServerMetricsRun,
  options: PlotServerMetricsOptions = {},
): PlotSpec {
  const what = "server metrics";
  if (run === null || typeof run !== "object" || !Array.isArray(run.scrapes)) {
    throw new TypeError(`Cannot plot ${what}: 'run' must be a ServerMetricsRun, got ${run}`);
  }
  const { width = 620, height = 170, title = "Server metrics over the run" } = options;
  _checkSize(what, "width", width);
  _checkSize(what, "height", height);
  const records = options.records ?? [];
  const origins = records.map((r) => r.startEpochMs - r.actualSendMs).sort((a, b) => a - b);
  const runStartEpochMs = options.runStartEpochMs ??
    (origins.length > 0 ? origins[Math.floor(origins.length / 2)] : undefined);
  const points = serverMetricsTimeline(run, { runStartEpochMs, names: options.names });
  const { running, waiting, kvCacheUsage } = SERVER_METRIC_ROLES;
  const requests: { tS: number; series: string; value: number }[] = [];
  const others = new Map<string, ServerMetricsPoint[]>();
  for (const p of points) {
    if (p.metric === running.title) {
      requests.push({ tS: p.tS, series: "server: running", value: p.value });
    } else if (p.metric === waiting.title) {
      requests.push({ tS: p.tS, series: "server: waiting", value: p.value });
    } else {
      const list = others.get(p.metric) ?? [];
      list.push(p.metric === kvCacheUsage.title ? { ...p, value: 100 * p.value } : p);
      others.set(p.metric, list);
    }
  }
  if (requests.length > 0 || records.length > 0) {
    for (const p of _inFlight(records)) requests.push({ ...p, series: _CLIENT });
  }
  const lastS = Math.max(
    0,
    ...points.map((p) => p.tS),
    ...requests.map((p) => p.tS),
  );
  const x = {
    field: "tS",
    type: "quantitative" as const,
    title: "Time since the run started (s)",
    scale: { domain: [Math.min(0, ...points.map((p) => p.tS)), lastS], nice: false },
  };
  const subtitle = [
    `${
      _count(run.scrapes.length, "scrape")
    } of ${run.header.url} every ${run.header.intervalMs} ms` +
    (run.failures.length > 0 ? ` · ${_count(run.failures.length, "failed scrape")}` : ""),
  ];
  const head = {
    $schema: _VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    config: _plotConfig(),
  };
  const panels: unknown[] = [];
  if (requests.length > 0) {
    panels.push({
      title: _panelTitle(_REQUESTS),
      width,
      height,
      data: { values: requests },
      mark: { type: "line", interpolate: "step-after" },
      encoding: {
        x,
        y: { field: "value", type: "quantitative", title: "Requests", axis: { format: "d" } },
        // Running is drawn wider, so it shows where waiting has the same value.
        strokeWidth: {
          condition: { test: "datum.series === 'server: running'", value: 4 },
          value: 2,
        },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: {
            domain: ["server: running", "server: waiting", _CLIENT],
            range: ["#4c78a8", "#f58518", "#54a24b"],
          },
          legend: { orient: "top", direction: "horizontal" },
        },
        strokeDash: {
          field: "series",
          type: "nominal",
          scale: {
            domain: ["server: running", "server: waiting", _CLIENT],
            range: [[1, 0], [1, 0], [4, 3]],
          },
          legend: null,
        },
        tooltip: [
          { field: "series", type: "nominal", title: "Series" },
          { field: "tS", type: "quantitative", title: "Time (s)", format: ".2f" },
          { field: "value", type: "quantitative", title: "Requests" },
        ],
      },
    });
  }
  for (const [metric, list] of others) {
    const percent = metric === kvCacheUsage.title;
    panels.push({
      title: _panelTitle(percent ? "KV-cache usage" : metric),
      width,
      height,
      data: { values: list },
      mark: {
        type: "line",
        interpolate: percent ? "step-after" : "linear",
        strokeWidth: 2,
        color: "#b279a2",
      },
      encoding: {
        x,
        y: {
          field: "value",
          type: "quantitative",
          title: percent
            ? "KV-cache usage (%)"
            : metric.endsWith("(per s)")
            ? "Per second"
            : "Value",
        },
        tooltip: [
          { field: "tS", type: "quantitative", title: "Time (s)", format: ".2f" },
          { field: "value", type: "quantitative", title: metric, format: ".4~g" },
        ],
      },
    });
  }
  if (panels.length === 0) {
    const reason = run.scrapes.length === 0
      ? "no successful scrape"
      : "no running, waiting or KV-cache series (pass names)";
    return { ...head, ..._emptyPanel(reason, width, height) } as PlotSpec;
  }
  return { ...head, vconcat: panels, resolve: { scale: { color: "independent" } } } as PlotSpec;
}
