/**
 * Start-up against the run's size: for runs of 10,000, 100,000 and 1,000,000 requests against
 * the simulator (in its own process), the time from calling `benchmark()` to the first request
 * handed to the client, and the peak RSS (`VmHWM`) of the benchmarking process after it has run
 * for `--run-ms`. Each run is a fresh Deno process; the sizes are interleaved over the
 * repetitions; printed as median (min–max).
 *
 * ```sh
 * deno run --allow-net=127.0.0.1,localhost --allow-read --allow-env --allow-sys --allow-run \
 *   bench/first_request.ts [--repetitions 3] [--sizes 10000,100000,1000000] [--run-ms 2000]
 * ```
 *
 * Prompts are 550 ± 150 tokens (the default), 150 ± 80 output tokens, concurrency 8, no Workers.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { benchmark, spawnSimulator } from "tokenbench/run";
import { createOpenAiClient } from "tokenbench/clients";
import type { LlmClient } from "tokenbench/core";

interface ChildResult {
  size: number;
  firstRequestMs: number;
  peakRssMb: number;
  sent: number;
}

/** Peak RSS, MB: the kernel's `VmHWM` where readable (it needs `--allow-all`), else the
 * largest of `samples` (RSS sampled every 10 ms while the run went). */
function peakRssMb(samples: number[]): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
    if (Number.isFinite(kb)) return kb / 1024;
  } catch { /* not permitted: sampled */ }
  return Math.max(...samples, Deno.memoryUsage().rss) / 2 ** 20;
}

/** One run in this process: start, note the first send, stop after `runMs`. */
async function child(size: number, url: string, runMs: number): Promise<ChildResult> {
  const inner = createOpenAiClient({ baseUrl: `${url}/v1` });
  const t0 = performance.now();
  let first: number | null = null;
  let sent = 0;
  const client: LlmClient = {
    api: inner.api,
    stream(request) {
      if (first === null) first = performance.now();
      sent++;
      return inner.stream(request);
    },
  };
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort("time"), runMs);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(Deno.memoryUsage().rss), 10);
  try {
    await benchmark(client, {
      model: "sim",
      maxRequests: size,
      concurrency: 8,
      timeoutS: 3600,
      gracePeriodS: 0,
      signal: stop.signal,
    });
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
  }
  return { size, firstRequestMs: (first ?? NaN) - t0, peakRssMb: peakRssMb(samples), sent };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function spread(xs: number[], digits: number): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${
    Math.max(...xs).toFixed(digits)
  })`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      repetitions: { type: "string", default: "3" },
      sizes: { type: "string", default: "10000,100000,1000000" },
      "run-ms": { type: "string", default: "2000" },
      child: { type: "string" },
      url: { type: "string" },
    },
  });
  const runMs = Number(values["run-ms"]);
  if (values.child !== undefined) {
    const result = await child(Number(values.child), values.url!, runMs);
    console.log(JSON.stringify(result));
    Deno.exit(0);
  }
  const sizes = values.sizes.split(",").map(Number);
  const repetitions = Number(values.repetitions);
  const sim = await spawnSimulator(["--ttft-ms", "20", "--itl-ms", "5"]);
  const results = new Map<number, ChildResult[]>(sizes.map((n) => [n, []]));
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      for (const size of sizes) {
        const out = await new Deno.Command(Deno.execPath(), {
          // All permissions, so the child can read its own VmHWM (it only reaches 127.0.0.1).
          args: [
            "run",
            "--allow-all",
            new URL(import.meta.url).pathname,
            "--child",
            String(size),
            "--url",
            sim.url,
            "--run-ms",
            String(runMs),
          ],
          stdout: "piped",
          stderr: "inherit",
          env: { NO_COLOR: "1" },
        }).output();
        if (!out.success) throw new Error(`child for ${size} requests failed`);
        const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
        results.get(size)!.push(JSON.parse(line));
      }
    }
  } finally {
    await sim.stop();
  }
  console.log(
    `start-up by run size, ${repetitions} fresh processes each, median (min–max); ` +
      `each ran ${runMs} ms`,
  );
  for (const size of sizes) {
    const r = results.get(size)!;
    console.log(
      `${String(size).padStart(9)} requests: first request ${
        spread(r.map((x) => x.firstRequestMs), 0)
      } ms, peak RSS ${spread(r.map((x) => x.peakRssMb), 0)} MB, sent in the run ${
        spread(r.map((x) => x.sent), 0)
      }`,
    );
  }
}
