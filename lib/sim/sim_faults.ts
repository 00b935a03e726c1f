/**
 * Fault injection for the built-in simulator, as data: which faults exist, which requests get
 * one (on a schedule or at random), and how a fault changes a response plan. The simulator
 * ({@link startSimulator}) plays the faults that need a connection (resets, slow drip) and asks
 * the wire format to encode the ones that need bytes of its own (malformed SSE lines, invalid
 * JSON, empty `choices`).
 *
 * @module
 */
import type { SimResponsePlan } from "./sim_plan.ts";
import type { SimVocabulary } from "./sim_vocabulary.ts";

/**
 * The faults the simulator can inject:
 * - `http-429`: HTTP 429 with a `Retry-After` header (use `burst` for a burst of them);
 * - `http-500`, `http-502`, `http-503`: HTTP errors instead of a stream;
 * - `reset-before-headers`: the connection is dropped before any response byte;
 * - `reset-mid-stream`: the connection is broken after `afterChunks` content chunks;
 * - `stall`: no byte for `stallMs` before content chunk `afterChunks` (default: before the
 *   first token), longer than a client's timeout;
 * - `malformed-sse`: lines that are not valid SSE fields (ignored by the SSE rules) before
 *   every content chunk from `afterChunks` on;
 * - `invalid-json`: a `data:` line whose JSON is cut short, at chunk `afterChunks`;
 * - `empty-choices`: chunks with `"choices": []` before every content chunk from `afterChunks`;
 * - `huge-chunk`: content chunk `afterChunks` carries `tokens` more tokens (hundreds of KB);
 * - `slow-drip`: every byte of the response is sent in pieces of `bytes` bytes, `dripMs` apart.
 *
 * The last three wire faults apply to formats that encode them (OpenAI SSE); other formats
 * ignore them (the log's `fault` stays null).
 *
 * @example
 * ```ts
 * import { SIM_FAULT_KINDS } from "./sim_faults.ts";
 * if (!SIM_FAULT_KINDS.includes("http-429")) throw new Error("429");
 * ```
 */
export const SIM_FAULT_KINDS = [
  "http-429",
  "http-500",
  "http-502",
  "http-503",
  "reset-before-headers",
  "reset-mid-stream",
  "stall",
  "malformed-sse",
  "invalid-json",
  "empty-choices",
  "huge-chunk",
  "slow-drip",
] as const;

/** One of {@link SIM_FAULT_KINDS}. */
export type SimFaultKind = typeof SIM_FAULT_KINDS[number];

/** Faults a wire format encodes itself ({@link SimFaultEncoder}). */
export const SIM_WIRE_FAULT_KINDS = ["malformed-sse", "invalid-json", "empty-choices"] as const;

/**
 * A fault and the requests it hits. Requests are counted in arrival order from 0 (the
 * simulator log's `requestId`). Without `rate`, `every` and `requests`, every request is hit.
 * A request gets at most one fault: the first in the list that hits it.
 */
export interface SimFault {
  /** What goes wrong. */
  kind: SimFaultKind;
  /** Fraction (0..1) of requests hit at random (seeded by the simulator's seed). */
  rate?: number;
  /** Every N-th request: requests N-1, 2N-1, …. Positive integer. */
  every?: number;
  /** These requests. */
  requests?: readonly number[];
  /** Each hit also hits the next `burst - 1` requests (a burst of 429s). Default 1. */
  burst?: number;
  /** Content chunks sent before a mid-stream fault. Default 0 for `stall`, else 1. */
  afterChunks?: number;
  /** `stall`: the pause, ms. Default 30000. */
  stallMs?: number;
  /** `http-429`: the `Retry-After` header, seconds. Default 1. */
  retryAfterS?: number;
  /** `huge-chunk`: tokens added to the chunk. Default 50000 (about 300 KB of text). */
  tokens?: number;
  /** `slow-drip`: bytes per write. Default 1. */
  bytes?: number;
  /** `slow-drip`: pause between writes, ms. Default 1. */
  dripMs?: number;
}

