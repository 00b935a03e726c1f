/**
 * TTFT error of whole clients side by side, at one stream or `--concurrency N`: each client's TTFT minus the
 * simulator's own (first chunk sent − request arrived), measured from T0 (the client asked) and
 * from the wire send (`requestSentMs`), against one simulator in a separate process
 * (`--raw-http`). The setups are interleaved, repetition by repetition, so that a noisy moment
 * of the machine hits them alike; the figures are the median over repetitions of each
 * repetition's p50/p99, with the range.
 *
 * Setups:
 * - `openai-workers`: tokenbench's default of `deno task bench` for an `http:` URL: the OpenAI
 *   client on the `http1` transport in 2 Deno Workers (a worker pool, as `--workers 2`);
 * - `openai-http1`: tokenbench's OpenAI client on the `http1` transport, this thread;
 * - `openai-fetch`: the same client on Deno's `fetch` (`--workers 0 --transport fetch`);
 * - `bedrock-sdk`: tokenbench's Bedrock client (ConverseStream through the AWS SDK, SigV4 with
 *   throw-away credentials) on Deno's `fetch`;
 * - `bedrock-http1`: the same over the `http1` transport (the default of `deno task bench` for
 *   an `http:` endpoint URL);
 * - `openai-npm`: what a user writes by hand: a loop over the `openai` npm SDK's streaming chat
 *   completions, TTFT taken at the first chunk with content (T0 only: the SDK does not say when
 *   it sent).
 *
 * Each setup is warmed up (`warmUpClient`, then 5 requests) before each repetition.
 *
 * Run:
 * `deno run --allow-net=127.0.0.1,localhost --allow-read --allow-env --allow-sys --allow-run bench/ttft_clients.ts`
 * (flags: `--requests 300 --repetitions 3 --concurrency 1 --ttft-ms 20 --itl-ms 2 --tokens 2
 * --json`). With `--concurrency N`, N requests of a setup are in flight at once (each request is
 * told apart in the simulator's log by its model name).
 *
 * @module
 */
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { createWorkerPool, spawnSimulator, timeRequest } from "tokenbench/run";
import { createClient, warmUpClient } from "tokenbench/clients";
import { type LlmClient, type LlmRequest, quantile, type StreamTiming } from "tokenbench/core";

interface _Sample {
  /** Client TTFT from T0 minus the simulator's. */
  fromT0: number;
  /** Client TTFT from the wire send minus the simulator's; null when not stamped. */
  fromSent: number | null;
}

interface _Setup {
  label: string;
  /** One request for `model`; resolves with the client's TTFT from T0 and from send (ms). */
  once(model: string): Promise<{ ttftMs: number | null; fromSentMs: number | null }>;
  close(): void;
}

const _med = (xs: number[]) => quantile(xs, 0.5);
const _f = (x: number | null) => x === null ? "n/a" : x.toFixed(2);

async function _json(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
}

function _tokenbenchSetup(
  label: string,
  client: LlmClient | { timeRequest: (request: LlmRequest) => Promise<StreamTiming> },
  tokens: number,
): _Setup {
  const time = "timeRequest" in client
    ? (r: LlmRequest) => client.timeRequest(r)
    : (r: LlmRequest) => timeRequest(client, r);
  return {
    label,
    async once(model) {
      const t = await time({ model, prompt: "Hi", maxTokens: tokens });
      if (t.error !== null) throw new Error(`${label}: ${t.error.message}`);
      return {
        ttftMs: t.ttftMs,
        fromSentMs: t.ttftMs !== null && t.requestSentMs !== null
          ? t.ttftMs - t.requestSentMs
          : null,
      };
    },
    close() {},
  };
}

function _npmSetup(baseURL: string, tokens: number): _Setup {
  const openai = new OpenAI({ baseURL, apiKey: "not-needed", maxRetries: 0 });
  return {
    label: "openai-npm",
    async once(model) {
      const t0 = performance.now();
      let ttftMs: number | null = null;
      const stream = await openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: tokens,
        stream: true,
      });
      for await (const chunk of stream) {
        if (ttftMs === null && chunk.choices[0]?.delta?.content) ttftMs = performance.now() - t0;
      }
      return { ttftMs, fromSentMs: null };
    },
    close() {},
  };
}

