/**
 * Test helper: read advance widths straight from a TrueType file (tables `head`, `hhea`,
 * `hmtx`, `cmap` format 4), to check the width tables of lib/plot against the font itself.
 *
 * @module
 */

/** Advance width of each code point, in em (advance / unitsPerEm); absent when not mapped. */
export function ttfAdvanceWidths(
  font: Uint8Array,
  codePoints: readonly number[],
): Map<number, number> {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(...font.subarray(at, at + 4));
    tables.set(tag, view.getUint32(at + 8));
  }
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`no '${tag}' table`);
    return at;
  };
  const unitsPerEm = view.getUint16(table("head") + 18);
  const numberOfHMetrics = view.getUint16(table("hhea") + 34);
  const hmtx = table("hmtx");
  const advance = (glyph: number) =>
    view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  // cmap: the Unicode BMP subtable (platform 3 encoding 1, or platform 0), format 4.
  const cmap = table("cmap");
  let sub = -1;
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const platform = view.getUint16(cmap + 4 + 8 * i);
    const encoding = view.getUint16(cmap + 6 + 8 * i);
    const offset = view.getUint32(cmap + 8 + 8 * i);
    if (view.getUint16(cmap + offset) !== 4) continue;
    if ((platform === 3 && encoding === 1) || platform === 0) sub = cmap + offset;
  }
  if (sub < 0) throw new Error("no cmap format 4 subtable");
  const segX2 = view.getUint16(sub + 6);
  const ends = sub + 14,
    starts = ends + segX2 + 2,
    deltas = starts + segX2,
    ranges = deltas + segX2;
  const glyphOf = (c: number): number => {
    for (let s = 0; s < segX2 / 2; s++) {
      if (view.getUint16(ends + 2 * s) < c) continue;
      const start = view.getUint16(starts + 2 * s);
      if (start > c) return 0;
      const delta = view.getInt16(deltas + 2 * s);
      const rangeOffset = view.getUint16(ranges + 2 * s);
      if (rangeOffset === 0) return (c + delta) & 0xffff;
      const g = view.getUint16(ranges + 2 * s + rangeOffset + 2 * (c - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const out = new Map<number, number>();
  for (const c of codePoints) {
    const g = glyphOf(c);
    if (g !== 0) out.set(c, advance(g) / unitsPerEm);
  }
  return out;
}
