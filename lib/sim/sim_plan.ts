/**
 * The wire-format-neutral core of the built-in simulator: {@link planResponse} decides, as pure
 * data, what a simulated model answers and when (token counts, text of every chunk, planned send
 * offsets, injected errors); {@link playPlan} plays such a plan against absolute times and stamps
 * each step with the epoch time it was really sent. Wire formats (OpenAI SSE, Bedrock event
 * streams, …) only encode the {@link SimStep}s that `playPlan` hands them.
 *
 * @module
 */
import type { SimVocabulary } from "./sim_vocabulary.ts";

/** How a simulated model behaves. All times in milliseconds. */
export interface SimBehaviour {
  /** Time to first token: delay from request arrival to the first content chunk. */
  ttftMs: number;
  /** Inter-token latency: time per generated token, so consecutive chunks of `tokensPerChunk`
   * tokens are `itlMs * tokensPerChunk` apart. */
  itlMs: number;
  /** Each delay (TTFT and every chunk gap) gets uniform noise in `[-jitterMs, +jitterMs]`,
   * clamped so that no delay is negative. 0 = exact timing. */
  jitterMs: number;
  /** Tokens per content chunk (the last chunk may hold fewer). Positive integer. */
  tokensPerChunk: number;
  /** Fraction (0..1) of requests answered with an HTTP error instead of a stream. */
  errorRate: number;
  /** HTTP statuses drawn uniformly for injected HTTP errors. Default `[500, 429]`. */
  errorStatuses?: readonly number[];
  /** Fraction (0..1) of (non-HTTP-error) requests whose stream breaks with an in-stream error
   * after a uniformly chosen number of content chunks. Default 0. */
  streamErrorRate?: number;
  /** Fixed output length; the answer is `min(outputTokens, maxTokens)` tokens and finishes with
   * `"stop"` when shorter than `maxTokens`. Default: always `maxTokens` (finish `"length"`). */
  outputTokens?: number;
  /** When the opening message (OpenAI role-only chunk, Bedrock `messageStart`) is sent, ms
   * after arrival; response headers go with it. Default 0. */
  openMs?: number;
}

/** One planned content chunk. */
export interface SimChunkPlan {
  /** 0-based index among the content chunks. */
  index: number;
  /** The chunk's text: real tokens of the vocabulary's tokenizer. */
  text: string;
  /** Tokens in `text`. */
  tokens: number;
  /** Planned send offset from request arrival, ms. */
  atMs: number;
}

/** An injected failure. */
export interface SimErrorPlan {
  /** `"http"`: the response is this HTTP error, no stream. `"stream"`: the stream is opened,
   * sends `chunks`, then this error as an in-stream error message. */
  where: "http" | "stream";
  /** HTTP-like status (500, 429, …). */
  status: number;
  /** Error type name, e.g. `server_error`, `rate_limit_exceeded`. */
  type: string;
  /** Human-readable message. */
  message: string;
  /** Planned send offset from request arrival, ms. */
  atMs: number;
  /** Sent as a `Retry-After` header (seconds) with an HTTP error, when set. */
  retryAfterS?: number;
}

/** Everything a simulated model will send for one request. */
export interface SimResponsePlan {
  /** Prompt tokens, counted by the simulator's tokenizer. */
  inputTokens: number;
  /** Of those, tokens found in the prefix cache (only when the simulator has one). */
  cachedInputTokens?: number;
  /** Content tokens actually sent (sum of `chunks[].tokens`). */
  outputTokens: number;
  /** `"length"` when the answer hit `maxTokens`, else `"stop"`. */
  finishReason: "length" | "stop";
  /** When the opening message and headers are sent, ms after arrival. */
  openAtMs: number;
  /** Content chunks in send order (truncated before an in-stream error). */
  chunks: SimChunkPlan[];
  /** When the end of the stream (finish reason, usage) is sent, ms after arrival. */
  endAtMs: number;
  /** Injected failure, if any. */
  error?: SimErrorPlan;
}

