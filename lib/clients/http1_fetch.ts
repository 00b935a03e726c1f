/**
 * A light `fetch` for plain-HTTP/1.1 endpoints over `Deno.connect`, for streaming clients that
 * must not be the bottleneck: on this project's 2-core machine it reads a server-sent-events
 * chunk for about half the CPU time of Deno's `fetch` (docs/scaling.md has the figures).
 *
 * @module
 */
import { headEnd, lineEnd } from "../wire/http1_wire.ts";

/** Options of {@link createHttp1Fetch}. */
export interface Http1FetchOptions {
  /** Opens a TCP connection. Default `Deno.connect`. */
  connect?: (options: { hostname: string; port: number }) => Promise<Deno.Conn>;
  /**
   * Serves what this client does not handle: `https:` and other schemes, `Request` objects,
   * bodies other than strings, bytes and `URLSearchParams`. Default `globalThis.fetch`.
   */
  fallback?: typeof fetch;
  /** Idle keep-alive connections kept per origin. Default 1024. */
  maxIdlePerOrigin?: number;
  /**
   * An idle connection older than this is closed instead of reused (servers close idle
   * connections after a few seconds: uvicorn after 5 s). Default 2000 ms.
   */
  idleTimeoutMs?: number;
  /** Clock for the idle timeout, ms. Default `performance.now`. */
  now?: () => number;
}

/** A `fetch` over `Deno.connect` with a keep-alive pool; `close()` closes idle connections. */
export interface Http1Fetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Close every idle connection; connections in use close when their response ends. */
  close(): void;
  /** Connections opened so far (for tests and diagnostics). */
  readonly connectionsOpened: number;
  /**
   * Open up to `count` connections to the origin of `url` (a plain `http:` URL) and keep them
   * idle for the next requests, so that those pay no TCP connect (`--preconnect`). Resolves
   * with the number opened; a failed connect ends it early (no error: the requests will say).
   */
  preconnect(url: string | URL, count: number): Promise<number>;
}

const _ENCODER = new TextEncoder();
const _LATIN1 = new TextDecoder("latin1");
const _MAX_HEAD = 64 * 1024;
const _RECEIVED = Symbol("tokenbench.receivedMs");

/**
 * When the bytes of a body piece from {@link createHttp1Fetch} were read from the connection
 * (`performance.now()` as the read that completed the piece returned), or `undefined` for any
 * other piece.
 *
 * @example A piece from elsewhere has no stamp
 * ```ts
 * import { receivedMs } from "./http1_fetch.ts";
 * if (receivedMs(new Uint8Array(1)) !== undefined) throw new Error("stamp");
 * ```
 */
export function receivedMs(piece: Uint8Array): number | undefined {
  return (piece as Uint8Array & { [_RECEIVED]?: number })[_RECEIVED];
}

const _STAMPS = Symbol("tokenbench.responseStamps");

/** When a response from {@link createHttp1Fetch} was sent and its head read. */
export interface ResponseStamps {
  /** `performance.now()` as the write of the request's last byte returned. */
  sentMs: number;
  /** `performance.now()` as the read that completed the response head returned. */
  headersMs: number;
  /** The request opened a new connection (none was idle for its origin). */
  newConnection: boolean;
}

/**
 * The send and head stamps of a response from {@link createHttp1Fetch}, or `undefined` for any
 * other response.
 *
 * @example A response from elsewhere has none
 * ```ts
 * import { responseStamps } from "./http1_fetch.ts";
 * if (responseStamps(new Response("hi")) !== undefined) throw new Error("stamps");
 * ```
 */
export function responseStamps(response: Response): ResponseStamps | undefined {
  return (response as Response & { [_STAMPS]?: ResponseStamps })[_STAMPS];
}

function _stamped(response: Response, stamps: ResponseStamps): Response {
  (response as Response & { [_STAMPS]?: ResponseStamps })[_STAMPS] = stamps;
  return response;
}

interface _Idle {
  conn: Deno.Conn;
  since: number;
}

/** Thrown inside a request when a reused connection turned out to be closed by the server. */
class _StaleConnection extends Error {}

/**
 * Create a `fetch`-compatible function that speaks HTTP/1.1 over `Deno.connect` for `http:`
 * URLs: one request per connection at a time, keep-alive reuse, `content-length`, chunked and
 * close-delimited bodies, abort signals (the request rejects with `signal.reason`, a body being
 * read errors with it). No redirects (a 3xx is returned as is), no proxy. It sends
 * `accept-encoding: identity` (unless the caller sets one); a body sent compressed anyway is
 * decoded when it is gzip or deflate, and any other `content-encoding` errors the body with a
 * message naming it. Everything else goes to `fallback`. A reused connection that the
 * server had closed before answering is retried once on a new connection.
 *
 * @example Against a local server
 * ```ts
 * import { createHttp1Fetch } from "./http1_fetch.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) =>
 *   new Response(`you sent ${await req.text()}`));
 * const fetch1 = createHttp1Fetch();
 * try {
 *   const res = await fetch1(`http://127.0.0.1:${server.addr.port}/`, { method: "POST", body: "hi" });
 *   if (res.status !== 200 || (await res.text()) !== "you sent hi") throw new Error("reply");
 * } finally {
 *   fetch1.close();
 *   await server.shutdown();
 * }
 * ```
 */
