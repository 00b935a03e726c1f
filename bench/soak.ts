/**
 * Soak: a long run at many concurrent streams against the simulator in a separate process
 * (`scripts/sim.ts`, with injected errors), through the same runner as `deno task bench`
 * (`runBenchmark`, records appended to a JSONL as they complete, `keepRecords: false`).
 * Every `--sample-s` it records this process's RSS, V8 heap and open file descriptors
 * (`/proc/self/fd`) and the simulator's (`/proc/PID/status`, `/proc/PID/fd`); at the end it
 * checks that every request is accounted for: records = JSONL lines = requests the simulator
 * saw, and the error codes match the simulator's injected errors one for one.
 *
 * Run (the figure: 10 minutes at 64 streams):
 * `deno run --allow-net=127.0.0.1,localhost --allow-read --allow-write --allow-env --allow-sys --allow-run bench/soak.ts --duration-s 600`
 * (flags: `--concurrency 64 --sample-s 10 --output-tokens 64 --ttft-ms 50 --itl-ms 5
 * --error-rate 0.01 --stream-error-rate 0.01 --json`). Linux only (reads /proc).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createOpenAiClient } from "tokenbench/clients";
import { openJsonlWriter } from "tokenbench/report";
import { runBenchmark } from "tokenbench/run";
import { createTokenizer, type RequestRecord } from "tokenbench/core";

const SIM = new URL("../scripts/sim.ts", import.meta.url).pathname;

interface Sample {
  /** Seconds since the run started. */
  t: number;
  requests: number;
  rssMb: number;
  heapMb: number;
  /** Memory of ArrayBuffers and other objects outside the V8 heap, MB. */
  externalMb: number;
  fds: number;
  simRssMb: number | null;
  simFds: number | null;
}

interface SimEntry {
  requestId: number;
  status: number;
  error: { where: string; status: number } | null;
  endSentEpochMs: number | null;
  disconnected: boolean;
}

/**
 * Open file descriptors and RSS of process `pid`, read from /proc by a `sh` child (Deno itself
 * reads /proc only with --allow-all).
 */
async function _procStats(pid: number): Promise<{ fds: number | null; rssMb: number | null }> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", 'ls "/proc/$1/fd" | wc -l; grep VmRSS "/proc/$1/status"', "sh", String(pid)],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const [fdLine] = text.split("\n");
    const kb = /VmRSS:\s+(\d+) kB/.exec(text)?.[1];
    return {
      fds: /^\d+$/.test(fdLine.trim()) ? Number(fdLine) : null,
      rssMb: kb === undefined ? null : Number(kb) / 1024,
    };
  } catch {
    return { fds: null, rssMb: null };
  }
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
      "--port",
      "0",
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
  const url = /^listening on (\S+)/.exec(text)?.[1];
  if (!url) throw new Error(`unexpected first line: ${text}`);
  // Keep draining stdout so the simulator never blocks on a full pipe.
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return { child, url, drained };
}

