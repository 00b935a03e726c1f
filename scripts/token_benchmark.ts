/**
 * `deno task bench`: LLMPerf's token benchmark, with LLMPerf's flags and their meaning, plus
 * open-loop rates, warm-up, seeds and a choice of tokenizer. Writes a new results folder.
 * `--help` lists every flag; the work is `benchMain` of `tokenbench/cli`.
 *
 * @module
 */
import { benchMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return benchMain(args, Deno.env.toObject());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
