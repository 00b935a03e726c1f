/**
 * Rebuild every file derived from a run (summary, CSV, tables, HTML report, LLMPerf's files) from its
 * `requests.jsonl` alone. The benchmark script writes its own derived files this way, so a
 * rebuild gives the same bytes.
 *
 * @module
 */
import { readRunJsonl, type RunJsonl } from "./read_run_jsonl.ts";
import { runFileNames, writeRunFiles } from "./write_run_files.ts";
import {
  readServerMetricsJsonl,
  runClockOriginEpochMs,
  SERVER_METRICS_FILE,
} from "./read_server_metrics.ts";
import { type ServerMetricsRun, summarizeServerMetrics } from "../core/summarize_server_metrics.ts";

/** Options of {@link rebuildRunFiles}. */
export interface RebuildRunFilesOptions {
  /**
   * Folder to write into. It must not exist yet: it is created and `requests.jsonl` is copied
   * into it, so it is a complete run folder. Default: the run's own folder, where none of the
   * derived files may exist yet.
   */
  outDir?: string;
}

/** What {@link rebuildRunFiles} did. */
export interface RebuildRunFilesResult {
  /** The run as its JSONL tells it (finished or not, torn last line). */
  run: RunJsonl;
  /** Folder written to. */
  dir: string;
  /** Files written, in order (the copied `requests.jsonl` first, when `outDir` is given). */
  paths: string[];
  /** The two seed-format tables. */
  tables: string;
}

/**
 * Reads `{dir}/requests.jsonl` and writes every derived file: into `dir` when none of them
 * exists there yet, or into the new folder `outDir`. Never overwrites: an existing derived file
 * (or an existing `outDir`) rejects with `Deno.errors.AlreadyExists` before anything is
 * written. A malformed JSONL rejects with the `SyntaxError` of {@link readRunJsonl}, naming the
 * file and line; a missing one with `Deno.errors.NotFound`.
 *
 * @example Rebuild a one-line run into a new folder
 * ```ts
 * import { rebuildRunFiles } from "./rebuild_run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const metadata = {
 *   llmApi: "openai", model: "m", endpoint: "http://127.0.0.1/", simulated: true,
 *   tokenizer: "cl100k_base", promptMode: "llmperf", seed: 0, meanInputTokens: 10,
 *   stddevInputTokens: 0, meanOutputTokens: 10, stddevOutputTokens: 0, numConcurrentRequests: 1,
 *   rate: null, arrival: null, maxInFlight: null, maxRequests: 1, warmup: 0, timeoutS: 1,
 *   requestTimeoutS: null, additionalSamplingParams: {}, userMetadata: {},
 * };
 * await Deno.writeTextFile(`${dir}/requests.jsonl`, JSON.stringify({ kind: "run", metadata }) + "\n");
 * const out = await rebuildRunFiles(dir, { outDir: `${dir}/copy` });
 * await Deno.remove(dir, { recursive: true });
 * if (out.run.finished || out.paths.length !== 7) throw new Error(out.paths.join());
 * ```
 */
export async function rebuildRunFiles(
  dir: string,
  options: RebuildRunFilesOptions = {},
): Promise<RebuildRunFilesResult> {
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError(
      `Cannot rebuild run files: 'dir' must be a folder path, got ${JSON.stringify(dir)}`,
    );
  }
  const source = `${dir.replace(/\/+$/, "") || "/"}/requests.jsonl`;
  const run = readRunJsonl(await Deno.readTextFile(source), { path: source });
  // The server's metrics, when the run scraped them, go into the summary.
  const metricsSource = `${dir.replace(/\/+$/, "") || "/"}/${SERVER_METRICS_FILE}`;
  let metricsText: string | null = null;
  let serverRun: ServerMetricsRun | undefined;
  try {
    metricsText = await Deno.readTextFile(metricsSource);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (metricsText !== null) {
    serverRun = readServerMetricsJsonl(metricsText, { path: metricsSource });
    const origin = runClockOriginEpochMs(run.report.records.filter((r) => r.phase === "measure"));
    run.report.serverMetrics = summarizeServerMetrics(serverRun, {
      runStartEpochMs: origin ?? undefined,
    });
  }
  const outDir = options.outDir;
  const paths: string[] = [];
  let target = dir;
  if (outDir !== undefined) {
    target = outDir.replace(/\/+$/, "") || "/";
    try {
      await Deno.mkdir(target);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new Deno.errors.AlreadyExists(
          `Cannot rebuild run files: ${target} already exists (give a new folder)`,
        );
      }
      throw error;
    }
    const copy = `${target}/requests.jsonl`;
    await Deno.copyFile(source, copy);
    paths.push(copy);
    if (metricsText !== null) {
      const metricsCopy = `${target}/${SERVER_METRICS_FILE}`;
      await Deno.writeTextFile(metricsCopy, metricsText, { createNew: true });
      paths.push(metricsCopy);
    }
  } else {
    for (const name of runFileNames(run.report.metadata)) {
      try {
        await Deno.lstat(`${target}/${name}`);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      throw new Deno.errors.AlreadyExists(
        `Cannot rebuild run files: ${target}/${name} already exists (refusing to overwrite)`,
      );
    }
  }
  let written;
  try {
    written = await writeRunFiles(target, run.report, { serverMetrics: serverRun });
  } catch (error) {
    // Nothing half-made is left behind in a folder this call made.
    if (outDir !== undefined) await Deno.remove(target, { recursive: true }).catch(() => {});
    throw error;
  }
  paths.push(...written.paths);
  return { run, dir: target, paths, tables: written.tables };
}
