/**
 * Speed and memory of the table pipeline on 1,000,000 synthetic LLMPerf records:
 * load (read + parse + validate) → recompute LLMPerf's summary → both seed-card table rows.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env bench/tables_speed.ts \
 *     [--records N] [--compact] [--jsonl]
 *
 * The records are written once to a temporary `*_individual_responses.json` (LLMPerf's
 * `indent=4` layout; `--compact` without whitespace; `--jsonl` as tokenbench JSONL request
 * records instead), then a fresh process measures the pipeline so the
 * generator's memory does not count; peak RSS is that process's `ru_maxrss` (getrusage).
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { llmperfSummary, readResults, reproduceTables } from "tokenbench/report";

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(path: string, n: number, layout: "indent" | "compact" | "jsonl") {
  const random = mulberry32(42);
  const file = await Deno.open(path, { write: true, createNew: true });
  const enc = new TextEncoder();
  let buf = layout === "jsonl" ? JSON.stringify({ framework: "synthetic", model: "m" }) : "[";
  for (let i = 0; i < n; i++) {
    const failed = random() < 0.01;
    const ttft = 0.1 + random() * 0.8;
    const e2e = ttft + 2 + random() * 3;
    const out = failed ? 1 : 100 + Math.floor(random() * 51);
    if (layout === "jsonl") {
      buf += "\n" + JSON.stringify({
        requestId: i,
        phase: "measure",
        intendedSendMs: i,
        actualSendMs: i,
        startEpochMs: 1.7e12,
        inputTokens: 550,
        maxOutputTokens: 150,
        outputTokens: failed ? 0 : out,
        reasoningTokens: 0,
        serverInputTokens: null,
        serverOutputTokens: null,
        serverLatencyMs: null,
        serverFirstByteLatencyMs: null,
        headersMs: ttft * 500,
        firstMessageMs: ttft * 900,
        ttftMs: failed ? null : ttft * 1000,
        firstReasoningMs: null,
        lastContentMs: e2e * 1000,
        e2eMs: e2e * 1000,
        interTokenLatencyMs: (e2e - ttft) * 1000 / (out - 1),
        llmperfInterTokenLatencyS: e2e / out,
        outputThroughputTokPerS: out / e2e,
        chunkCount: out,
        chunkArrivalMs: [],
        chunkTokens: [],
        retries: 0,
        ...(failed
          ? { status: "error", errorCode: 429, errorMessage: "Too Many Requests" }
          : { status: "ok", errorCode: null, errorMessage: null }),
      });
    } else {
      const rec = {
        error_code: failed ? 429 : null,
        error_msg: failed ? "Too Many Requests" : "",
        inter_token_latency_s: failed ? 0 : e2e / out,
        ttft_s: failed ? 0 : ttft,
        end_to_end_latency_s: failed ? 0 : e2e,
        request_output_throughput_token_per_s: failed ? 0 : out / e2e,
        number_total_tokens: 550 + out,
        number_output_tokens: out,
        number_input_tokens: 550,
      };
      const text = layout === "compact"
        ? JSON.stringify(rec)
        : JSON.stringify(rec, null, 4).replace(/^/gm, "    ");
      buf += (i ? ",\n" : "\n") + text;
    }
    if (buf.length > 1 << 20) {
      await file.write(enc.encode(buf));
      buf = "";
    }
  }
  await file.write(enc.encode(layout === "jsonl" ? buf + "\n" : buf + "\n]"));
  file.close();
}

/** Peak resident set size of this process (getrusage ru_maxrss), MiB. */
function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function measure(path: string): Promise<void> {
  const t0 = performance.now();
  const { runs, errors } = await readResults([path]);
  const t1 = performance.now();
  if (errors.length) throw new Error(errors[0].message);
  const summary = llmperfSummary(runs[0].individual!, {
    model: "synthetic",
    meanInputTokens: 550,
    stddevInputTokens: 0,
    meanOutputTokens: 150,
    stddevOutputTokens: 0,
    numConcurrentRequests: 5,
    wallTimeS: 3600,
    timestamp: 0,
  });
  const t2 = performance.now();
  const tables = reproduceTables(runs, { recipe: { throughput: "tokens-per-e2e" } });
  const t3 = performance.now();
  console.log(JSON.stringify({
    records: runs[0].individual!.length,
    completed: summary.results_num_completed_requests,
    loadMs: Math.round(t1 - t0),
    summaryMs: Math.round(t2 - t1),
    tablesMs: Math.round(t3 - t2),
    totalMs: Math.round(t3 - t0),
    peakRssMb: Math.round(peakRssMb()),
    ttftMedian: tables.ttft[0].median,
  }));
  const ok = t3 - t0 < 5000 && peakRssMb() < 1024;
  console.log(`${ok ? "within" : "OVER"} budget (under 5 s and under 1 GiB)`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      records: { type: "string", default: "1000000" },
      compact: { type: "boolean", default: false },
      jsonl: { type: "boolean", default: false },
      measure: { type: "string" },
    },
  });
  if (values.measure) {
    await measure(values.measure);
  } else {
    const n = Number(values.records);
    const dir = await Deno.makeTempDir();
    const path = values.jsonl
      ? `${dir}/requests.jsonl`
      : `${dir}/synthetic_550_150_individual_responses.json`;
    try {
      const g0 = performance.now();
      await generate(path, n, values.jsonl ? "jsonl" : values.compact ? "compact" : "indent");
      const size = (await Deno.stat(path)).size;
      console.log(
        `generated ${n} records, ${(size / 2 ** 20).toFixed(0)} MiB, in ${
          ((performance.now() - g0) / 1000).toFixed(1)
        } s`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", import.meta.filename!, "--measure", path],
        stdout: "inherit",
        stderr: "inherit",
      }).output();
      if (!out.success) Deno.exit(out.code);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
}
