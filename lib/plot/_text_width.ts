/**
 * Text widths from the font's own advance widths, for laying out SVG without a canvas. Private
 * to lib/plot.
 *
 * vega without a canvas guesses every character 0.8 em wide, about 40% wider than DejaVu Sans
 * (the font `toPng` gives resvg, and the first of the plots' font families), so labels that fit
 * were cut with an ellipsis long before their `labelLimit`. These tables hold the advance widths
 * of DejaVu Sans and DejaVu Sans Bold (units of 1/2048 em, from the fonts' `hmtx` tables; a test
 * checks them against the installed font files); kerning is ignored (a pixel or two per label).
 *
 * @module
 */

// Advance widths of U+0020 … U+007E, 1/2048 em.
const _REGULAR_ASCII = [
  651,
  821,
  942,
  1716,
  1303,
  1946,
  1597,
  563,
  799,
  799,
  1024,
  1716,
  651,
  739,
  651,
  690,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  1303,
  690,
  690,
  1716,
  1716,
  1716,
  1087,
  2048,
  1401,
  1405,
  1430,
  1577,
  1294,
  1178,
  1587,
  1540,
  604,
  604,
  1343,
  1141,
  1767,
  1532,
  1612,
  1235,
  1612,
  1423,
  1300,
  1251,
  1499,
  1401,
  2025,
  1403,
  1251,
  1403,
  799,
  690,
  799,
  1716,
  1024,
  1024,
  1255,
  1300,
  1126,
  1300,
  1260,
  721,
  1300,
  1298,
  569,
  569,
  1186,
  569,
  1995,
  1298,
  1253,
  1300,
  1300,
  842,
  1067,
  803,
  1298,
  1212,
  1675,
  1212,
  1212,
  1075,
  1303,
  690,
  1303,
  1716,
] as const;

const _BOLD_ASCII = [
  713,
  934,
  1067,
  1716,
  1425,
  2052,
  1786,
  627,
  936,
  936,
  1071,
  1716,
  778,
  850,
  778,
  748,
  1425,
  1425,
  1425,
  1425,
  1425,
  1425,
  1425,
  1425,
  1425,
  1425,
  819,
  819,
  1716,
  1716,
  1716,
  1188,
  2048,
  1585,
  1561,
  1503,
  1700,
  1399,
  1399,
  1681,
  1714,
  762,
  762,
  1587,
  1305,
  2038,
  1714,
  1741,
  1501,
  1741,
  1577,
  1475,
  1397,
  1663,
  1585,
  2259,
  1579,
  1483,
  1485,
  936,
  748,
  936,
  1716,
  1024,
  1024,
  1382,
  1466,
  1214,
  1466,
  1389,
  891,
  1466,
  1458,
  702,
  702,
  1362,
  702,
  2134,
  1458,
  1407,
  1466,
  1466,
  1010,
  1219,
  979,
  1458,
  1335,
  1892,
  1321,
  1335,
  1192,
  1458,
  748,
  1458,
  1716,
] as const;

// Characters beyond ASCII that the plots use (units, ≤, …, subscripts), regular and bold.
const _EXTRA: Readonly<Record<string, readonly [number, number]>> = {
  "\u00a0": [651, 713],
  "°": [1024, 1024],
  "±": [1716, 1716],
  "µ": [1303, 1507],
  "μ": [1303, 1507],
  "·": [651, 778],
  "×": [1716, 1716],
  "é": [1260, 1389],
  "–": [1024, 1024],
  "—": [2048, 2048],
  "‘": [651, 778],
  "’": [651, 778],
  "“": [1061, 1346],
  "”": [1061, 1346],
  "…": [2048, 2048],
  "≤": [1716, 1716],
  "≥": [1716, 1716],
  "≈": [1716, 1716],
  "→": [1716, 1716],
  "−": [1716, 1716],
  "Δ": [1401, 1585],
};

/** Sub- and superscript digits: 821 (regular) / 897 (bold). */
const _SCRIPT_DIGITS = /[\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u2080-\u2089]/;

/** The characters the tables cover, for the test that checks them against the font files. */
export const _TEXT_WIDTH_CHARACTERS: readonly string[] = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  ...Object.keys(_EXTRA),
];

/** Width in em of a character the tables do not hold: wide for CJK and emoji, else average. */
function _fallbackEm(codePoint: number): number {
  const wide = (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) || (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) || (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd);
  return wide ? 1 : 0.62;
}

/**
 * Width in px of `text` set in DejaVu Sans (`bold`: DejaVu Sans Bold) at `fontSize` px: the sum
 * of its characters' advance widths.
 */
export function _textWidthPx(text: string, fontSize: number, bold = false): number {
  let units = 0;
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 32 && code <= 126) {
      units += (bold ? _BOLD_ASCII : _REGULAR_ASCII)[code - 32];
    } else if (ch in _EXTRA) {
      units += _EXTRA[ch][bold ? 1 : 0];
    } else if (_SCRIPT_DIGITS.test(ch)) {
      units += bold ? 897 : 821;
    } else {
      em += _fallbackEm(code);
    }
  }
  return (units / 2048 + em) * fontSize;
}

/** What vega passes a text-width function: the text mark item. */
interface _TextItem {
  fontSize?: number | string | null;
  fontWeight?: number | string | null;
  limit?: number | null;
}

/**
 * A `vega.textMetrics.width` replacement: the width of `text` in the item's font size and
 * weight ({@link _textWidthPx}), capped at the item's `limit` when it has one. vega calls it for
 * whole labels (the layout: a label cut at its limit takes at most the limit) and for the prefixes
 * it tries while cutting (a prefix over the limit counts as the limit, so the cut is exact).
 */
export function _vegaTextWidth(item: _TextItem, text: unknown): number {
  const size = item.fontSize != null ? +item.fontSize || 0 : 11;
  const s = text == null ? "" : String(text).trim();
  if (size <= 0 || s === "") return 0;
  const weight = item.fontWeight;
  const bold = weight === "bold" || weight === "bolder" || (Number(weight) >= 600);
  const width = _textWidthPx(s, size, bold);
  const limit = Number(item.limit);
  return limit > 0 && width >= limit ? limit : width;
}
