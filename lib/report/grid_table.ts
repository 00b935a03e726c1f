/**
 * A plain markdown table of text cells: headings, then rows; first column left-aligned, the
 * others right-aligned. Private helper of the sweep and calibration reports.
 *
 * @module
 */

/** Render `rows` under `headings` as a padded markdown table ending with a newline. */
export function _gridTable(
  headings: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const body = rows.map((r) => r.map(esc));
  const widths = headings.map((h, i) =>
    Math.max(3, h.length, ...body.map((cells) => (cells[i] ?? "").length))
  );
  const line = (cells: readonly string[]) =>
    `| ${
      widths.map((w, i) => i === 0 ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w))
        .join(" | ")
    } |`;
  const align = `|${
    widths.map((w, i) => i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`).join("|")
  }|`;
  return [line(headings), align, ...body.map(line)].join("\n") + "\n";
}

/** A number with `digits` decimals, or `missing` for null/NaN. */
export function _fmt(x: number | null | undefined, digits: number, missing = "n/a"): string {
  return x === null || x === undefined || !Number.isFinite(x) ? missing : x.toFixed(digits);
}
