/**
 * `deno task plot RESULTS_DIR…`: every plot of one or more run folders, as SVG and PNG.
 * `--help` lists every plot and flag; the work is `plotMain` of `tokenbench/cli`.
 *
 * @module
 */
import { plotMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return plotMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
