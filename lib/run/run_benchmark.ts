/**
 * Run a benchmark: a load shape over a client, each request timed and turned into a record.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import { type ChatTurn, flattenTurns } from "../core/chat_turn.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { type LoadOptions, type LoadSlot, runLoad } from "./run_load.ts";
import { toRequestRecord } from "../core/to_request_record.ts";
import { redactSecrets } from "../core/redact_secrets.ts";
import { type ClientHealth, clientHealth, type ClientHealthInput } from "../core/client_health.ts";
import { startLoopLag } from "./loop_lag.ts";
import { preciseSleep } from "./precise_sleep.ts";
import { timeRequest } from "./time_request.ts";
import type { WorkerPool } from "./worker_pool.ts";

/** The prompt of one request. */
export interface BenchmarkPrompt {
  /** Prompt text. */
  prompt: string;
  /** Its length in tokens of the run's tokenizer. */
  inputTokens: number;
  /** `max_tokens` to ask for. */
  maxOutputTokens: number;
  /** Characters at the start of `prompt` shared with other requests (where `promptCache`
   * marks the prefix to cache). Default none. */
  prefixChars?: number;
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
  /**
   * Per-request timeout in ms, from send to the end of the stream; a timed-out request is
   * cancelled, becomes an error record with code 408 (`request timeout: …`) and frees its slot.
   * Default none.
   */
  requestTimeoutMs?: number;
  /**
   * First-token timeout in ms: a request with no content (answer or reasoning) this long after
   * it was sent is cancelled and becomes an error record with code 408
   * (`first-token timeout: …`). Default none.
   */
  firstTokenTimeoutMs?: number;
  /**
   * Stops the run: no more launches; requests in flight may still finish during
   * `gracePeriodMs`, then they are cancelled (error records with code 499). Default none.
   */
  signal?: AbortSignal;
  /** How long in-flight requests may still finish after `signal` aborts, ms. Default 0. */
  gracePeriodMs?: number;
  /** Cancels in-flight requests at once, whatever the grace period (e.g. a second Ctrl-C),
   * and stops launching. Default none. */
  cancelSignal?: AbortSignal;
  /**
   * Secret values (API key, AWS secret key, session token) removed, with every 8-character
   * piece of them, from every string of every record (error messages, kept text), besides the
   * secret-looking patterns `redactSecrets` always removes. Default none.
   */
  secrets?: readonly string[];
  /** Keep each answer's text in its record. Default false. */
  keepText?: boolean;
  /**
   * Keep every record in memory and return them in `records`. With false, records only go to
   * `onRecord` (e.g. the JSONL) and `records` is empty, so a long run's memory stays flat (a
   * few numbers per request are kept for `clientHealth`). Default true.
   */
  keepRecords?: boolean;
  /** Called with each record as soon as its request completes (append it to the JSONL here). */
  onRecord?: (record: RequestRecord) => void | Promise<void>;
  /**
   * Send every request from this pool's Workers ({@link createWorkerPool}, built from the same
   * client's spec) instead of from `client` on this thread; the load shape stays on this
   * thread, so concurrency and the request budget hold across workers. Default none.
   */
  pool?: WorkerPool;
  /**
   * Waits until each open-loop arrival (`LoadOptions.sleep`). Default {@link preciseSleep},
   * which wakes within tens of µs of the arrival, where a bare `setTimeout` is about 1 ms late.
   */
  sleep?: LoadOptions["sleep"];
  /**
   * Open loop: hand each arrival over this many ms before it is due; the request then waits
   * for its due time where it is sent (in its Worker, or on this thread), so the hand-over to a
   * Worker and this thread's own wake-up do not delay it. Default 10 with a `pool` (and the
   * default clock), else 0.
   */
  leadMs?: number;
  /**
   * The id of the k-th request launched (warm-up first), given to `prompt` and recorded as
   * `requestId`: a shard's share of a larger run's ids ({@link shardPlan}). Default k.
   */
  requestIds?: readonly number[];
  /** The same as a function: the id of the k-th request launched (used when `requestIds` is
   * not given). Default k. */
  requestIdAt?: (k: number) => number;
  /**
   * Multi-turn sessions: each slot of the load shape is a session of `turns` requests, sent one
   * after the other, turn `t + 1` `thinkTimeMs` after turn `t`'s answer ended; turn `t` of
   * session `s` is request id `s × turns + t` (its own message from `prompt`), and carries the
   * whole history as real role messages (`LlmRequest.history`: the earlier messages and the
   * answers received verbatim, then the new message; single-prompt APIs flatten it, see
   * docs/workloads.md). A failed turn ends its
   * session. `concurrency` holds that many sessions in flight; `maxRequests` and `warmup` count
   * sessions. Not with `rate` or `requestIds`. Default none (one request per slot).
   */
  sessions?: {
    turns: number;
    thinkTimeMs: number;
    /** Turns of session `s` when sessions differ in length (a dataset's conversations), at
     * most `turns`; request ids keep the stride `turns`. Default: `turns` for every one. */
    turnsOf?: (session: number) => number;
  };
  /**
   * Prompt caching (`--prompt-cache`): each request marks its shared prefix for the endpoint's
   * cache (`LlmRequest.cachePrefixChars`): the workload's `prefixChars` (a shared prefix, a
   * trace's blocks), or in a session the history before the new message
   * (`LlmRequest.cacheHistory`). Requests with neither carry no mark. Default false.
   */
  promptCache?: boolean;
}

