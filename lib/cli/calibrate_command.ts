/**
 * `deno task calibrate [--json]`: how accurately this machine's client measures. Starts the
 * simulator in its own process ({@link spawnSimulator}, or uses `--sim-url`), streams from it at
 * several concurrency levels with {@link calibrate} and compares every chunk's arrival with the
 * simulator's send stamp.
 *
 * @module
 */
import {
  calibrate,
  type CalibrationDispatch,
  type CalibrationLevel,
  calibrationSpread,
  calibrationSpreadTable,
  calibrationTable,
  describeMachine,
} from "../run/calibrate.ts";
import { spawnSimulator } from "../run/spawn_simulator.ts";
import { type Transport, TRANSPORTS } from "../clients/create_client.ts";
import { intFlag, numberFlag, parseFlags, runMain, UsageError } from "./flags.ts";

const _CORES = navigator.hardwareConcurrency ?? 1;

/**
 * The help text of `deno task calibrate`: every flag with its default (`--workers`: the number
 * of cores, at most a level's streams).
 *
 * @example
 * ```ts
 * import { CALIBRATE_HELP } from "./calibrate_command.ts";
 * if (!CALIBRATE_HELP.includes("--levels LIST")) throw new Error(CALIBRATE_HELP);
 * ```
 */
export const CALIBRATE_HELP = `deno task calibrate [flags]

Measures the client's own timing error on this machine: the simulator runs in a separate
process and stamps every chunk as it sends it; the client streams at each concurrency level
and reports, per level, TTFT error and chunk-arrival delay (p50/p99/max), event-loop lag p99
and client CPU per 1,000 tokens (the streams alone), then the dispatch lag p99 of an open-loop
probe run beside the same streams (a second pass); last, the probe alone.

  --levels LIST          concurrency levels (default 1,16,64,256)
  --workers N            Deno Workers sending requests; 0 = the main thread
                         (default ${_CORES}, the number of cores, but at most
                         a level's streams, as deno task bench)
  --transport NAME       ${TRANSPORTS.join(" | ")} (default http1)
  --tokens N             output tokens per request (default 150)
  --min-requests N       requests per level, at least one per stream (default 4)
  --min-samples N        samples each p99 rests on: chunk delays of the streaming pass and
                         TTFTs of a TTFT pass (the level's streams, one of them sending
                         one-token requests back to back); 0 = no TTFT pass (default 2000)
  --start-at-once        start a pass's streams together (with equal answers they then stay
                         together: every request arrives in a burst); default: spread evenly
                         over one request's duration. Each level measures one burst anyway
  --dispatch-rate R      open-loop probe measuring dispatch lag, requests/s; 0 = off (default 20)
  --dispatch-seconds S   how long the probe runs alone after the levels; 0 = skip (default 20)
  --itl-ms MS            simulator time per token (default 20, i.e. 50 tokens/s per stream)
  --ttft-ms MS           simulator time to first token (default 100)
  --repetitions N        measure every level N times (default 1)
  --sim-url URL          use this running simulator instead of starting one (default: start one)
  --json                 print {"levels":[…],"dispatch":[…]} instead of a table
  -h, --help             show this help
`;

