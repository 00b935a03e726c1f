/**
 * `deno task demo [--results-dir DIR]`: start the built-in simulator in its own process on a
 * free port, benchmark it as `deno task bench` does, print the two seed-format tables and the
 * files written. No credentials, no network beyond 127.0.0.1; about 20 s. The work is
 * `demoMain` of `tokenbench/cli`.
 *
 * @module
 */
import { demoMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return demoMain(args, Deno.env.toObject());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
