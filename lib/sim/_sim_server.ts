/**
 * The simulator's listening side: `Deno.serve`, or tokenbench's raw HTTP/1.1 server
 * (`sim_raw_http.ts`) for exact send stamps, behind a TCP front (`sim_tcp_front.ts`) when a
 * fault must drop connections before any response byte (`reset-before-headers`).
 *
 * @module
 */
import type { SimFault } from "./sim_faults.ts";
import { type SimTcpFront, startSimTcpFront } from "./sim_tcp_front.ts";
import { serveRawHttp } from "./sim_raw_http.ts";

/** What the request handler uses of `Deno.ServeHandlerInfo` (the raw server gives the same). */
export type SimHandlerInfo = Pick<Deno.ServeHandlerInfo, "remoteAddr" | "completed"> & {
  /**
   * `performance.now()` as the read that completed the request returned (the raw server);
   * without it the request arrived when the handler is called (`Deno.serve`).
   */
  receivedMs?: number;
};

/** The simulator's request handler, as both servers call it. */
export type SimHandler = (request: Request, info: SimHandlerInfo) => Response | Promise<Response>;

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  /** Interface to listen on. */
  hostname: string;
  /** Port to listen on; 0 picks a free port. */
  port: number;
  /** Serve with the raw HTTP/1.1 server instead of `Deno.serve`. */
  rawHttp: boolean;
  /** The injected faults: a `reset-before-headers` fault puts a TCP front before the server. */
  faults: readonly SimFault[];
}

/** A listening simulator server. */
export interface SimServer {
  /** The public port (the front's, if there is one). */
  readonly port: number;
  /** The TCP front, if there is one (to drop connections). */
  readonly front: SimTcpFront | null;
  /** Closes the front, then stops the server. */
  close(): Promise<void>;
}

/**
 * Starts listening with `handle`. Throws a `RangeError` for `rawHttp` with a
 * `reset-before-headers` fault (the raw server cannot drop connections), and what
 * `Deno.serve` or the front throw (a port in use); nothing is left listening then.
 *
 * @example Serve, fetch, close
 * ```ts
 * import { startSimServer } from "./_sim_server.ts";
 * const server = await startSimServer(
 *   { hostname: "127.0.0.1", port: 0, rawHttp: false, faults: [] },
 *   () => new Response("hi"),
 * );
 * const text = await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
 * await server.close();
 * if (text !== "hi") throw new Error(text);
 * ```
 */
export async function startSimServer(
  options: SimServerOptions,
  handle: SimHandler,
): Promise<SimServer> {
  const { hostname, port } = options;
  // Dropping a connection before any response byte needs a TCP front (sim_tcp_front.ts).
  const fronted = options.faults.some((f) => f.kind === "reset-before-headers");
  if (fronted && options.rawHttp) {
    throw new RangeError(
      "Cannot start simulator: 'rawHttp' cannot drop connections (the reset-before-headers fault)",
    );
  }
  const server = options.rawHttp ? _rawServer(hostname, port, handle) : Deno.serve({
    hostname: fronted ? "127.0.0.1" : hostname,
    port: fronted ? 0 : port,
    onListen() {},
    onError() {
      return new Response(null, { status: 500 });
    },
  }, handle);
  let front: SimTcpFront | null = null;
  if (fronted) {
    try {
      front = await startSimTcpFront({ hostname, port, targetPort: server.addr.port });
    } catch (error) {
      await server.shutdown();
      throw error;
    }
  }
  return {
    port: front?.port ?? server.addr.port,
    front,
    close: async () => {
      await front?.close();
      await server.shutdown();
    },
  };
}

/** The raw HTTP/1.1 server with the two members of `Deno.HttpServer` the simulator uses. */
function _rawServer(
  hostname: string,
  port: number,
  handle: SimHandler,
): { addr: Deno.NetAddr; shutdown(): Promise<void> } {
  const raw = serveRawHttp({ hostname, port }, handle);
  return {
    addr: { transport: "tcp", hostname, port: raw.port },
    shutdown: () => raw.close(),
  };
}
