/**
 * Notebooks are committed without outputs: {@link stripNotebook} removes what executing adds,
 * {@link notebookJson} writes the result the way Jupyter does (`deno task notebooks:strip`).
 *
 * @module
 */

/** What executing leaves in a cell. */
const _CELL_METADATA_KEYS = ["execution", "ExecuteTime"] as const;

/**
 * A copy of an nbformat v4 notebook without outputs, execution counts or execution timings,
 * and whether that removed anything. A TypeError (`Cannot strip notebook: …`) when it has no
 * `cells` array.
 *
 * @example An executed cell
 * ```ts
 * import { stripNotebook } from "./strip_notebook.ts";
 * const nb = {
 *   cells: [{ cell_type: "code", source: "1", metadata: {}, outputs: [{}], execution_count: 2 }],
 * };
 * const { notebook, changed } = stripNotebook(nb);
 * if (!changed || stripNotebook(notebook).changed) throw new Error("stripped once");
 * ```
 */
export function stripNotebook(nb: unknown): { notebook: unknown; changed: boolean } {
  if (typeof nb !== "object" || nb === null || !Array.isArray((nb as { cells?: unknown }).cells)) {
    throw new TypeError("Cannot strip notebook: it has no 'cells' array");
  }
  let changed = false;
  const cells = (nb as { cells: Record<string, unknown>[] }).cells.map((cell) => {
    if (cell.cell_type !== "code") return cell;
    const copy: Record<string, unknown> = { ...cell };
    if (!Array.isArray(copy.outputs) || copy.outputs.length > 0) {
      changed = true;
      copy.outputs = [];
    }
    if (copy.execution_count !== null) {
      changed = true;
      copy.execution_count = null;
    }
    const metadata = copy.metadata as Record<string, unknown> | undefined;
    if (metadata && _CELL_METADATA_KEYS.some((k) => k in metadata)) {
      changed = true;
      copy.metadata = Object.fromEntries(
        Object.entries(metadata).filter(([k]) =>
          !(_CELL_METADATA_KEYS as readonly string[]).includes(k)
        ),
      );
    }
    return copy;
  });
  return { notebook: { ...(nb as object), cells }, changed };
}

/**
 * JSON the way nbformat writes notebooks: keys sorted, indent 1, trailing newline.
 *
 * @example
 * ```ts
 * import { notebookJson } from "./strip_notebook.ts";
 * if (notebookJson({ b: 1, a: [] }) !== '{\n "a": [],\n "b": 1\n}\n') throw new Error("format");
 * ```
 */
export function notebookJson(nb: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}
