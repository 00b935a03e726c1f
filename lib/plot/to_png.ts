/**
 * Rasterize an SVG to PNG with `@resvg/resvg-wasm`, with an explicit font.
 *
 * @module
 */

/** Where {@link toPng} looks for a font when none is given (Debian/Ubuntu, Fedora, Arch, macOS). */
export const DEFAULT_FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/Library/Fonts/Arial.ttf",
  "/System/Library/Fonts/Supplemental/Arial.ttf",
] as const;

/** Options of {@link toPng}. */
export interface ToPngOptions {
  /**
   * TrueType/OpenType font for all text. resvg-wasm cannot see system fonts and silently drops
   * text it has no font for, so one is always loaded. Default: the first of
   * {@link DEFAULT_FONT_FILES} that exists; none existing is an error.
   */
  fontFile?: string;
  /** Output width in pixels; the height keeps the aspect ratio. Default: the SVG's width × 2. */
  width?: number;
  /** Background painted under transparent areas, CSS color. Default `"white"`. */
  background?: string;
}

/**
 * Render an SVG string to PNG bytes. Reads the wasm binary from the installed
 * `@resvg/resvg-wasm` package (no network) and initializes it on first use; reads the font file.
 *
 * @example Text needs a font (skipped where none is installed)
 * ```ts
 * import { DEFAULT_FONT_FILES, toPng } from "./to_png.ts";
 * const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30">` +
 *   `<text x="4" y="20" font-size="14">p99</text></svg>`;
 * const font = DEFAULT_FONT_FILES.find((f) => { try { return Deno.statSync(f).isFile; } catch { return false; } });
 * if (font) {
 *   const png = await toPng(svg, { fontFile: font });
 *   if (png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new Error("not a PNG");
 * }
 * ```
 */
export async function toPng(svg: string, options: ToPngOptions = {}): Promise<Uint8Array> {
  if (typeof svg !== "string" || !svg.includes("<svg")) {
    throw new TypeError(`Cannot render PNG: 'svg' must be an SVG string, got ${typeof svg}`);
  }
  const { width, background = "white" } = options;
  if (width !== undefined && !(Number.isInteger(width) && width > 0)) {
    throw new RangeError(`Cannot render PNG: 'width' must be a positive integer, got ${width}`);
  }
  const fontFile = options.fontFile ?? await _findFont();
  let font: Uint8Array;
  try {
    font = await Deno.readFile(fontFile);
  } catch (err) {
    throw new Error(`Cannot render PNG: cannot read font file '${fontFile}': ${_message(err)}`);
  }
  const resvg = await _resvg();
  const renderer = new resvg.Resvg(svg, {
    background,
    fitTo: width === undefined ? { mode: "zoom", value: 2 } : { mode: "width", value: width },
    font: { loadSystemFonts: false, fontBuffers: [font] },
  });
  try {
    const image = renderer.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    renderer.free();
  }
}

async function _findFont(): Promise<string> {
  for (const path of DEFAULT_FONT_FILES) {
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch {
      // not there: try the next one
    }
  }
  throw new Error(
    "Cannot render PNG: no font file found (resvg would drop all text); install one with " +
      "'apt-get install -y fonts-dejavu-core' or pass 'fontFile'",
  );
}

/** The resvg-wasm module, its wasm initialized (once per process; later calls reuse it). */
async function _resvg() {
  const resvg = await import("@resvg/resvg-wasm");
  const entry = new URL(import.meta.resolve("@resvg/resvg-wasm"));
  if (entry.protocol !== "file:") {
    throw new Error(
      `Cannot render PNG: @resvg/resvg-wasm resolved to ${entry.href}, not a local file; ` +
        `use a node_modules folder ("nodeModulesDir": "auto")`,
    );
  }
  const wasm = await Deno.readFile(new URL("./index_bg.wasm", entry));
  try {
    await resvg.initWasm(wasm);
  } catch (err) {
    // The wasm instance is process-wide: a second initWasm() refuses, and that is fine.
    if (!_message(err).includes("Already initialized")) throw err;
  }
  return resvg;
}

function _message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