/** One step of a played plan, handed to the wire-format encoder. */
export type SimStep =
  | { kind: "open"; atMs: number }
  | ({ kind: "chunk" } & SimChunkPlan)
  | ({ kind: "error" } & SimErrorPlan)
  | {
    kind: "end";
    atMs: number;
    finishReason: "length" | "stop";
    inputTokens: number;
    outputTokens: number;
    /** Prompt tokens found in the prefix cache, when the simulator has one. */
    cachedInputTokens?: number;
  };

/** The request fields the plan depends on. */
export interface SimRequest {
  /** Prompt text (all message contents joined). */
  prompt: string;
  /** Maximum output tokens (`max_tokens`). Non-negative integer. */
  maxTokens: number;
}

/** Behaviour, effects and data {@link planResponse} needs (all required). */
export interface PlanResponseOptions {
  /** How the simulated model behaves. */
  behaviour: SimBehaviour;
  /** Uniform random numbers in [0, 1); a seeded generator makes plans reproducible. */
  random: () => number;
  /** Words that are each exactly one token (see {@link createSimVocabulary}). */
  vocabulary: SimVocabulary;
  /** Counts prompt tokens (the simulator's tokenizer). */
  countTokens: (text: string) => number;
}

const _ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout",
  429: "rate_limit_exceeded",
  500: "server_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

function _jittered(base: number, jitterMs: number, random: () => number): number {
  if (jitterMs <= 0) return base;
  return Math.max(0, base + jitterMs * (2 * random() - 1));
}

/**
 * Plans one simulated response: how many tokens, the text of each chunk, when each is sent and
 * whether an error is injected. Pure: all randomness comes from `options.random`.
 *
 * The random draws happen in a fixed order (error choice, then timings, then words), so the same
 * seed gives the same plan.
 *
 * @example Plan a 5-token answer in chunks of 2
 * ```ts
 * import { planResponse } from "./sim_plan.ts";
 * const vocabulary = { words: ["alpha", "beta"], overheadTokens: 0 };
 * const plan = planResponse({ prompt: "hello", maxTokens: 5 }, {
 *   behaviour: { ttftMs: 100, itlMs: 10, jitterMs: 0, tokensPerChunk: 2, errorRate: 0 },
 *   random: () => 0.5,
 *   vocabulary,
 *   countTokens: (t) => t.split(" ").length,
 * });
 * if (plan.outputTokens !== 5) throw new Error("5 tokens expected");
 * if (plan.chunks.map((c) => c.atMs).join() !== "100,120,140") throw new Error("timing");
 * ```
 */
