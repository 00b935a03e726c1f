/**
 * `deno task plot RESULTS_DIR…`: every plot of one or more run folders, as SVG and PNG.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import type { RequestRecord } from "../core/request_record.ts";
import type { RunRecords } from "../core/run_records.ts";
import { loadPoint } from "../core/load_point.ts";
import { medianRequest } from "../core/median_request.ts";
import { summarizeRun } from "../core/summarize_run.ts";
import { type PlotSpec, renderSvg } from "../plot/render_svg.ts";
import { DEFAULT_FONT_FILES, toPng } from "../plot/to_png.ts";
import { plotTtftDistribution } from "../plot/plot_ttft_distribution.ts";
import { plotTtftBy } from "../plot/plot_ttft_by.ts";
import { plotThroughputBoxplot } from "../plot/plot_throughput_boxplot.ts";
import { plotTokenTimeline } from "../plot/plot_token_timeline.ts";
import { plotErrors } from "../plot/plot_errors.ts";
import { plotLoadCurve } from "../plot/plot_load_curve.ts";
import { plotServerMetrics } from "../plot/plot_server_metrics.ts";
import { plotRunTimeline } from "../plot/plot_run_timeline.ts";
import type { ServerMetricsRun } from "../core/summarize_server_metrics.ts";
import { readServerMetricsJsonl, SERVER_METRICS_FILE } from "../report/read_server_metrics.ts";
import { parseFlags, runMain, UsageError } from "./flags.ts";

/**
 * The help text of `deno task plot`: the plots, every flag and its default.
 *
 * @example
 * ```ts
 * import { PLOT_HELP } from "./plot_command.ts";
 * if (!PLOT_HELP.includes("ttft_distribution")) throw new Error(PLOT_HELP);
 * ```
 */
export const PLOT_HELP = `deno task plot [flags] RESULTS_DIR…

Draws every plot of each run folder (a folder holding requests.jsonl, and usually summary.json)
and writes each as SVG and PNG:
  ttft_distribution   TTFT histogram and ECDF
  throughput_boxplot  per-request output throughput (tokens/s)
  errors              error rate and error codes
  token_timeline      tokens vs time of the completed request with the median end-to-end latency
  run_timeline        every request on the run's clock (waiting, streaming, failed) and, for
                      runs with server_metrics.jsonl, the server's running/waiting requests
                      and KV-cache usage under it on the same time axis
  server_metrics      the server's running/waiting requests beside the client's in flight, and
                      its KV-cache usage, over the run (runs with server_metrics.jsonl)
  ttft_by_turn        TTFT per turn (multi-turn sessions only)
  ttft_by_cache       TTFT of requests with and without a cached prompt prefix (endpoints
                      that report cached tokens only)
A RESULTS_DIR that holds run folders (e.g. results/) stands for all of them. With two or more
runs, the same plots comparing all runs, plus load_curve (latency and throughput vs concurrency
or rate), go to --out.

Flags:
  --out DIR          write into DIR (one run) or DIR/<run folder>/ plus the comparison plots
                     in DIR (several runs) (default: into each run folder; comparisons need --out)
  --font-file PATH   font for the text of the PNGs (default: the first that exists of
                     ${DEFAULT_FONT_FILES.slice(0, 2).join(", ")}, …;
                     Debian/Ubuntu: apt-get install -y fonts-dejavu-core)
  --png-width N      PNG width in pixels (default: twice the SVG's width)
  --no-png           write SVG only
  -h, --help         show this help
`;

