/**
 * `deno task sim`: run the built-in simulator as a server until Ctrl-C (or SIGTERM).
 * Its first stdout line is `listening on http://HOST:PORT`. `--help` lists every flag; the work
 * is `simMain` of `tokenbench/cli`.
 *
 * @module
 */
import { simMain } from "tokenbench/cli";

/** Runs the simulator until SIGINT/SIGTERM; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return simMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
