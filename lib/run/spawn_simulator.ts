/**
 * The built-in simulator in a child process (`scripts/sim.ts`), so that its work does not share
 * the measuring client's event loop: what `deno task demo`, `deno task calibrate` and
 * `bench/client_timing.ts` benchmark against.
 *
 * @module
 */

/** A simulator running in a child process, as {@link spawnSimulator} returns it. */
export interface SpawnedSimulator {
  /** Its base URL, `http://127.0.0.1:PORT` (the OpenAI base URL is `${url}/v1`). */
  url: string;
  /** Stop the child (SIGTERM) and wait until it has exited. */
  stop: () => Promise<void>;
}

/**
 * V8 flags of the simulator's process. A young generation of at most 4 MB per semi-space keeps
 * each scavenge short: with V8's default, a simulator streaming to 256 clients paused 13–15 ms
 * per scavenge (its live young objects are copied each time), and every pause delays the reads
 * of requests arriving meanwhile (calibrate at 256 streams, upstream p99 16 ms → 5–6 ms; 1 MB
 * and 2 MB pause more often and promote more, 8 MB pauses longer: measured with `--trace-gc`). `deno task sim` in deno.json passes the same flag.
 */
export const SIM_V8_FLAGS = "--max-semi-space-size=4";

/**
 * Start `scripts/sim.ts` on a free port (`--port 0`, then `args`: the flags of `deno task sim`)
 * in a child Deno process and read its first stdout line, `listening on URL`. The child's stderr
 * is the caller's; its stdout is drained until it exits. An error when the simulator exits, or
 * prints anything else first; the child is killed after 30 s without that line.
 *
 * Needs `--allow-run` (for `Deno.execPath()`), and grants the child
 * `--allow-net=127.0.0.1,localhost --allow-read --allow-env --allow-sys`.
 *
 * @example A simulator in its own process
 * ```ts
 * import { spawnSimulator } from "./spawn_simulator.ts";
 * const sim = await spawnSimulator(["--ttft-ms", "5", "--itl-ms", "1"]);
 * try {
 *   const info = await (await fetch(`${sim.url}/_sim/info`)).json();
 *   if (info.simulator !== "tokenbench") throw new Error("not the simulator");
 * } finally {
 *   await sim.stop();
 * }
 * ```
 */
export async function spawnSimulator(args: readonly string[]): Promise<SpawnedSimulator> {
  const script = new URL("../../scripts/sim.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--v8-flags=${SIM_V8_FLAGS}`,
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
  let url: string;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the simulator exited before it was listening");
      buffered += value;
    }
    const first = buffered.split("\n")[0];
    const match = first.match(/^listening on (http:\/\/\S+)$/);
    if (!match) throw new Error(`unexpected first line from the simulator: ${first}`);
    url = match[1];
  } catch (error) {
    // No simulator to hand back: leave no child process behind either.
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await reader.cancel().catch(() => {});
    await child.status;
    throw error;
  } finally {
    clearTimeout(deadline);
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return {
    url,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drain;
    },
  };
}