/** Slope of y over x by least squares. */
function _slope(xs: number[], ys: number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    strict: true,
    options: {
      "duration-s": { type: "string", default: "600" },
      concurrency: { type: "string", default: "64" },
      "sample-s": { type: "string", default: "10" },
      "output-tokens": { type: "string", default: "64" },
      "ttft-ms": { type: "string", default: "50" },
      "itl-ms": { type: "string", default: "5" },
      "error-rate": { type: "string", default: "0.01" },
      "stream-error-rate": { type: "string", default: "0.01" },
      json: { type: "boolean", default: false },
    },
  });
  const durationS = Number(values["duration-s"]);
  const concurrency = Number(values.concurrency);
  const sampleS = Number(values["sample-s"]);
  const outputTokens = Number(values["output-tokens"]);
  const sim = await _startSim([
    "--ttft-ms",
    values["ttft-ms"]!,
    "--itl-ms",
    values["itl-ms"]!,
    "--error-rate",
    values["error-rate"]!,
    "--stream-error-rate",
    values["stream-error-rate"]!,
    "--seed",
    "11",
  ]);
  const dir = await Deno.makeTempDir({ prefix: "tokenbench-soak-" });
  const tokenizer = createTokenizer("cl100k_base");
  const prompt = "Write a short story about a lighthouse keeper. ".repeat(8);
  const inputTokens = tokenizer.countTokens(prompt);
  const writer = await openJsonlWriter(`${dir}/requests.jsonl`);
  const counts = { records: 0, ok: 0, errors: new Map<number, number>() };
  const samples: Sample[] = [];
  // The simulator's ground truth, tallied as we go (its log keeps the latest 10,000 requests):
  // requests are counted once finished, in id order; unfinished ones are fetched again.
  const simTally = { requests: 0, errors: new Map<number, number>() };
  let lastSimId = -1;
  const pullSimLog = async () => {
    const res = await fetch(`${sim.url}/_sim/log?since=${lastSimId}`);
    const { requests } = await res.json() as { requests: SimEntry[] };
    requests.sort((a, b) => a.requestId - b.requestId);
    for (const e of requests) {
      if (e.requestId !== lastSimId + 1) throw new Error(`simulator log gap at ${e.requestId}`);
      if (e.endSentEpochMs === null && !e.disconnected) break;
      simTally.requests++;
      if (e.error) {
        simTally.errors.set(e.error.status, (simTally.errors.get(e.error.status) ?? 0) + 1);
      }
      lastSimId = e.requestId;
    }
  };
  const t0 = performance.now();
  const sample = async () => {
    const mem = Deno.memoryUsage();
    const t = Math.round((performance.now() - t0) / 100) / 10;
    const requests = counts.records;
    const [own, simStats] = await Promise.all([
      _procStats(Deno.pid),
      _procStats(sim.child.pid),
    ]);
    samples.push({
      t,
      requests,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      externalMb: mem.external / 2 ** 20,
      fds: own.fds ?? NaN,
      simRssMb: simStats.rssMb,
      simFds: simStats.fds,
    });
    const s = samples.at(-1)!;
    if (!values.json) {
      console.error(
        `t=${s.t.toFixed(0)}s requests=${s.requests} rss=${s.rssMb.toFixed(1)}MB ` +
          `heap=${s.heapMb.toFixed(1)}MB ext=${s.externalMb.toFixed(1)}MB fds=${s.fds} sim_rss=${
            s.simRssMb?.toFixed(1)
          }MB ` +
          `sim_fds=${s.simFds}`,
      );
    }
  };
  await sample();
  let pulling = Promise.resolve();
  const timer = setInterval(() => {
    pulling = pulling.then(sample).then(pullSimLog).catch((e) => console.error(`sample: ${e}`));
  }, sampleS * 1000);
  let result;
  try {
    result = await runBenchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
      model: "soak",
      prompt: () => ({ prompt, inputTokens, maxOutputTokens: outputTokens }),
      countTokens: (text) => tokenizer.countTokens(text),
      concurrency,
      maxRequests: Infinity,
      durationMs: durationS * 1000,
      keepRecords: false,
      onRecord: async (record: RequestRecord) => {
        await writer.append(record);
        counts.records++;
        if (record.status === "ok") counts.ok++;
        else counts.errors.set(record.errorCode, (counts.errors.get(record.errorCode) ?? 0) + 1);
      },
    });
  } finally {
    clearInterval(timer);
    await writer.close();
  }
  await pulling;
  await new Promise((resolve) => setTimeout(resolve, 500));
  await sample();
  await pullSimLog();
  sim.child.kill("SIGTERM");
  await sim.child.status;
  await sim.drained;
  tokenizer.free();

  // ---- accounting
  const lines = (await Deno.readTextFile(`${dir}/requests.jsonl`)).split("\n").filter(Boolean);
  const sorted = (m: Map<number, number>) => JSON.stringify([...m].sort((a, b) => a[0] - b[0]));
  const checks = {
    "records = JSONL lines": counts.records === lines.length,
    "records = requests the simulator saw": counts.records === simTally.requests,
    "error codes = the simulator's injected errors": sorted(counts.errors) ===
      sorted(simTally.errors),
    "ok + errors = records": counts.ok + [...counts.errors.values()].reduce((a, b) => a + b, 0) ===
      counts.records,
  };
  await Deno.remove(dir, { recursive: true });

  // ---- figures: skip the first 10 % (warm-up of JIT, pools, buffers)
  const warm = samples.filter((s) => s.t >= durationS * 0.1);
  const minutes = warm.map((s) => s.t / 60);
  const summary = {
    durationS,
    concurrency,
    outputTokens,
    requests: counts.records,
    requestsPerS: counts.records / (result.wallTimeMs / 1000),
    errors: Object.fromEntries(counts.errors),
    rssMb: {
      first: samples[0].rssMb,
      warm: warm[0]?.rssMb ?? null,
      last: samples.at(-1)!.rssMb,
      max: Math.max(...samples.map((s) => s.rssMb)),
      slopeMbPerMin: _slope(minutes, warm.map((s) => s.rssMb)),
    },
    heapMb: {
      warm: warm[0]?.heapMb ?? null,
      last: samples.at(-1)!.heapMb,
      slopeMbPerMin: _slope(minutes, warm.map((s) => s.heapMb)),
    },
    fds: {
      min: Math.min(...samples.map((s) => s.fds)),
      max: Math.max(...samples.map((s) => s.fds)),
      last: samples.at(-1)!.fds,
    },
    simRssMb: {
      warm: warm[0]?.simRssMb ?? null,
      last: samples.at(-1)!.simRssMb,
      slopeMbPerMin: _slope(minutes, warm.map((s) => s.simRssMb ?? NaN)),
    },
    simFds: {
      min: Math.min(...samples.map((s) => s.simFds ?? NaN)),
      max: Math.max(...samples.map((s) => s.simFds ?? NaN)),
      last: samples.at(-1)!.simFds,
    },
    checks,
    samples,
  };
  if (values.json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    const f = (x: number | null) => (x === null ? "-" : x.toFixed(1));
    console.log(
      `soak: ${durationS} s at ${concurrency} streams, ${counts.records} requests ` +
        `(${summary.requestsPerS.toFixed(0)}/s), errors ${JSON.stringify(summary.errors)}`,
    );
    console.log(
      "| t (s) | requests | RSS (MB) | heap (MB) | external (MB) | fds | sim RSS (MB) | sim fds |",
    );
    console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const s of samples) {
      console.log(
        `| ${s.t.toFixed(0)} | ${s.requests} | ${f(s.rssMb)} | ${f(s.heapMb)} | ` +
          `${f(s.externalMb)} | ${s.fds} | ` +
          `${f(s.simRssMb)} | ${s.simFds ?? "-"} |`,
      );
    }
    console.log(
      `RSS slope after warm-up ${f(summary.rssMb.slopeMbPerMin)} MB/min (heap ` +
        `${f(summary.heapMb.slopeMbPerMin)} MB/min, simulator ${
          f(summary.simRssMb.slopeMbPerMin)
        } MB/min); fds ${summary.fds.min}..${summary.fds.max} (simulator ${summary.simFds.min}..${summary.simFds.max})`,
    );
    for (const [name, ok] of Object.entries(checks)) console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
  }
  return Object.values(checks).every(Boolean) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
