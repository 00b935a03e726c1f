/**
 * Client timing error of several client configurations side by side: `calibrate()` (see
 * `lib/run/calibrate.ts`, `deno task calibrate`) run for each configuration against one simulator
 * in a separate process, repeated, the configurations interleaved so that a noisy moment of the
 * machine hits them alike. Prints the median over repetitions of each figure (and the spread
 * of the p99 chunk delay), as a markdown table.
 *
 * A configuration is `WORKERS:TRANSPORT`: `0:fetch` is the client before issue 6 (main thread,
 * Deno's fetch), `2:http1` the default on a 2-core machine (two Workers, the light transport).
 *
 * Run:
 * `deno run --allow-net=127.0.0.1,localhost --allow-read --allow-env --allow-sys --allow-run bench/client_timing.ts`
 * (flags: `--configs 0:fetch,0:http1,1:http1,2:http1 --levels 1,16,64,256 --repetitions 3
 * --tokens 150 --itl-ms 20 --ttft-ms 100 --min-requests 4 --min-samples 2000 --dispatch-rate 20
 * --dispatch-seconds 20
 * --json`)
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  calibrate,
  type CalibrationDispatch,
  type CalibrationLevel,
  spawnSimulator,
} from "tokenbench/run";
import type { Transport } from "tokenbench/clients";
import { quantile } from "tokenbench/core";

interface _Config {
  label: string;
  workers: number;
  transport: Transport;
}

const _med = (xs: (number | null)[]) => quantile(xs.filter((x): x is number => x !== null), 0.5);
const _f = (x: number | null, d = 2) => x === null ? "n/a" : x.toFixed(d);
const _min = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length > 0 ? Math.min(...v) : null;
};
const _max = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length > 0 ? Math.max(...v) : null;
};

/** Runs the comparison and prints a table (or JSON with `--json`). */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      configs: { type: "string", default: "0:fetch,0:http1,1:http1,2:http1" },
      levels: { type: "string", default: "1,16,64,256" },
      repetitions: { type: "string", default: "3" },
      tokens: { type: "string", default: "150" },
      "itl-ms": { type: "string", default: "20" },
      "ttft-ms": { type: "string", default: "100" },
      "min-requests": { type: "string", default: "4" },
      "min-samples": { type: "string", default: "2000" },
      "dispatch-rate": { type: "string", default: "20" },
      "dispatch-seconds": { type: "string", default: "20" },
      json: { type: "boolean", default: false },
    },
  });
  const configs: _Config[] = values.configs.split(",").map((c) => {
    const [w, t] = c.split(":");
    return { label: c, workers: Number(w), transport: (t ?? "http1") as Transport };
  });
  const levels = values.levels.split(",").map(Number);
  const repetitions = Number(values.repetitions);
  const sim = await spawnSimulator([
    "--itl-ms",
    values["itl-ms"],
    "--ttft-ms",
    values["ttft-ms"],
    "--raw-http",
  ]);
  const results = new Map<string, CalibrationLevel[]>();
  const alone = new Map<string, CalibrationDispatch[]>();
  // Other work on the machine shows in every figure: record the load average as we go.
  const loads: number[] = [];
  const loadAvg = () => {
    try {
      loads.push(Deno.loadavg()[0]);
    } catch { /* not Linux */ }
  };
  try {
    for (let rep = 1; rep <= repetitions; rep++) {
      for (const config of configs) {
        loadAvg();
        const r = await calibrate(sim.url, {
          levels,
          workers: config.workers,
          transport: config.transport,
          tokens: Number(values.tokens),
          minRequests: Number(values["min-requests"]),
          minSamples: Number(values["min-samples"]),
          dispatchRate: Number(values["dispatch-rate"]),
          dispatchAloneS: Number(values["dispatch-seconds"]),
        });
        if (r.dispatch) alone.set(config.label, [...(alone.get(config.label) ?? []), r.dispatch]);
        for (const level of r.levels) {
          const key = `${config.label}|${level.concurrency}`;
          results.set(key, [...(results.get(key) ?? []), level]);
        }
        if (!values.json) console.error(`repetition ${rep}: ${config.label} done`);
      }
    }
  } finally {
    await sim.stop();
  }
  const rows = configs.flatMap((config) =>
    levels.map((concurrency) => {
      const runs = results.get(`${config.label}|${concurrency}`) ?? [];
      const p99s = runs.map((l) => l.chunkDelayMs.p99).filter((x): x is number => x !== null);
      return {
        config: config.label,
        concurrency,
        repetitions: runs.length,
        chunkDelayMsP50: _med(runs.map((l) => l.chunkDelayMs.p50)),
        chunkDelayMsP99: _med(runs.map((l) => l.chunkDelayMs.p99)),
        chunkDelayMsP99Min: p99s.length > 0 ? Math.min(...p99s) : null,
        chunkDelayMsP99Max: p99s.length > 0 ? Math.max(...p99s) : null,
        chunkDelayMsMax: _med(runs.map((l) => l.chunkDelayMs.max)),
        ttftErrorMsP99: _med(runs.map((l) => l.ttftErrorMs.p99)),
        ttftErrorMsP99Min: _min(runs.map((l) => l.ttftErrorMs.p99)),
        ttftErrorMsP99Max: _max(runs.map((l) => l.ttftErrorMs.p99)),
        ttftSendMsP99: _med(runs.map((l) => l.ttftErrorPartsMs.send.p99)),
        ttftUpstreamMsP99: _med(runs.map((l) => l.ttftErrorPartsMs.upstream.p99)),
        ttftFirstChunkMsP99: _med(runs.map((l) => l.ttftErrorPartsMs.firstChunk.p99)),
        ttftSamples: _med(runs.map((l) => l.ttftSamples)),
        loopLagMsP99: _med(runs.map((l) => l.loopLagMsP99)),
        dispatchLagMsP99: _med(runs.map((l) => l.dispatchLagMsP99)),
        chunkDelayWithProbeMsP99: _med(runs.map((l) => l.chunkDelayWithProbeMs?.p99 ?? null)),
        cpuMsPer1kTokens: _med(runs.map((l) => l.cpuMsPer1kTokens)),
      };
    })
  );
  const dispatchRows = configs.map((config) => {
    const runs = alone.get(config.label) ?? [];
    const p99s = runs.map((d) => d.dispatchLagMsP99).filter((x): x is number => x !== null);
    return {
      config: config.label,
      repetitions: runs.length,
      requests: _med(runs.map((d) => d.requests)),
      dispatchLagMsP50: _med(runs.map((d) => d.dispatchLagMsP50)),
      dispatchLagMsP99: _med(p99s),
      dispatchLagMsP99Min: p99s.length > 0 ? Math.min(...p99s) : null,
      dispatchLagMsP99Max: p99s.length > 0 ? Math.max(...p99s) : null,
      dispatchLagMsMax: _med(runs.map((d) => d.dispatchLagMsMax)),
    };
  });
  loadAvg();
  if (values.json) {
    console.log(JSON.stringify({ rows, dispatch: dispatchRows, loadAverages: loads }, null, 2));
    return 0;
  }
  console.log(
    `\nMedian of ${repetitions} repetition(s); ITL ${values["itl-ms"]} ms, ${values.tokens} ` +
      `tokens/request, simulator in a separate process, ${navigator.hardwareConcurrency} cores; ` +
      `1-min load average ${loads.length ? Math.min(...loads) : "?"}–${
        loads.length ? Math.max(...loads) : "?"
      } during the runs.\n`,
  );
  console.log(
    "| Client (workers:transport) | Streams | Chunk delay p50 | p99 (min–max) | max | " +
      "TTFT err p99 (min–max) | send p99 | upstream p99 | first chunk p99 | TTFT samples | " +
      "Loop lag p99 | Dispatch lag p99 (probe beside) | " +
      "Chunk delay p99 (probe beside) | CPU ms/1k tok |",
  );
  console.log("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of rows) {
    console.log(
      `| ${r.config} | ${r.concurrency} | ${_f(r.chunkDelayMsP50)} | ${_f(r.chunkDelayMsP99)} (${
        _f(r.chunkDelayMsP99Min)
      }–${_f(r.chunkDelayMsP99Max)}) | ${_f(r.chunkDelayMsMax)} | ${_f(r.ttftErrorMsP99)} (${
        _f(r.ttftErrorMsP99Min)
      }–${_f(r.ttftErrorMsP99Max)}) | ${_f(r.ttftSendMsP99)} | ${_f(r.ttftUpstreamMsP99)} | ${
        _f(r.ttftFirstChunkMsP99)
      } | ${_f(r.ttftSamples, 0)} | ${_f(r.loopLagMsP99)} | ${_f(r.dispatchLagMsP99)} | ${
        _f(r.chunkDelayWithProbeMsP99)
      } | ${_f(r.cpuMsPer1kTokens, 1)} |`,
    );
  }
  if (dispatchRows.some((d) => d.repetitions > 0)) {
    console.log(
      `\nOpen-loop probe alone at ${values["dispatch-rate"]} requests/s for ` +
        `${values["dispatch-seconds"]} s (median of the repetitions):\n`,
    );
    console.log("| Client | Arrivals | Dispatch lag p50 | p99 (min–max) | max |");
    console.log("|:--|--:|--:|--:|--:|");
    for (const d of dispatchRows) {
      console.log(
        `| ${d.config} | ${_f(d.requests, 0)} | ${_f(d.dispatchLagMsP50)} | ${
          _f(d.dispatchLagMsP99)
        } (${_f(d.dispatchLagMsP99Min)}–${_f(d.dispatchLagMsP99Max)}) | ${
          _f(d.dispatchLagMsMax)
        } |`,
      );
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
