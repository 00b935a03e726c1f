/**
 * Show a plot in a Jupyter notebook (Deno kernel) as vega-lite and as SVG.
 *
 * @module
 */
import { type PlotSpec, renderSvg } from "./render_svg.ts";

/** The MIME type of a vega-lite v5 spec in a Jupyter display bundle. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** What {@link displayPlot} displays: the spec for JupyterLab, SVG for every other front end. */
export interface PlotBundle {
  "application/vnd.vegalite.v5+json": PlotSpec;
  "image/svg+xml": string;
  "text/plain": string;
}

/** A value the Deno Jupyter kernel displays through its `Symbol.for("Jupyter.display")` method. */
export interface PlotDisplay {
  /** The spec being shown. */
  readonly spec: PlotSpec;
  /** The display bundle (renders the SVG); the kernel calls it when the value is shown. */
  [key: symbol]: () => Promise<PlotBundle>;
}

/**
 * Wrap a vega-lite spec so that the Deno Jupyter kernel shows it: make it the last expression of
 * a cell (`displayPlot(spec)`), or pass it to `Deno.jupyter.display(...)` mid-cell. The bundle
 * holds the spec (`application/vnd.vegalite.v5+json`, interactive in JupyterLab and VS Code) and
 * an SVG rendering (`image/svg+xml`, for classic Jupyter, nbconvert HTML and GitHub, which do not
 * render vega-lite). Deno's kernel awaits the display method (`Deno.jupyter.$display` is
 * `Symbol.for("Jupyter.display")`). Nothing here touches `Deno.jupyter`, so scripts that import
 * the library still run outside the kernel.
 *
 * @example Build the bundle as the kernel would
 * ```ts
 * import { displayPlot } from "./display_plot.ts";
 * const shown = displayPlot({
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * const bundle = await shown[Symbol.for("Jupyter.display")]();
 * if (!bundle["image/svg+xml"].startsWith("<svg")) throw new Error("svg");
 * if (bundle["application/vnd.vegalite.v5+json"] !== shown.spec) throw new Error("spec");
 * ```
 */
export function displayPlot(spec: PlotSpec): PlotDisplay {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`Cannot display plot: 'spec' must be a vega-lite spec object, got ${spec}`);
  }
  return {
    spec,
    [Symbol.for("Jupyter.display")]: async (): Promise<PlotBundle> => ({
      [VEGA_LITE_MIME]: spec,
      "image/svg+xml": await renderSvg(spec),
      "text/plain": `vega-lite plot: ${_title(spec)}`,
    }),
  };
}

function _title(spec: PlotSpec): string {
  const title = (spec as { title?: unknown }).title;
  if (typeof title === "string") return title;
  if (Array.isArray(title)) return title.join(" ");
  if (title && typeof title === "object" && "text" in title) {
    const text = (title as { text: unknown }).text;
    return Array.isArray(text) ? text.join(" ") : String(text);
  }
  return "untitled";
}
