/**
 * `deno task summarize DIR [--out NEWDIR]`: rebuild every file derived from a run (summary.json,
 * requests.csv, tables.md, LLMPerf's two files) from its `requests.jsonl` alone, e.g. after the
 * run was killed. Never overwrites anything. `--help` lists every flag; the work is
 * `summarizeMain` of `tokenbench/cli`.
 *
 * @module
 */
import { summarizeMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return summarizeMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
