/**
 * `deno task correctness`: LLMPerf's correctness test (`llm_correctness.py`). Each request asks
 * the model to turn a random number from 0 to 10000, written in words, into digits; a reply
 * passes when the number is among its runs of digits (commas between digits removed). Reports
 * the mismatch and error rates and writes a new results folder. `--help` lists every flag; the
 * work is `llmCorrectnessMain` of `tokenbench/cli`.
 *
 * @module
 */
import { llmCorrectnessMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return llmCorrectnessMain(args, Deno.env.toObject());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
