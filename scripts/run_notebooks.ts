/**
 * `deno task notebooks [--out DIR] [NOTEBOOK…]`: execute notebooks with the real Deno Jupyter
 * kernel, keep every output, write the executed copies, and check them. `--help` lists every
 * flag; the work is `runNotebooksMain` of `tokenbench/cli`.
 *
 * @module
 */
import { runNotebooksMain } from "tokenbench/cli";

/** Entry point; returns the exit code. Reads only `CI`, when `--allow-env=CI` lets it. */
export function main(args: string[]): Promise<number> {
  const readable = Deno.permissions.querySync({ name: "env", variable: "CI" }).state === "granted";
  return runNotebooksMain(args, readable ? { CI: Deno.env.get("CI") ?? "" } : undefined);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
