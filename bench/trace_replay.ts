/**
 * Trace replay at scale: a Mooncake-format trace of `--requests` arrivals (Poisson at `--rate`
 * per second, 128–384 input tokens, 8–24 output tokens, every request sharing its first 128-token
 * block with a tenth of the others) is written to a temporary file, read back with `parseTrace`,
 * and replayed by `benchmark()` against the simulator in its own process (prefix cache on).
 * Records go to a results folder (deleted afterwards), as in `deno task bench`. Prints the
 * dispatch lag (`actualSendMs − intendedSendMs`) p50 / p99 / max, the main thread's event-loop
 * lag (a 5 ms timer's lateness) p99 / max, the RSS (and V8 heap used) after every tenth of the
 * requests, and, measured before the run on this thread, what one prompt's synthesis takes.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1,localhost --allow-read --allow-write --allow-env --allow-sys \
 *   --allow-run bench/trace_replay.ts [--requests 10000] [--rate 200] [--workers 0]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { benchmark, spawnSimulator } from "tokenbench/run";
import { createOpenAiClient } from "tokenbench/clients";
import {
  createRandom,
  createTokenizer,
  parseTrace,
  quantile,
  traceWorkload,
} from "tokenbench/core";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      requests: { type: "string", default: "10000" },
      rate: { type: "string", default: "200" },
      workers: { type: "string", default: "0" },
    },
  });
  const n = Number(values.requests);
  const rate = Number(values.rate);
  const random = createRandom(11);
  const lines: string[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += -Math.log(1 - random()) * 1000 / rate;
    const input = 128 + Math.floor(random() * 257);
    lines.push(JSON.stringify({
      timestamp: Math.round(t * 1000) / 1000,
      input_length: input,
      output_length: 8 + Math.floor(random() * 17),
      hash_ids: [i % 10, 1000 + i],
    }));
  }
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  const requests = parseTrace(await Deno.readTextFile(file), { name: file });
  await Deno.remove(file);
  lines.length = 0;
  // What one prompt takes to make (the replay makes them on this thread, between sends).
  const tokenizer = createTokenizer("cl100k_base");
  const probe = traceWorkload(requests, { tokenizer, blockTokens: 128 });
  const synthMs: number[] = [];
  for (let i = 0; i < Math.min(n, 1000); i++) {
    const start = performance.now();
    probe.request(i);
    synthMs.push(performance.now() - start);
  }
  tokenizer.free();
  const sim = await spawnSimulator([
    "--ttft-ms",
    "20",
    "--itl-ms",
    "2",
    "--prefix-cache-tokens",
    "1000000",
  ]);
  const rss: { done: number; mb: number; heapMb: number }[] = [];
  const lag: number[] = [];
  let done = 0;
  // Records go to a results folder (JSONL), not memory: only the dispatch lags are kept here.
  const resultsDir = await Deno.makeTempDir();
  // The main thread's event-loop lag: how late a 5 ms timer fires.
  const loopLag: number[] = [];
  let expected = performance.now() + 5;
  const ticker = setInterval(() => {
    const now = performance.now();
    loopLag.push(Math.max(0, now - expected));
    expected = now + 5;
  }, 5);
  try {
    const spec = { api: "openai", options: { baseUrl: `${sim.url}/v1` } } as const;
    const run = await benchmark(createOpenAiClient(spec.options), {
      model: "sim",
      trace: { requests, blockTokens: 128 },
      spec,
      workers: Number(values.workers),
      timeoutS: 3600,
      keepText: false,
      resultsDir,
      onRecord: (r) => {
        if (r.phase === "measure") lag.push(r.actualSendMs - r.intendedSendMs);
        done++;
        if (done % Math.max(1, Math.floor(n / 10)) === 0 || done === n) {
          const m = Deno.memoryUsage();
          rss.push({ done, mb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 });
        }
      },
    });
    clearInterval(ticker);
    const errors = run.report.summary.summary.numErrors;
    const cache = run.report.summary.summary.promptCache;
    console.log(
      `trace replay: ${lag.length} requests at ${rate}/s (${
        (requests.at(-1)!.arrivalMs / 1000).toFixed(1)
      } s of trace), ${errors} errors, workers ${values.workers}`,
    );
    console.log(
      `dispatch lag ms: p50 ${quantile(lag, 0.5)?.toFixed(2)}, p99 ${
        quantile(lag, 0.99)?.toFixed(2)
      }, max ${Math.max(...lag).toFixed(2)}`,
    );
    console.log(
      `main loop lag ms: p99 ${quantile(loopLag, 0.99)?.toFixed(2)}, max ${
        Math.max(...loopLag).toFixed(2)
      }; one prompt's synthesis ms (first ${synthMs.length}): p50 ${
        quantile(synthMs.slice(10), 0.5)?.toFixed(2)
      }, p99 ${quantile(synthMs.slice(10), 0.99)?.toFixed(2)}, max ${
        Math.max(...synthMs.slice(10)).toFixed(2)
      }`,
    );
    console.log(
      `RSS MB (V8 heap used): ${
        rss.map((r) => `${r.mb.toFixed(0)} (${r.heapMb.toFixed(0)}) after ${r.done}`).join(", ")
      }`,
    );
    if (cache) {
      console.log(
        `prompt cache: hit share ${cache.hitShare.toFixed(3)}, TTFT p50 cached ${
          cache.ttftCachedMs.p50?.toFixed(1)
        } ms vs uncached ${cache.ttftUncachedMs.p50?.toFixed(1)} ms`,
      );
    }
  } finally {
    clearInterval(ticker);
    await sim.stop();
    await Deno.remove(resultsDir, { recursive: true });
  }
}
