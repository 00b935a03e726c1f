/**
 * The simulator's ground-truth log: one {@link SimRequestLog} per request (re-exported by
 * `simulator.ts`), kept by a {@link SimRequestLogs} store that drops the oldest past its limit.
 *
 * @module
 */

/** Ground truth of one request, as the simulator saw and sent it. Times are epoch ms. */
export interface SimRequestLog {
  /** 0-based arrival order. */
  requestId: number;
  /** Wire format that served it (`openai-chat`, …). */
  format: string;
  /** Request path. */
  path: string;
  /** Query parameters, secret-looking values replaced by `[redacted]`. */
  query: Record<string, string>;
  /** Request headers (lower-case names), secret values (authorization, keys, tokens, cookies)
   * replaced by `[redacted]`. */
  headers: Record<string, string>;
  /** Model asked for. */
  model: string;
  /** Streamed response asked for. */
  stream: boolean;
  /** Output tokens allowed (request's `max_tokens` or the default). */
  maxTokens: number;
  /** When the request arrived (handler entered). */
  arrivalEpochMs: number;
  /** When the response headers were released (with the opening message), if they were. */
  headersSentEpochMs: number | null;
  /** HTTP status sent. */
  status: number;
  /** Prompt tokens counted by the simulator's tokenizer. */
  inputTokens: number;
  /** Of those, tokens found in the prefix cache (a simulator with one only). */
  cachedInputTokens?: number;
  /** Output tokens planned (before any injected in-stream error). */
  plannedOutputTokens: number;
  /** Output tokens sent. */
  outputTokens: number;
  /** Send stamp of each content chunk sent. */
  chunkSentEpochMs: number[];
  /** Tokens in each content chunk sent. */
  chunkTokens: number[];
  /** Planned send offset of each content chunk sent, ms after arrival. */
  chunkPlannedMs: number[];
  /** When the end of the response (finish, usage or error) was sent. */
  endSentEpochMs: number | null;
  /** Finish reason sent, if the response finished normally. */
  finishReason: string | null;
  /** Injected or request error sent, if any. */
  error: { where: "http" | "stream"; status: number; type: string; message: string } | null;
  /** The client went away before the end. */
  disconnected: boolean;
  /** The fault injected into this response (`SIM_FAULT_KINDS`), if any. */
  fault: string | null;
}

/** Where a request log starts: what is known when the request arrives. */
export interface SimRequestLogStart {
  /** 0-based arrival order. */
  requestId: number;
  /** Name of the wire format serving it. */
  format: string;
  /** The request's URL (path and query are logged, secrets redacted). */
  url: URL;
  /** The request's headers (secrets redacted). */
  headers: Headers;
  /** Arrival, epoch ms. */
  arrivalEpochMs: number;
}

/**
 * A fresh log entry for an arriving request: nothing sent yet (status 0, no stamps), secret
 * headers and query values (`auth`, `key`, `token`, `secret`, `cookie`, … in the name) redacted.
 *
 * @example Secrets are redacted
 * ```ts
 * import { newSimRequestLog } from "./_sim_request_log.ts";
 * const entry = newSimRequestLog({
 *   requestId: 0,
 *   format: "openai-chat",
 *   url: new URL("http://127.0.0.1/v1/chat/completions?api_key=x"),
 *   headers: new Headers({ authorization: "Bearer x", "x-trace": "1" }),
 *   arrivalEpochMs: Date.now(),
 * });
 * if (entry.headers.authorization !== "[redacted]" || entry.query.api_key !== "[redacted]") {
 *   throw new Error("not redacted");
 * }
 * if (entry.headers["x-trace"] !== "1" || entry.status !== 0) throw new Error("entry");
 * ```
 */
export function newSimRequestLog(start: SimRequestLogStart): SimRequestLog {
  return {
    requestId: start.requestId,
    format: start.format,
    path: start.url.pathname,
    query: _redact(start.url.searchParams),
    headers: _redact(start.headers),
    model: "",
    stream: false,
    maxTokens: 0,
    arrivalEpochMs: start.arrivalEpochMs,
    headersSentEpochMs: null,
    status: 0,
    inputTokens: 0,
    plannedOutputTokens: 0,
    outputTokens: 0,
    chunkSentEpochMs: [],
    chunkTokens: [],
    chunkPlannedMs: [],
    endSentEpochMs: null,
    finishReason: null,
    error: null,
    disconnected: false,
    fault: null,
  };
}

/** The log of one simulator: live entries (updated as their responses are sent), oldest first. */
export interface SimRequestLogs {
  /** Appends an entry, dropping the oldest past the limit. */
  add(entry: SimRequestLog): void;
  /** The live entries with `requestId > since` (for `GET /_sim/log?since=ID`). */
  since(since: number): SimRequestLog[];
  /** Deep copies of every entry. */
  copies(): SimRequestLog[];
  /** Forgets every entry. */
  clear(): void;
}

/**
 * A log keeping the last `limit` requests.
 *
 * @example The oldest entries are dropped
 * ```ts
 * import { createSimRequestLogs, newSimRequestLog } from "./_sim_request_log.ts";
 * const logs = createSimRequestLogs(2);
 * for (const requestId of [0, 1, 2]) {
 *   logs.add(newSimRequestLog({
 *     requestId, format: "f", url: new URL("http://h/"), headers: new Headers(), arrivalEpochMs: 0,
 *   }));
 * }
 * if (logs.copies().map((l) => l.requestId).join() !== "1,2") throw new Error("limit");
 * if (logs.since(1).length !== 1) throw new Error("since");
 * ```
 */
export function createSimRequestLogs(limit: number): SimRequestLogs {
  const logs: SimRequestLog[] = [];
  return {
    add(entry) {
      logs.push(entry);
      if (logs.length > limit) logs.splice(0, logs.length - limit);
    },
    since: (since) => logs.filter((l) => l.requestId > since),
    copies: () => logs.map((l) => structuredClone(l)),
    clear: () => void (logs.length = 0),
  };
}

const _SECRET_NAME = /auth|key|token|secret|cookie|signature|credential|password/i;

function _redact(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    out[name] = _SECRET_NAME.test(name) ? "[redacted]" : value;
  }
  return out;
}
