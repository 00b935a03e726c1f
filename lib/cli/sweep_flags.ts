/**
 * Sweeps in `deno task bench`: `--concurrency 1,4,16,64` or `--rate 1,2,5,10` runs the
 * benchmark once per level, each into its own results folder inside one sweep folder, then
 * writes the sweep summary: `sweep.md` (latency and throughput vs load), `sweep.json` and
 * `sweep.svg` (the load curve).
 *
 * @module
 */
import { UsageError } from "./flags.ts";
import {
  parseSweepLevels,
  sweepLoadPoints,
  sweepSummary,
  sweepTable,
  type SweepVariable,
} from "../report/sweep.ts";
import { plotLoadCurve } from "../plot/plot_load_curve.ts";
import { renderSvg } from "../plot/render_svg.ts";
import type { RunSummaryDocument } from "../report/run_report.ts";

/** What a level's run records of its sweep (`RunMetadata.sweep`). */
export interface SweepContext {
  variable: SweepVariable;
  level: number;
  levels: number[];
}

/** A sweep asked for on the command line. */
export interface SweepRequest {
  variable: SweepVariable;
  levels: number[];
  /** The flag that gave the list. */
  flag: string;
  model: string;
  resultsDir: string | undefined;
}

type Flags = Record<string, string | boolean | undefined>;

/** The sweep the flags ask for (a list of concurrencies or rates), or null for a single run. */
export function sweepRequest(f: Flags): SweepRequest | null {
  const list = (v: unknown) => typeof v === "string" && v.includes(",");
  const concurrencyFlag = list(f.concurrency)
    ? "concurrency"
    : list(f["num-concurrent-requests"])
    ? "num-concurrent-requests"
    : null;
  const rateList = list(f.rate);
  if (concurrencyFlag === null && !rateList) return null;
  if (concurrencyFlag !== null && rateList) {
    throw new UsageError("sweep one of --concurrency and --rate, not both");
  }
  if (f.shard !== undefined) throw new UsageError("--shard cannot be combined with a sweep");
  if (typeof f.model !== "string" || f.model === "") {
    throw new UsageError("--model is required (e.g. --model gpt-4o-mini)");
  }
  const flag = concurrencyFlag ?? "rate";
  const variable: SweepVariable = concurrencyFlag ? "concurrency" : "rate";
  let levels: number[];
  try {
    levels = parseSweepLevels(f[flag] as string, variable);
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message.replace(/^Cannot [^:]+: /, "")}`);
  }
  return {
    variable,
    levels,
    flag,
    model: f.model,
    resultsDir: typeof f["results-dir"] === "string" ? f["results-dir"] : undefined,
  };
}

/** `args` without the given flags (both `--flag value` and `--flag=value`). */
function _without(args: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = flags.find((f) => arg === `--${f}` || arg.startsWith(`--${f}=`));
    if (name === undefined) out.push(arg);
    else if (arg === `--${name}`) i++; // skip its value too
  }
  return out;
}

/**
 * Run every level of the sweep with `runLevel` (the benchmark itself), stopping at the first
 * level that fails, then write the sweep summary. Returns the exit code.
 */
export async function runSweep(
  args: readonly string[],
  sweep: SweepRequest,
  runLevel: (levelArgs: string[], context: SweepContext) => Promise<number>,
): Promise<number> {
  const { variable, levels } = sweep;
  // The folder is created by the first level's run: bad input writes nothing.
  const sweepDir = await _freshPath(
    sweep.resultsDir ?? "results",
    `${sweep.model}-${variable}-sweep`,
  );
  const base = _without(args, [sweep.flag, "results-dir"]);
  const runs: { level: number; dir: string; summary: RunSummaryDocument }[] = [];
  let code = 0;
  for (const level of levels) {
    const levelRoot = `${sweepDir}/${variable === "rate" ? "rate" : "c"}${level}`;
    code = await runLevel(
      [
        ...base,
        `--${variable === "rate" ? "rate" : "concurrency"}`,
        String(level),
        "--results-dir",
        levelRoot,
      ],
      { variable, level, levels },
    );
    const dir = await _onlySubfolder(levelRoot);
    if (dir !== null) {
      try {
        const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
        runs.push({ level, dir, summary });
      } catch { /* the level wrote no summary */ }
    }
    if (code !== 0) {
      if (runs.length > 0) {
        console.error(`sweep: stopped at ${variable} ${level} (exit code ${code})`);
      }
      break;
    }
    console.error(`sweep: ${variable} ${level} done (${runs.length} of ${levels.length})`);
  }
  if (runs.length === 0) return code;
  const summary = sweepSummary(variable, runs);
  const table = sweepTable(summary);
  const paths = [`${sweepDir}/sweep.md`, `${sweepDir}/sweep.json`];
  await Deno.writeTextFile(paths[0], table, { createNew: true });
  await Deno.writeTextFile(paths[1], JSON.stringify(summary, null, 2) + "\n", {
    createNew: true,
  });
  {
    const loads = runs.map((r) => r.level);
    const spec = plotLoadCurve(sweepLoadPoints(summary, sweep.model), {
      loadTitle: variable === "rate"
        ? "Request rate (requests/s)"
        : "Concurrency (requests in flight)",
      logLoad: Math.max(...loads) / Math.min(...loads) >= 8,
      title: `Latency and throughput vs ${variable}: ${sweep.model}`,
    });
    try {
      await Deno.writeTextFile(`${sweepDir}/sweep.svg`, await renderSvg(spec), { createNew: true });
      paths.push(`${sweepDir}/sweep.svg`);
    } catch (error) {
      console.error(`note: the load-curve plot was not written: ${(error as Error).message}`);
    }
  }
  console.log("\n" + table);
  console.log(`sweep results: ${sweepDir}`);
  for (const path of paths) console.log(`  ${path}`);
  return code;
}

/** A path `<root>/<UTC time>_<name>` that does not exist yet (not created here). */
async function _freshPath(root: string, name: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const base = `${root.replace(/\/+$/, "") || "."}/${stamp}_${
    name.replace(/[^\w.-]+/g, "-").replace(/-{2,}/g, "-")
  }`;
  for (let n = 0;; n++) {
    const path = n === 0 ? base : `${base}-${n}`;
    try {
      await Deno.lstat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return path;
      throw new UsageError(`--results-dir '${root}': ${(error as Error).message}`);
    }
  }
}

async function _onlySubfolder(root: string): Promise<string | null> {
  try {
    const dirs: string[] = [];
    for await (const entry of Deno.readDir(root)) if (entry.isDirectory) dirs.push(entry.name);
    dirs.sort();
    return dirs.length > 0 ? `${root}/${dirs.at(-1)}` : null;
  } catch {
    return null;
  }
}