export function createHttp1Fetch(options: Http1FetchOptions = {}): Http1Fetch {
  const connect = options.connect ??
    ((o: { hostname: string; port: number }) => Deno.connect(o) as Promise<Deno.Conn>);
  const fallback = options.fallback ?? ((...args) => globalThis.fetch(...args));
  const maxIdle = options.maxIdlePerOrigin ?? 1024;
  const idleTimeoutMs = options.idleTimeoutMs ?? 2000;
  const now = options.now ?? (() => performance.now());
  if (!(Number.isInteger(maxIdle) && maxIdle >= 0)) {
    throw new RangeError(
      `Cannot create HTTP/1.1 fetch: 'maxIdlePerOrigin' must be an integer >= 0, got ${maxIdle}`,
    );
  }
  if (!(idleTimeoutMs >= 0)) {
    throw new RangeError(
      `Cannot create HTTP/1.1 fetch: 'idleTimeoutMs' must be a number >= 0, got ${idleTimeoutMs}`,
    );
  }
  const idle = new Map<string, _Idle[]>();
  let closed = false;
  let opened = 0;

  const take = (origin: string): Deno.Conn | null => {
    const list = idle.get(origin);
    const t = now();
    while (list && list.length > 0) {
      const entry = list.pop()!;
      if (t - entry.since <= idleTimeoutMs) return entry.conn;
      _close(entry.conn);
    }
    return null;
  };
  const release = (origin: string, conn: Deno.Conn) => {
    let list = idle.get(origin);
    if (!list) idle.set(origin, list = []);
    if (closed || list.length >= maxIdle) _close(conn);
    else list.push({ conn, since: now() });
  };

  const http1Fetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    if (input instanceof Request) return fallback(input, init);
    const url = new URL(String(input));
    const body = _bodyBytes(init.body);
    if (url.protocol !== "http:" || body === undefined) return fallback(input, init);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const method = (init.method ?? (body.bytes ? "POST" : "GET")).toUpperCase();
    const head = _requestHead(method, url, new Headers(init.headers), body);
    const request = new Uint8Array(head.length + (body.bytes?.length ?? 0));
    _ENCODER.encodeInto(head, request);
    if (body.bytes) request.set(body.bytes, head.length);
    const origin = url.origin;
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || 80);
    for (let attempt = 0;; attempt++) {
      let conn = attempt === 0 ? take(origin) : null;
      const reused = conn !== null;
      if (conn === null) {
        conn = await _abortable(connect({ hostname, port }), signal, null).catch((err) => {
          if (signal?.aborted) throw signal.reason;
          throw new TypeError(`error sending request for url (${url.href}): ${_message(err)}`, {
            cause: err,
          });
        });
        opened++;
      }
      try {
        return await _exchange(conn, request, method, signal, reused, (reusable) => {
          if (reusable) release(origin, conn!);
          else _close(conn!);
        });
      } catch (err) {
        _close(conn);
        if (err instanceof _StaleConnection && attempt === 0) continue;
        if (signal?.aborted) throw signal.reason;
        throw new TypeError(`error sending request for url (${url.href}): ${_message(err)}`, {
          cause: err,
        });
      }
    }
  };
  const result = http1Fetch as Http1Fetch;
  result.close = () => {
    closed = true;
    for (const list of idle.values()) for (const { conn } of list) _close(conn);
    idle.clear();
  };
  Object.defineProperty(result, "connectionsOpened", { get: () => opened });
  result.preconnect = async (input: string | URL, count: number): Promise<number> => {
    const url = new URL(String(input));
    if (url.protocol !== "http:" || !(count > 0)) return 0;
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || 80);
    const conns = await Promise.all(
      Array.from(
        { length: Math.floor(count) },
        () => connect({ hostname, port }).catch(() => null),
      ),
    );
    let made = 0;
    for (const conn of conns) {
      if (conn === null) continue;
      opened++;
      made++;
      release(url.origin, conn);
    }
    return made;
  };
  return result;
}

