import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { DEFAULT_FONT_FILES, toPng } from "../../lib/plot/to_png.ts";
import { displayPlot, VEGA_LITE_MIME } from "../../lib/plot/display_plot.ts";
import type { PlotSpec } from "../../lib/plot/render_svg.ts";

const spec: PlotSpec = {
  title: "Bars of things",
  width: 200,
  height: 100,
  data: { values: [{ run: "alpha", n: 3 }, { run: "beta", n: 5 }] },
  mark: "bar",
  encoding: {
    x: { field: "run", type: "nominal", title: "Run name" },
    y: { field: "n", type: "quantitative", title: "Count (requests)" },
  },
};

function fontFile(): string | undefined {
  return DEFAULT_FONT_FILES.find((f) => {
    try {
      return Deno.statSync(f).isFile;
    } catch {
      return false;
    }
  });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

Deno.test("renderSvg() draws the spec's title, axis titles and data labels", async () => {
  const svg = await renderSvg(spec);
  assert(svg.startsWith("<svg"), svg.slice(0, 40));
  for (const text of ["Bars of things", "Run name", "Count (requests)", "alpha", "beta"]) {
    assert(svg.includes(`>${text}</text>`), `missing text ${text}`);
  }
});

Deno.test("renderSvg() scales the SVG's size with 'scale'", async () => {
  const width = (svg: string) => Number(svg.match(/<svg[^>]* width="([\d.]+)"/)![1]);
  const one = await renderSvg(spec);
  const two = await renderSvg(spec, { scale: 2 });
  assertEquals(width(two), 2 * width(one));
});

Deno.test("renderSvg() rejects a non-object spec and a bad scale", async () => {
  await assertRejects(() => renderSvg(null as unknown as PlotSpec), TypeError, "'spec'");
  await assertRejects(() => renderSvg(spec, { scale: 0 }), RangeError, "'scale'");
});

Deno.test({
  name: "toPng() renders at the asked width and draws text with the given font",
  ignore: fontFile() === undefined,
  fn: async () => {
    const font = fontFile()!;
    const svg = await renderSvg(spec);
    const png = await toPng(svg, { fontFile: font, width: 600 });
    assertEquals([...png.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assertEquals(pngSize(png)[0], 600);
    // The same SVG with its text removed gives a different (smaller) image: text was drawn.
    const noText = svg.replace(/<text[^>]*>[^<]*<\/text>/g, "");
    const bare = await toPng(noText, { fontFile: font, width: 600 });
    assert(bare.length < png.length, `${bare.length} vs ${png.length}`);
    // Default width: twice the SVG's own.
    const svgWidth = Number(svg.match(/<svg[^>]* width="([\d.]+)"/)![1]);
    assertEquals(pngSize(await toPng(svg, { fontFile: font }))[0], Math.round(2 * svgWidth));
  },
});

Deno.test("toPng() names a font file it cannot read", async () => {
  const svg = await renderSvg(spec);
  await assertRejects(
    () => toPng(svg, { fontFile: "/nonexistent/font.ttf" }),
    Error,
    "cannot read font file '/nonexistent/font.ttf'",
  );
  await assertRejects(() => toPng(svg, { width: 1.5 }), RangeError, "'width'");
});

Deno.test("displayPlot() builds a vega-lite + SVG bundle outside the Jupyter kernel", async () => {
  const shown = displayPlot(spec);
  assertEquals(shown.spec, spec);
  const bundle = await shown[Symbol.for("Jupyter.display")]();
  assertEquals(Object.keys(bundle).sort(), [VEGA_LITE_MIME, "image/svg+xml", "text/plain"].sort());
  assertEquals(bundle[VEGA_LITE_MIME], spec);
  assert(bundle["image/svg+xml"].includes(">Bars of things</text>"));
  assertEquals(bundle["text/plain"], "vega-lite plot: Bars of things");
});

Deno.test("importing the plot modules does not touch Deno.jupyter", async () => {
  // A fresh process without the kernel: Deno.jupyter throws there when used.
  const code = `
    import { displayPlot } from "./lib/plot/display_plot.ts";
    import { renderSvg } from "./lib/plot/render_svg.ts";
    import { toPng } from "./lib/plot/to_png.ts";
    console.log(typeof displayPlot, typeof renderSvg, typeof toPng);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stderr), "");
  assertEquals(new TextDecoder().decode(out.stdout).trim(), "function function function");
});
