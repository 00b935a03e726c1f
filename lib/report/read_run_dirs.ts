/**
 * Read run folders (each holding a `requests.jsonl`) into runs ready for reports and
 * comparisons. A folder that holds run folders (e.g. `results/`) stands for all of them.
 *
 * @module
 */
import { readRunJsonl, type RunJsonl } from "./read_run_jsonl.ts";
import {
  readServerMetricsJsonl,
  runClockOriginEpochMs,
  SERVER_METRICS_FILE,
} from "./read_server_metrics.ts";
import { type ServerMetricsRun, summarizeServerMetrics } from "../core/summarize_server_metrics.ts";

/** One run folder, read. */
export interface RunFolder {
  /** The folder, as given or found. */
  dir: string;
  /** The folder's name, made unique among the folders read (`name (2)`). */
  label: string;
  /** Its `requests.jsonl`, parsed (records, metadata, how it ended); `run.report.serverMetrics`
   * holds the summary of the server metrics when the folder has them. */
  run: RunJsonl;
  /** Its `server_metrics.jsonl`, parsed, when the run scraped the server. */
  serverMetrics?: ServerMetricsRun;
}

function _name(dir: string): string {
  const parts = dir.replace(/\/+$/, "").split("/");
  return parts.at(-1) || dir;
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Read every run folder `paths` name, in order: a folder holding `requests.jsonl` is one run; a
 * folder without one stands for its subfolders that hold one (sorted by name). Rejects with a
 * `Deno.errors.NotFound` naming the path when a path does not exist, is not a folder, or holds
 * no run, and with the `SyntaxError` of {@link readRunJsonl} (file and line) for a malformed
 * file. A folder's `server_metrics.jsonl`, when there is one, is read too and summarized into
 * `run.report.serverMetrics`. Needs `--allow-read`.
 *
 * @example A results folder with one run
 * ```ts
 * import { readRunDirs } from "./read_run_dirs.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/run1`);
 * await Deno.writeTextFile(`${root}/run1/requests.jsonl`, JSON.stringify({ kind: "run", metadata: { model: "m" } }) + "\n");
 * const [run] = await readRunDirs([root]);
 * await Deno.remove(root, { recursive: true });
 * if (run.label !== "run1" || run.run.records.length !== 0) throw new Error(run.label);
 * ```
 */
export async function readRunDirs(paths: readonly string[]): Promise<RunFolder[]> {
  if (!Array.isArray(paths)) {
    throw new TypeError(`Cannot read run folders: 'paths' must be an array, got ${typeof paths}`);
  }
  const dirs: string[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      throw new Deno.errors.NotFound(`Cannot read run folders: '${path}' does not exist`);
    }
    if (!info.isDirectory) {
      throw new Deno.errors.NotFound(`Cannot read run folders: '${path}' is not a folder`);
    }
    const base = path.replace(/\/+$/, "") || "/";
    if (await _isFile(`${base}/requests.jsonl`)) {
      dirs.push(base);
      continue;
    }
    const found: string[] = [];
    for await (const entry of Deno.readDir(base)) {
      const sub = `${base}/${entry.name}`;
      if (entry.isDirectory && await _isFile(`${sub}/requests.jsonl`)) found.push(sub);
    }
    if (found.length === 0) {
      throw new Deno.errors.NotFound(
        `Cannot read run folders: '${path}' holds no requests.jsonl, nor do its subfolders`,
      );
    }
    dirs.push(...found.sort());
  }
  const out: RunFolder[] = [];
  const used = new Map<string, number>();
  for (const dir of dirs) {
    const file = `${dir}/requests.jsonl`;
    const run = readRunJsonl(await Deno.readTextFile(file), { path: file });
    const name = _name(dir);
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    const folder: RunFolder = { dir, label: n === 1 ? name : `${name} (${n})`, run };
    const metricsFile = `${dir}/${SERVER_METRICS_FILE}`;
    if (await _isFile(metricsFile)) {
      const serverRun = readServerMetricsJsonl(await Deno.readTextFile(metricsFile), {
        path: metricsFile,
      });
      const origin = runClockOriginEpochMs(run.report.records.filter((r) => r.phase === "measure"));
      run.report.serverMetrics = summarizeServerMetrics(serverRun, {
        runStartEpochMs: origin ?? undefined,
      });
      folder.serverMetrics = serverRun;
    }
    out.push(folder);
  }
  return out;
}
