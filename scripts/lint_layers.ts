/**
 * `deno task lint:layers [--root DIR]`: the imports between the project's modules follow its
 * layering. The graph comes from `deno info --json` (static imports, re-exports, type imports and
 * statically analyzable dynamic imports); notebooks' code cells are read as text.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const HELP = `deno task lint:layers [flags]

Checks the imports between the project's modules (lib/, mod.ts, scripts/, bench/, notebooks/)
against the layering rules, and that there is no import cycle:

  lib/core/     core
  lib/wire/     core, wire
  lib/clients/  core, wire, clients
  lib/sim/      core, wire, sim
  lib/plot/     core, plot
  lib/report/   core, plot, report
  lib/run/      core, wire, clients, sim, plot, report, run
  lib/cli/      every layer
  mod.ts        the layers' faces, lib/<layer>/mod.ts, only
  scripts/, bench/
                "tokenbench" and "tokenbench/<layer>" only (./mod.ts, ./lib/<layer>/mod.ts),
                and the _ files of their own folder
  notebooks/    "tokenbench", "tokenbench/<layer>" and packages (npm:, node:, jsr:, bare names)

A file whose name starts with _ is private to its folder. Files under tests/ are exempt.
Prints one line per violation, then a summary line.

Flags:
  --root DIR  the project to check (default: the current directory)
  -h, --help  show this help

Exit status: 0 when clean, 1 on any violation, 2 on bad usage.
`;

/**
 * For each layer (a folder lib/<layer>/, whose face is lib/<layer>/mod.ts), the layers its files
 * may import, itself included.
 */
export type LayerRules = Readonly<Record<string, readonly string[]>>;

/** The project's layering. */
export const LAYER_RULES: LayerRules = {
  core: ["core"],
  wire: ["core", "wire"],
  clients: ["core", "wire", "clients"],
  sim: ["core", "wire", "sim"],
  plot: ["core", "plot"],
  report: ["core", "plot", "report"],
  run: ["core", "wire", "clients", "sim", "plot", "report", "run"],
  cli: ["core", "wire", "clients", "sim", "plot", "report", "run", "cli"],
};

/** One import. Paths are relative to the project's root, with forward slashes. */
export interface Import {
  /** The importing file. */
  from: string;
  /** The imported file (for a notebook: the file the specifier names, or the specifier). */
  to: string;
  /** The specifier as written; set for notebooks' imports, which are checked by it. */
  specifier?: string;
  /** A notebook's cell, counted from 1. */
  cell?: number;
  /** `import("…")` only. */
  dynamic?: boolean;
  /** `import type` only. */
  typeOnly?: boolean;
}

/** The project's modules and the imports between them. */
export interface ImportGraph {
  files: string[];
  imports: Import[];
}

/** A broken rule: an import, a file outside every layer, or an import cycle. */
export interface Violation {
  /** The importing file (for a cycle: its first file). */
  file: string;
  /** The import's target, as printed. */
  to?: string;
  /** The files of a cycle, the first repeated at the end. */
  cycle?: string[];
  /** For each step of the cycle, whether it is a type-only import. */
  typeOnly?: boolean[];
  reason: string;
}

/** `lib/core/a.ts imports lib/sim/b.ts: core may import only core`, and the like. */
export function formatViolation(v: Violation): string {
  if (v.cycle) {
    const steps = v.cycle.map((file, i) =>
      i === 0 ? file : `${v.typeOnly?.[i - 1] ? " -(type)-> " : " -> "}${file}`
    );
    return `import cycle: ${steps.join("")}${v.reason ? ` (${v.reason})` : ""}`;
  }
  if (v.to === undefined) return `${v.file}: ${v.reason}`;
  return `${v.file} imports ${v.to}: ${v.reason}`;
}

type Place =
  | { kind: "layer"; layer: string }
  | { kind: "lib" | "root" | "scripts" | "bench" | "notebooks" | "tests" | "other" };

function placeOf(path: string, rules: LayerRules): Place {
  if (path === "mod.ts") return { kind: "root" };
  const parts = path.split("/");
  if (parts[0] === "lib") {
    return parts.length > 2 && Object.hasOwn(rules, parts[1])
      ? { kind: "layer", layer: parts[1] }
      : { kind: "lib" };
  }
  if (parts.length > 1) {
    for (const kind of ["scripts", "bench", "notebooks", "tests"] as const) {
      if (parts[0] === kind) return { kind };
    }
  }
  return { kind: "other" };
}

const dirOf = (path: string) => posix.dirname(path);
const isPrivate = (path: string) => posix.basename(path).startsWith("_");

