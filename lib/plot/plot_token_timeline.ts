/**
 * One request's token timeline: cumulative output tokens against time since send.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { quantile } from "../core/quantile.ts";
import {
  _checkSize,
  _count,
  _emptyPanel,
  _errorCodeLabel,
  _fmt,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** Options of {@link plotTokenTimeline}. */
export interface PlotTokenTimelineOptions {
  /**
   * A gap between two chunks longer than this (ms) is a stall, shaded in the plot. Default: 5 ×
   * the median gap between chunks (no stalls marked below 3 chunks).
   */
  stallMs?: number;
  /** Plot width, px. Default `620`. */
  width?: number;
  /** Plot height, px. Default `300`. */
  height?: number;
  /** Chart title. Default `"Token timeline of request <requestId>"`. */
  title?: string;
}

/** A gap between two chunk arrivals longer than the stall threshold. */
export interface TokenStall {
  /** Arrival of the chunk before the gap, ms after send. */
  fromMs: number;
  /** Arrival of the chunk after the gap, ms after send. */
  toMs: number;
  /** `toMs − fromMs`. */
  gapMs: number;
}

/**
 * Plot one request's stream: cumulative output tokens (from `chunkArrivalMs`/`chunkTokens`)
 * against ms since the request was sent, as a step line with a dot per chunk. The flat start is
 * the wait for the first token, marked by a rule at `ttftMs`; a rule marks the end of the
 * stream (`e2eMs`); gaps longer than `stallMs` are shaded and labelled. Works for errored
 * requests too (the subtitle names the error). Returns a vega-lite v5 spec with the data inlined.
 *
 * @example A stream with one stall
 * ```ts
 * import { plotTokenTimeline } from "./plot_token_timeline.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const record = {
 *   requestId: 7, status: "ok", ttftMs: 200, e2eMs: 1100, outputTokens: 6,
 *   chunkArrivalMs: [200, 220, 240, 900, 920, 940], chunkTokens: [1, 1, 1, 1, 1, 1],
 * } as RequestRecord;
 * const spec = plotTokenTimeline(record);
 * if (!JSON.stringify(spec).includes('"gapMs":660')) throw new Error("stall not marked");
 * ```
 */
