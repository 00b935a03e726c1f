/**
 * `deno task merge DIR…`: combine the shard folders of one run (`deno task bench --shard I/N`,
 * on several machines or processes) into one new results folder with correct totals and
 * wall-clock span. Nothing is overwritten.
 *
 * @module
 */
import { parseFlags, runMain, UsageError } from "../lib/cli/flags.ts";
import { newResultsDir } from "../lib/cli/results_dir.ts";
import { readRunJsonl } from "../lib/report/read_run_jsonl.ts";
import { mergeShards, type ShardRunInput } from "../lib/report/merge_shards.ts";
import { runFooter, runHeader } from "../lib/report/run_metadata.ts";
import { rebuildRunFiles } from "../lib/report/rebuild_run_files.ts";

const HELP = `deno task merge DIR... [flags]

Merges the shard folders of one sharded run (each written by deno task bench --shard I/N)
into a new results folder: requests.jsonl with every record (sorted by request id), then
summary.json, requests.csv, tables.md and LLMPerf's two files, as a single run would have.
Totals add up over shards (concurrency, rate, requests); the wall-clock span runs from the
earliest send of any shard to the latest completion of any shard (epoch clocks: keep the
machines' clocks in sync, e.g. with NTP). Client health is the worst shard's.

  --results-dir DIR   where the merged run's folder is created (default results)
  --allow-missing     merge even if some shards of the run are missing (default: refuse)
  -h, --help          show this help

Exit status: 0 merged; 2 bad input (one line on stderr, nothing written).
`;

const FLAGS = {
  "results-dir": { type: "string" },
  "allow-missing": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function merge(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError("give the shard folders: deno task merge DIR... (see --help)");
  }
  const runs: ShardRunInput[] = [];
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
  const written = await rebuildRunFiles(dir);
  console.log(written.tables);
  const measured = records.filter((r) => r.phase === "measure");
  console.log(
    `merged ${merged.shards.length} shard(s) of ${metadata.merged?.shards}: ` +
      `${measured.length} requests, wall time ${(wallTimeMs / 1000).toFixed(2)} s`,
  );
  console.log(`results: ${dir}`);
  console.log(`  ${dir}/requests.jsonl`);
  for (const path of written.paths) console.log(`  ${path}`);
  for (const warning of metadata.clientHealth?.warnings ?? []) {
    console.error(`warning: ${warning}`);
  }
  if (!merged.finished) {
    console.error(`note: the merged run is unfinished (${metadata.stopReason ?? "a shard"})`);
  }
  return 0;
}

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return runMain(() => merge(args));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