/** A wire format that can encode {@link SIM_WIRE_FAULT_KINDS} (the OpenAI SSE encoder can). */
export interface SimFaultEncoder {
  /** Bytes (or text) to send for a wire fault before a content chunk; null sends nothing. */
  encodeFault(kind: SimFaultKind, sentAtEpochMs: number): string | Uint8Array | null;
}

const _HTTP: Partial<Record<SimFaultKind, { status: number; type: string }>> = {
  "http-429": { status: 429, type: "rate_limit_exceeded" },
  "http-500": { status: 500, type: "server_error" },
  "http-502": { status: 502, type: "bad_gateway" },
  "http-503": { status: 503, type: "service_unavailable" },
};

const _PARAMS: Record<string, keyof SimFault> = {
  rate: "rate",
  every: "every",
  requests: "requests",
  burst: "burst",
  "after-chunks": "afterChunks",
  "stall-ms": "stallMs",
  "retry-after-s": "retryAfterS",
  tokens: "tokens",
  bytes: "bytes",
  "drip-ms": "dripMs",
};

/** Content chunks sent before the fault of `fault`, with its kind's default. */
export function simFaultAfterChunks(fault: SimFault): number {
  return fault.afterChunks ?? (fault.kind === "stall" ? 0 : 1);
}

/**
 * Checks a list of faults; throws a `RangeError`/`TypeError` naming the bad value.
 *
 * @example
 * ```ts
 * import { validateSimFaults } from "./sim_faults.ts";
 * validateSimFaults([{ kind: "http-429", rate: 0.1, burst: 3 }]);
 * let thrown = false;
 * try {
 *   validateSimFaults([{ kind: "http-429", rate: 2 }]);
 * } catch (e) {
 *   thrown = e instanceof RangeError && e.message.includes("rate");
 * }
 * if (!thrown) throw new Error("rate 2 accepted");
 * ```
 */
export function validateSimFaults(faults: readonly SimFault[]): void {
  if (!Array.isArray(faults)) {
    throw new TypeError(`Cannot start simulator: 'faults' must be an array, got ${typeof faults}`);
  }
  faults.forEach((f, i) => {
    const where = `'faults[${i}]`;
    if (f === null || typeof f !== "object") {
      throw new TypeError(`Cannot start simulator: ${where}' must be an object, got ${f}`);
    }
    if (!(SIM_FAULT_KINDS as readonly string[]).includes(f.kind)) {
      throw new RangeError(
        `Cannot start simulator: ${where}.kind' must be one of ${SIM_FAULT_KINDS.join(", ")}, got ${
          JSON.stringify(f.kind)
        }`,
      );
    }
    const bad = (name: string, what: string, value: unknown): never => {
      throw new RangeError(
        `Cannot start simulator: ${where}.${name}' must be ${what}, got ${JSON.stringify(value)}`,
      );
    };
    const isInt = (v: unknown, min: number) =>
      typeof v === "number" && Number.isInteger(v) && v >= min;
    const isNum = (v: unknown, min: number) =>
      typeof v === "number" && Number.isFinite(v) && v >= min;
    if (f.rate !== undefined && !(isNum(f.rate, 0) && f.rate <= 1)) {
      bad("rate", "a number between 0 and 1", f.rate);
    }
    if (f.every !== undefined && !isInt(f.every, 1)) bad("every", "a positive integer", f.every);
    if (f.requests !== undefined) {
      if (!Array.isArray(f.requests) || !(f.requests as unknown[]).every((id) => isInt(id, 0))) {
        bad("requests", "an array of non-negative integers", f.requests);
      }
    }
    if (f.burst !== undefined && !isInt(f.burst, 1)) bad("burst", "a positive integer", f.burst);
    if (f.afterChunks !== undefined && !isInt(f.afterChunks, 0)) {
      bad("afterChunks", "a non-negative integer", f.afterChunks);
    }
    if (f.stallMs !== undefined && !isNum(f.stallMs, 0)) {
      bad("stallMs", "a non-negative number", f.stallMs);
    }
    if (f.retryAfterS !== undefined && !isInt(f.retryAfterS, 0)) {
      bad("retryAfterS", "a non-negative integer", f.retryAfterS);
    }
    if (f.tokens !== undefined && !isInt(f.tokens, 1)) {
      bad("tokens", "a positive integer", f.tokens);
    }
    if (f.bytes !== undefined && !isInt(f.bytes, 1)) bad("bytes", "a positive integer", f.bytes);
    if (f.dripMs !== undefined && !isNum(f.dripMs, 0)) {
      bad("dripMs", "a non-negative number", f.dripMs);
    }
  });
}

