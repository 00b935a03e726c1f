/**
 * Shared pieces of the plot functions: input checks, the look (fonts, sizes), and small data
 * helpers. Private to lib/.
 *
 * @module
 */
import type { RequestRecord } from "../core/request_record.ts";
import type { RunRecords } from "../core/run_records.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";

/** The vega-lite schema every spec names. */
export const _VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Readable defaults: 12–13 px labels, 15 px titles, light grid, white background. */
export function _plotConfig(): Record<string, unknown> {
  return {
    background: "white",
    padding: 12,
    font: "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif",
    title: {
      fontSize: 16,
      fontWeight: "bold",
      anchor: "start",
      subtitleFontSize: 12,
      subtitleColor: "#555555",
      offset: 10,
      // place panel titles by the plot area, not by the axis labels around it, so the titles of
      // side-by-side panels line up
      frame: "group",
    },
    axis: {
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: "normal",
      titleColor: "#222222",
      labelColor: "#333333",
      gridColor: "#e8e8e8",
      domainColor: "#888888",
      tickColor: "#888888",
      labelLimit: 260,
      // labels closer than this are thinned out (vega's default 0 lets "396" and "398" touch)
      labelSeparation: 6,
    },
    legend: {
      labelFontSize: 12,
      titleFontSize: 12,
      titleFontWeight: "normal",
      labelLimit: 260,
      symbolSize: 120,
    },
    header: { labelFontSize: 13, titleFontSize: 13 },
    view: { stroke: "#dddddd" },
    concat: { spacing: 36 },
    range: { category: { scheme: "tableau10" } },
  };
}

/** The title of one panel of a multi-panel chart: smaller than the chart's own title. */
export function _panelTitle(text: string) {
  return { text, fontSize: 13, fontWeight: "normal" as const, subtitle: "" };
}

/** Check and normalize the `runs` argument of a plot function named `what`. */
export function _checkRuns(what: string, runs: unknown): RunRecords[] {
  const list = Array.isArray(runs) ? runs : [runs];
  if (list.length === 0) {
    throw new RangeError(`Cannot plot ${what}: 'runs' must hold at least one run, got none`);
  }
  const seen = new Set<string>();
  for (const run of list) {
    if (typeof run !== "object" || run === null) {
      throw new TypeError(`Cannot plot ${what}: each run must be { label, records }, got ${run}`);
    }
    const { label, records } = run as Partial<RunRecords>;
    if (typeof label !== "string" || label.trim() === "") {
      throw new TypeError(
        `Cannot plot ${what}: a run's 'label' must be a non-empty string, got ${
          JSON.stringify(label)
        }`,
      );
    }
    if (!Array.isArray(records)) {
      throw new TypeError(
        `Cannot plot ${what}: 'records' of run '${label}' must be an array, got ${typeof records}`,
      );
    }
    if (seen.has(label)) {
      throw new RangeError(`Cannot plot ${what}: run labels must be unique, got '${label}' twice`);
    }
    seen.add(label);
  }
  return list as RunRecords[];
}

/** Check a size option: a positive finite number of pixels. */
export function _checkSize(what: string, name: string, value: number): number {
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new RangeError(`Cannot plot ${what}: '${name}' must be a positive number, got ${value}`);
  }
  return value;
}

/** The records of the measurement phase (warm-up left out). */
export function _measured(records: readonly RequestRecord[]): RequestRecord[] {
  return records.filter((r) => r.phase === "measure");
}

/** An error code with its meaning when tokenbench assigned it itself: `"599 network"`. */
export function _errorCodeLabel(code: number): string {
  for (const [name, value] of Object.entries(CLIENT_ERROR_CODES)) {
    if (value === code) return `${code} ${name}`;
  }
  return String(code);
}

/** A text mark saying why a panel is empty, centred in a `width` × `height` view. */
export function _emptyPanel(message: string, width: number, height: number) {
  return {
    width,
    height,
    data: { values: [{ message }] },
    mark: { type: "text" as const, fontSize: 13, color: "#666666" },
    encoding: {
      text: { field: "message", type: "nominal" as const },
      x: { value: width / 2 },
      y: { value: height / 2 },
    },
  };
}

/** `n` with a unit, pluralized: `1 request`, `3 requests`. */
export function _count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A number shown with a sensible precision for a subtitle: `12.3`, `1234`, `0.042`. */
export function _fmt(value: number): string {
  const a = Math.abs(value);
  if (a >= 100) return value.toFixed(0);
  if (a >= 10) return value.toFixed(1);
  if (a >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A "nice" step near `raw`: 1, 2 or 5 times a power of ten. */
export function _niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/**
 * Whole-number tick values from 0 to at least `max` (about five of them): for axes of counts,
 * where ticks at 0.5 requests would make no sense.
 */
export function _countTicks(max: number): number[] {
  const step = Math.max(1, _niceStep(Math.max(max, 1) / 5));
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  return ticks;
}

/** Histogram bins over all `values`: nice edges, at most about `maxBins` of them. */
export function _bins(
  values: readonly number[],
  maxBins: number,
): { start: number; step: number; count: number } {
  if (values.length === 0) return { start: 0, step: 1, count: 1 };
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const step = _niceStep((max - min) / maxBins || Math.max(Math.abs(min) / 10, 1e-9));
  const start = Math.floor(min / step) * step;
  // the last bin holds values equal to its upper edge
  const count = Math.max(1, Math.ceil((max - start) / step - 1e-9));
  return { start, step, count };
}