/** `lib/<layer>/mod.ts` for one of the layers, or undefined. */
function faceLayer(path: string, rules: LayerRules): string | undefined {
  const m = /^lib\/([^/]+)\/mod\.ts$/.exec(path);
  return m && Object.hasOwn(rules, m[1]) ? m[1] : undefined;
}

/** `npm:x`, `node:x`, `jsr:x` or a bare package name other than tokenbench's own. */
export function isPackageSpecifier(specifier: string): boolean {
  if (/^(npm|node|jsr):/.test(specifier)) return true;
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return false; // file:, https:, data:, …
  if (specifier.startsWith(".") || specifier.startsWith("/")) return false;
  return specifier !== "tokenbench" && !specifier.startsWith("tokenbench/");
}

/** A notebook may name tokenbench's modules only as `tokenbench` or `tokenbench/<layer>`. */
function isTokenbenchSpecifier(specifier: string, rules: LayerRules): boolean {
  if (specifier === "tokenbench") return true;
  const m = /^tokenbench\/([^/]+)$/.exec(specifier);
  return m !== null && Object.hasOwn(rules, m[1]);
}

/**
 * Every broken rule in `graph`: per import, the rules of the importing file's folder and the
 * privacy of `_` files; per file, lying under lib/ outside every layer; and each import cycle
 * (one per strongly connected group of files). Sorted by file, then target.
 */
export function checkLayers(graph: ImportGraph, rules: LayerRules = LAYER_RULES): Violation[] {
  const layers = Object.keys(rules);
  const violations: Violation[] = [];
  for (const file of graph.files) {
    if (placeOf(file, rules).kind === "lib") {
      violations.push({
        file,
        reason: `not in a layer (lib/<layer>/ for one of ${layers.join(", ")})`,
      });
    }
  }
  for (const imp of dedupe(graph.imports)) {
    const from = placeOf(imp.from, rules);
    if (from.kind === "tests") continue;
    const add = (reason: string) =>
      violations.push({
        file: imp.from,
        to: imp.cell === undefined
          ? imp.specifier ?? imp.to
          : `${imp.specifier ?? imp.to} (cell ${imp.cell})`,
        reason,
      });
    if (imp.specifier !== undefined) {
      if (
        from.kind === "notebooks" && !isPackageSpecifier(imp.specifier) &&
        !isTokenbenchSpecifier(imp.specifier, rules)
      ) {
        add(
          "notebooks may import only tokenbench, tokenbench/<layer> and packages " +
            "(npm:, node:, jsr:, bare names)",
        );
      }
      continue;
    }
    const to = placeOf(imp.to, rules);
    switch (from.kind) {
      case "layer": {
        const allowed = rules[from.layer];
        if (to.kind !== "layer" || !allowed.includes(to.layer)) {
          add(`${from.layer} may import only ${allowed.join(", ")}`);
        }
        break;
      }
      case "root":
        if (faceLayer(imp.to, rules) === undefined) {
          add("mod.ts may import only the layers' mod.ts files (lib/<layer>/mod.ts)");
        }
        break;
      case "scripts":
      case "bench": {
        const ok = imp.to === "mod.ts" || faceLayer(imp.to, rules) !== undefined ||
          (isPrivate(imp.to) && dirOf(imp.to) === dirOf(imp.from));
        if (!ok) {
          add(
            `${from.kind} may import only tokenbench, tokenbench/<layer> and the _ files of ` +
              "their own folder",
          );
        }
        break;
      }
    }
    if (isPrivate(imp.to) && dirOf(imp.to) !== dirOf(imp.from)) {
      add(`_ files are private to their folder (${dirOf(imp.to)}/)`);
    }
  }
  violations.push(...findCycles(graph));
  return violations.sort((a, b) =>
    compare(a.file, b.file) || compare(a.to ?? "", b.to ?? "") ||
    compare(a.reason, b.reason)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupe(imports: Import[]): Import[] {
  const seen = new Map<string, Import>();
  for (const imp of imports) {
    const key = JSON.stringify([imp.from, imp.to, imp.specifier ?? null, imp.cell ?? null]);
    if (!seen.has(key)) seen.set(key, imp);
  }
  return [...seen.values()];
}

/** Tarjan's strongly connected components; each group of two or more files (or a file importing
 * itself) is one cycle, shown as a shortest cycle through its first file. */
function findCycles(graph: ImportGraph): Violation[] {
  const next = new Map<string, string[]>();
  const files = new Set(graph.files);
  const codeImports = new Set<string>();
  for (const imp of graph.imports) {
    if (imp.specifier !== undefined || !files.has(imp.to)) continue;
    if (!imp.typeOnly) codeImports.add(`${imp.from}\0${imp.to}`);
    const list = next.get(imp.from) ?? [];
    if (!list.includes(imp.to)) list.push(imp.to);
    next.set(imp.from, list);
  }
  for (const list of next.values()) list.sort(compare);

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;
  // Iterative, so that long import chains cannot overflow the call stack.
  for (const start of [...files].sort(compare)) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const succ = next.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const group: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          group.push(w);
        } while (w !== top.node);
        if (group.length > 1 || (next.get(w) ?? []).includes(w)) groups.push(group.sort(compare));
      }
    }
  }

  return groups.map((group) => {
    const members = new Set(group);
    const first = group[0];
    // Breadth-first from the first file back to itself, inside the group.
    const prev = new Map<string, string>();
    const queue = [first];
    let found = false;
    for (let q = 0; q < queue.length && !found; q++) {
      for (const w of next.get(queue[q]) ?? []) {
        if (!members.has(w)) continue;
        if (w === first) {
          prev.set(first, queue[q]);
          found = true;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, queue[q]);
          queue.push(w);
        }
      }
    }
    const back: string[] = [];
    for (let at = prev.get(first)!; at !== first; at = prev.get(at)!) back.push(at);
    const cycle = [first, ...back.reverse(), first];
    const typeOnly = cycle.slice(1).map((to, i) => !codeImports.has(`${cycle[i]}\0${to}`));
    const reason = group.length > cycle.length - 1
      ? `one of the cycles among ${group.length} files: ${group.join(", ")}`
      : "";
    return { file: first, cycle, typeOnly, reason };
  });
}