/**
 * Parses the simulator's `--fault` flag: `KIND[:RATE][:key=value…]`, keys `rate`, `every`,
 * `requests` (ids joined by `+`), `burst`, `after-chunks`, `stall-ms`, `retry-after-s`,
 * `tokens`, `bytes`, `drip-ms`. A bare number is the rate; a bare kind hits every request.
 * Throws a `RangeError` naming the bad part.
 *
 * @example A burst of three 429s at 5 % of requests, and a stall every 10th request
 * ```ts
 * import { parseSimFault } from "./sim_faults.ts";
 * const f = parseSimFault("http-429:0.05:burst=3:retry-after-s=2");
 * if (f.rate !== 0.05 || f.burst !== 3 || f.retryAfterS !== 2) throw new Error("429");
 * const s = parseSimFault("stall:every=10:stall-ms=5000");
 * if (s.kind !== "stall" || s.every !== 10 || s.stallMs !== 5000) throw new Error("stall");
 * ```
 */
export function parseSimFault(text: string): SimFault {
  const [kind, ...parts] = String(text).split(":");
  const fault: Record<string, unknown> = { kind };
  for (const part of parts) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? "rate" : part.slice(0, eq);
    const value = eq < 0 ? part : part.slice(eq + 1);
    const field = _PARAMS[key];
    if (field === undefined) {
      throw new RangeError(
        `Cannot parse fault '${text}': unknown key '${key}' (known: ${
          Object.keys(_PARAMS).join(", ")
        })`,
      );
    }
    if (field === "requests") {
      fault.requests = value.split("+").map((v) => (v.trim() === "" ? NaN : Number(v)));
    } else {
      fault[field] = value.trim() === "" ? NaN : Number(value);
    }
  }
  try {
    validateSimFaults([fault as unknown as SimFault]);
  } catch (error) {
    const why = (error as Error).message.replace(/^Cannot start simulator: 'faults\[0\]\.?/, "");
    throw new RangeError(`Cannot parse fault '${text}': '${why}`);
  }
  return fault as unknown as SimFault;
}

/** Options of {@link createSimFaultPicker}. */
export interface SimFaultPickerOptions {
  /** Uniform [0, 1) numbers for `rate` faults; one draw per rate fault per request. */
  random: () => number;
}

/**
 * Returns a picker that, called once per request in arrival order with its id, says which
 * fault (if any) the request gets: the first fault of `faults` that hits it. A hit of a fault
 * with `burst: B` also hits the next B − 1 requests picked.
 *
 * @example Every third request, bursts of two
 * ```ts
 * import { createSimFaultPicker } from "./sim_faults.ts";
 * const pick = createSimFaultPicker([{ kind: "http-503", every: 3, burst: 2 }], { random: Math.random });
 * const hits = [0, 1, 2, 3, 4, 5, 6].map((id) => pick(id)?.kind ?? "-");
 * if (hits.join() !== "-,-,http-503,http-503,-,http-503,http-503") throw new Error(hits.join());
 * ```
 */
