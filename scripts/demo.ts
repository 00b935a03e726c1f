/**
 * `deno task demo [--results-dir DIR]`: start the built-in simulator in its own process on a
 * free port, benchmark it with `scripts/token_benchmark.ts`, print the two seed-format tables
 * and the files written. No credentials, no network beyond 127.0.0.1; about 20 s.
 *
 * @module
 */
import { parseFlags, runMain } from "../lib/cli/flags.ts";
import { main as benchMain } from "./token_benchmark.ts";

const HELP = `deno task demo [flags]

Benchmarks tokenbench's built-in simulator (started on a free 127.0.0.1 port in a separate
process) and writes a new results folder. The numbers are simulated and say so.

  --results-dir DIR   where the run's folder is created (default results)
  --quick             a smaller run (8 requests) for smoke tests
  -h, --help          show this help
`;

/** The simulator's settings for the demo: a mid-size model answering at about 60 tokens/s. */
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

/** Start `scripts/sim.ts` in a child process and read its `listening on URL` line. */
export async function spawnSimulator(
  args: readonly string[],
): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = new URL("./sim.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      script,
      "--port",
      "0",
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the simulator exited before it was listening");
      buffered += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  const first = buffered.split("\n")[0];
  const match = first.match(/^listening on (http:\/\/\S+)$/);
  if (!match) throw new Error(`unexpected first line from the simulator: ${first}`);
  // Keep draining stdout so the child never blocks on a full pipe.
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return {
    url: match[1],
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drain;
    },
  };
}

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return runMain(async () => {
    const { values } = parseFlags(args, {
      "results-dir": { type: "string" },
      quick: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const sim = await spawnSimulator(DEMO_SIMULATOR_ARGS);
    console.error(`simulator: ${sim.url} (${DEMO_SIMULATOR_ARGS.join(" ")})`);
    try {
      return await benchMain([
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
      ]);
    } finally {
      await sim.stop();
    }
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