const _FLAGS = {
  out: { type: "string" },
  "font-file": { type: "string" },
  "png-width": { type: "string" },
  "no-png": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** One run folder, read. */
interface _Run {
  dir: string;
  records: RequestRecord[];
  summary: Record<string, unknown> | null;
  /** `server_metrics.jsonl`, when the run scraped the server. */
  serverMetrics: ServerMetricsRun | null;
}

/**
 * `deno task plot RESULTS_DIR…`: parse `args`, read every run folder (a RESULTS_DIR holding run
 * folders stands for all of them) before writing anything, then write each run's plots
 * ({@link plotTtftDistribution}, {@link plotThroughputBoxplot}, {@link plotErrors},
 * {@link plotTokenTimeline}) as SVG ({@link renderSvg}) and PNG ({@link toPng}); with several
 * runs and `--out`, the comparison plots and {@link plotLoadCurve} too. Prints the written
 * paths; returns the exit code (0). Bad input is a {@link UsageError}.
 *
 * @example Help
 * ```ts
 * import { plotCommand } from "./plot_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await plotCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--no-png")) throw new Error(text);
 * ```
 */
export async function plotCommand(args: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags(args, _FLAGS, true);
  if (f.help) {
    console.log(PLOT_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError("give at least one RESULTS_DIR (see --help)");
  }
  let pngWidth: number | undefined;
  if (f["png-width"] !== undefined) {
    pngWidth = Number(f["png-width"]);
    if (!(Number.isInteger(pngWidth) && pngWidth > 0)) {
      throw new UsageError(`--png-width must be a positive integer, got '${f["png-width"]}'`);
    }
  }
  const png = !f["no-png"];
  const fontFile = png ? await _fontFile(f["font-file"]) : undefined;

  // Read everything before writing anything.
  const dirs: string[] = [];
  for (const arg of positionals) dirs.push(...await _runDirs(arg));
  const read: _Run[] = [];
  for (const dir of dirs) read.push(await _readRun(dir));
  const runs = _order(read);
  const labels = _labels(runs);

  const written: string[] = [];
  const save = async (outDir: string, name: string, spec: PlotSpec) => {
    await Deno.mkdir(outDir, { recursive: true });
    const svg = await renderSvg(spec);
    const svgPath = join(outDir, `${name}.svg`);
    await Deno.writeTextFile(svgPath, svg);
    written.push(svgPath);
    if (png) {
      const pngPath = join(outDir, `${name}.png`);
      await Deno.writeFile(pngPath, await toPng(svg, { fontFile, width: pngWidth }));
      written.push(pngPath);
    }
  };

  for (const [i, run] of runs.entries()) {
    const outDir = f.out === undefined
      ? run.dir
      : runs.length === 1
      ? f.out
      : join(f.out, basename(resolve(run.dir)));
    const one: RunRecords = { label: labels[i], records: run.records };
    await save(outDir, "ttft_distribution", plotTtftDistribution(one));
    await save(outDir, "throughput_boxplot", plotThroughputBoxplot(one));
    await save(outDir, "errors", plotErrors(one));
    const median = medianRequest(run.records);
    if (median) await save(outDir, "token_timeline", plotTokenTimeline(median));
    if (run.records.length > 0) {
      const serverMetrics = run.serverMetrics ?? undefined;
      await save(outDir, "run_timeline", plotRunTimeline(run.records, { serverMetrics }));
    }
    if (run.serverMetrics) {
      const records = run.records;
      await save(outDir, "server_metrics", plotServerMetrics(run.serverMetrics, { records }));
    }
    if (run.records.some((r) => r.turn !== undefined)) {
      await save(outDir, "ttft_by_turn", plotTtftBy(run.records, "turn"));
    }
    if (run.records.some((r) => r.cachedInputTokens !== undefined)) {
      await save(outDir, "ttft_by_cache", plotTtftBy(run.records, "cache"));
    }
  }
  if (runs.length > 1 && f.out !== undefined) {
    const all = runs.map((run, i) => ({ label: labels[i], records: run.records }));
    await save(f.out, "ttft_distribution", plotTtftDistribution(all));
    await save(f.out, "throughput_boxplot", plotThroughputBoxplot(all));
    await save(f.out, "errors", plotErrors(all));
    const sweep = _sweep(runs);
    if (typeof sweep === "string") console.error(`note: no load_curve: ${sweep}`);
    else await save(f.out, "load_curve", plotLoadCurve(sweep.rows, { loadTitle: sweep.loadTitle }));
  } else if (runs.length > 1) {
    console.error("note: comparison plots of several runs are written only with --out DIR");
  }
  for (const path of written) console.log(path);
  return 0;
}

/**
 * The `main` of `scripts/plot.ts`: {@link plotCommand} with one-line errors (exit code 2 for bad
 * input, 1 otherwise).
 *
 * @example No folder is one line on stderr and exit code 2
 * ```ts
 * import { plotMain } from "./plot_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await plotMain([]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (text !== "error: give at least one RESULTS_DIR (see --help)") throw new Error(text);
 * ```
 */
export function plotMain(args: string[]): Promise<number> {
  return runMain(() => plotCommand(args));
}

async function _fontFile(given: string | undefined): Promise<string> {
  const candidates = given === undefined ? [...DEFAULT_FONT_FILES] : [given];
  for (const path of candidates) {
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch {
      // try the next one
    }
  }
  if (given !== undefined) throw new UsageError(`--font-file '${given}' is not a readable file`);
  throw new UsageError(
    "no font for the PNGs: install fonts-dejavu-core (apt-get install -y fonts-dejavu-core), " +
      "pass --font-file PATH, or use --no-png",
  );
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The run folders an argument stands for: itself, or its subfolders that hold runs. */
async function _runDirs(arg: string): Promise<string[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(arg);
  } catch {
    throw new UsageError(`RESULTS_DIR '${arg}' does not exist`);
  }
  if (!info.isDirectory) throw new UsageError(`RESULTS_DIR '${arg}' is not a folder`);
  if (await _isFile(join(arg, "requests.jsonl"))) return [arg];
  const found: string[] = [];
  for await (const entry of Deno.readDir(arg)) {
    const sub = join(arg, entry.name);
    if (entry.isDirectory && await _isFile(join(sub, "requests.jsonl"))) found.push(sub);
  }
  if (found.length === 0) {
    throw new UsageError(`RESULTS_DIR '${arg}' holds no requests.jsonl, nor do its subfolders`);
  }
  return found.sort();
}

async function _readRun(dir: string): Promise<_Run> {
  const path = join(dir, "requests.jsonl");
  const records: RequestRecord[] = [];
  let header: Record<string, unknown> | null = null;
  const lines = (await Deno.readTextFile(path)).split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new UsageError(`${path} line ${i + 1} is not JSON`);
    }
    const r = record as Partial<RequestRecord> & { kind?: unknown; metadata?: unknown };
    if (r?.kind === "run" && !("status" in r)) {
      // the header line token_benchmark writes first: {kind: "run", schemaVersion, tool, metadata}
      if (r.metadata && typeof r.metadata === "object") {
        header = r.metadata as Record<string, unknown>;
      }
      continue;
    }
    if (
      typeof r !== "object" || r === null || (r.status !== "ok" && r.status !== "error") ||
      !Array.isArray(r.chunkArrivalMs)
    ) {
      throw new UsageError(`${path} line ${i + 1} is not a request record`);
    }
    records.push(record as RequestRecord);
  }
  let summary: Record<string, unknown> | null = null;
  const summaryPath = join(dir, "summary.json");
  if (await _isFile(summaryPath)) {
    try {
      summary = JSON.parse(await Deno.readTextFile(summaryPath));
    } catch {
      throw new UsageError(`${summaryPath} is not JSON`);
    }
  }
  let serverMetrics: ServerMetricsRun | null = null;
  const metricsPath = join(dir, SERVER_METRICS_FILE);
  if (await _isFile(metricsPath)) {
    try {
      serverMetrics = readServerMetricsJsonl(await Deno.readTextFile(metricsPath), {
        path: metricsPath,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  // Without summary.json (a run cut short), the JSONL header still tells model and load.
  return {
    dir,
    records,
    summary: summary ?? (header ? { metadata: header } : null),
    serverMetrics,
  };
}

/** A field of summary.json, at its top level or under `metadata`/`run`/`summary`. */
function _field(summary: Record<string, unknown> | null, name: string): unknown {
  if (!summary) return undefined;
  for (const scope of [summary, summary.metadata, summary.run, summary.summary]) {
    if (scope && typeof scope === "object" && name in scope) {
      return (scope as Record<string, unknown>)[name];
    }
  }
  return undefined;
}

/** The load of a run: its rate (open loop) or concurrency (closed loop), from summary.json. */
function _load(run: _Run): { kind: "rate" | "concurrency"; value: number } | null {
  const rate = _field(run.summary, "rate");
  if (typeof rate === "number") return { kind: "rate", value: rate };
  const concurrency = _field(run.summary, "numConcurrentRequests");
  if (typeof concurrency === "number") return { kind: "concurrency", value: concurrency };
  return null;
}

/** What a run's series is called: its `--metadata provider=…`, else its model. */
function _series(run: _Run): string | undefined {
  const user = _field(run.summary, "userMetadata") as Record<string, unknown> | undefined;
  if (typeof user?.provider === "string") return user.provider;
  const model = _field(run.summary, "model");
  return typeof model === "string" ? model : undefined;
}

/** Runs ordered by series, then load; runs without metadata after them, by folder. */
function _order(runs: _Run[]): _Run[] {
  const key = (run: _Run) => [_series(run) ?? "\uffff", _load(run)?.value ?? Infinity] as const;
  return [...runs].sort((a, b) => {
    const [sa, la] = key(a), [sb, lb] = key(b);
    return sa < sb ? -1 : sa > sb ? 1 : la !== lb ? la - lb : a.dir < b.dir ? -1 : 1;
  });
}

/** Labels like `model c=8` (or `model 2 req/s`), the folder name when summary.json is missing. */
function _labels(runs: _Run[]): string[] {
  const labels = runs.map((run) => {
    const series = _series(run);
    const load = _load(run);
    if (series === undefined || load === null) return basename(resolve(run.dir));
    return load.kind === "rate" ? `${series} ${load.value} req/s` : `${series} c=${load.value}`;
  });
  return labels.map((label, i) =>
    labels.indexOf(label) !== labels.lastIndexOf(label)
      ? `${label} (${basename(resolve(runs[i].dir))})`
      : label
  );
}

/** Wall time of the measured requests: first send to last completion, ms. */
function _wallTimeMs(run: _Run): number {
  const given = _field(run.summary, "wallTimeMs");
  if (typeof given === "number") return given;
  const measured = run.records.filter((r) => r.phase === "measure");
  if (measured.length === 0) return 0;
  const start = Math.min(...measured.map((r) => r.actualSendMs));
  const end = Math.max(...measured.map((r) => r.actualSendMs + r.e2eMs));
  return end - start;
}

/** Load points of the runs (one series per model, or per `--metadata provider=…`), or why not. */
function _sweep(runs: _Run[]) {
  const loads = runs.map(_load);
  if (loads.some((l) => l === null)) return "a run's summary.json does not give its load";
  const kinds = new Set(loads.map((l) => l!.kind));
  if (kinds.size > 1) return "the runs mix concurrency and rate";
  const rows = runs.map((run, i) => {
    const summary = summarizeRun(run.records, { wallTimeMs: _wallTimeMs(run) });
    return loadPoint(summary, {
      label: _series(run) ?? basename(dirname(resolve(run.dir))),
      load: loads[i]!.value,
    });
  });
  const loadTitle = kinds.has("rate")
    ? "Request rate (requests/s)"
    : "Concurrency (requests in flight)";
  return { rows, loadTitle };
}
