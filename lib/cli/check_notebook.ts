/**
 * What `deno task notebooks` checks in an executed notebook: no error output, every code cell
 * run, and each cell showing what it declares (`plot`, `output`) by tag or `// expect:` line.
 *
 * @module
 */

/** A notebook as nbformat v4 JSON (only the fields the runner reads are typed). */
export interface Notebook {
  cells: NotebookCell[];
  metadata?: Record<string, unknown>;
  nbformat?: number;
  nbformat_minor?: number;
}

/** One cell of a {@link Notebook}. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata?: Record<string, unknown> & { tags?: string[] };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/** The source of a cell as one string. */
function _source(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * What a cell declares it must show: `plot`, `output`, or both, by tag or `// expect:` line.
 *
 * @example A tag and a comment line
 * ```ts
 * import { cellExpectations } from "./check_notebook.ts";
 * const found = cellExpectations({
 *   cell_type: "code",
 *   source: "// expect: output\nconsole.log(1)",
 *   metadata: { tags: ["plot"] },
 * });
 * if (!found.has("plot") || !found.has("output")) throw new Error([...found].join());
 * ```
 */
export function cellExpectations(cell: NotebookCell): Set<"plot" | "output"> {
  const found = new Set<"plot" | "output">();
  const tags = Array.isArray(cell.metadata?.tags) ? cell.metadata.tags : [];
  for (const tag of tags) if (tag === "plot" || tag === "output") found.add(tag);
  for (const match of _source(cell).matchAll(/^\s*\/\/\s*expect:\s*(plot|output)\b/gm)) {
    found.add(match[1] as "plot" | "output");
  }
  return found;
}

/**
 * Problems of an executed notebook, one line each (empty when it passed): error outputs, code
 * cells that did not run, plot cells without `image/svg+xml` or vega-lite output, output cells
 * without output. Cells are numbered from 1 like in Jupyter's UI.
 *
 * @example A cell that did not run
 * ```ts
 * import { checkNotebook } from "./check_notebook.ts";
 * const problems = checkNotebook({
 *   cells: [{ cell_type: "code", source: "1 + 1", outputs: [], execution_count: null }],
 * });
 * if (problems[0] !== "cell 1: did not run") throw new Error(problems.join("\n"));
 * ```
 */
export function checkNotebook(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const where = `cell ${i + 1}`;
    const outputs = cell.outputs ?? [];
    for (const out of outputs) {
      if (out.output_type === "error") {
        problems.push(`${where}: ${out.ename ?? "Error"}: ${(out.evalue ?? "").split("\n")[0]}`);
      }
    }
    if (_source(cell).trim() === "") return;
    if (cell.execution_count === null || cell.execution_count === undefined) {
      problems.push(`${where}: did not run`);
      return;
    }
    const expects = cellExpectations(cell);
    if (expects.has("plot")) {
      const plotted = outputs.some((o) =>
        o.data !== undefined &&
        ("image/svg+xml" in o.data || "application/vnd.vegalite.v5+json" in o.data)
      );
      if (!plotted) problems.push(`${where}: plot cell shows no image/svg+xml or vega-lite output`);
    }
    if (expects.has("output") && outputs.length === 0) {
      problems.push(`${where}: output cell shows nothing`);
    }
  });
  return problems;
}
