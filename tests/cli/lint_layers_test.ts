/**
 * `deno task lint:layers`: a small clean project passes; each kind of planted violation fails with
 * its own line; on a copy of the real tree a planted core -> sim import is named. Also
 * `checkLayers` on import graphs written by hand.
 */
import { assert, assertEquals } from "../_assert.ts";
import {
  checkLayers,
  formatViolation,
  type ImportGraph,
  notebookImports,
} from "../../scripts/lint_layers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SCRIPT = new URL("../../scripts/lint_layers.ts", import.meta.url).pathname;

async function lint(args: string[], cwd = ROOT) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-run", SCRIPT, ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const lines = stdout.trimEnd().split("\n");
  return {
    code: out.code,
    stdout,
    stderr: dec.decode(out.stderr),
    violations: lines.slice(0, -1),
    summary: lines[lines.length - 1],
  };
}

function notebook(...cells: [type: "code" | "markdown", source: string][]): string {
  return JSON.stringify({
    cells: cells.map(([cell_type, source]) => ({
      cell_type,
      metadata: {},
      source: source.split(/(?<=\n)/),
      ...(cell_type === "code" ? { execution_count: null, outputs: [] } : {}),
    })),
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** A small project that follows every rule: each layer, the faces, a script, a notebook. */
const CLEAN: Record<string, string> = {
  "deno.json": JSON.stringify({
    imports: {
      "tokenbench": "./mod.ts",
      "tokenbench/core": "./lib/core/mod.ts",
      "tokenbench/sim": "./lib/sim/mod.ts",
    },
  }),
  "mod.ts": 'export * from "./lib/core/mod.ts";\nexport * from "./lib/sim/mod.ts";\n',
  "lib/core/_p.ts": "export const p = 1;\n",
  "lib/core/a.ts": 'import { p } from "./_p.ts";\nexport const a = p;\n',
  "lib/core/mod.ts": 'export * from "./a.ts";\n',
  "lib/core/unreached.ts": "export const u = 0;\n",
  "lib/wire/w.ts": 'import { a } from "../core/a.ts";\nexport const w = a;\n',
  "lib/clients/c.ts": 'import { w } from "../wire/w.ts";\nexport const c = w;\n',
  "lib/sim/b.ts": 'import { w } from "../wire/w.ts";\nexport const b = w;\n',
  "lib/sim/mod.ts": 'export * from "./b.ts";\n',
  "lib/plot/p.ts": 'import { a } from "../core/a.ts";\nexport const plot = a;\n',
  "lib/report/r.ts": 'import { plot } from "../plot/p.ts";\nexport const r = plot;\n',
  "lib/run/run.ts": 'import { c } from "../clients/c.ts";\nimport { r } from "../report/r.ts";\n' +
    'export const run = c + r;\nexport const sim = async () => (await import("../sim/b.ts")).b;\n',
  "lib/cli/flags.ts": 'import { run } from "../run/run.ts";\nexport const f = run;\n',
  "scripts/_h.ts": 'import { a } from "tokenbench";\nexport const h = a;\n',
  "scripts/x.ts": 'import { parseArgs } from "node:util";\nimport { b } from "tokenbench/sim";\n' +
    'import { h } from "./_h.ts";\nconsole.log(parseArgs, b, h);\n',
  "bench/y.ts": 'import { a } from "tokenbench/core";\nconsole.log(a);\n',
  "notebooks/n.ipynb": notebook(
    ["markdown", 'Not code: import { a } from "../lib/core/a.ts";\n'],
    ["code", 'import { a } from "tokenbench";\nimport * as vl from "npm:vega-lite";\n'],
    ["code", 'const { b } = await import("tokenbench/sim");\nconsole.log(a, b, vl);\n'],
  ),
};

/** The clean project with some files replaced or added, in a new temporary folder. */
async function project(changes: Record<string, string> = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lint_layers_" });
  for (const [path, text] of Object.entries({ ...CLEAN, ...changes })) {
    const file = `${dir}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  return dir;
}

async function lintProject(changes: Record<string, string>) {
  const dir = await project(changes);
  try {
    return await lint(["--root", dir]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("lint:layers passes a project that follows every rule, and counts its files and imports", async () => {
  const out = await lintProject({});
  assertEquals(out.violations, [], out.stdout);
  assertEquals(out.summary, "lint:layers: 17 files, 20 imports, 0 violations");
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stderr, "");
});

const PLANTED: { name: string; changes: Record<string, string>; expected: string[] }[] = [
  {
    name: "a core file that imports the simulator (and that mod.ts does not reach)",
    changes: { "lib/core/unreached.ts": 'import { b } from "../sim/b.ts";\nexport const u = b;\n' },
    expected: ["lib/core/unreached.ts imports lib/sim/b.ts: core may import only core"],
  },
  {
    name: "a core file that imports a simulator type",
    changes: {
      "lib/core/unreached.ts": 'import type { b } from "../sim/b.ts";\nexport let u: b;\n',
    },
    expected: ["lib/core/unreached.ts imports lib/sim/b.ts: core may import only core"],
  },
  {
    name: "a client that imports the simulator",
    changes: { "lib/clients/c.ts": 'import { b } from "../sim/b.ts";\nexport const c = b;\n' },
    expected: [
      "lib/clients/c.ts imports lib/sim/b.ts: clients may import only core, wire, clients",
    ],
  },
  {
    name: "a report that imports the runner",
    changes: {
      "lib/run/sleep.ts": "export const sleep = 1;\n",
      "lib/report/r.ts": 'import { sleep } from "../run/sleep.ts";\nexport const r = sleep;\n',
    },
    expected: [
      "lib/report/r.ts imports lib/run/sleep.ts: report may import only core, plot, report",
    ],
  },
  {
    name: "a dynamic import of a forbidden layer",
    changes: {
      "lib/plot/p.ts": 'export const plot = 1;\nexport const f = () => import("../sim/b.ts");\n',
    },
    expected: ["lib/plot/p.ts imports lib/sim/b.ts: plot may import only core, plot"],
  },
  {
    name: "a script that imports a lib file directly",
    changes: { "scripts/x.ts": 'import { a } from "../lib/core/a.ts";\nconsole.log(a);\n' },
    expected: [
      "scripts/x.ts imports lib/core/a.ts: scripts may import only tokenbench, " +
      "tokenbench/<layer> and the _ files of their own folder",
    ],
  },
  {
    name: "a benchmark that imports a script",
    changes: { "bench/y.ts": 'import "../scripts/x.ts";\n' },
    expected: [
      "bench/y.ts imports scripts/x.ts: bench may import only tokenbench, tokenbench/<layer> " +
      "and the _ files of their own folder",
    ],
  },
  {
    name: "a notebook cell that imports a lib file by its path",
    changes: {
      "notebooks/n.ipynb": notebook(
        ["markdown", "# Title\n"],
        ["code", 'import { a } from "../lib/core/a.ts";\nconsole.log(a);\n'],
      ),
    },
    expected: [
      "notebooks/n.ipynb imports ../lib/core/a.ts (cell 2): notebooks may import only " +
      "tokenbench, tokenbench/<layer> and packages (npm:, node:, jsr:, bare names)",
    ],
  },
  {
    name: "a _ file imported from another folder",
    changes: { "lib/sim/b.ts": 'import { p } from "../core/_p.ts";\nexport const b = p;\n' },
    expected: [
      "lib/sim/b.ts imports lib/core/_p.ts: _ files are private to their folder (lib/core/)",
    ],
  },
  {
    name: "an import cycle",
    changes: {
      "lib/core/a.ts": 'import { u } from "./unreached.ts";\nexport const a = 1;\nexport { u };\n',
      "lib/core/unreached.ts": 'import { a } from "./a.ts";\nexport const u = () => a;\n',
    },
    expected: ["import cycle: lib/core/a.ts -> lib/core/unreached.ts -> lib/core/a.ts"],
  },
  {
    name: "mod.ts re-exporting a lib file rather than a layer's face",
    changes: { "mod.ts": 'export * from "./lib/core/a.ts";\nexport * from "./lib/sim/mod.ts";\n' },
    expected: [
      "mod.ts imports lib/core/a.ts: mod.ts may import only the layers' mod.ts files " +
      "(lib/<layer>/mod.ts)",
    ],
  },
];

for (const { name, changes, expected } of PLANTED) {
  Deno.test(`lint:layers fails on ${name}`, async () => {
    const out = await lintProject(changes);
    assertEquals(out.violations, expected, out.stdout + out.stderr);
    assert(out.summary.endsWith(`, ${expected.length} violations`), out.summary);
    assertEquals(out.code, 1);
  });
}

Deno.test("lint:layers names a core -> sim import planted in a copy of the real tree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lint_layers_real_" });
  try {
    for (
      const name of ["lib", "mod.ts", "deno.json", "deno.lock", "scripts", "bench", "notebooks"]
    ) {
      await copy(`${ROOT}${name}`, `${dir}/${name}`);
    }
    const quantile = `${dir}/lib/core/quantile.ts`;
    await Deno.writeTextFile(
      quantile,
      `import "../sim/simulator.ts";\n${await Deno.readTextFile(quantile)}`,
    );
    const out = await lint(["--root", dir]);
    assert(
      out.violations.includes(
        "lib/core/quantile.ts imports lib/sim/simulator.ts: core may import only core",
      ),
      out.stdout + out.stderr,
    );
    assert(/^lint:layers: \d+ files, \d+ imports, [1-9]\d* violations$/.test(out.summary));
    assertEquals(out.code, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lint:layers checks the real tree from its root and ends with the summary line", async () => {
  const started = performance.now();
  const out = await lint([]);
  const seconds = (performance.now() - started) / 1000;
  const m = /^lint:layers: (\d+) files, (\d+) imports, (\d+) violations$/.exec(out.summary);
  assert(m, out.stdout + out.stderr);
  assert(Number(m[1]) > 100, out.summary); // mod.ts, lib/, scripts/, bench/, notebooks/
  assertEquals(out.code, m[3] === "0" ? 0 : 1, out.stderr);
  assertEquals(out.violations.length, Number(m[3]));
  assert(seconds < 20, `${seconds} s`);
});

Deno.test("lint:layers --help shows the rules; bad flags and a missing --root are usage errors", async () => {
  const help = await lint(["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.includes("--root DIR"), help.stdout);
  assert(help.stdout.includes("lib/run/      core, wire, clients, sim, plot, report, run"));

  const flag = await lint(["--nope"]);
  assertEquals(flag.code, 2);
  assertEquals(flag.stdout, "");
  assert(/^error: .*--nope/.test(flag.stderr), flag.stderr);

  const missing = await lint(["--root", "/nonexistent/tokenbench"]);
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr.trim(), "error: --root /nonexistent/tokenbench: not a directory");
});

Deno.test("checkLayers exempts tests, flags files outside the layers, and reports each cycle once", () => {
  const graph: ImportGraph = {
    files: [
      "lib/core/a.ts",
      "lib/core/b.ts",
      "lib/core/c.ts",
      "lib/extra/x.ts",
      "lib/sim/_s.ts",
      "tests/core/a_test.ts",
    ],
    imports: [
      { from: "tests/core/a_test.ts", to: "lib/sim/_s.ts" },
      { from: "lib/core/a.ts", to: "lib/core/b.ts" },
      { from: "lib/core/b.ts", to: "lib/core/c.ts" },
      { from: "lib/core/c.ts", to: "lib/core/a.ts", typeOnly: true },
      { from: "lib/core/c.ts", to: "lib/core/b.ts" },
      { from: "lib/core/c.ts", to: "lib/core/b.ts" },
    ],
  };
  assertEquals(checkLayers(graph).map(formatViolation), [
    "import cycle: lib/core/a.ts -> lib/core/b.ts -> lib/core/c.ts -(type)-> lib/core/a.ts",
    "lib/extra/x.ts: not in a layer (lib/<layer>/ for one of core, wire, clients, sim, plot, " +
    "report, run, cli)",
  ]);
});

Deno.test("checkLayers takes other rules, and a file that imports itself is a cycle", () => {
  const graph: ImportGraph = {
    files: ["lib/top/t.ts", "lib/base/b.ts"],
    imports: [
      { from: "lib/base/b.ts", to: "lib/top/t.ts" },
      { from: "lib/top/t.ts", to: "lib/top/t.ts" },
    ],
  };
  assertEquals(checkLayers(graph, { base: ["base"], top: ["base", "top"] }).map(formatViolation), [
    "lib/base/b.ts imports lib/top/t.ts: base may import only base",
    "import cycle: lib/top/t.ts -> lib/top/t.ts",
  ]);
});

Deno.test("notebookImports reads from, import and import() specifiers of code cells only", () => {
  const nb = JSON.parse(notebook(
    ["markdown", 'import "../md.ts";\n'],
    ["code", 'import { a } from "tokenbench";\nimport "./side.ts";\n'],
    ["code", "export { b } from 'tokenbench/core';\nconst m = await import(\"npm:x\");\n"],
  ));
  assertEquals(notebookImports(nb), [
    { specifier: "tokenbench", cell: 2 },
    { specifier: "./side.ts", cell: 2 },
    { specifier: "tokenbench/core", cell: 3 },
    { specifier: "npm:x", cell: 3 },
  ]);
});

async function copy(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === "__pycache__" || entry.name === "node_modules") continue;
    await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}
