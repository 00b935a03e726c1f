/**
 * `deno task merge DIR…`: combine the shard folders of one run (`deno task bench --shard I/N`,
 * on several machines or processes) into one new results folder with correct totals and
 * wall-clock span. Nothing is overwritten.
 *
 * @module
 */
import { readRunJsonl } from "../report/read_run_jsonl.ts";
import { mergeShards, type ShardRunInput } from "../report/merge_shards.ts";
import { runFooter, runHeader } from "../report/run_metadata.ts";
import { rebuildRunFiles } from "../report/rebuild_run_files.ts";
import { parseFlags, runMain, UsageError } from "./flags.ts";
import { newResultsDir } from "./results_dir.ts";
import { readServerMetricsJsonl, SERVER_METRICS_FILE } from "../report/read_server_metrics.ts";
import {
  mergeServerMetrics,
  serverMetricsJsonl,
  type ShardServerMetrics,
} from "../report/merge_server_metrics.ts";

/**
 * The help text of `deno task merge`.
 *
 * @example
 * ```ts
 * import { MERGE_HELP } from "./merge_command.ts";
 * if (!MERGE_HELP.includes("--allow-missing")) throw new Error(MERGE_HELP);
 * ```
 */
export const MERGE_HELP = `deno task merge DIR... [flags]

Merges the shard folders of one sharded run (each written by deno task bench --shard I/N)
into a new results folder: requests.jsonl with every record (sorted by request id), then
summary.json, requests.csv, tables.md and LLMPerf's two files, as a single run would have.
Totals add up over shards (concurrency, rate, requests); the wall-clock span runs from the
earliest send of any shard to the latest completion of any shard (epoch clocks: keep the
machines' clocks in sync, e.g. with NTP). Client health is the worst shard's. The shards'
server_metrics.jsonl (--server-metrics) are merged into one, their scrapes in epoch order, when
they scraped the same URL; shards that scraped different URLs are refused (not one server).

  --results-dir DIR   where the merged run's folder is created (default results)
  --allow-missing     merge even if some shards of the run are missing (default: refuse)
  -h, --help          show this help

Exit status: 0 merged; 2 bad input (one line on stderr, nothing written).
`;

const _FLAGS = {
  "results-dir": { type: "string" },
  "allow-missing": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `deno task merge DIR…`: parse `args`, read each shard folder's `requests.jsonl`
 * ({@link readRunJsonl}), merge them ({@link mergeShards}) into a new results folder, rebuild
 * its derived files ({@link rebuildRunFiles}), print the tables and the files; returns the exit
 * code (0). Bad input (no folders, not run folders, shards of different runs, missing shards
 * without `--allow-missing`) is a {@link UsageError} before anything is written.
 *
 * @example Help
 * ```ts
 * import { mergeCommand } from "./merge_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await mergeCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--results-dir DIR")) throw new Error(text);
 * ```
 */
export async function mergeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, _FLAGS, true);
  if (values.help) {
    console.log(MERGE_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError("give the shard folders: deno task merge DIR... (see --help)");
  }
  const runs: ShardRunInput[] = [];
  const scraped: ShardServerMetrics[] = [];
  for (const given of positionals) {
    const dir = given.replace(/\/+$/, "") || "/";
    const path = `${dir}/requests.jsonl`;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      throw new UsageError(`DIR '${dir}' has no readable requests.jsonl (not a run folder)`);
    }
    let run;
    try {
      run = readRunJsonl(text, { path });
    } catch (error) {
      throw new UsageError((error as Error).message.split("\n")[0]);
    }
    runs.push({ source: dir, report: run.report, finished: run.finished });
    const metricsPath = `${dir}/${SERVER_METRICS_FILE}`;
    let metricsText: string | null = null;
    try {
      metricsText = await Deno.readTextFile(metricsPath);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new UsageError(`cannot read ${metricsPath}: ${(error as Error).message}`);
      }
    }
    if (metricsText !== null) {
      try {
        scraped.push({
          source: dir,
          run: readServerMetricsJsonl(metricsText, { path: metricsPath }),
        });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
  }
  let merged;
  try {
    merged = mergeShards(runs, { allowMissing: values["allow-missing"] ?? false });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(error.message.replace(/^Cannot merge shards: /, ""));
    }
    throw error;
  }
  let serverMetrics;
  try {
    serverMetrics = scraped.length === 0 ? undefined : mergeServerMetrics(scraped);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(error.message.replace(/^Cannot merge server metrics: /, ""));
    }
    throw error;
  }
  const { metadata, records, wallTimeMs, startEpochMs } = merged;
  const dir = await newResultsDir(values["results-dir"], `${metadata.model}-merged`);
  const lines = [
    runHeader(metadata, { startEpochMs }),
    ...records,
    runFooter(metadata, {
      finished: merged.finished,
      stopReason: metadata.stopReason ?? null,
      wallTimeMs,
      startEpochMs,
      numRecords: records.length,
      endedAt: new Date(startEpochMs + wallTimeMs).toISOString(),
    }),
  ];
  await Deno.writeTextFile(
    `${dir}/requests.jsonl`,
    lines.map((line) => JSON.stringify(line)).join("\n") + "\n",
    { createNew: true },
  );
  if (serverMetrics !== undefined) {
    await Deno.writeTextFile(`${dir}/${SERVER_METRICS_FILE}`, serverMetricsJsonl(serverMetrics), {
      createNew: true,
    });
  }
  const written = await rebuildRunFiles(dir);
  console.log(written.tables);
  const measured = records.filter((r) => r.phase === "measure");
  console.log(
    `merged ${merged.shards.length} shard(s) of ${metadata.merged?.shards}: ` +
      `${measured.length} requests, wall time ${(wallTimeMs / 1000).toFixed(2)} s`,
  );
  console.log(`results: ${dir}`);
  console.log(`  ${dir}/requests.jsonl`);
  if (serverMetrics !== undefined) console.log(`  ${dir}/${SERVER_METRICS_FILE}`);
  for (const path of written.paths) console.log(`  ${path}`);
  for (const warning of metadata.clientHealth?.warnings ?? []) {
    console.error(`warning: ${warning}`);
  }
  if (scraped.length > 0 && scraped.length < runs.length) {
    const without = runs.filter((r) => !scraped.some((s) => s.source === r.source));
    console.error(
      `note: server metrics come from ${scraped.length} of ${runs.length} shards ` +
        `(none in ${without.map((r) => r.source).join(", ")})`,
    );
  }
  if (!merged.finished) {
    console.error(`note: the merged run is unfinished (${metadata.stopReason ?? "a shard"})`);
  }
  return 0;
}

/**
 * The `main` of `scripts/merge.ts`: {@link mergeCommand} with one-line errors (exit code 2 for
 * bad input, 1 otherwise).
 *
 * @example No folders is one line on stderr and exit code 2
 * ```ts
 * import { mergeMain } from "./merge_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await mergeMain([]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (!text.startsWith("error: give the shard folders")) throw new Error(text);
 * ```
 */
export function mergeMain(args: string[]): Promise<number> {
  return runMain(() => mergeCommand(args));
}