export function createSimFaultPicker(
  faults: readonly SimFault[],
  options: SimFaultPickerOptions,
): (requestId: number) => SimFault | null {
  validateSimFaults(faults);
  const burstLeft = faults.map(() => 0);
  const lists = faults.map((f) => new Set(f.requests ?? []));
  return (requestId: number) => {
    let chosen: SimFault | null = null;
    faults.forEach((f, i) => {
      // Draw for every rate fault every time, so one fault's hits never shift another's.
      const draw = f.rate !== undefined ? options.random() : 1;
      let hit = burstLeft[i] > 0;
      if (hit) burstLeft[i]--;
      else {
        const scheduled = f.rate === undefined && f.every === undefined &&
          f.requests === undefined;
        hit = scheduled || lists[i].has(requestId) ||
          (f.every !== undefined && (requestId + 1) % f.every === 0) ||
          (f.rate !== undefined && draw < f.rate);
        if (hit) burstLeft[i] = (f.burst ?? 1) - 1;
      }
      if (hit && chosen === null) chosen = f;
    });
    return chosen;
  };
}

/** What {@link applySimFault} needs besides the plan. */
export interface ApplySimFaultOptions {
  /** Single-token words for `huge-chunk` text. */
  vocabulary: SimVocabulary;
  /** Uniform [0, 1) numbers for `huge-chunk` word choice. */
  random: () => number;
}

/**
 * The plan of a response hit by `fault`, for the faults that change the plan (pure; other
 * faults return the plan unchanged): `http-*` replace it by an HTTP error (429 with its
 * `retryAfterS`); `stall` delays content chunk `afterChunks` and everything after it by
 * `stallMs`; `huge-chunk` adds `tokens` tokens to content chunk `afterChunks` (the usage
 * counts follow).
 *
 * @example A stall before the first token
 * ```ts
 * import { applySimFault } from "./sim_faults.ts";
 * const plan = {
 *   inputTokens: 1, outputTokens: 2, finishReason: "length" as const, openAtMs: 0, endAtMs: 20,
 *   chunks: [{ index: 0, text: "a", tokens: 1, atMs: 10 }, { index: 1, text: " b", tokens: 1, atMs: 20 }],
 * };
 * const stalled = applySimFault(plan, { kind: "stall", stallMs: 1000 }, {
 *   vocabulary: { words: ["a"], overheadTokens: 0 }, random: () => 0,
 * });
 * if (stalled.chunks[0].atMs !== 1010 || stalled.endAtMs !== 1020) throw new Error("stall");
 * ```
 */
export function applySimFault(
  plan: SimResponsePlan,
  fault: SimFault,
  options: ApplySimFaultOptions,
): SimResponsePlan {
  const http = _HTTP[fault.kind];
  if (http) {
    const error = {
      where: "http" as const,
      status: http.status,
      type: http.type,
      message: `Simulated fault: HTTP ${http.status}`,
      atMs: plan.openAtMs,
      ...(http.status === 429 ? { retryAfterS: fault.retryAfterS ?? 1 } : {}),
    };
    return {
      ...plan,
      outputTokens: 0,
      finishReason: "stop",
      chunks: [],
      endAtMs: plan.openAtMs,
      error,
    };
  }
  if (plan.error?.where === "http") return plan;
  const at = simFaultAfterChunks(fault);
  if (fault.kind === "stall") {
    const stallMs = fault.stallMs ?? 30_000;
    const shifted = plan.chunks.map((c) => (c.index >= at ? { ...c, atMs: c.atMs + stallMs } : c));
    const out: SimResponsePlan = { ...plan, chunks: shifted, endAtMs: plan.endAtMs + stallMs };
    if (plan.error) out.error = { ...plan.error, atMs: plan.error.atMs + stallMs };
    return out;
  }
  if (fault.kind === "huge-chunk" && plan.chunks.length > 0) {
    const extra = fault.tokens ?? 50_000;
    const words = options.vocabulary.words;
    const index = Math.min(at, plan.chunks.length - 1);
    const parts: string[] = [];
    for (let i = 0; i < extra; i++) parts.push(words[Math.floor(options.random() * words.length)]);
    const chunks = plan.chunks.map((c) =>
      c.index === index
        ? { ...c, text: `${c.text} ${parts.join(" ")}`, tokens: c.tokens + extra }
        : c
    );
    return { ...plan, chunks, outputTokens: plan.outputTokens + extra };
  }
  return plan;
}
