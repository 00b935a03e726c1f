/**
 * `deno task tables PATH… [flags]`: the seed card's two tables (TTFT, output throughput) from
 * LLMPerf raw data or tokenbench JSONL, and a cell-by-cell comparison with a published table.
 * `--help` lists every flag; the work is `reproduceTablesCommand` of `tokenbench/cli`.
 *
 * @module
 */
import { reproduceTablesCommand, type ReproduceTablesCommandOptions } from "tokenbench/cli";

/** Runs the script; returns the exit code. `options` redirects its stdout and stderr. */
export function main(args: string[], options?: ReproduceTablesCommandOptions): Promise<number> {
  return reproduceTablesCommand(args, options);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
