/**
 * Render a vega-lite spec to an SVG string, headless (no browser, no canvas).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { _vegaTextWidth } from "./_text_width.ts";

/** A vega-lite v5 spec as the plot functions return it (data inlined). */
export type PlotSpec = TopLevelSpec;

/** Options of {@link renderSvg}. */
export interface RenderSvgOptions {
  /** Multiplies the SVG's width and height (its viewBox stays). Default `1`. */
  scale?: number;
}

/**
 * Render a vega-lite spec to SVG: compile it to vega with npm `vega-lite`, run it in a headless
 * `vega.View` (`renderer: "none"`) and serialize with `View.toSVG()`. The packages are loaded on
 * the first call, not at import time. Without a canvas, text is measured with the advance widths
 * of DejaVu Sans (the font the PNGs are drawn with, and the plots' first font family), so labels
 * are cut at their `labelLimit` only when they really are that wide.
 *
 * @example A bar chart
 * ```ts
 * import { renderSvg } from "./render_svg.ts";
 * const svg = await renderSvg({
 *   data: { values: [{ run: "a", n: 3 }, { run: "b", n: 5 }] },
 *   mark: "bar",
 *   encoding: { x: { field: "run", type: "nominal" }, y: { field: "n", type: "quantitative" } },
 * });
 * if (!svg.startsWith("<svg") || !svg.includes("</svg>")) throw new Error("not an SVG");
 * ```
 */
export async function renderSvg(spec: PlotSpec, options: RenderSvgOptions = {}): Promise<string> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`Cannot render SVG: 'spec' must be a vega-lite spec object, got ${spec}`);
  }
  const scale = options.scale ?? 1;
  if (!(typeof scale === "number" && Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`Cannot render SVG: 'scale' must be a positive number, got ${scale}`);
  }
  const { vega, vegaLite } = await _loadVega();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG(scale);
  } finally {
    view.finalize();
  }
}

/**
 * Import vega and vega-lite. vega's Node build pulls in node-fetch, whose `punycode` import
 * prints a DeprecationWarning on stderr (in a notebook: under the first plot); it is muted for
 * the duration of the import only.
 */
async function _loadVega() {
  const process = (await import("node:process")).default as { noDeprecation?: boolean };
  const before = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
    // vega's own guess without a canvas is 0.8 em per character, ~40% too wide. Setting the same
    // pure function on every load is idempotent (vl-convert sets its own the same way).
    (vega as unknown as { textMetrics: { width: unknown } }).textMetrics.width = _vegaTextWidth;
    return { vega, vegaLite };
  } finally {
    process.noDeprecation = before;
  }
}
