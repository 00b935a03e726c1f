import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import {
  _TEXT_WIDTH_CHARACTERS,
  _textWidthPx,
  _vegaTextWidth,
} from "../../lib/plot/_text_width.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { ttfAdvanceWidths } from "./_ttf_advance_widths.ts";

const FONTS = {
  regular: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  bold: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
};

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const haveFonts = exists(FONTS.regular) && exists(FONTS.bold);
if (!haveFonts) {
  console.warn(
    "text_width_test: DejaVu fonts absent (apt-get install -y fonts-dejavu-core); " +
      "the check against the font files is skipped",
  );
}

Deno.test({
  name: "_textWidthPx() gives each character the advance width of the DejaVu font files",
  ignore: !haveFonts,
  fn: async () => {
    for (const [weight, path] of Object.entries(FONTS)) {
      const codes = _TEXT_WIDTH_CHARACTERS.map((c) => c.codePointAt(0)!);
      const font = ttfAdvanceWidths(await Deno.readFile(path), codes);
      for (const ch of _TEXT_WIDTH_CHARACTERS) {
        const em = font.get(ch.codePointAt(0)!);
        assert(em !== undefined, `${weight}: the font maps ${JSON.stringify(ch)}`);
        assertAlmostEquals(_textWidthPx(ch, 2048, weight === "bold"), em * 2048, 1e-9, ch);
      }
    }
  },
});

Deno.test("_textWidthPx() sums characters and scales with the font size", () => {
  const a = _textWidthPx("p99 TTFT", 12);
  assertAlmostEquals(_textWidthPx("p99 TTFT p99 TTFT", 12), 2 * a + _textWidthPx(" ", 12), 1e-9);
  assertAlmostEquals(_textWidthPx("p99 TTFT", 24), 2 * a, 1e-9);
  assert(_textWidthPx("Requests", 12, true) > _textWidthPx("Requests", 12), "bold is wider");
  // far narrower than vega's canvas-less guess of 0.8 em per character
  assert(a < 0.8 * 8 * 12 * 0.8, `${a}`);
  // characters outside the tables still take room
  assertEquals(_textWidthPx("模型", 10), 20);
});

Deno.test("_vegaTextWidth() caps a text at the item's limit, so vega cuts exactly there", () => {
  const item = { fontSize: 12, limit: 100 };
  assertAlmostEquals(_vegaTextWidth(item, "short"), _textWidthPx("short", 12), 1e-9);
  assertEquals(_vegaTextWidth(item, "a label that is far wider than a hundred pixels"), 100);
  assertEquals(_vegaTextWidth({ fontSize: 0 }, "x"), 0);
  assertEquals(_vegaTextWidth({ fontSize: 12 }, null), 0);
  assert(
    _vegaTextWidth({ fontSize: 12, fontWeight: "bold" }, "Run") >
      _vegaTextWidth({ fontSize: 12, fontWeight: "normal" }, "Run"),
  );
});

/** The `<text>` elements of an SVG, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">")
  );
}

Deno.test("renderSvg() keeps a label that fits its labelLimit whole and cuts one that does not", async () => {
  // 34 characters at 12 px: about 220 px in DejaVu Sans, 326 px by vega's 0.8 em guess; the
  // axis allows 260 px (_plotConfig's labelLimit).
  const fits = "anthropic.claude-3-haiku (bedrock)";
  const tooLong = "us.anthropic.claude-3-5-sonnet-20241022-v2:0 on bedrock, us-west-2";
  assert(_textWidthPx(fits, 12) < 260 && 0.8 * fits.length * 12 > 260);
  const svg = await renderSvg({
    width: 200,
    height: 80,
    config: { axis: { labelFontSize: 12, labelLimit: 260 } },
    data: { values: [{ run: fits, n: 3 }, { run: tooLong, n: 5 }] },
    mark: "bar",
    encoding: {
      y: { field: "run", type: "nominal" },
      x: { field: "n", type: "quantitative" },
    },
  });
  const all = texts(svg);
  assert(all.includes(fits), `whole label drawn: ${all.join(" | ")}`);
  const cut = all.find((t) => t.endsWith("…"));
  assert(cut !== undefined && tooLong.startsWith(cut.slice(0, -1)), all.join(" | "));
  assert(_textWidthPx(cut, 12) <= 260, `cut label ${_textWidthPx(cut, 12)} px`);
  assert(_textWidthPx(cut.slice(0, -1) + tooLong[cut.length - 1] + "…", 12) >= 260, "cut late");
});
