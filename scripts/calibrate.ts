/**
 * `deno task calibrate [--json]`: how accurately this machine's client measures. Starts the
 * simulator in its own process (or uses `--sim-url`), streams from it at several concurrency
 * levels and compares every chunk's arrival with the simulator's send stamp. `--help` lists
 * every flag; the work is `calibrateMain` of `tokenbench/cli`.
 *
 * @module
 */
import { calibrateMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return calibrateMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