// ---------------------------------------------------------------------------------------------
// Building the graph.

const toPosix = (path: string) => path.split(sep).join("/");

const MODULE = /\.(?:[cm]?[jt]sx?)$/;

async function listFiles(dir: string, recursive: boolean, match: RegExp): Promise<string[]> {
  const out: string[] = [];
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return out;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && recursive && entry.name !== "node_modules") {
      out.push(...await listFiles(path, recursive, match));
    } else if (entry.isFile && match.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

interface DenoInfoModule {
  specifier: string;
  error?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string };
    type?: { specifier?: string };
    isDynamic?: boolean;
  }[];
  typesDependency?: { dependency?: { specifier?: string } };
}

/** `deno info --json` of one entry, npm and remote modules left out (only local ones matter). */
async function denoInfo(root: string, entry: string): Promise<DenoInfoModule[]> {
  const config = ["deno.json", "deno.jsonc"].map((f) => join(root, f)).find((f) => {
    try {
      return Deno.statSync(f).isFile;
    } catch {
      return false;
    }
  });
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "info",
      "--json",
      "--no-npm",
      "--no-remote",
      "--no-lock",
      ...(config ? ["--config", config] : []),
      entry,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new Error(`deno info ${relative(root, entry)} failed: ${err}`);
  }
  return (JSON.parse(text) as { modules: DenoInfoModule[] }).modules;
}

/** Code cells' import specifiers: `from "…"`, `import "…"`, `import("…")`. */
export function notebookImports(notebook: unknown): { specifier: string; cell: number }[] {
  const cells = (notebook as { cells?: unknown })?.cells;
  if (!Array.isArray(cells)) throw new TypeError("it has no 'cells' array");
  const out: { specifier: string; cell: number }[] = [];
  const patterns = [
    /\bfrom\s*["']([^"'\n]+)["']/g,
    /\bimport\s*["']([^"'\n]+)["']/g,
    /\bimport\s*\(\s*["']([^"'\n]+)["']\s*[,)]/g,
  ];
  cells.forEach((cell: { cell_type?: unknown; source?: unknown }, i) => {
    if (cell?.cell_type !== "code") return;
    const source = Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
    for (const pattern of patterns) {
      for (const m of source.matchAll(pattern)) out.push({ specifier: m[1], cell: i + 1 });
    }
  });
  return out;
}

/**
 * The import graph of the project at `root` (an absolute, real path): `deno info` from mod.ts,
 * then from every lib/ module, scripts/*.ts and bench/*.ts it did not reach; plus the notebooks'
 * imports other than packages'. Also the files `deno info` could not parse.
 */
