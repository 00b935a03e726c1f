/**
 * `deno task merge DIR…`: combine the shard folders of one run (`deno task bench --shard I/N`,
 * on several machines or processes) into one new results folder with correct totals and
 * wall-clock span. Nothing is overwritten. `--help` lists every flag; the work is `mergeMain` of
 * `tokenbench/cli`.
 *
 * @module
 */
import { mergeMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return mergeMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
