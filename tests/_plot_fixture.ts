/**
 * Deterministic synthetic runs for the plot tests: plausible records (TTFT growing with
 * concurrency, a steady token rhythm with occasional stalls, a few 429s and one network error).
 *
 * @module
 */
import type { RequestRecord, RequestRecordBase } from "../lib/core/request_record.ts";
import { recordBase } from "./_record.ts";

/** Shape of a synthetic run. */
export interface SyntheticRunOptions {
  /** Requests measured. */
  requests: number;
  /** Concurrency the run pretends to have used. */
  concurrency: number;
  /** Base TTFT, ms. */
  ttftMs: number;
  /** Time per output token, ms. */
  itlMs: number;
  /** Fraction of requests answered 429. */
  errorRate: number;
  /** Seed of the generator. */
  seed: number;
  /** Warm-up requests added in front (excluded from plots). */
  warmup?: number;
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records of one synthetic run. */
export function syntheticRun(o: SyntheticRunOptions): RequestRecord[] {
  const random = rng(o.seed);
  const records: RequestRecord[] = [];
  const warmup = o.warmup ?? 0;
  for (let i = 0; i < warmup + o.requests; i++) {
    const sendMs = Math.floor(i / o.concurrency) * 1500 + random() * 50;
    const base: RequestRecordBase = recordBase({
      requestId: i,
      phase: i < warmup ? "warmup" : "measure",
      intendedSendMs: sendMs,
      actualSendMs: sendMs + 0.3,
      startEpochMs: 1_764_000_000_000 + sendMs,
      inputTokens: 500 + Math.round(random() * 100),
      maxOutputTokens: 60,
    });
    const u = random();
    if (u < o.errorRate || i === warmup + 3) {
      const network = i === warmup + 3;
      records.push({
        ...base,
        headersMs: network ? null : 30,
        e2eMs: network ? 5 : 31,
        status: "error",
        errorCode: network ? 599 : 429,
        errorMessage: network ? "connection reset" : "rate limited",
      });
      continue;
    }
    const ttft = o.ttftMs * (1 + 0.15 * o.concurrency) * Math.exp(0.35 * (random() - 0.5) * 2);
    const outputTokens = 30 + Math.floor(random() * 30);
    const arrivals: number[] = [];
    const tokens: number[] = [];
    let t = ttft;
    let left = outputTokens;
    const stallAt = random() < 0.25 ? 5 + Math.floor(random() * 10) : -1;
    while (left > 0) {
      const n = Math.min(left, 1 + Math.floor(random() * 2));
      arrivals.push(Math.round(t * 10) / 10);
      tokens.push(n);
      left -= n;
      t += n * o.itlMs * (0.8 + 0.4 * random()) +
        (arrivals.length === stallAt ? 400 + 300 * random() : 0);
    }
    const last = arrivals[arrivals.length - 1];
    const e2e = last + 2;
    records.push({
      ...base,
      headersMs: ttft * 0.5,
      firstMessageMs: ttft * 0.9,
      ttftMs: arrivals[0],
      lastContentMs: last,
      e2eMs: e2e,
      outputTokens,
      interTokenLatencyMs: outputTokens > 1 ? (last - arrivals[0]) / (outputTokens - 1) : null,
      llmperfInterTokenLatencyS: last / outputTokens / 1000,
      outputThroughputTokPerS: outputTokens / (e2e / 1000),
      chunkCount: arrivals.length,
      chunkArrivalMs: arrivals,
      chunkTokens: tokens,
      messageCount: arrivals.length + 2,
      choicesArrivalMs: arrivals,
      lastMessageMs: e2e,
      status: "ok",
      errorCode: null,
      errorMessage: null,
    });
  }
  return records;
}

/** Every inline `data.values` array of a spec, in document order. */
export function dataValues(spec: unknown): Record<string, unknown>[][] {
  const found: Record<string, unknown>[][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const data = (node as { data?: { values?: unknown } }).data;
    if (data && Array.isArray(data.values)) found.push(data.values as Record<string, unknown>[]);
    for (const [key, value] of Object.entries(node)) if (key !== "data") walk(value);
  };
  walk(spec);
  return found;
}

/** The texts of an SVG's <text> elements and of their <tspan> lines. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<(?:text|tspan)[^>]*>([^<]+)<\/(?:text|tspan)>/g)].map((m) =>
    m[1].replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">")
  );
}