function _message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function _close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** The request body as bytes; `undefined` when this client does not handle its type. */
function _bodyBytes(
  body: BodyInit | null | undefined,
): { bytes: Uint8Array | null; type?: string } | undefined {
  if (body === undefined || body === null) return { bytes: null };
  if (typeof body === "string") {
    return { bytes: _ENCODER.encode(body), type: "text/plain;charset=UTF-8" };
  }
  if (body instanceof Uint8Array) return { bytes: body };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  if (body instanceof URLSearchParams) {
    return {
      bytes: _ENCODER.encode(body.toString()),
      type: "application/x-www-form-urlencoded;charset=UTF-8",
    };
  }
  return undefined;
}

function _requestHead(
  method: string,
  url: URL,
  headers: Headers,
  body: { bytes: Uint8Array | null; type?: string },
): string {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of headers) {
    if (name === "host" || name === "content-length" || name === "transfer-encoding") continue;
    if (/[\r\n]/.test(value)) throw new TypeError(`Invalid header value for '${name}'`);
    head += `${name}: ${value}\r\n`;
  }
  if (!headers.has("accept")) head += "accept: */*\r\n";
  // Ask for the body as it is: a proxy that compresses anyway is decoded (gzip, deflate) or
  // named in the error.
  if (!headers.has("accept-encoding")) head += "accept-encoding: identity\r\n";
  if (body.type && !headers.has("content-type")) head += `content-type: ${body.type}\r\n`;
  if (body.bytes) head += `content-length: ${body.bytes.length}\r\n`;
  else if (method === "POST" || method === "PUT" || method === "PATCH") {
    head += "content-length: 0\r\n";
  }
  return head + "\r\n";
}

/** Races `promise` with `signal`; on abort runs `onAbort` and rejects with the reason. */
function _abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: (() => void) | null,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(signal.reason);
    };
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", abort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", abort);
        reject(e);
      },
    );
  });
}

/**
 * Send one request on `conn` and return the response; the body streams from the connection.
 * `done(reusable)` is called once, when the connection is no longer needed by this exchange.
 */