/** Runs `count` calls of `fn(k)`, `concurrency` at a time; their results in `k` order. */
async function _inFlight<T>(
  count: number,
  concurrency: number,
  fn: (k: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const k = next++;
      out[k] = await fn(k);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
  return out;
}

/** Runs the comparison and prints a table (or JSON with `--json`). */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      requests: { type: "string", default: "300" },
      concurrency: { type: "string", default: "1" },
      repetitions: { type: "string", default: "3" },
      "ttft-ms": { type: "string", default: "20" },
      "itl-ms": { type: "string", default: "2" },
      tokens: { type: "string", default: "2" },
      setups: {
        type: "string",
        default: "openai-workers,openai-http1,openai-fetch,bedrock-sdk,bedrock-http1,openai-npm",
      },
      json: { type: "boolean", default: false },
    },
  });
  const requests = Number(values.requests);
  const repetitions = Number(values.repetitions);
  const concurrency = Number(values.concurrency);
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`--concurrency must be an integer >= 1, got ${values.concurrency}`);
  }
  const tokens = Number(values.tokens);
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIDBENCHONLY0000000");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "bench-only-secret-not-real");
  const sim = await spawnSimulator([
    "--ttft-ms",
    values["ttft-ms"],
    "--itl-ms",
    values["itl-ms"],
    "--raw-http",
  ]);
  const wanted = values.setups.split(",");
  const setups: _Setup[] = [];
  const closers: (() => void)[] = [];
  try {
    for (const label of wanted) {
      if (label === "openai-workers") {
        const spec = {
          api: "openai",
          options: { baseUrl: `${sim.url}/v1` },
          transport: "http1",
        } as const;
        const pool = await createWorkerPool(spec, { workers: 2 });
        closers.push(() => void pool.close());
        setups.push(_tokenbenchSetup(label, pool, tokens));
      } else if (label === "openai-http1" || label === "openai-fetch") {
        const transport = label === "openai-http1" ? "http1" : "fetch";
        const spec = { api: "openai", options: { baseUrl: `${sim.url}/v1` }, transport } as const;
        await warmUpClient(spec);
        const made = await createClient(spec);
        closers.push(made.close);
        setups.push(_tokenbenchSetup(label, made.client, tokens));
      } else if (label === "bedrock-sdk" || label === "bedrock-http1") {
        const spec = {
          api: "bedrock",
          options: { region: "us-east-1", endpointUrl: sim.url },
          transport: label === "bedrock-sdk" ? "fetch" : "http1",
        } as const;
        await warmUpClient(spec);
        const made = await createClient(spec);
        closers.push(made.close);
        setups.push(_tokenbenchSetup(label, made.client, tokens));
      } else if (label === "openai-npm") setups.push(_npmSetup(`${sim.url}/v1`, tokens));
      else throw new Error(`unknown setup ${label}`);
    }
    console.error(
      `simulator ${sim.url} (separate process, raw HTTP), ttft ${values["ttft-ms"]} ms; ` +
        `${requests} requests × ${repetitions} repetitions per setup, ${concurrency} in flight; ` +
        `${navigator.hardwareConcurrency} cores, load ${Deno.loadavg().map((x) => x.toFixed(2))}`,
    );
    const perRep = new Map<string, { p50: number; p99: number; s50: number; s99: number }[]>();
    for (let rep = 1; rep <= repetitions; rep++) {
      for (const setup of setups) {
        await _inFlight(Math.max(5, concurrency), concurrency, (k) => setup.once(`warm-${k}`));
        await _json(`${sim.url}/_sim/log`, { method: "DELETE" });
        const client = await _inFlight(requests, concurrency, (k) => setup.once(`m-${k}`));
        const log = await _json(`${sim.url}/_sim/log`);
        const entries: { model: string; arrivalEpochMs: number; chunkSentEpochMs: number[] }[] =
          log.requests;
        const byModel = new Map(entries.map((e) => [e.model, e]));
        if (entries.length !== requests || byModel.size !== requests) {
          throw new Error(`${setup.label}: ${entries.length} log entries for ${requests}`);
        }
        const samples: _Sample[] = client.map((c, k) => {
          const entry = byModel.get(`m-${k}`)!;
          const truth = entry.chunkSentEpochMs[0] - entry.arrivalEpochMs;
          return {
            fromT0: c.ttftMs! - truth,
            fromSent: c.fromSentMs === null ? null : c.fromSentMs - truth,
          };
        });
        const t0 = samples.map((s) => s.fromT0);
        const sent = samples.flatMap((s) => s.fromSent === null ? [] : [s.fromSent]);
        const row = {
          p50: quantile(t0, 0.5)!,
          p99: quantile(t0, 0.99)!,
          s50: quantile(sent, 0.5) ?? NaN,
          s99: quantile(sent, 0.99) ?? NaN,
        };
        perRep.set(setup.label, [...(perRep.get(setup.label) ?? []), row]);
        console.error(
          `  rep ${rep} ${setup.label}: TTFT error from T0 p50 ${_f(row.p50)} p99 ${
            _f(row.p99)
          }, from send p50 ${_f(row.s50)} p99 ${_f(row.s99)} ms`,
        );
      }
    }
    const summary = [...perRep.entries()].map(([label, reps]) => {
      const pick = (k: "p50" | "p99" | "s50" | "s99") => {
        const xs = reps.map((r) => r[k]).filter((x) => Number.isFinite(x));
        return xs.length === 0
          ? { median: null, min: null, max: null }
          : { median: _med(xs), min: Math.min(...xs), max: Math.max(...xs) };
      };
      return {
        label,
        fromT0P50: pick("p50"),
        fromT0P99: pick("p99"),
        fromSentP50: pick("s50"),
        fromSentP99: pick("s99"),
      };
    });
    if (values.json) console.log(JSON.stringify({ requests, repetitions, summary }));
    else {
      const cell = (s: { median: number | null; min: number | null; max: number | null }) =>
        s.median === null ? "n/a" : `${_f(s.median)} (${_f(s.min)}–${_f(s.max)})`;
      console.log(
        "| setup | TTFT err p50, from T0 | TTFT err p99, from T0 | from send p50 | from send p99 |",
      );
      console.log("|---|---:|---:|---:|---:|");
      for (const s of summary) {
        console.log(
          `| ${s.label} | ${cell(s.fromT0P50)} | ${cell(s.fromT0P99)} | ${cell(s.fromSentP50)} | ${
            cell(s.fromSentP99)
          } |`,
        );
      }
      console.log("\nms; median over repetitions (min–max).");
    }
  } finally {
    for (const close of closers) close();
    await sim.stop();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