export function plotTokenTimeline(
  record: RequestRecord,
  options: PlotTokenTimelineOptions = {},
): PlotSpec {
  const what = "token timeline";
  if (typeof record !== "object" || record === null) {
    throw new TypeError(`Cannot plot ${what}: 'record' must be a RequestRecord, got ${record}`);
  }
  const arrivals = record.chunkArrivalMs;
  const tokens = record.chunkTokens;
  if (!Array.isArray(arrivals) || !Array.isArray(tokens) || arrivals.length !== tokens.length) {
    throw new TypeError(
      `Cannot plot ${what}: 'chunkArrivalMs' and 'chunkTokens' must be arrays of equal length, ` +
        `got ${arrivals?.length} and ${tokens?.length}`,
    );
  }
  const { width = 620, height = 300, title = `Token timeline of request ${record.requestId}` } =
    options;
  _checkSize(what, "width", width);
  _checkSize(what, "height", height);

  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  const stallMs = options.stallMs ?? (gaps.length >= 2 ? 5 * (quantile(gaps, 0.5) ?? 0) : Infinity);
  if (!(typeof stallMs === "number" && stallMs >= 0)) {
    throw new RangeError(`Cannot plot ${what}: 'stallMs' must be a number >= 0, got ${stallMs}`);
  }
  const stalls = findStalls(arrivals, stallMs);

  const points: { tMs: number; tokens: number; chunkTokens: number; chunk: number }[] = [];
  let total = 0;
  arrivals.forEach((tMs, i) => {
    total += tokens[i];
    points.push({ tMs, tokens: total, chunkTokens: tokens[i], chunk: i + 1 });
  });
  // The step line starts at send time with nothing received.
  const line = [{ tMs: 0, tokens: 0 }, ...points.map(({ tMs, tokens }) => ({ tMs, tokens }))];

  const facts = [
    record.ttftMs === null ? "no first token" : `TTFT ${_fmt(record.ttftMs)} ms`,
    `${_count(total, "token")} in ${_count(arrivals.length, "chunk")}`,
    `end ${_fmt(record.e2eMs)} ms`,
    Number.isFinite(stallMs)
      ? `${_count(stalls.length, "stall")} > ${_fmt(stallMs)} ms`
      : "too few chunks to find stalls",
  ];
  const subtitle = [facts.join(" · ")];
  if (record.status === "error") {
    subtitle.push(`failed: ${_errorCodeLabel(record.errorCode)}, ${record.errorMessage}`);
  }
  const head = {
    $schema: _VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    config: _plotConfig(),
  };
  if (arrivals.length === 0) {
    return { ...head, ..._emptyPanel("no content chunks arrived", width, height) } as PlotSpec;
  }

  const x = {
    field: "tMs",
    type: "quantitative" as const,
    title: "Time since request sent (ms)",
    scale: { domain: [0, Math.max(record.e2eMs, arrivals[arrivals.length - 1])], nice: true },
  };
  // TTFT is labelled right of its rule at the top (the line is still low there), the end of
  // the stream left of its rule at the bottom (the line is high there).
  const markers = [
    ...(record.ttftMs === null ? [] : [{ tMs: record.ttftMs, what: "TTFT", side: 1 }]),
    { tMs: record.e2eMs, what: "end", side: -1 },
  ];
  const layers: unknown[] = [
    {
      data: { values: stalls.map((s) => ({ ...s, label: `stall ${_fmt(s.gapMs)} ms` })) },
      layer: [
        {
          mark: { type: "rect", color: "#f58518", opacity: 0.18 },
          encoding: {
            x: { ...x, field: "fromMs" },
            x2: { field: "toMs" },
            tooltip: [{ field: "gapMs", type: "quantitative", title: "Stall (ms)", format: ".0f" }],
          },
        },
        {
          mark: {
            type: "text",
            color: "#b35806",
            fontSize: 11,
            align: "center",
            baseline: "top",
            dy: 4,
          },
          encoding: {
            x: { field: "mid", type: "quantitative" },
            y: { value: 0 },
            text: { field: "label", type: "nominal" },
          },
          transform: [{ calculate: "(datum.fromMs + datum.toMs) / 2", as: "mid" }],
        },
      ],
    },
    {
      data: { values: markers },
      layer: [
        {
          mark: { type: "rule", strokeDash: [4, 3], color: "#555555" },
          encoding: { x: { ...x, field: "tMs" } },
        },
        ...[1, -1].map((side) => ({
          transform: [{ filter: `datum.side === ${side}` }],
          mark: {
            type: "text",
            align: side > 0 ? "left" : "right",
            baseline: side > 0 ? "top" : "bottom",
            dx: 4 * side,
            dy: 4 * side,
            fontSize: 11,
            color: "#333333",
          },
          encoding: {
            x: { field: "tMs", type: "quantitative" },
            y: { value: side > 0 ? 0 : height },
            text: { field: "what", type: "nominal" },
          },
        })),
      ],
    },
    {
      data: { values: line },
      mark: { type: "line", interpolate: "step-after", color: "#4c78a8", strokeWidth: 2 },
      encoding: {
        x,
        y: { field: "tokens", type: "quantitative", title: "Output tokens received (cumulative)" },
      },
    },
    {
      data: { values: points },
      mark: { type: "point", filled: true, size: 28, color: "#4c78a8" },
      encoding: {
        x,
        y: { field: "tokens", type: "quantitative" },
        tooltip: [
          { field: "chunk", type: "quantitative", title: "Chunk" },
          { field: "tMs", type: "quantitative", title: "Arrived (ms)", format: ".1f" },
          { field: "chunkTokens", type: "quantitative", title: "Tokens in chunk" },
          { field: "tokens", type: "quantitative", title: "Tokens so far" },
        ],
      },
    },
  ];
  return { ...head, width, height, layer: layers } as PlotSpec;
}

/**
 * The gaps between consecutive chunk arrivals longer than `stallMs`.
 *
 * @example One stall
 * ```ts
 * import { findStalls } from "./plot_token_timeline.ts";
 * const stalls = findStalls([10, 20, 500, 510], 100);
 * if (stalls.length !== 1 || stalls[0].gapMs !== 480) throw new Error("stall");
 * ```
 */
export function findStalls(chunkArrivalMs: readonly number[], stallMs: number): TokenStall[] {
  const stalls: TokenStall[] = [];
  for (let i = 1; i < chunkArrivalMs.length; i++) {
    const gapMs = chunkArrivalMs[i] - chunkArrivalMs[i - 1];
    if (gapMs > stallMs) {
      stalls.push({ fromMs: chunkArrivalMs[i - 1], toMs: chunkArrivalMs[i], gapMs });
    }
  }
  return stalls;
}
