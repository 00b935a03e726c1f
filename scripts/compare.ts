/**
 * `deno task compare A B [C…]`: compare runs metric by metric (median and p99, the difference
 * from the first run with a bootstrap confidence interval, a verdict), as markdown or JSON.
 * `--help` lists every flag; the work is `compareMain` of `tokenbench/cli`.
 *
 * @module
 */
import { compareMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return compareMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