/** What {@link runBenchmark} returns. */
export interface BenchmarkResult {
  /** All records in launch order, warm-up first (flagged `phase: "warmup"`); empty when
   * `keepRecords` is false. */
  records: RequestRecord[];
  /** Records made (warm-up included), kept or not. */
  recordCount: number;
  /** Measurement phase wall time: first send to last completion, ms. */
  wallTimeMs: number;
  /** Epoch ms of the first measured send (now, if none was sent). */
  startEpochMs: number;
  /** True when the run was stopped by its signal before sending everything. */
  aborted: boolean;
  /** Whether the client kept up: event-loop and dispatch lag, workers, CPU per token. */
  clientHealth: ClientHealth;
}

/**
 * Run `client` under the load shape in `options`. Each request is timed by {@link timeStream};
 * failures are records, never exceptions.
 *
 * @example Three requests against an in-memory client
 * ```ts
 * import { runBenchmark } from "./run_benchmark.ts";
 * import type { LlmClient } from "../core/llm_client.ts";
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
  const { model, prompt, countTokens, samplingParams, keepText, onRecord } = options;
  const keepRecords = options.keepRecords ?? true;
  const { requestTimeoutMs, firstTokenTimeoutMs, gracePeriodMs = 0, secrets } = options;
  for (
    const [name, value] of [
      ["requestTimeoutMs", requestTimeoutMs],
      ["firstTokenTimeoutMs", firstTokenTimeoutMs],
    ] as const
  ) {
    if (value !== undefined && !(typeof value === "number" && value > 0 && value < 2 ** 31)) {
      throw new RangeError(
        `Cannot run benchmark: '${name}' must be a positive number of ms, got ${value}`,
      );
    }
  }
  if (!(typeof gracePeriodMs === "number" && gracePeriodMs >= 0 && gracePeriodMs < 2 ** 31)) {
    throw new RangeError(
      `Cannot run benchmark: 'gracePeriodMs' must be a non-negative number of ms, got ${gracePeriodMs}`,
    );
  }
  // `cancel` aborts the requests in flight: at once on `cancelSignal`, after the grace period
  // on `signal`. Launching stops on either.
  const cancel = new AbortController();
  const stopSignal = options.signal;
  const cancelSignal = options.cancelSignal;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const cancelAll = (reason: unknown) => {
    clearTimeout(graceTimer);
    if (!cancel.signal.aborted) cancel.abort(reason);
  };
  const onStop = () => {
    if (gracePeriodMs <= 0) cancelAll(stopSignal?.reason);
    else if (graceTimer === undefined && !cancel.signal.aborted) {
      graceTimer = setTimeout(() => cancelAll(stopSignal?.reason), gracePeriodMs);
    }
  };
  const onCancel = () => cancelAll(cancelSignal?.reason);
  if (stopSignal?.aborted) onStop();
  else stopSignal?.addEventListener("abort", onStop, { once: true });
  if (cancelSignal?.aborted) onCancel();
  else cancelSignal?.addEventListener("abort", onCancel, { once: true });
  const launchSignals = [stopSignal, cancelSignal].filter((s): s is AbortSignal => s !== undefined);
  const loadSignal = launchSignals.length > 1 ? AbortSignal.any(launchSignals) : launchSignals[0];

  const { pool, requestIds, requestIdAt } = options;
  const leadMs = options.leadMs ?? (pool && options.now === undefined ? 10 : 0);
  // Handed over early, an arrival is timed where it is sent: the hand-over needs no spinning
  // (which would take a core's time from the workers and the endpoint on a small machine).
  // (undefined: runLoad's own plain timer)
  const sleep = options.sleep ?? (leadMs > 0 ? undefined : preciseSleep);
  const mainLag = startLoopLag();
  // CPU from the first measured request on (the warm-up's is left out, as its tokens are).
  let cpuAtMeasure: number | null = null;
  await pool?.loopLag({ reset: true });
  // Records in launch order (when kept), and the few numbers of each that client health and
  // the run's start time need (always).
  const kept: RequestRecord[] = [];
  const sessions = options.sessions;
  if (sessions !== undefined) {
    const { turns, thinkTimeMs } = sessions;
    if (!(Number.isSafeInteger(turns) && turns >= 1)) {
      throw new RangeError(
        `Cannot run benchmark: 'sessions.turns' must be a positive integer, got ${turns}`,
      );
    }
    if (!(typeof thinkTimeMs === "number" && thinkTimeMs >= 0 && thinkTimeMs < 2 ** 31)) {
      throw new RangeError(
        `Cannot run benchmark: 'sessions.thinkTimeMs' must be a non-negative number of ms, got ${thinkTimeMs}`,
      );
    }
    if (options.rate !== undefined || options.schedule !== undefined || requestIds) {
      throw new TypeError(
        "Cannot run benchmark: 'sessions' run closed-loop, without 'rate', 'schedule' or 'requestIds'",
      );
    }
  }
  const now = options.now ?? (() => performance.now());
  /** Sends one request and makes its record (sent to `onRecord`, kept when asked). */
  const sendOne = async (
    slot: LoadSlot,
    requestId: number,
    history: readonly ChatTurn[] | undefined,
    p: BenchmarkPrompt,
    times: { intendedSendMs: number; actualSendMs: number },
    extra: Partial<Pick<RequestRecord, "sessionId" | "turn" | "historyTokens">>,
    keepAt: number,
  ): Promise<{ record: RequestRecord; sample: _HealthSample; answer: string }> => {
    const mark = options.promptCache && !history?.length ? p.prefixChars : undefined;
    const request: LlmRequest = {
      model,
      prompt: p.prompt,
      maxTokens: p.maxOutputTokens,
      samplingParams,
      ...(history?.length ? { history } : {}),
      ...(options.promptCache && history?.length ? { cacheHistory: true } : {}),
      ...(mark !== undefined && mark > 0 ? { cachePrefixChars: mark } : {}),
    };
    const timed = { requestTimeoutMs, firstTokenTimeoutMs, cancel: cancel.signal };
    const launchEpochMs = performance.timeOrigin + performance.now();
    // Handed over before its due time (`leadMs`): it waits for it where it is sent.
    const aheadMs = times.intendedSendMs - times.actualSendMs;
    const sendAt = aheadMs > 0 ? { sendAtEpochMs: launchEpochMs + aheadMs } : {};
    // Warm-up requests go round the workers, so that each one is warmed (not only the one
    // the least-busy pick would choose again and again at low concurrency).
    const worker = slot.phase === "warmup" ? { worker: slot.requestId } : {};
    if (slot.phase === "measure" && cpuAtMeasure === null) cpuAtMeasure = _cpuMs();
    const timing = pool
      ? await pool.timeRequest(request, { ...timed, ...sendAt, ...worker })
      : await timeRequest(client, request, { ...timed, ...sendAt, now: options.now });
    // Sent a little after the slot was handed over (a Worker's hop, the wait for its due
    // time): count that too.
    const hop = pool || aheadMs > 0 ? Math.max(0, timing.startEpochMs - launchEpochMs) : 0;
    const record = toRequestRecord(timing, {
      requestId,
      phase: slot.phase,
      intendedSendMs: times.intendedSendMs,
      actualSendMs: times.actualSendMs + hop,
      inputTokens: p.inputTokens,
      maxOutputTokens: p.maxOutputTokens,
      countTokens,
      keepText,
    });
    Object.assign(record, extra);
    // Every string of the record (the error message, the kept text) leaves the process.
    // (Its numbers stay as they are: `tokenTimesMs` is no secret though its name says token.)
    const safe = _redactStrings(record, secrets);
    await onRecord?.(safe);
    if (keepRecords) kept[keepAt] = safe;
    return { record: safe, sample: _healthSample(safe), answer: timing.text };
  };
  /** One session: its turns one after the other, each carrying the history. */
  const runSession = async (
    slot: LoadSlot,
    stride: number,
    thinkTimeMs: number,
    turnsOf?: (session: number) => number,
  ) => {
    const turns = Math.min(stride, turnsOf?.(slot.requestId) ?? stride);
    const samples: _HealthSample[] = [];
    // The phase's start on this clock: times of later turns are relative to it, as the slot's.
    const phaseStart = now() - slot.actualSendMs;
    const history: ChatTurn[] = [];
    let due = slot.intendedSendMs;
    for (let turn = 0; turn < turns; turn++) {
      if (turn > 0) {
        if (slot.signal.aborted) break;
        if (thinkTimeMs > 0) await (options.sleep ?? preciseSleep)(thinkTimeMs, slot.signal);
        if (slot.signal.aborted) break;
      }
      const requestId = slot.requestId * stride + turn;
      const p = prompt(requestId);
      // Token counts of the conversation as text (the same on every API): the history is its
      // `User: …\n\nAssistant: …\n\n` transcript, the input that and `User: <message>`.
      const text = flattenTurns(history, p.prompt);
      const historyTokens = turn === 0
        ? 0
        : countTokens?.(text.slice(0, -p.prompt.length - 6)) ?? 0;
      const inputTokens = turn === 0 ? p.inputTokens : countTokens?.(text) ?? p.inputTokens;
      const actualSendMs = now() - phaseStart;
      const sent = await sendOne(
        slot,
        requestId,
        [...history],
        { ...p, inputTokens },
        { intendedSendMs: turn === 0 ? due : Math.min(due, actualSendMs), actualSendMs },
        { sessionId: slot.requestId, turn, historyTokens },
        requestId,
      );
      samples.push(sent.sample);
      if (sent.record.status === "error") break; // the conversation cannot go on
      history.push({ role: "user", text: p.prompt }, { role: "assistant", text: sent.answer });
      // The next turn is due when this answer ended plus the think time.
      due = now() - phaseStart + thinkTimeMs;
    }
    return samples;
  };
  let load;
  try {
    load = await runLoad(async (slot): Promise<_HealthSample[]> => {
      if (sessions) {
        return await runSession(slot, sessions.turns, sessions.thinkTimeMs, sessions.turnsOf);
      }
      const requestId = requestIds?.[slot.requestId] ?? requestIdAt?.(slot.requestId) ??
        slot.requestId;
      const p = prompt(requestId);
      const sent = await sendOne(slot, requestId, undefined, p, slot, {}, slot.requestId);
      return [sent.sample];
    }, { ...options, sleep, leadMs, signal: loadSignal });
  } finally {
    clearTimeout(graceTimer);
    stopSignal?.removeEventListener("abort", onStop);
    cancelSignal?.removeEventListener("abort", onCancel);
    mainLag.stop();
  }
  const cpuAfter = _cpuMs();
  const workerLags = pool ? await pool.loopLag({ reset: true }) : [];
  const samples = load.results.filter((r) => r !== undefined).flat();
  let startEpochMs = Infinity;
  for (const r of samples) {
    if (r.phase === "measure" && r.startEpochMs < startEpochMs) startEpochMs = r.startEpochMs;
  }
  return {
    records: kept.filter((r) => r !== undefined),
    recordCount: samples.length,
    wallTimeMs: load.wallTimeMs,
    startEpochMs: Number.isFinite(startEpochMs)
      ? startEpochMs
      : performance.timeOrigin + performance.now(),
    aborted: load.aborted,
    clientHealth: clientHealth({
      workers: pool?.size ?? 0,
      loopLagMs: [mainLag.samples(), ...workerLags],
      records: samples,
      cpuMs: cpuAtMeasure !== null && cpuAfter !== null ? cpuAfter - cpuAtMeasure : undefined,
      capped: options.rate !== undefined && options.maxInFlight !== undefined &&
        options.maxInFlight !== Infinity,
    }),
  };
}

/** `record` with every string field passed through `redactSecrets`. */
function _redactStrings(record: RequestRecord, secrets: readonly string[] | undefined) {
  const out: Record<string, unknown> = { ...record };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === "string") out[key] = redactSecrets(value, { secrets });
  }
  return out as unknown as RequestRecord;
}

/** This process's CPU time (user + system, all threads), ms; null where unavailable. */
function _cpuMs(): number | null {
  try {
    const { user, system } = cpuUsage();
    return (user + system) / 1000;
  } catch {
    return null;
  }
}

/** What the runner keeps of every record, kept or not: what `clientHealth` and the run's
 * start time read. */
type _HealthSample = ClientHealthInput["records"][number] & { startEpochMs: number };

function _healthSample(r: RequestRecord): _HealthSample {
  return {
    phase: r.phase,
    startEpochMs: r.startEpochMs,
    intendedSendMs: r.intendedSendMs,
    actualSendMs: r.actualSendMs,
    outputTokens: r.outputTokens,
    interTokenLatencyMs: r.interTokenLatencyMs,
  };
}
