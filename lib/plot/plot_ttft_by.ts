/**
 * TTFT grouped by what a workload varies: the turn of a multi-turn session, or whether the
 * endpoint served the prompt's prefix from its cache.
 *
 * @module
 */
import type { PlotSpec } from "./render_svg.ts";
import type { RequestRecord } from "../core/request_record.ts";
import {
  _checkSize,
  _emptyPanel,
  _measured,
  _plotConfig,
  _VEGA_LITE_SCHEMA,
} from "./_plot_common.ts";

/** What {@link plotTtftBy} groups by, as typed data. */
export const TTFT_GROUPINGS = ["turn", "cache"] as const;

/** One of {@link TTFT_GROUPINGS}. */
export type TtftGrouping = typeof TTFT_GROUPINGS[number];

/** Options of {@link plotTtftBy}. */
export interface PlotTtftByOptions {
  /** Width, px. Default 480. */
  width?: number;
  /** Height, px. Default 280. */
  height?: number;
  /** Chart title. Default "Time to first token by turn" or "… cached vs uncached". */
  title?: string;
}

/**
 * Box plots of the TTFT of completed, measured requests, one box per group: per `turn`
 * (records with `turn`: multi-turn sessions), or `cache` (records with `cachedInputTokens`:
 * "cached" when at least one prompt token came from the endpoint's cache, else "uncached").
 * Whiskers span min to max; the box p25 to p75 with the median. Records without the field are
 * left out; with none left the plot says so. Returns a vega-lite v5 spec with the data inlined.
 *
 * @example TTFT cached vs uncached
 * ```ts
 * import { plotTtftBy } from "./plot_ttft_by.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const rec = (ttftMs: number, cachedInputTokens: number) =>
 *   ({ status: "ok", phase: "measure", ttftMs, cachedInputTokens }) as RequestRecord;
 * const spec = plotTtftBy([rec(300, 0), rec(120, 256), rec(110, 256)], "cache");
 * const values = (spec as { data: { values: { group: string }[] } }).data.values;
 * if (values.filter((v) => v.group === "cached").length !== 2) throw new Error("groups");
 * ```
 */
export function plotTtftBy(
  records: readonly RequestRecord[],
  by: TtftGrouping,
  options: PlotTtftByOptions = {},
): PlotSpec {
  const what = "TTFT by group";
  if (!Array.isArray(records)) {
    throw new TypeError(`Cannot plot ${what}: 'records' must be an array, got ${typeof records}`);
  }
  if (!TTFT_GROUPINGS.includes(by)) {
    throw new RangeError(
      `Cannot plot ${what}: 'by' must be one of ${TTFT_GROUPINGS.join(", ")}, got ${
        JSON.stringify(by)
      }`,
    );
  }
  const width = _checkSize(what, "width", options.width ?? 480);
  const height = _checkSize(what, "height", options.height ?? 280);
  const title = options.title ??
    (by === "turn" ? "Time to first token by turn" : "Time to first token, cached vs uncached");
  const values: { group: string; order: number; ttftMs: number }[] = [];
  for (const r of _measured(records)) {
    if (r.status !== "ok" || r.ttftMs === null) continue;
    if (by === "turn") {
      if (r.turn === undefined) continue;
      values.push({ group: `turn ${r.turn}`, order: r.turn, ttftMs: r.ttftMs });
    } else {
      if (r.cachedInputTokens === undefined) continue;
      const hit = r.cachedInputTokens > 0;
      values.push({ group: hit ? "cached" : "uncached", order: hit ? 0 : 1, ttftMs: r.ttftMs });
    }
  }
  const base = { $schema: _VEGA_LITE_SCHEMA, title, config: _plotConfig() };
  if (values.length === 0) {
    return {
      ...base,
      ..._emptyPanel(
        by === "turn"
          ? "no completed request carries a turn (run with --sessions)"
          : "no completed request reports cached tokens",
        width,
        height,
      ),
    } as PlotSpec;
  }
  const groups = [...new Map(values.map((v) => [v.group, v.order])).entries()]
    .sort((a, b) => a[1] - b[1]).map(([g]) => g);
  return {
    ...base,
    width,
    height,
    data: { values },
    mark: { type: "boxplot", extent: "min-max", size: 28 },
    encoding: {
      x: {
        field: "group",
        type: "nominal",
        sort: groups,
        title: by === "turn" ? "Turn" : "Prompt prefix",
        axis: { labelAngle: 0 },
      },
      y: { field: "ttftMs", type: "quantitative", title: "TTFT (ms)", scale: { zero: true } },
      color: { field: "group", type: "nominal", sort: groups, legend: null },
    },
  } as PlotSpec;
}
