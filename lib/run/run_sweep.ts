/**
 * A load sweep: one {@link benchmark} per concurrency or rate level, then the sweep summary
 * (latency and throughput against load) as a table, JSON and the load-curve plot.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import { type SweepLevelRun, sweepLoadPoints, type SweepSummary } from "../report/sweep.ts";
import { sweepSummary, sweepTable, type SweepVariable } from "../report/sweep.ts";
import { newRunDir } from "../report/new_run_dir.ts";
import { plotLoadCurve } from "../plot/plot_load_curve.ts";
import { renderSvg } from "../plot/render_svg.ts";
import { htmlReport } from "../report/html_report.ts";
import {
  benchmark,
  type BenchmarkRunOptions,
  type BenchmarkRunResult,
  checkBenchmarkOptions,
} from "./benchmark.ts";

/** Options of {@link runSweep}: those of {@link benchmark} for every level, and the levels. */
export interface SweepRunOptions extends Omit<BenchmarkRunOptions, "context"> {
  /** What the sweep varies. Required. */
  variable: SweepVariable;
  /** The levels, run in this order (concurrencies: positive integers; rates: requests/s).
   * Required. */
  levels: readonly number[];
  /** Options of one level's run on top of the others (`maxRequests` growing with the
   * concurrency, say). Default none. */
  levelOptions?: (level: number) => Partial<BenchmarkRunOptions>;
  /**
   * Write the sweep into a new folder `<resultsDir>/<UTC time>_<model>-<variable>-sweep`: one
   * folder per level (`c8/…`, `rate2.5/…`, each a full run folder) and `sweep.md`,
   * `sweep.json`, `sweep.svg` and `report.html` (every level, their comparison, the load curve
   * and its chosen point). Default: nothing is written.
   */
  resultsDir?: string;
  /** Called after each level's run. Default none. */
  onLevel?: (level: number, run: BenchmarkRunResult) => void | Promise<void>;
}

/** What {@link runSweep} returns. */
export interface SweepRunResult {
  /** Each level run so far, in order. */
  runs: { level: number; run: BenchmarkRunResult }[];
  /** Latency and throughput at each level. */
  summary: SweepSummary;
  /** The summary as a markdown table (`sweep.md`). */
  table: string;
  /** The sweep's folder, or null when nothing was written. */
  dir: string | null;
  /** Files of the sweep itself (`sweep.md`, `sweep.json`, `sweep.svg`, `report.html`); empty
   * when nothing was written. */
  paths: string[];
  /** False when a level was stopped by the signal (the later levels were not run). */
  finished: boolean;
  /** What could not be done (the plot not rendered, say); empty when all went well. */
  notes: string[];
}

/**
 * Run `client` at each level in turn, each level a whole {@link benchmark} (its own warm-up,
 * requests and, with `resultsDir`, folder), stopping after a level that `signal` stopped, then
 * summarize. Bad levels throw a `RangeError` before anything is sent.
 *
 * @example Concurrency 1 and 2 against the simulator, in memory
 * ```ts
 * import { runSweep } from "./run_sweep.ts";
 * import { startSimulator } from "../sim/simulator.ts";
 * import { createOpenAiClient } from "../clients/openai_client.ts";
 * await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
 * const sweep = await runSweep(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
 *   model: "sim", variable: "concurrency", levels: [1, 2], maxRequests: 4,
 *   meanInputTokens: 20, stddevInputTokens: 0, meanOutputTokens: 8, stddevOutputTokens: 0,
 *   simulator: sim,
 * });
 * if (sweep.summary.rows.length !== 2 || !sweep.table.includes("|")) throw new Error("2 rows");
 * ```
 */