export function planResponse(request: SimRequest, options: PlanResponseOptions): SimResponsePlan {
  const { behaviour, random, vocabulary } = options;
  const words = vocabulary.words;
  if (words.length === 0) throw new RangeError("Cannot plan response: the vocabulary is empty");
  const tokensPerChunk = behaviour.tokensPerChunk;
  if (!Number.isInteger(tokensPerChunk) || tokensPerChunk < 1) {
    throw new RangeError(
      `Cannot plan response: 'tokensPerChunk' must be a positive integer, got ${tokensPerChunk}`,
    );
  }
  const maxTokens = request.maxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) {
    throw new RangeError(
      `Cannot plan response: 'maxTokens' must be a non-negative integer, got ${maxTokens}`,
    );
  }
  const inputTokens = options.countTokens(request.prompt);
  const openAtMs = Math.max(0, behaviour.openMs ?? 0);

  // 1. Errors.
  const statuses = behaviour.errorStatuses ?? [500, 429];
  if (behaviour.errorRate > 0 && random() < behaviour.errorRate) {
    const status = statuses[Math.floor(random() * statuses.length)] ?? 500;
    return {
      inputTokens,
      outputTokens: 0,
      finishReason: "stop",
      openAtMs,
      chunks: [],
      endAtMs: openAtMs,
      error: {
        where: "http",
        status,
        type: _ERROR_TYPES[status] ?? "error",
        message: `Simulated HTTP ${status} error`,
        atMs: openAtMs,
      },
    };
  }
  const wanted = Math.min(maxTokens, behaviour.outputTokens ?? maxTokens);
  const chunkCount = Math.ceil(wanted / tokensPerChunk);
  let streamErrorAfter = -1;
  const streamErrorRate = behaviour.streamErrorRate ?? 0;
  if (streamErrorRate > 0 && random() < streamErrorRate) {
    streamErrorAfter = Math.floor(random() * (chunkCount + 1));
  }

  // 2. Timings and text.
  const chunks: SimChunkPlan[] = [];
  let atMs = openAtMs +
    _jittered(Math.max(0, behaviour.ttftMs - openAtMs), behaviour.jitterMs, random);
  let tokenIndex = 0;
  const sentChunks = streamErrorAfter >= 0 ? streamErrorAfter : chunkCount;
  for (let index = 0; index < sentChunks; index++) {
    if (index > 0) {
      atMs += _jittered(behaviour.itlMs * tokensPerChunk, behaviour.jitterMs, random);
    }
    const tokens = Math.min(tokensPerChunk, wanted - tokenIndex);
    let text = "";
    for (let t = 0; t < tokens; t++) {
      const word = words[Math.floor(random() * words.length)];
      text += tokenIndex === 0 ? word : " " + word;
      tokenIndex++;
    }
    chunks.push({ index, text, tokens, atMs });
  }
  const endAtMs = chunks.length > 0 ? atMs : openAtMs;
  const plan: SimResponsePlan = {
    inputTokens,
    outputTokens: tokenIndex,
    finishReason: wanted < maxTokens ? "stop" : "length",
    openAtMs,
    chunks,
    endAtMs,
  };
  if (streamErrorAfter >= 0) {
    const status = statuses[Math.floor(random() * statuses.length)] ?? 500;
    const errorAtMs = chunks.length > 0
      ? atMs + _jittered(behaviour.itlMs * tokensPerChunk, behaviour.jitterMs, random)
      : atMs;
    plan.endAtMs = errorAtMs;
    plan.error = {
      where: "stream",
      status,
      type: _ERROR_TYPES[status] ?? "error",
      message: `Simulated in-stream ${status} error after ${chunks.length} chunks`,
      atMs: errorAtMs,
    };
  }
  return plan;
}

/**
 * The steps of a plan in send order: an HTTP error alone; otherwise `open`, the chunks, then
 * `end` or an in-stream `error`.
 *
 * @example Steps of an empty answer
 * ```ts
 * import { planSteps } from "./sim_plan.ts";
 * const steps = planSteps({
 *   inputTokens: 3, outputTokens: 0, finishReason: "length", openAtMs: 0, chunks: [], endAtMs: 0,
 * });
 * if (steps.map((s) => s.kind).join() !== "open,end") throw new Error("open,end expected");
 * ```
 */
export function planSteps(plan: SimResponsePlan): SimStep[] {
  if (plan.error?.where === "http") return [{ kind: "error", ...plan.error }];
  const steps: SimStep[] = [{ kind: "open", atMs: plan.openAtMs }];
  for (const chunk of plan.chunks) steps.push({ kind: "chunk", ...chunk });
  if (plan.error) {
    steps.push({ kind: "error", ...plan.error });
  } else {
    steps.push({
      kind: "end",
      atMs: plan.endAtMs,
      finishReason: plan.finishReason,
      inputTokens: plan.inputTokens,
      outputTokens: plan.outputTokens,
      ...(plan.cachedInputTokens !== undefined
        ? { cachedInputTokens: plan.cachedInputTokens }
        : {}),
    });
  }
  return steps;
}

/** Options of {@link playPlan}. */
export interface PlayPlanOptions {
  /** Request arrival on the `now` clock; steps are due at `arrivalMs + step.atMs`. */
  arrivalMs: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
  /** Epoch ms of `now() === 0`. Default `performance.timeOrigin`. */
  timeOriginMs?: number;
  /** Stops playing (pending timer cleared, no further `send`). */
  signal?: AbortSignal;
  /** Sends one step; `sentAtEpochMs` is the epoch time taken just before the call. A returned
   * promise is awaited before the next step (its due time stays absolute). */
  send: (step: SimStep, sentAtEpochMs: number) => void | Promise<void>;
  /**
   * Awaited before each step is stamped and sent, while it returns a promise (a
   * {@link createSendGate} shared by every request). Default none.
   */
  gate?: () => Promise<void> | null;
}

