/**
 * `deno task demo [--results-dir DIR]`: start the built-in simulator in its own process on a
 * free port ({@link spawnSimulator}), benchmark it with `deno task bench`'s
 * {@link benchCommand}, print the two seed-format tables and the files written. No
 * credentials, no network beyond 127.0.0.1; about 20 s.
 *
 * @module
 */
import { spawnSimulator } from "../run/spawn_simulator.ts";
import { benchCommand } from "./bench_command.ts";
import { parseFlags, runMain } from "./flags.ts";

/**
 * The help text of `deno task demo`.
 *
 * @example
 * ```ts
 * import { DEMO_HELP } from "./demo_command.ts";
 * if (!DEMO_HELP.includes("--quick")) throw new Error(DEMO_HELP);
 * ```
 */
export const DEMO_HELP = `deno task demo [flags]

Benchmarks tokenbench's built-in simulator (started on a free 127.0.0.1 port in a separate
process) and writes a new results folder. The numbers are simulated and say so.

  --results-dir DIR   where the run's folder is created (default results)
  --quick             a smaller run (8 requests) for smoke tests
  -h, --help          show this help
`;

/**
 * The simulator's settings for the demo (flags of `deno task sim`): a mid-size model answering
 * at about 60 tokens/s.
 *
 * @example
 * ```ts
 * import { DEMO_SIMULATOR_ARGS } from "./demo_command.ts";
 * if (DEMO_SIMULATOR_ARGS[DEMO_SIMULATOR_ARGS.indexOf("--itl-ms") + 1] !== "16") {
 *   throw new Error("16 ms per token");
 * }
 * ```
 */
export const DEMO_SIMULATOR_ARGS = [
  "--ttft-ms",
  "400",
  "--itl-ms",
  "16",
  "--jitter-ms",
  "4",
  "--tokens-per-chunk",
  "1",
  "--error-rate",
  "0.02",
  "--seed",
  "7",
] as const;

const _FLAGS = {
  "results-dir": { type: "string" },
  quick: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Options of {@link demoCommand}. */
export interface DemoCommandOptions {
  /** The environment, handed to {@link benchCommand}. Default none. */
  env?: Record<string, string>;
}

/**
 * `deno task demo`: parse `args`, start the simulator ({@link DEMO_SIMULATOR_ARGS}) in a child
 * process, run {@link benchCommand} against it (40 requests, 8 in flight; 8 with `--quick`)
 * into a new results folder, stop the simulator; returns the benchmark's exit code.
 *
 * @example Help
 * ```ts
 * import { demoCommand } from "./demo_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await demoCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--results-dir DIR")) throw new Error(text);
 * ```
 */
export async function demoCommand(
  args: string[],
  options: DemoCommandOptions = {},
): Promise<number> {
  const { values } = parseFlags(args, _FLAGS);
  if (values.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const sim = await spawnSimulator(DEMO_SIMULATOR_ARGS);
  console.error(`simulator: ${sim.url} (${DEMO_SIMULATOR_ARGS.join(" ")})`);
  try {
    return await benchCommand([
      "--llm-api",
      "openai",
      "--base-url",
      `${sim.url}/v1`,
      "--model",
      "tokenbench-sim-60tps",
      "--mean-input-tokens",
      "1024",
      "--stddev-input-tokens",
      "0",
      "--mean-output-tokens",
      values.quick ? "32" : "128",
      "--stddev-output-tokens",
      values.quick ? "4" : "16",
      "--num-concurrent-requests",
      "8",
      "--max-num-completed-requests",
      values.quick ? "8" : "40",
      "--warmup",
      values.quick ? "0" : "2",
      "--timeout",
      "60",
      "--seed",
      "1",
      "--metadata",
      "purpose=demo,numbers=simulated",
      ...(values["results-dir"] ? ["--results-dir", values["results-dir"]] : []),
    ], { env: options.env });
  } finally {
    await sim.stop();
  }
}

/**
 * The `main` of `scripts/demo.ts`: {@link demoCommand} with one-line errors (exit code 2 for
 * bad input, 1 otherwise).
 *
 * @example A bad flag is one line on stderr and exit code 2
 * ```ts
 * import { demoMain } from "./demo_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await demoMain(["--bogus"], {}) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (text !== "error: Unknown option '--bogus'") throw new Error(text);
 * ```
 */
export function demoMain(args: string[], env: Record<string, string> = {}): Promise<number> {
  return runMain(() => demoCommand(args, { env }));
}
