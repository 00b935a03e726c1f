/**
 * A TCP front for the simulator: listens on the public port and relays every connection to the
 * simulator's HTTP server on a private port, so that the simulator can drop a client's
 * connection before any response byte (the `reset-before-headers` fault), which an HTTP server
 * handler cannot do by itself.
 *
 * @module
 */

/** Options of {@link startSimTcpFront}. */
export interface SimTcpFrontOptions {
  /** Interface to listen on. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Public port; 0 picks a free port. Default 0. */
  port?: number;
  /** The HTTP server to relay to, on 127.0.0.1. Required. */
  targetPort: number;
}

/** A running TCP front. */
export interface SimTcpFront {
  /** The public port. */
  readonly port: number;
  /**
   * Drops the client connection relayed through the connection whose local port is
   * `relayPort` (what the HTTP server sees as the remote port of the request). Returns whether
   * such a connection was open.
   */
  drop(relayPort: number): boolean;
  /** Open client connections. */
  connections(): number;
  /** Stops listening and drops every connection. Idempotent. */
  close(): Promise<void>;
}

interface _Pair {
  client: Deno.Conn;
  relay: Deno.Conn;
  closed: boolean;
}

async function _pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    while (true) {
      const n = await from.read(buffer);
      if (n === null) return;
      let offset = 0;
      while (offset < n) offset += await to.write(buffer.subarray(offset, n));
    }
  } catch {
    // a side closed: the pair is closed by the caller
  }
}

/**
 * Starts a TCP front relaying to `127.0.0.1:targetPort`. A connection ends (both sides
 * closed) when either side closes it or {@link SimTcpFront.drop} drops it; the client then sees
 * the connection closed with no response.
 *
 * @example Relay one request, then close
 * ```ts
 * import { startSimTcpFront } from "./sim_tcp_front.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hi"));
 * const front = await startSimTcpFront({ targetPort: server.addr.port });
 * const text = await (await fetch(`http://127.0.0.1:${front.port}/`)).text();
 * await front.close();
 * await server.shutdown();
 * if (text !== "hi") throw new Error(text);
 * ```
 */
export function startSimTcpFront(options: SimTcpFrontOptions): Promise<SimTcpFront> {
  const hostname = options.hostname ?? "127.0.0.1";
  const listener = Deno.listen({ hostname, port: options.port ?? 0 });
  const pairs = new Map<number, _Pair>();
  const running = new Set<Promise<void>>();
  let closed = false;

  const closePair = (key: number, pair: _Pair) => {
    if (pair.closed) return;
    pair.closed = true;
    pairs.delete(key);
    for (const conn of [pair.client, pair.relay]) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };

  const relay = async (client: Deno.Conn) => {
    let relayConn: Deno.Conn;
    try {
      relayConn = await Deno.connect({ hostname: "127.0.0.1", port: options.targetPort });
    } catch {
      try {
        client.close();
      } catch { /* already closed */ }
      return;
    }
    const key = (relayConn.localAddr as Deno.NetAddr).port;
    const pair: _Pair = { client, relay: relayConn, closed: false };
    pairs.set(key, pair);
    if (closed) return closePair(key, pair);
    // Either direction ending ends the connection (HTTP clients do not half-close).
    await Promise.race([_pump(client, relayConn), _pump(relayConn, client)]);
    closePair(key, pair);
  };

  const accepting = (async () => {
    try {
      for await (const client of listener) {
        const task = relay(client);
        running.add(task);
        task.finally(() => running.delete(task));
      }
    } catch {
      // listener closed
    }
  })();

  return Promise.resolve({
    port: (listener.addr as Deno.NetAddr).port,
    drop(relayPort: number): boolean {
      const pair = pairs.get(relayPort);
      if (!pair) return false;
      closePair(relayPort, pair);
      return true;
    },
    connections: () => pairs.size,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch { /* already closed */ }
      for (const [key, pair] of [...pairs]) closePair(key, pair);
      await accepting;
      await Promise.allSettled([...running]);
    },
  });
}
