/**
 * Client timing error: how much later the OpenAI client (`lib/openai_client.ts` timed by
 * `lib/time_stream.ts`) sees each chunk than the simulator stamped it as sent, at several
 * concurrency levels, with the simulator in a separate process (`scripts/sim.ts`).
 *
 * error = (client send epoch + client arrival ms) − simulator send stamp, per content chunk.
 * The two processes' epoch clocks are compared first over `GET /_sim/clock` (the sample with
 * the smallest round trip, midpoint rule) and the offset is removed.
 *
 * Also reported: the simulator's own lateness (send stamp − planned time), from `/_sim/log`.
 *
 * Run:
 * `deno run --allow-net=127.0.0.1,localhost --allow-read --allow-env --allow-sys --allow-run bench/client_timing.ts`
 * (flags: `--concurrency 1,64,256 --repetitions 2 --tokens 150 --itl-ms 20 --ttft-ms 100
 * --requests 5 --json`)
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { createOpenAiClient } from "../lib/openai_client.ts";
import { quantile } from "../lib/quantile.ts";
import { timeStream } from "../lib/time_stream.ts";

const SIM = new URL("../scripts/sim.ts", import.meta.url).pathname;

interface LevelResult {
  concurrency: number;
  repetition: number;
  requests: number;
  errors: number;
  chunks: number;
  clientErrorP50Ms: number;
  clientErrorP99Ms: number;
  clientErrorMaxMs: number;
  simLatenessP50Ms: number;
  simLatenessP99Ms: number;
  wallS: number;
  /** CPU time of this (client) process per chunk received, µs. */
  clientCpuUsPerChunk: number;
}

async function _startSim(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      SIM,
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("simulator exited before listening");
    text += value;
  }
  reader.releaseLock();
  const url = /^listening on (\S+)/.exec(text)?.[1];
  if (!url) throw new Error(`unexpected first line: ${text}`);
  return { child, url };
}

/** Simulator epoch clock minus ours, from the fastest of `samples` round trips. */
async function _clockOffset(
  url: string,
  samples = 50,
): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < samples; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const { epochMs } = await (await fetch(`${url}/_sim/clock`)).json();
    const t1 = performance.timeOrigin + performance.now();
    if (t1 - t0 < best.rttMs) best = { offsetMs: epochMs - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}

async function _runLevel(
  url: string,
  concurrency: number,
  totalRequests: number,
  tokens: number,
  offsetMs: number,
) {
  const client = createOpenAiClient({ baseUrl: `${url}/v1` });
  const errorsMs: number[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < totalRequests) {
      next++;
      const t = await timeStream(client.stream({ model: "sim", prompt: "Go", maxTokens: tokens }));
      if (t.error || !t.chunkSentEpochMs) {
        failed++;
        continue;
      }
      t.chunkArrivalMs.forEach((arrival, i) => {
        // Our epoch, moved onto the simulator's clock, minus its stamp.
        errorsMs.push(t.startEpochMs + arrival + offsetMs - t.chunkSentEpochMs![i]);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { errorsMs, failed };
}

/** Runs the benchmark and prints a table (or JSON with `--json`). */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      concurrency: { type: "string", default: "1,64,256" },
      repetitions: { type: "string", default: "2" },
      tokens: { type: "string", default: "150" },
      "itl-ms": { type: "string", default: "20" },
      "ttft-ms": { type: "string", default: "100" },
      requests: { type: "string", default: "5" },
      json: { type: "boolean", default: false },
    },
  });
  const levels = values.concurrency.split(",").map(Number);
  const repetitions = Number(values.repetitions);
  const tokens = Number(values.tokens);
  const minRequests = Number(values.requests);
  const { child, url } = await _startSim([
    "--port",
    "0",
    "--itl-ms",
    values["itl-ms"],
    "--ttft-ms",
    values["ttft-ms"],
  ]);
  const results: LevelResult[] = [];
  try {
    const clock = await _clockOffset(url);
    if (!values.json) {
      console.log(
        `simulator ${url} (separate process), itl ${values["itl-ms"]} ms, ttft ${
          values["ttft-ms"]
        } ms, ${tokens} tokens/stream, clock offset ${clock.offsetMs.toFixed(4)} ms (rtt ${
          clock.rttMs.toFixed(3)
        } ms)`,
      );
      console.log(
        "concurrency rep requests errors chunks | client error ms p50 p99 max | sim lateness ms p50 p99 | wall s | client CPU µs/chunk",
      );
    }
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      for (const concurrency of levels) {
        await fetch(`${url}/_sim/log`, { method: "DELETE" });
        // Warm-up: one short request per connection the level will use (JIT, connection pool).
        await _runLevel(url, concurrency, concurrency, 2, clock.offsetMs);
        await fetch(`${url}/_sim/log`, { method: "DELETE" });
        const requests = Math.max(minRequests, concurrency);
        const start = performance.now();
        const cpuStart = cpuUsage();
        const { errorsMs, failed } = await _runLevel(
          url,
          concurrency,
          requests,
          tokens,
          clock.offsetMs,
        );
        const wallS = (performance.now() - start) / 1000;
        const cpu = cpuUsage(cpuStart);
        const log = await (await fetch(`${url}/_sim/log`)).json();
        const lateness: number[] = [];
        for (const entry of log.requests) {
          entry.chunkSentEpochMs.forEach((sent: number, i: number) => {
            lateness.push(sent - entry.arrivalEpochMs - entry.chunkPlannedMs[i]);
          });
        }
        errorsMs.sort((a, b) => a - b);
        const result: LevelResult = {
          concurrency,
          repetition,
          requests,
          errors: failed,
          chunks: errorsMs.length,
          clientErrorP50Ms: quantile(errorsMs, 0.5) ?? NaN,
          clientErrorP99Ms: quantile(errorsMs, 0.99) ?? NaN,
          clientErrorMaxMs: errorsMs.at(-1) ?? NaN,
          simLatenessP50Ms: quantile(lateness, 0.5) ?? NaN,
          simLatenessP99Ms: quantile(lateness, 0.99) ?? NaN,
          wallS,
          clientCpuUsPerChunk: (cpu.user + cpu.system) / Math.max(1, errorsMs.length),
        };
        results.push(result);
        if (!values.json) {
          console.log(
            `${String(concurrency).padStart(11)} ${String(repetition).padStart(3)} ${
              String(requests).padStart(8)
            } ${String(failed).padStart(6)} ${String(errorsMs.length).padStart(6)} | ${
              result.clientErrorP50Ms.toFixed(3).padStart(19)
            } ${result.clientErrorP99Ms.toFixed(3).padStart(7)} ${
              result.clientErrorMaxMs.toFixed(2).padStart(7)
            } | ${result.simLatenessP50Ms.toFixed(3).padStart(19)} ${
              result.simLatenessP99Ms.toFixed(3).padStart(7)
            } | ${wallS.toFixed(1).padStart(6)} | ${
              result.clientCpuUsPerChunk.toFixed(1).padStart(18)
            }`,
          );
        }
      }
    }
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