const _FLAGS = {
  levels: { type: "string" },
  workers: { type: "string" },
  transport: { type: "string" },
  tokens: { type: "string" },
  "min-samples": { type: "string" },
  "min-requests": { type: "string" },
  "dispatch-rate": { type: "string" },
  "dispatch-seconds": { type: "string" },
  "itl-ms": { type: "string" },
  "ttft-ms": { type: "string" },
  repetitions: { type: "string" },
  "sim-url": { type: "string" },
  "start-at-once": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `deno task calibrate`: parse `args`, start the simulator in a child process (or use
 * `--sim-url`), run {@link calibrate} once per repetition and print its table (or, with
 * `--json`, `{"levels":[…],"dispatch":[…]}`); returns the exit code (0). Bad input is a
 * {@link UsageError} before the simulator starts.
 *
 * @example Help
 * ```ts
 * import { calibrateCommand } from "./calibrate_command.ts";
 * const log = console.log;
 * let text = "";
 * console.log = (s: string) => text += s;
 * try {
 *   if (await calibrateCommand(["--help"]) !== 0) throw new Error("exit 0");
 * } finally {
 *   console.log = log;
 * }
 * if (!text.includes("--dispatch-rate R")) throw new Error(text);
 * ```
 */
export async function calibrateCommand(args: string[]): Promise<number> {
  const { values: f } = parseFlags(args, _FLAGS);
  if (f.help) {
    console.log(CALIBRATE_HELP);
    return 0;
  }
  const levels = (f.levels ?? "1,16,64,256").split(",").map((text) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isInteger(n) || n < 1) {
      throw new UsageError(`--levels must be positive integers like 1,16,64, got '${f.levels}'`);
    }
    return n;
  });
  const workers = intFlag("workers", f.workers, navigator.hardwareConcurrency ?? 1);
  const transport = (f.transport ?? "http1") as Transport;
  if (!(TRANSPORTS as readonly string[]).includes(transport)) {
    throw new UsageError(
      `--transport must be one of ${TRANSPORTS.join(", ")}, got '${f.transport}'`,
    );
  }
  const tokens = intFlag("tokens", f.tokens, 150, { min: 1 });
  const minRequests = intFlag("min-requests", f["min-requests"], 4, { min: 1 });
  const minSamples = intFlag("min-samples", f["min-samples"], 2000, { min: 0 });
  const dispatchRate = numberFlag("dispatch-rate", f["dispatch-rate"], 20)!;
  const dispatchAloneS = numberFlag("dispatch-seconds", f["dispatch-seconds"], 20)!;
  const itlMs = numberFlag("itl-ms", f["itl-ms"], 20)!;
  const ttftMs = numberFlag("ttft-ms", f["ttft-ms"], 100)!;
  const repetitions = intFlag("repetitions", f.repetitions, 1, { min: 1 });
  if (f["sim-url"] !== undefined && !/^http:\/\/[^/]+\/?$/.test(f["sim-url"])) {
    throw new UsageError(
      `--sim-url must be a simulator's http://HOST:PORT, got '${f["sim-url"]}'`,
    );
  }

  const sim = f["sim-url"] === undefined
    ? await spawnSimulator(["--itl-ms", String(itlMs), "--ttft-ms", String(ttftMs), "--raw-http"])
    : { url: f["sim-url"].replace(/\/$/, ""), stop: () => Promise.resolve() };
  const all: (CalibrationLevel & { repetition: number })[] = [];
  const dispatches: (CalibrationDispatch & { repetition: number })[] = [];
  const started = performance.now();
  try {
    if (f.json) console.error(describeMachine().line);
    else {
      console.log(describeMachine().line);
      console.log(
        `simulator ${sim.url} (${f["sim-url"] ? "given" : "separate process"}), ` +
          `itl ${itlMs} ms, ttft ${ttftMs} ms, ${tokens} tokens/request; client: ` +
          `${
            workers === 0
              ? "main thread"
              : f.workers === undefined
              ? `${workers} worker(s), at most one per stream`
              : `${workers} worker(s)`
          }, ${transport}; ` +
          `${navigator.hardwareConcurrency ?? "?"} cores`,
      );
    }
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const result = await calibrate(sim.url, {
        levels,
        // Unset: the library's default, at most one Worker per stream.
        workers: f.workers === undefined ? undefined : workers,
        transport,
        tokens,
        minRequests,
        minSamples,
        spreadStart: !f["start-at-once"],
        dispatchRate,
        dispatchAloneS,
        // Progress on stderr, with --json too (stdout stays one JSON document).
        onLevel: (level) => {
          console.error(
            `  ${
              repetitions > 1 ? `repetition ${repetition}/${repetitions}: ` : ""
            }measured ${level.concurrency} stream(s) after ${
              ((performance.now() - started) / 1000).toFixed(0)
            } s: ` +
              `TTFT error p99 ${level.ttftErrorMs.p99?.toFixed(2)} ms, chunk delay p99 ${
                level.chunkDelayMs.p99?.toFixed(2)
              } ms`,
          );
        },
      });
      all.push(...result.levels.map((l) => ({ ...l, repetition })));
      if (result.dispatch !== null) dispatches.push({ ...result.dispatch, repetition });
      if (!f.json) {
        if (repetitions > 1) console.log(`\nrepetition ${repetition}`);
        console.log("\n" + calibrationTable(result.levels, result.dispatch));
      }
    }
  } finally {
    await sim.stop();
  }
  if (f.json) {
    console.log(JSON.stringify({
      machine: describeMachine().info,
      levels: all,
      dispatch: dispatches,
      overRepetitions: calibrationSpread(all),
    }));
  } else {
    if (repetitions > 1) {
      console.log(`\nover ${repetitions} repetitions: median (min–max)\n`);
      console.log(calibrationSpreadTable(calibrationSpread(all)));
    }
    console.log(
      "Times in ms. Chunk delay: arrival stamped by the client minus the simulator's send " +
        "stamp; targets from issue 6 (2-core machine, 50 tokens/s per stream).",
    );
  }
  return 0;
}

/**
 * The `main` of `scripts/calibrate.ts`: {@link calibrateCommand} with one-line errors (exit code
 * 2 for bad input, 1 otherwise).
 *
 * @example A bad flag is one line on stderr and exit code 2
 * ```ts
 * import { calibrateMain } from "./calibrate_command.ts";
 * const error = console.error;
 * let text = "";
 * console.error = (s: string) => text += s;
 * try {
 *   if (await calibrateMain(["--levels", "0"]) !== 2) throw new Error("exit 2");
 * } finally {
 *   console.error = error;
 * }
 * if (!text.startsWith("error: --levels")) throw new Error(text);
 * ```
 */
export function calibrateMain(args: string[]): Promise<number> {
  return runMain(() => calibrateCommand(args));
}
