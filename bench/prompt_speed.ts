/**
 * Prompt synthesis speed: prompts of `--input-tokens` tokens per second for each tokenizer and
 * mode, as the median and min–max over `--repetitions` timed runs (after one warm-up run), plus
 * the one-off cost of creating the tokenizer and preparing the default corpus.
 *
 *     deno run -A bench/prompt_speed.ts [--input-tokens 1024] [--prompts 100] [--repetitions 5]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  createRandom,
  createTokenizer,
  prepareCorpus,
  PROMPT_MODES,
  quantile,
  synthesizePrompt,
  TOKENIZER_NAMES,
} from "tokenbench/core";

const HELP = `Usage: deno run -A bench/prompt_speed.ts [options]

Measures synthesizePrompt() throughput for every tokenizer and mode.

Options:
  --input-tokens <n>   tokens per prompt (default 1024)
  --prompts <n>        prompts per timed run (default 100)
  --repetitions <n>    timed runs per tokenizer and mode (default 5)
  --help               show this help
`;

function _positiveInt(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`--${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Runs the benchmark and prints one line per tokenizer and mode; returns the exit code. */
export function main(args: string[]): Promise<number> {
  let inputTokens: number, prompts: number, repetitions: number;
  try {
    const { values } = parseArgs({
      args,
      options: {
        "input-tokens": { type: "string", default: "1024" },
        prompts: { type: "string", default: "100" },
        repetitions: { type: "string", default: "5" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(HELP);
      return Promise.resolve(0);
    }
    inputTokens = _positiveInt("input-tokens", values["input-tokens"]);
    prompts = _positiveInt("prompts", values.prompts);
    repetitions = _positiveInt("repetitions", values.repetitions);
  } catch (err) {
    console.error((err as Error).message);
    return Promise.resolve(2);
  }

  console.log(
    `prompts of ${inputTokens} tokens per second; median (min-max) of ${repetitions} runs of ${prompts} prompts`,
  );
  for (const name of TOKENIZER_NAMES) {
    let start = performance.now();
    const tokenizer = createTokenizer(name);
    const createMs = performance.now() - start;
    start = performance.now();
    const corpus = prepareCorpus(tokenizer);
    const prepareMs = performance.now() - start;
    console.log(
      `${name}: createTokenizer ${createMs.toFixed(0)} ms, prepareCorpus ${
        prepareMs.toFixed(0)
      } ms`,
    );
    for (const mode of PROMPT_MODES) {
      const rates: number[] = [];
      for (let run = -1; run < repetitions; run++) {
        const random = createRandom(run + 1);
        const count = run < 0 ? Math.min(prompts, 20) : prompts; // run -1 warms the JIT up
        const t0 = performance.now();
        for (let i = 0; i < count; i++) {
          synthesizePrompt({ tokenizer, inputTokens, maxOutputTokens: 128, random, mode, corpus });
        }
        const seconds = (performance.now() - t0) / 1000;
        if (run >= 0) rates.push(count / seconds);
      }
      const median = quantile(rates, 0.5)!;
      console.log(
        `  ${mode.padEnd(13)} ${median.toFixed(0).padStart(6)} /s  (${
          Math.min(...rates).toFixed(0)
        }-${Math.max(...rates).toFixed(0)})`,
      );
    }
    tokenizer.free();
  }
  return Promise.resolve(0);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