async function _exchange(
  conn: Deno.Conn,
  request: Uint8Array,
  method: string,
  signal: AbortSignal | undefined,
  reused: boolean,
  done: (reusable: boolean) => void,
): Promise<Response> {
  const kill = () => _close(conn);
  // The send stamp: as the write of the request's last bytes is issued (the socket takes a
  // small request in one write; the write's promise settles only when this thread's event loop
  // gets to it, later than the bytes leave).
  let sentMs = 0;
  const write = async () => {
    for (let at = 0; at < request.length;) {
      sentMs = performance.now();
      at += await conn.write(request.subarray(at));
    }
  };
  try {
    await _abortable(write(), signal, kill);
  } catch (err) {
    if (reused && !signal?.aborted) throw new _StaleConnection(_message(err));
    throw err;
  }
  let buf = new Uint8Array(16 * 1024);
  let len = 0;
  let pos = 0;
  let readMs = 0;
  const fill = async (): Promise<boolean> => {
    if (pos > 0 && pos === len) pos = len = 0;
    if (len === buf.length) {
      if (pos > 0) {
        buf.copyWithin(0, pos, len);
        len -= pos;
        pos = 0;
      } else {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
    }
    const n = await conn.read(buf.subarray(len));
    readMs = performance.now();
    if (n === null) return false;
    len += n;
    return true;
  };

  // ---- response head (1xx answers are skipped)
  let status = 0;
  let statusText = "";
  const headers = new Headers();
  let http10 = false;
  let headersMs = 0;
  for (;;) {
    let end = headEnd(buf, pos, len);
    while (end < 0) {
      if (len - pos > _MAX_HEAD) throw new Error("response head larger than 64 KiB");
      let more: boolean;
      try {
        more = await _abortable(fill(), signal, kill);
      } catch (err) {
        if (reused && len === 0 && !signal?.aborted) throw new _StaleConnection(_message(err));
        throw err;
      }
      if (!more) {
        if (reused && len === 0) throw new _StaleConnection("connection closed");
        throw new Error("connection closed before the response head");
      }
      end = headEnd(buf, pos, len);
    }
    headersMs = readMs;
    const lines = _LATIN1.decode(buf.subarray(pos, end)).split("\r\n");
    pos = end + 4;
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!m) throw new Error(`malformed status line: ${lines[0].slice(0, 80)}`);
    status = Number(m[2]);
    if (status >= 100 && status < 200) continue;
    http10 = m[1] === "0";
    statusText = m[3] ?? "";
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(":");
      if (colon <= 0) continue;
      headers.append(lines[i].slice(0, colon).trim(), lines[i].slice(colon + 1).trim());
    }
    break;
  }
  const connection = (headers.get("connection") ?? "").toLowerCase();
  const keepAlive = http10 ? connection.includes("keep-alive") : !connection.includes("close");
  const chunked = /(^|,)\s*chunked\s*$/i.test(headers.get("transfer-encoding") ?? "");
  const lengthText = headers.get("content-length");
  const noBody = method === "HEAD" || status === 204 || status === 304;
  if (noBody || (!chunked && lengthText !== null && Number(lengthText) === 0)) {
    done(keepAlive && pos === len);
    return _stamped(
      new Response(noBody ? null : new Uint8Array(), { status, statusText, headers }),
      { sentMs, headersMs, newConnection: !reused },
    );
  }
  let remaining = chunked ? 0 : lengthText !== null ? Number(lengthText) : Infinity;
  if (!(remaining >= 0)) throw new Error(`malformed content-length: ${lengthText}`);
  // chunked: "size" line, "data" bytes, "crlf" after data, "trailer" lines, then "end"
  let state: "size" | "data" | "crlf" | "trailer" | "end" = chunked ? "size" : "data";
  let finished = false;
  const finish = (reusable: boolean) => {
    if (finished) return;
    finished = true;
    signal?.removeEventListener("abort", onAbort);
    done(reusable);
  };
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | null = null;
  const onAbort = () => {
    finish(false);
    try {
      controllerRef?.error(signal!.reason);
    } catch { /* closed */ }
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  /** Decode what is buffered; returns the body pieces found. */
  const parse = (): Uint8Array[] => {
    const out: Uint8Array[] = [];
    while (state !== "end") {
      if (state === "data") {
        if (pos >= len) break;
        const take = Math.min(len - pos, remaining);
        const piece = buf.slice(pos, pos + take) as Uint8Array & { [_RECEIVED]?: number };
        piece[_RECEIVED] = readMs;
        out.push(piece);
        pos += take;
        remaining -= take;
        if (remaining === 0) state = chunked ? "crlf" : "end";
      } else if (state === "size") {
        const eol = lineEnd(buf, pos, len);
        if (eol < 0) break;
        let size = 0;
        let digits = 0;
        for (let i = pos; i < eol; i++) {
          const c = buf[i];
          const d = c >= 48 && c <= 57
            ? c - 48
            : (c | 32) >= 97 && (c | 32) <= 102
            ? (c | 32) - 87
            : -1;
          if (d < 0) break; // chunk extensions (";…") and whitespace end the size
          size = size * 16 + d;
          digits++;
        }
        if (digits === 0) throw new Error("malformed chunk size");
        pos = eol + 2;
        if (size === 0) state = "trailer";
        else {
          remaining = size;
          state = "data";
        }
      } else if (state === "crlf") {
        if (len - pos < 2) break;
        if (buf[pos] !== 13 || buf[pos + 1] !== 10) throw new Error("malformed chunk end");
        pos += 2;
        state = "size";
      } else if (state === "trailer") {
        const eol = lineEnd(buf, pos, len);
        if (eol < 0) break;
        state = eol === pos ? "end" : "trailer";
        pos = eol + 2;
      }
    }
    return out;
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller;
    },
    async pull(controller) {
      try {
        for (;;) {
          const pieces = parse();
          for (const piece of pieces) controller.enqueue(piece);
          if (state === "end") {
            controller.close();
            finish(keepAlive && pos === len);
            return;
          }
          if (pieces.length > 0) return;
          const more = await fill();
          if (!more) {
            if (!chunked && lengthText === null) {
              controller.close();
              finish(false);
              return;
            }
            throw new Error("connection closed before the end of the body");
          }
        }
      } catch (err) {
        finish(false);
        if (signal?.aborted) return; // already errored with the reason
        controller.error(new TypeError(`error reading a response body: ${_message(err)}`));
      }
    },
    cancel() {
      finish(false);
    },
  });
  return _stamped(
    new Response(_decoded(body, headers.get("content-encoding")), { status, statusText, headers }),
    { sentMs, headersMs, newConnection: !reused },
  );
}

/** Content codings the transport decodes, by their `DecompressionStream` format. */
const _CODINGS: Record<string, CompressionFormat> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
};

/**
 * `body` decoded from its `content-encoding` (gzip, deflate; `identity` or none as is). Other
 * codings (`br`, `zstd`, a list) give a body that errors with a message naming the coding.
 * Decoded chunks carry no socket-read stamp: their reader stamps them.
 */
function _decoded(
  body: ReadableStream<Uint8Array>,
  encoding: string | null,
): ReadableStream<Uint8Array> {
  const coding = (encoding ?? "").trim().toLowerCase();
  if (coding === "" || coding === "identity") return body;
  const format = _CODINGS[coding];
  if (format !== undefined) {
    return body.pipeThrough(
      new DecompressionStream(format) as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  body.cancel().catch(() => {});
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(
        new TypeError(
          `error reading a response body: content-encoding '${coding}' is not supported ` +
            `(the http1 transport decodes gzip and deflate; it asked for identity)`,
        ),
      );
    },
  });
}