export async function buildGraph(
  root: string,
): Promise<ImportGraph & { unparsed: { file: string; error: string }[] }> {
  const inRoot = (specifier: string): string | undefined => {
    if (!specifier.startsWith("file:")) return undefined;
    const rel = relative(root, fileURLToPath(specifier));
    if (rel === "" || rel.startsWith("..") || resolve(root, rel) !== fileURLToPath(specifier)) {
      return undefined;
    }
    return toPosix(rel);
  };
  const entries = [
    join(root, "mod.ts"),
    ...(await listFiles(join(root, "lib"), true, MODULE)).sort(),
    ...(await listFiles(join(root, "scripts"), false, /\.ts$/)).sort(),
    ...(await listFiles(join(root, "bench"), false, /\.ts$/)).sort(),
  ].filter((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });

  const files = new Set<string>();
  const imports = new Map<string, Import>();
  const unparsed = new Map<string, string>();
  const seen = new Set<string>();
  const absorb = (modules: DenoInfoModule[]) => {
    for (const mod of modules) {
      const from = inRoot(mod.specifier);
      if (from === undefined || seen.has(from)) continue;
      seen.add(from);
      if (mod.error !== undefined) {
        if (!mod.error.startsWith("Module not found")) unparsed.set(from, mod.error.split("\n")[0]);
        continue;
      }
      files.add(from);
      const targets: { to: string | undefined; dynamic: boolean; typeOnly: boolean }[] = [];
      for (const dep of mod.dependencies ?? []) {
        const dynamic = dep.isDynamic === true;
        const code = dep.code?.specifier;
        const type = dep.type?.specifier;
        if (code) targets.push({ to: inRoot(code), dynamic, typeOnly: false });
        if (type && type !== code) targets.push({ to: inRoot(type), dynamic, typeOnly: true });
      }
      const types = mod.typesDependency?.dependency?.specifier;
      if (types) targets.push({ to: inRoot(types), dynamic: false, typeOnly: true });
      for (const { to, dynamic, typeOnly } of targets) {
        if (to === undefined) continue;
        const key = `${from}\0${to}`;
        const known = imports.get(key);
        if (!known) {
          imports.set(key, {
            from,
            to,
            ...(dynamic ? { dynamic } : {}),
            ...(typeOnly ? { typeOnly } : {}),
          });
        } else {
          if (!dynamic) delete known.dynamic; // also imported statically
          if (!typeOnly) delete known.typeOnly; // also imported as code
        }
      }
    }
  };

  const [first, ...rest] = entries;
  if (first) absorb(await denoInfo(root, first));
  // The rest in parallel, a few at a time; each run skips what an earlier one absorbed.
  const pending = rest.slice();
  const workers = Array.from({ length: 4 }, async () => {
    for (let path = pending.shift(); path !== undefined; path = pending.shift()) {
      if (!seen.has(toPosix(relative(root, path)))) absorb(await denoInfo(root, path));
    }
  });
  await Promise.all(workers);

  for (const path of (await listFiles(join(root, "notebooks"), false, /\.ipynb$/)).sort()) {
    const from = toPosix(relative(root, path));
    files.add(from);
    let specs;
    try {
      specs = notebookImports(JSON.parse(await Deno.readTextFile(path)));
    } catch (err) {
      unparsed.set(from, err instanceof Error ? err.message : String(err));
      continue;
    }
    for (const { specifier, cell } of specs) {
      if (isPackageSpecifier(specifier)) continue;
      let to = specifier;
      if (specifier === "tokenbench") to = "mod.ts";
      else if (specifier.startsWith("tokenbench/")) to = `lib/${specifier.slice(11)}/mod.ts`;
      else if (specifier.startsWith(".")) {
        to = posix.normalize(posix.join(posix.dirname(from), specifier));
      }
      imports.set(`${from}\0${specifier}\0${cell}`, { from, to, specifier, cell });
    }
  }

  return {
    files: [...files].sort(compare),
    imports: [...imports.values()].sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to)),
    unparsed: [...unparsed].map(([file, error]) => ({ file, error })),
  };
}

/** `deno task lint:layers`. */
export async function main(args: string[]): Promise<number> {
  let values: { root?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { root: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message.split("\n")[0].replace(/\. To specify a positional.*$/, "")}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  let root: string;
  try {
    root = await Deno.realPath(values.root ?? ".");
    if (!(await Deno.stat(root)).isDirectory) throw new Error("not a directory");
  } catch {
    console.error(`error: --root ${values.root ?? "."}: not a directory`);
    return 2;
  }
  try {
    const graph = await buildGraph(root);
    for (const { file, error } of graph.unparsed) {
      console.error(`warning: ${file}: not checked: ${error}`);
    }
    const violations = checkLayers(graph);
    for (const v of violations) console.log(formatViolation(v));
    console.log(
      `lint:layers: ${graph.files.length} files, ${graph.imports.length} imports, ` +
        `${violations.length} violations`,
    );
    return violations.length > 0 ? 1 : 0;
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
