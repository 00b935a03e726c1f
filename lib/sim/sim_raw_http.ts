/**
 * A minimal HTTP/1.1 server over `Deno.listen` for the simulator's calibration runs. `Deno.serve`
 * writes what a handler enqueued only when the JavaScript turn (and a few more) has ended, so a
 * send stamp can be several ms ahead of its bytes; here every body piece is written with
 * `Deno.Conn.write`, which reaches the socket during the call, so a stamp is microseconds ahead
 * of its bytes, and there is no HTTP machinery between the handler and the socket.
 *
 * It serves what tokenbench's clients send: requests with a `content-length` body (or none),
 * keep-alive. Responses go out with `transfer-encoding: chunked` (or `content-length: 0` without
 * a body). No TLS, no chunked request bodies (answered 411), no pipelining beyond one request at
 * a time per connection.
 *
 * @module
 */
import { headEnd, writeAll } from "../wire/http1_wire.ts";

/** What a handler learns of the connection, like `Deno.ServeHandlerInfo`. */
export interface RawHttpInfo {
  remoteAddr: Deno.NetAddr;
  /** Settles when the response has been written (rejects if the client went away first). */
  completed: Promise<void>;
  /**
   * `performance.now()` as the read that completed the request returned: when the request was
   * received, before it was parsed and before anything else this thread had to do.
   */
  receivedMs: number;
}

/** A running server. */
export interface RawHttpServer {
  readonly port: number;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

const _ENCODER = new TextEncoder();
const _LATIN1 = new TextDecoder("latin1");
const _MAX_HEAD = 64 * 1024;
const _MAX_BODY = 64 * 1024 * 1024;

/**
 * Serve `handler` on `hostname:port` (0 picks a free port).
 *
 * @example One request
 * ```ts
 * import { serveRawHttp } from "./sim_raw_http.ts";
 * const server = serveRawHttp({ port: 0 }, (req) => new Response(`hi ${req.method}`));
 * const text = await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
 * await server.close();
 * if (text !== "hi GET") throw new Error(text);
 * ```
 */
export function serveRawHttp(
  options: { hostname?: string; port?: number },
  handler: (request: Request, info: RawHttpInfo) => Response | Promise<Response>,
): RawHttpServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const listener = Deno.listen({ hostname, port: options.port ?? 0 });
  const conns = new Set<Deno.Conn>();
  const running = new Set<Promise<void>>();
  let closed = false;
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        // Small writes go out at once (Nagle's algorithm would hold a write until the last one
        // is acknowledged: 40 ms with a delayed ACK).
        try {
          (conn as Deno.TcpConn).setNoDelay(true);
        } catch { /* not TCP */ }
        conns.add(conn);
        const task = _serveConn(conn, hostname, handler).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        });
        running.add(task);
        task.finally(() => running.delete(task));
      }
    } catch { /* listener closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch { /* closed */ }
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
      await Promise.allSettled([...running]);
    },
  };
}

async function _serveConn(
  conn: Deno.Conn,
  hostname: string,
  handler: (request: Request, info: RawHttpInfo) => Response | Promise<Response>,
): Promise<void> {
  let buf = new Uint8Array(16 * 1024);
  let len = 0;
  let readMs = 0;
  const fill = async (): Promise<boolean> => {
    if (len === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await conn.read(buf.subarray(len));
    readMs = performance.now();
    if (n === null) return false;
    len += n;
    return true;
  };
  try {
    for (;;) {
      // ---- request head
      let end = headEnd(buf, 0, len);
      while (end < 0) {
        if (len > _MAX_HEAD) return await _plain(conn, 431);
        if (!(await fill())) return;
        end = headEnd(buf, 0, len);
      }
      const lines = _LATIN1.decode(buf.subarray(0, end)).split("\r\n");
      const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0]);
      if (!m) return await _plain(conn, 400);
      const headers = new Headers();
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(":");
        if (colon > 0) {
          headers.append(lines[i].slice(0, colon).trim(), lines[i].slice(colon + 1).trim());
        }
      }
      if (headers.has("transfer-encoding")) return await _plain(conn, 411);
      const length = Number(headers.get("content-length") ?? 0);
      if (!(Number.isInteger(length) && length >= 0 && length <= _MAX_BODY)) {
        return await _plain(conn, 400);
      }
      const bodyStart = end + 4;
      while (len < bodyStart + length) if (!(await fill())) return;
      const receivedMs = readMs;
      const body = length > 0 ? buf.slice(bodyStart, bodyStart + length) : null;
      buf.copyWithin(0, bodyStart + length, len);
      len -= bodyStart + length;
      const keepAlive = m[3] === "1"
        ? !/\bclose\b/i.test(headers.get("connection") ?? "")
        : /\bkeep-alive\b/i.test(headers.get("connection") ?? "");

      // ---- handler
      const local = conn.localAddr as Deno.NetAddr;
      const host = headers.get("host") ?? `${hostname}:${local.port}`;
      const abort = new AbortController();
      const request = new Request(`http://${host}${m[2]}`, {
        method: m[1],
        headers,
        body,
        signal: abort.signal,
      });
      const completed = Promise.withResolvers<void>();
      completed.promise.catch(() => {});
      let response: Response;
      try {
        response = await handler(request, {
          remoteAddr: conn.remoteAddr as Deno.NetAddr,
          completed: completed.promise,
          receivedMs,
        });
      } catch {
        response = new Response(null, { status: 500 });
      }

      // ---- response: head, then every body piece written as it comes
      let head = `HTTP/1.1 ${response.status} ${response.statusText || "OK"}\r\n`;
      for (const [name, value] of response.headers) {
        if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection") {
          head += `${name}: ${value}\r\n`;
        }
      }
      head += keepAlive ? "" : "connection: close\r\n";
      if (response.body === null) {
        await writeAll(conn, _ENCODER.encode(head + "content-length: 0\r\n\r\n"));
      } else {
        await writeAll(conn, _ENCODER.encode(head + "transfer-encoding: chunked\r\n\r\n"));
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            if (value.length === 0) continue;
            const size = _ENCODER.encode(value.length.toString(16) + "\r\n");
            const frame = new Uint8Array(size.length + value.length + 2);
            frame.set(size);
            frame.set(value, size.length);
            frame[frame.length - 2] = 13;
            frame[frame.length - 1] = 10;
            await writeAll(conn, frame);
          }
          await writeAll(conn, _ENCODER.encode("0\r\n\r\n"));
        } catch (error) {
          abort.abort();
          reader.cancel().catch(() => {});
          completed.reject(error);
          return;
        }
      }
      completed.resolve();
      if (!keepAlive) return;
    }
  } catch { /* the client went away */ }
}

async function _plain(conn: Deno.Conn, status: number): Promise<void> {
  await writeAll(
    conn,
    _ENCODER.encode(`HTTP/1.1 ${status} Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`),
  ).catch(() => {});
}
