/**
 * Run a benchmark: a load shape over a client, each request timed and turned into a record.
 *
 * @module
 */
import type { LlmClient } from "./llm_client.ts";
import type { RequestRecord } from "./request_record.ts";
import { type LoadOptions, runLoad } from "./run_load.ts";
import { timeStream } from "./time_stream.ts";
import { toRequestRecord } from "./to_request_record.ts";

/** The prompt of one request. */
export interface BenchmarkPrompt {
  /** Prompt text. */
  prompt: string;
  /** Its length in tokens of the run's tokenizer. */
  inputTokens: number;
  /** `max_tokens` to ask for. */
  maxOutputTokens: number;
}

/** Options of {@link runBenchmark}. */
export interface BenchmarkOptions extends Omit<LoadOptions, "onSettled"> {
  /** Model id sent to the endpoint. */
  model: string;
  /** The prompt for request `requestId` (warm-up requests come first). */
  prompt: (requestId: number) => BenchmarkPrompt;
  /** Counts tokens of the answer text (the run's tokenizer). Default: one per chunk. */
  countTokens?: (text: string) => number;
  /** Extra sampling parameters merged into each request. Default none. */
  samplingParams?: Record<string, unknown>;
  /** Per-request timeout in ms; a timed-out request is an error record with code 408. Default none. */
  requestTimeoutMs?: number;
  /** Keep each answer's text in its record. Default false. */
  keepText?: boolean;
  /** Called with each record as soon as its request completes (append it to the JSONL here). */
  onRecord?: (record: RequestRecord) => void | Promise<void>;
}

/** What {@link runBenchmark} returns. */
export interface BenchmarkResult {
  /** All records in launch order, warm-up first (flagged `phase: "warmup"`). */
  records: RequestRecord[];
  /** Measurement phase wall time: first send to last completion, ms. */
  wallTimeMs: number;
  /** Epoch ms of the first measured send (now, if none was sent). */
  startEpochMs: number;
  /** True when the run was stopped by its signal before sending everything. */
  aborted: boolean;
}

/**
 * Run `client` under the load shape in `options`. Each request is timed by {@link timeStream};
 * failures are records, never exceptions.
 *
 * @example Three requests against an in-memory client
 * ```ts
 * import { runBenchmark } from "./run_benchmark.ts";
 * import type { LlmClient } from "./llm_client.ts";
 * const client: LlmClient = {
 *   api: "fake",
 *   async *stream(req) {
 *     yield { kind: "headers", status: 200 };
 *     for (let i = 0; i < req.maxTokens; i++) yield { kind: "content", text: " x" };
 *     yield { kind: "done" };
 *   },
 * };
 * const result = await runBenchmark(client, {
 *   model: "m", maxRequests: 3, concurrency: 2,
 *   prompt: () => ({ prompt: "hi", inputTokens: 1, maxOutputTokens: 4 }),
 * });
 * if (result.records.length !== 3) throw new Error("count");
 * if (result.records.some((r) => r.status !== "ok" || r.outputTokens !== 4)) throw new Error("ok");
 * ```
 */
export async function runBenchmark(
  client: LlmClient,
  options: BenchmarkOptions,
): Promise<BenchmarkResult> {
  const { model, prompt, countTokens, samplingParams, requestTimeoutMs, keepText, onRecord } =
    options;
  if (requestTimeoutMs !== undefined && !(requestTimeoutMs > 0)) {
    throw new RangeError(
      `Cannot run benchmark: 'requestTimeoutMs' must be a positive number, got ${requestTimeoutMs}`,
    );
  }
  const load = await runLoad(async (slot) => {
    const p = prompt(slot.requestId);
    const signal = requestTimeoutMs === undefined
      ? slot.signal
      : AbortSignal.any([slot.signal, AbortSignal.timeout(requestTimeoutMs)]);
    const events = client.stream({
      model,
      prompt: p.prompt,
      maxTokens: p.maxOutputTokens,
      samplingParams,
      signal,
    });
    const timing = await timeStream(events, { now: options.now, signal });
    const record = toRequestRecord(timing, {
      requestId: slot.requestId,
      phase: slot.phase,
      intendedSendMs: slot.intendedSendMs,
      actualSendMs: slot.actualSendMs,
      inputTokens: p.inputTokens,
      maxOutputTokens: p.maxOutputTokens,
      countTokens,
      keepText,
    });
    await onRecord?.(record);
    return record;
  }, options);
  let startEpochMs = Infinity;
  for (const r of load.results) {
    if (r.phase === "measure" && r.startEpochMs < startEpochMs) startEpochMs = r.startEpochMs;
  }
  return {
    records: load.results,
    wallTimeMs: load.wallTimeMs,
    startEpochMs: Number.isFinite(startEpochMs)
      ? startEpochMs
      : performance.timeOrigin + performance.now(),
    aborted: load.aborted,
  };
}
