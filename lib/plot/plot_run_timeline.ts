/**
 * A whole run's token timeline: every request of the client on the run's clock (waiting for its
 * first token, then streaming), and under it, on the same time axis, the server's running and
 * waiting requests and KV-cache usage when the run scraped them (`server_metrics.jsonl`).
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RequestRecord } from "../core/request_record.ts";
import type { ServerMetricsRun } from "../core/summarize_server_metrics.ts";
import { plotServerMetrics } from "./plot_server_metrics.ts";
import {
  _checkSize,
  _count,
  _emptyPanel,
  _panelTitle,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Options of {@link plotRunTimeline}. */
export interface PlotRunTimelineOptions {
  /** The run's server metrics: their running/waiting requests and KV-cache usage are drawn
   * under the requests, on the same time axis. Default none (the client's requests only). */
  serverMetrics?: ServerMetricsRun;
  /** At most this many requests are drawn as bars: beyond it an evenly spaced sample by send
   * order (every k-th, deterministic), said in the subtitle. Default `300`. */
  maxRequests?: number;
  /** Width of each panel, px. Default `620`. */
  width?: number;
  /** Height of the requests panel, px. Default `240`. */
  height?: number;
  /** Height of each server-metrics panel, px. Default `150`. */
  serverHeight?: number;
  /** Chart title. Default `"Run timeline: requests and server load"` (`"Run timeline:
   * requests"` without server metrics). */
  title?: string;
}

const _WAIT = "waiting for first token";
const _STREAM = "streaming";
const _FAILED = "failed";

/** Records drawn: every k-th by send order when there are more than `max`. */
function _sample(records: readonly RequestRecord[], max: number): RequestRecord[] {
  const sorted = [...records].sort((a, b) =>
    a.actualSendMs - b.actualSendMs || a.requestId - b.requestId
  );
  if (sorted.length <= max) return sorted;
  const step = sorted.length / max;
  return Array.from({ length: max }, (_, i) => sorted[Math.floor(i * step)]);
}

/**
 * Plot a whole run on its clock (seconds since the run started, the records' `actualSendMs`):
 * each request a bar from its send to its end on its own row (ordered by send), grey while it
 * waits for its first token, blue while it streams, red when it failed; with `serverMetrics`,
 * the server's running and waiting requests beside the client's requests in flight, and its
 * KV-cache usage, as panels under it sharing its time axis. Returns a vega-lite v5 spec with
 * the data inlined.
 *
 * @example Two requests, one still waiting for its first token when the other streams
 * ```ts
 * import { plotRunTimeline } from "./plot_run_timeline.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const records = [
 *   { requestId: 0, status: "ok", phase: "measure", actualSendMs: 0, ttftMs: 200, e2eMs: 900,
 *     startEpochMs: 10_000 },
 *   { requestId: 1, status: "ok", phase: "measure", actualSendMs: 100, ttftMs: 600, e2eMs: 1200,
 *     startEpochMs: 10_100 },
 * ] as RequestRecord[];
 * const spec = plotRunTimeline(records);
 * if (!JSON.stringify(spec).includes('"phase":"waiting for first token"')) throw new Error();
 * ```
 */
