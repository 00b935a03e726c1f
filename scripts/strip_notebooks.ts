/**
 * `deno task notebooks:strip [--check] [NOTEBOOK…]`: notebooks are committed without outputs.
 * `--help` lists every flag; the work is `stripNotebooksMain` of `tokenbench/cli`.
 *
 * @module
 */
import { stripNotebooksMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return stripNotebooksMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
