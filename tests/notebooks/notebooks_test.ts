import { assert, assertEquals } from "../_assert.ts";
import {
  cellExpectations,
  checkNotebook,
  type Notebook,
  type NotebookCell,
} from "../../lib/cli/check_notebook.ts";
import { EXIT_NO_JUPYTER } from "../../lib/cli/run_notebooks_command.ts";
import { notebookJson, stripNotebook } from "../../lib/cli/strip_notebook.ts";

const ROOT = new URL("../..", import.meta.url);

function code(source: string, extra: Partial<NotebookCell> = {}): NotebookCell {
  return { cell_type: "code", source, metadata: {}, outputs: [], execution_count: 1, ...extra };
}

async function script(name: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `scripts/${name}`, ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const jupyter = new Deno.Command("/usr/bin/python3", {
  args: ["-c", "import jupyter_client, nbformat"],
  stdout: "null",
  stderr: "null",
}).outputSync().success;

Deno.test("cellExpectations() reads 'plot'/'output' tags and '// expect:' lines", () => {
  assertEquals([...cellExpectations(code("x", { metadata: { tags: ["plot", "other"] } }))], [
    "plot",
  ]);
  assertEquals([...cellExpectations(code("// expect: output\nconsole.log(1)"))], ["output"]);
  assertEquals(cellExpectations(code("const s = '// expect: plot';")).size, 0);
  assertEquals(cellExpectations(code("x")).size, 0);
});

Deno.test("checkNotebook() reports errors, unrun cells and missing plot or output", () => {
  const svg = { output_type: "display_data" as const, data: { "image/svg+xml": "<svg/>" } };
  const nb: Notebook = {
    cells: [
      { cell_type: "markdown", source: "# t" },
      code("// expect: plot\nshow()", { outputs: [svg] }),
      code("// expect: plot\nshow()", {
        outputs: [{ output_type: "stream", name: "stdout", text: "hi" }],
      }),
      code("boom()", {
        outputs: [{ output_type: "error", ename: "ReferenceError", evalue: "boom is not defined" }],
      }),
      code("later()", { execution_count: null }),
      code("// expect: output\nquiet()"),
      code("   ", { execution_count: null }),
    ],
  };
  assertEquals(checkNotebook(nb), [
    "cell 3: plot cell shows no image/svg+xml or vega-lite output",
    "cell 4: ReferenceError: boom is not defined",
    "cell 5: did not run",
    "cell 6: output cell shows nothing",
  ]);
  assertEquals(checkNotebook({ cells: nb.cells.slice(0, 2) }), []);
});

Deno.test("stripNotebook() removes outputs, execution counts and timings only", () => {
  const nb = {
    metadata: { kernelspec: { name: "deno" } },
    cells: [
      { cell_type: "markdown", source: "# t", metadata: {} },
      {
        cell_type: "code",
        source: ["1"],
        metadata: { tags: ["plot"], execution: { "iopub.status.idle": "t" } },
        outputs: [{ output_type: "execute_result", data: { "text/plain": "1" } }],
        execution_count: 3,
      },
    ],
    nbformat: 4,
    nbformat_minor: 5,
  };
  const { notebook, changed } = stripNotebook(nb);
  assert(changed);
  assertEquals(
    (notebook as typeof nb).cells[1],
    {
      cell_type: "code",
      source: ["1"],
      metadata: { tags: ["plot"] },
      outputs: [],
      execution_count: null,
    } as unknown as typeof nb.cells[1],
  );
  assertEquals(stripNotebook(notebook).changed, false);
  assertEquals(nb.cells[1].execution_count, 3, "the input is not modified");
});

Deno.test("notebookJson() writes like nbformat: sorted keys, one-space indent, newline", () => {
  assertEquals(
    notebookJson({ b: [1, { d: 1, c: [] }], a: {} }),
    '{\n "a": {},\n "b": [\n  1,\n  {\n   "c": [],\n   "d": 1\n  }\n ]\n}\n',
  );
});

Deno.test("notebooks:strip --check fails on a notebook with outputs; stripping fixes it", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/a.ipynb`;
  const nb = {
    cells: [{ cell_type: "code", source: "1", metadata: {}, outputs: [], execution_count: 1 }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  await Deno.writeTextFile(path, JSON.stringify(nb));
  try {
    const dirty = await script("strip_notebooks.ts", ["--check", path]);
    assertEquals(dirty.code, 1);
    assert(dirty.stdout.includes(`carries outputs: ${path}`), dirty.stdout);
    assertEquals(
      JSON.parse(await Deno.readTextFile(path)).cells[0].execution_count,
      1,
      "--check changes nothing",
    );
    assertEquals((await script("strip_notebooks.ts", [path])).code, 0);
    const clean = await script("strip_notebooks.ts", ["--check", path]);
    assertEquals(clean.code, 0, clean.stdout);
    assert(clean.stdout.includes("notebooks:strip: 1 clean, 0 carry outputs"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the committed smoke notebook carries no outputs", async () => {
  const r = await script("strip_notebooks.ts", ["--check", "tests/testdata/smoke.ipynb"]);
  assertEquals(r.code, 0, r.stdout);
});

Deno.test("notebooks runner fails in CI when Jupyter is missing, with its own exit code", async () => {
  for (const python of ["/nonexistent/python3", Deno.execPath()]) {
    // Deno.execPath() stands for a program that is not a Python with jupyter_client.
    const r = await script("run_notebooks.ts", [
      "--python",
      python,
      "tests/testdata/smoke.ipynb",
    ], { CI: "true" });
    assertEquals(r.code, EXIT_NO_JUPYTER, r.stdout + r.stderr);
    assertEquals(r.stdout.trim().split("\n").length, 1, r.stdout);
    assert(r.stdout.startsWith("notebooks: not run: "), r.stdout);
    assert(r.stdout.includes("apt-get install -y jupyter-nbconvert python3-nbclient"), r.stdout);
  }
});

Deno.test("notebooks runner skips with one plain line outside CI when Jupyter is missing", async () => {
  for (const ci of ["", "0", "false"]) {
    const r = await script("run_notebooks.ts", ["--python", "/nonexistent/python3"], { CI: ci });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals(
      r.stdout,
      "notebooks: skipped — Jupyter not installed " +
        "(apt-get install -y jupyter-nbconvert python3-nbclient)\n",
    );
    assertEquals(r.stderr, "");
  }
});

Deno.test({
  name: "notebooks runner executes the smoke notebook with the Deno kernel, losing no output",
  ignore: !jupyter,
  fn: async () => {
    const out = await Deno.makeTempDir();
    try {
      const r = await script("run_notebooks.ts", ["--out", out, "tests/testdata/smoke.ipynb"]);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assert(r.stdout.includes("notebooks: 1 passed, 0 failed"), r.stdout);
      const nb = JSON.parse(await Deno.readTextFile(`${out}/smoke.ipynb`)) as Notebook;
      const code = nb.cells.filter((c) => c.cell_type === "code");
      assert(
        code.every((c) => (c.outputs ?? []).length > 0),
        "every cell of the smoke notebook shows something",
      );
      const plots = code.flatMap((c) => c.outputs ?? []).filter((o) =>
        o.data && "image/svg+xml" in o.data
      );
      assertEquals(plots.length, 2);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name: "notebooks runner fails a notebook with an error or a plot cell without a plot",
  ignore: !jupyter,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cell = (source: string) => ({
      cell_type: "code",
      source,
      metadata: {},
      outputs: [],
      execution_count: null,
    });
    const write = (name: string, sources: string[]) =>
      Deno.writeTextFile(
        `${dir}/${name}`,
        JSON.stringify({
          cells: sources.map(cell),
          metadata: { kernelspec: { name: "deno" } },
          nbformat: 4,
          nbformat_minor: 5,
        }),
      );
    await write("noplot.ipynb", ["// expect: plot\nconsole.log('no plot here')"]);
    await write("throws.ipynb", ["throw new RangeError('on purpose')", "1 + 1"]);
    try {
      const r = await script("run_notebooks.ts", [
        "--out",
        `${dir}/out`,
        `${dir}/noplot.ipynb`,
        `${dir}/throws.ipynb`,
      ]);
      assertEquals(r.code, 1, r.stdout + r.stderr);
      assert(
        r.stdout.includes("cell 1: plot cell shows no image/svg+xml or vega-lite output"),
        r.stdout,
      );
      assert(r.stdout.includes("cell 1: RangeError: on purpose"), r.stdout);
      assert(r.stdout.includes("cell 2: did not run"), r.stdout);
      assert(r.stdout.trimEnd().endsWith("notebooks: 0 passed, 2 failed"), r.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const PROJECT_NOTEBOOKS = [
  "01_quickstart.ipynb",
  "02_reproduce_published_tables.ipynb",
  "03_compare_runs.ipynb",
];

async function projectNotebook(name: string): Promise<Notebook> {
  return JSON.parse(await Deno.readTextFile(new URL(`../../notebooks/${name}`, import.meta.url)));
}

function sourceOf(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

Deno.test("the project's notebooks are committed without outputs", async () => {
  const r = await script(
    "strip_notebooks.ts",
    ["--check", ...PROJECT_NOTEBOOKS.map((n) => `notebooks/${n}`)],
  );
  assertEquals(r.code, 0, r.stdout);
  assert(r.stdout.includes(`notebooks:strip: ${PROJECT_NOTEBOOKS.length} clean, 0 carry outputs`));
});

Deno.test("the project's notebooks use the Deno kernel and import tokenbench by its mapped name", async () => {
  for (const name of PROJECT_NOTEBOOKS) {
    const nb = await projectNotebook(name);
    assertEquals((nb.metadata?.kernelspec as { name?: string })?.name, "deno", name);
    const code = nb.cells.filter((c) => c.cell_type === "code").map(sourceOf);
    const specifiers = code.flatMap((src) =>
      [...src.matchAll(/\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2])
    );
    assert(specifiers.length > 0, `${name} imports something`);
    assertEquals([...new Set(specifiers)], ["tokenbench"], `${name} imports only "tokenbench"`);
  }
});

Deno.test("the project's notebooks declare what their cells must show", async () => {
  for (const name of PROJECT_NOTEBOOKS) {
    const nb = await projectNotebook(name);
    let plots = 0;
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const src = sourceOf(cell);
      const expects = cellExpectations(cell);
      const where = `${name} cell ${i + 1}`;
      if (/\bdisplayPlot\(/.test(src)) {
        assert(expects.has("plot"), `${where} shows a plot the runner does not check`);
        plots++;
      }
      if (/Deno\.jupyter\.md|console\.log\(/.test(src)) {
        assert(expects.size > 0, `${where} shows output the runner does not check`);
      }
    }
    assert(name.startsWith("02") || plots >= 3, `${name} has ${plots} plot cells`);
  }
});

Deno.test("02 reads the reference data by paths set in its first code cell", async () => {
  const nb = await projectNotebook("02_reproduce_published_tables.ipynb");
  const first = sourceOf(nb.cells.find((c) => c.cell_type === "code")!);
  const paths = Object.fromEntries(
    [...first.matchAll(/^const (\w+) = "([^"]+)";$/gm)].map((m) => [m[1], m[2]]),
  );
  assertEquals(Object.keys(paths), ["REFERENCE", "SEED_CARD"]);
  // The runner starts the kernel in notebooks/: the paths are relative to it.
  const notebooks = new URL("../../notebooks/", import.meta.url);
  assert((await Deno.stat(new URL(`${paths.REFERENCE}/seed`, notebooks))).isDirectory);
  assert((await Deno.stat(new URL(paths.SEED_CARD, notebooks))).isFile);
});