/**
 * A gate that keeps the simulator's send stamps honest. `Deno.serve` writes what a handler
 * enqueued only once the JavaScript turn ends, so when hundreds of streams are due in the same
 * millisecond (their timers fire in one turn), a chunk stamped early in the turn would reach
 * the socket only after every other stream's chunk was made, ~40 µs each: 10 ms late at 256
 * streams, charged to the client. The gate lets sends through for `sliceMs` of a turn, then
 * makes the rest wait for the next turn (a `MessageChannel` round trip, during which the server
 * writes), so a stamp is at most about a slice ahead of its bytes. The late sends show as the
 * simulator's own lateness against its plan, not as chunk delay.
 *
 * Returns `null` when a send may go now, else a promise to await before asking again.
 *
 * @example Sends past the slice wait for the next turn
 * ```ts
 * import { createSendGate } from "./sim_plan.ts";
 * const gate = createSendGate({ sliceMs: 0 });
 * const first = gate(); // the first send of a turn always goes
 * const second = gate();
 * if (first !== null || second === null) throw new Error("gate");
 * await second;
 * gate.close();
 * ```
 */
export function createSendGate(
  options: { sliceMs?: number } = {},
): (() => Promise<void> | null) & { close(): void } {
  const sliceMs = options.sliceMs ?? 0.2;
  let turnStartMs = -1;
  let waiters: (() => void)[] = [];
  let channel: MessageChannel | null = null;
  let scheduled = false;
  const nextTurn = () => {
    scheduled = false;
    turnStartMs = -1;
    const resume = waiters;
    waiters = [];
    for (const r of resume) r();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    if (channel === null) {
      channel = new MessageChannel();
      channel.port1.onmessage = nextTurn;
    }
    channel.port2.postMessage(0);
  };
  const gate = () => {
    const t = performance.now();
    if (turnStartMs < 0) {
      turnStartMs = t;
      schedule();
      return null;
    }
    if (t - turnStartMs < sliceMs && waiters.length === 0) return null;
    schedule();
    return new Promise<void>((resolve) => waiters.push(resolve));
  };
  return Object.assign(gate, {
    close() {
      channel?.port1.close();
      channel?.port2.close();
      channel = null;
      scheduled = false;
      nextTurn();
    },
  });
}