export function plotRunTimeline(
  records: readonly RequestRecord[],
  options: PlotRunTimelineOptions = {},
): PlotSpec {
  const what = "run timeline";
  if (!Array.isArray(records)) {
    throw new TypeError(`Cannot plot ${what}: 'records' must be an array, got ${records}`);
  }
  const {
    width = 620,
    height = 240,
    serverHeight = 150,
    maxRequests = 300,
    serverMetrics,
  } = options;
  _checkSize(what, "width", width);
  _checkSize(what, "height", height);
  _checkSize(what, "serverHeight", serverHeight);
  if (!(Number.isInteger(maxRequests) && maxRequests >= 1)) {
    throw new RangeError(
      `Cannot plot ${what}: 'maxRequests' must be an integer >= 1, got ${maxRequests}`,
    );
  }
  const title = options.title ??
    (serverMetrics ? "Run timeline: requests and server load" : "Run timeline: requests");
  const drawn = _sample(records, maxRequests);
  const bars: { row: number; requestId: number; phase: string; fromS: number; toS: number }[] = [];
  drawn.forEach((r, row) => {
    const send = r.actualSendMs / 1000;
    const end = (r.actualSendMs + r.e2eMs) / 1000;
    const first = r.ttftMs === null ? null : (r.actualSendMs + r.ttftMs) / 1000;
    const base = { row, requestId: r.requestId };
    if (r.status === "error") {
      bars.push({ ...base, phase: _FAILED, fromS: send, toS: end });
    } else if (first === null) {
      bars.push({ ...base, phase: _WAIT, fromS: send, toS: end });
    } else {
      bars.push({ ...base, phase: _WAIT, fromS: send, toS: first });
      bars.push({ ...base, phase: _STREAM, fromS: first, toS: end });
    }
  });
  const server = serverMetrics === undefined
    ? undefined
    : plotServerMetrics(serverMetrics, { records, width, height: serverHeight }) as {
      vconcat?: { encoding?: { x?: { scale?: { domain?: number[] } } } }[];
    };
  const serverPanels = server?.vconcat ?? [];
  // One time axis for every panel: from the earliest point of any to the latest.
  let lo = 0;
  let hi = 0;
  for (const b of bars) hi = Math.max(hi, b.toS);
  for (const p of serverPanels) {
    const d = p.encoding?.x?.scale?.domain;
    if (d) [lo, hi] = [Math.min(lo, d[0]), Math.max(hi, d[1])];
  }
  const x = {
    type: "quantitative" as const,
    title: "Time since the run started (s)",
    scale: { domain: [lo, hi > lo ? hi : lo + 1], nice: false },
  };
  const subtitle = [
    `${_count(records.length, "request")}` +
    (drawn.length < records.length
      ? ` · ${drawn.length} of them drawn, evenly spaced by send order`
      : "") +
    (serverMetrics
      ? ` · ${
        _count(serverMetrics.scrapes.length, "scrape")
      } of the server every ${serverMetrics.header.intervalMs} ms`
      : ""),
  ];
  const head = {
    $schema: _VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    config: _plotConfig(),
  };
  const requestsPanel = bars.length === 0
    ? { title: _panelTitle("Requests"), ..._emptyPanel("no requests", width, height) }
    : {
      title: _panelTitle("Requests (one row each, by send)"),
      width,
      height,
      data: { values: bars },
      mark: { type: "rule", strokeWidth: Math.max(1, Math.min(6, (height / drawn.length) * 0.7)) },
      encoding: {
        x: { ...x, field: "fromS" },
        x2: { field: "toS" },
        y: {
          field: "row",
          type: "quantitative",
          title: "Request (by send)",
          scale: { domain: [-0.5, drawn.length - 0.5], nice: false, zero: false, reverse: true },
          axis: { format: "d", tickMinStep: 1 },
        },
        color: {
          field: "phase",
          type: "nominal",
          title: null,
          scale: { domain: [_WAIT, _STREAM, _FAILED], range: ["#bab0ac", "#4c78a8", "#e45756"] },
          legend: { orient: "top", direction: "horizontal" },
        },
        tooltip: [
          { field: "requestId", type: "quantitative", title: "Request" },
          { field: "phase", type: "nominal", title: "Phase" },
          { field: "fromS", type: "quantitative", title: "From (s)", format: ".3f" },
          { field: "toS", type: "quantitative", title: "To (s)", format: ".3f" },
        ],
      },
    };
  const panels: unknown[] = [
    requestsPanel,
    ...serverPanels.map((p) => ({
      ...p,
      encoding: { ...p.encoding, x: { ...p.encoding?.x, scale: x.scale, title: x.title } },
    })),
  ];
  return { ...head, vconcat: panels, resolve: { scale: { color: "independent" } } } as PlotSpec;
}