export async function runSweep(
  client: LlmClient,
  options: SweepRunOptions,
): Promise<SweepRunResult> {
  const { variable, levels, levelOptions, resultsDir, onLevel, ...common } = options ?? {};
  if (variable !== "concurrency" && variable !== "rate") {
    throw new RangeError(
      `Cannot run sweep: 'variable' must be concurrency or rate, got ${JSON.stringify(variable)}`,
    );
  }
  const ok = (n: unknown) =>
    typeof n === "number" && Number.isFinite(n) && n > 0 &&
    (variable === "rate" || Number.isInteger(n));
  if (!Array.isArray(levels) || levels.length === 0 || !levels.every(ok)) {
    throw new RangeError(
      `Cannot run sweep: 'levels' must be a non-empty list of ${
        variable === "rate" ? "positive numbers" : "positive integers"
      }, got ${JSON.stringify(levels)}`,
    );
  }
  if (new Set(levels).size !== levels.length) {
    throw new RangeError(`Cannot run sweep: 'levels' repeat, got ${JSON.stringify(levels)}`);
  }
  const levelRunOptions = (level: number): BenchmarkRunOptions => ({
    ...common,
    ...levelOptions?.(level),
    ...(variable === "rate" ? { rate: level } : { concurrency: level }),
    context: { sweep: { variable, level, levels: [...levels] } },
  });
  // Every level's options are checked before anything is sent or written.
  for (const level of levels) checkBenchmarkOptions(client, levelRunOptions(level));
  // Made at once (never shared with another sweep started in the same second).
  const dir = resultsDir === undefined
    ? null
    : await newRunDir(resultsDir, `${common.model}-${variable}-sweep`);
  const runs: { level: number; run: BenchmarkRunResult }[] = [];
  const levelRuns: SweepLevelRun[] = [];
  let finished = true;
  for (const level of levels) {
    const run = await benchmark(client, {
      ...levelRunOptions(level),
      ...(dir === null
        ? {}
        : { resultsDir: `${dir}/${variable === "rate" ? "rate" : "c"}${level}` }),
    });
    runs.push({ level, run });
    levelRuns.push({ level, dir: run.dir ?? "(not saved)", summary: run.report.summary });
    await onLevel?.(level, run);
    if (!run.finished) {
      finished = false;
      break;
    }
  }
  const summary = sweepSummary(variable, levelRuns);
  const table = sweepTable(summary);
  const paths: string[] = [];
  const notes: string[] = [];
  if (dir !== null) {
    paths.push(`${dir}/sweep.md`, `${dir}/sweep.json`);
    await Deno.writeTextFile(paths[0], table, { createNew: true });
    await Deno.writeTextFile(paths[1], JSON.stringify(summary, null, 2) + "\n", {
      createNew: true,
    });
    const loads = runs.map((r) => r.level);
    const spec = plotLoadCurve(sweepLoadPoints(summary, common.model), {
      loadTitle: variable === "rate"
        ? "Request rate (requests/s)"
        : "Concurrency (requests in flight)",
      logLoad: Math.max(...loads) / Math.min(...loads) >= 8,
      title: `Latency and throughput vs ${variable}: ${common.model}`,
    });
    try {
      await Deno.writeTextFile(`${dir}/sweep.svg`, await renderSvg(spec), { createNew: true });
      paths.push(`${dir}/sweep.svg`);
    } catch (error) {
      notes.push(`the load-curve plot was not written: ${(error as Error).message}`);
    }
    try {
      const html = await htmlReport(
        runs.map(({ level, run }) => ({
          label: `${variable === "rate" ? "rate" : "c"}${level}`,
          run: {
            records: run.records,
            wallTimeMs: run.wallTimeMs,
            startEpochMs: run.startEpochMs,
            metadata: run.metadata,
            ...(run.report.summary.serverMetrics === undefined
              ? {}
              : { serverMetrics: run.report.summary.serverMetrics }),
          },
          serverMetrics: run.serverMetricsRun,
        })),
        { title: `tokenbench ${variable} sweep: ${common.model}` },
      );
      await Deno.writeTextFile(`${dir}/report.html`, html, { createNew: true });
      paths.push(`${dir}/report.html`);
    } catch (error) {
      notes.push(`the sweep's report.html was not written: ${(error as Error).message}`);
    }
  }
  return { runs, summary, table, dir, paths, finished, notes };
}