function _sleepFor(
  delayMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Sleeps until `now() >= dueMs`. Timers may fire up to ~1 ms early (the delay is rounded), so
 * an early wake-up waits again with zero-delay timers instead of sending early. */
async function _sleepUntil(
  dueMs: number,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let delay = dueMs - now();
  if (delay <= 0 || signal?.aborted) return;
  await _sleepFor(delay, signal);
  for (let i = 0; i < 100 && !signal?.aborted; i++) {
    delay = dueMs - now();
    if (delay <= 0) return;
    await _sleepFor(delay < 1 ? 0 : delay, signal);
  }
}

/** A step waiting for its due time on the shared waker. */
interface _Wait {
  dueMs: number;
  resolve: () => void;
}

/**
 * One timer for every response being played (on `performance.now`), instead of a timer and an
 * abort listener per step: at 256 streams the simulator sends ~12,800 steps a second, and the
 * per-step timers, their listeners and the zero-delay re-waits after an early firing were most
 * of what it allocated, so most of its garbage-collection pauses. Due steps are kept in a
 * binary heap by due time; the timer is armed for the earliest and, when it fires, resolves every
 * wait that is due (a timer may fire up to ~1 ms early, the delay being rounded: it is then armed
 * again, with a zero delay inside the last millisecond).
 */
const _waker = {
  heap: [] as _Wait[],
  timer: null as ReturnType<typeof setTimeout> | null,
  armedForMs: Infinity,
};

function _heapPush(w: _Wait): void {
  const h = _waker.heap;
  h.push(w);
  for (let i = h.length - 1; i > 0;) {
    const parent = (i - 1) >> 1;
    if (h[parent].dueMs <= h[i].dueMs) break;
    [h[parent], h[i]] = [h[i], h[parent]];
    i = parent;
  }
}

function _heapPop(): _Wait {
  const h = _waker.heap;
  const top = h[0];
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    for (let i = 0;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && h[l].dueMs < h[m].dueMs) m = l;
      if (r < h.length && h[r].dueMs < h[m].dueMs) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}

function _arm(): void {
  const h = _waker.heap;
  const next = h.length > 0 ? h[0].dueMs : Infinity;
  if (next === _waker.armedForMs) return;
  if (_waker.timer !== null) clearTimeout(_waker.timer);
  _waker.timer = null;
  _waker.armedForMs = next;
  if (next === Infinity) return;
  const delay = next - performance.now();
  _waker.timer = setTimeout(_fire, delay < 1 ? 0 : delay);
}

function _fire(): void {
  _waker.timer = null;
  _waker.armedForMs = Infinity;
  const t = performance.now();
  const h = _waker.heap;
  while (h.length > 0 && h[0].dueMs <= t) _heapPop().resolve();
  _arm();
}

/** Adds a wait to the waker. */
function _schedule(wait: _Wait): void {
  _heapPush(wait);
  if (wait.dueMs < _waker.armedForMs) _arm();
}

/** Drops a wait that will not be needed (its response was aborted). */
function _drop(wait: _Wait): void {
  const h = _waker.heap;
  if (!h.includes(wait)) return;
  // Rare (a client went away): rebuild the heap without it.
  const rest = h.filter((w) => w !== wait);
  h.length = 0;
  for (const w of rest) _heapPush(w);
  _arm();
}

/**
 * Plays a plan: waits until each step is due (against absolute times `arrivalMs + atMs`, so
 * timer lateness never accumulates) and calls `send` with the step and its real send time as
 * epoch ms. Resolves when all steps are sent or the signal aborts; returns the number of steps
 * sent.
 *
 * @example Play a two-chunk plan without waiting
 * ```ts
 * import { playPlan } from "./sim_plan.ts";
 * const kinds: string[] = [];
 * const sent = await playPlan({
 *   inputTokens: 1, outputTokens: 2, finishReason: "length", openAtMs: 0, endAtMs: 0,
 *   chunks: [{ index: 0, text: "a", tokens: 1, atMs: 0 }, { index: 1, text: " b", tokens: 1, atMs: 0 }],
 * }, { arrivalMs: performance.now(), send: (step) => void kinds.push(step.kind) });
 * if (sent !== 4 || kinds.join() !== "open,chunk,chunk,end") throw new Error(kinds.join());
 * ```
 */
export async function playPlan(plan: SimResponsePlan, options: PlayPlanOptions): Promise<number> {
  const now = options.now ?? (() => performance.now());
  const timeOriginMs = options.timeOriginMs ?? performance.timeOrigin;
  const { signal, send, arrivalMs } = options;
  let sent = 0;
  // On `performance.now`, the shared waker (one abort listener for the whole plan).
  const shared = options.now === undefined;
  let current: _Wait | null = null;
  const onAbort = () => {
    if (current === null) return;
    _drop(current);
    current.resolve();
  };
  if (shared) signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (const step of planSteps(plan)) {
      const dueMs = arrivalMs + step.atMs;
      if (!shared) await _sleepUntil(dueMs, now, signal);
      else if (dueMs > performance.now() && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          current = { dueMs, resolve };
          _schedule(current);
        });
        current = null;
      }
      for (let wait = options.gate?.(); wait; wait = options.gate?.()) await wait;
      if (signal?.aborted) break;
      const result = send(step, timeOriginMs + now());
      if (result) await result;
      sent++;
    }
  } finally {
    if (shared) signal?.removeEventListener("abort", onAbort);
  }
  return sent;
}
