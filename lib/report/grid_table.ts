/**
 * A plain markdown table of text cells: headings, then rows; first column left-aligned, the
 * others right-aligned, as the sweep and calibration reports print them.
 *
 * @module
 */

/**
 * Render `rows` under `headings` as a padded markdown table ending with a newline (`|` in a
 * cell is escaped).
 *
 * @example
 * ```ts
 * import { gridTable } from "./grid_table.ts";
 * const md = gridTable(["level", "p99 ms"], [["1", "0.52"], ["64", "2.05"]]);
 * if (md.split("\n")[1] !== "|:------|-------:|") throw new Error(md);
 * ```
 */
export function gridTable(
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

/**
 * A table cell: `x` with `digits` decimals, or `missing` for null, undefined and non-finite
 * values.
 *
 * @example
 * ```ts
 * import { formatCell } from "./grid_table.ts";
 * if (formatCell(2.049, 2) !== "2.05" || formatCell(null, 2) !== "n/a") throw new Error("cell");
 * ```
 */
export function formatCell(x: number | null | undefined, digits: number, missing = "n/a"): string {
  return x === null || x === undefined || !Number.isFinite(x) ? missing : x.toFixed(digits);
}
