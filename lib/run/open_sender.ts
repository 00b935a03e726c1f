/**
 * Where a run's requests are sent from: a pool of Workers, a client on this thread over the
 * light HTTP/1.1 transport, or the client as given.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import { type ClientSpec, createClient, type Transport } from "../clients/create_client.ts";
import { warmUpClient } from "../clients/warm_up.ts";
import { createWorkerPool, type WorkerPool } from "./worker_pool.ts";

/** Options of {@link openSender}. */
export interface OpenSenderOptions {
  /**
   * The client as data ({@link ClientSpec}), to build it again in Workers or over another
   * transport. Default none: requests are sent by `client` on this thread.
   */
  spec?: ClientSpec;
  /** Workers to send from (needs `spec`); 0 sends from this thread. Default 0. */
  workers?: number;
  /**
   * Transport of the SSE clients (OpenAI, Anthropic, Vertex AI) built from `spec`. Default: the
   * spec's own (`fetch` when it names none).
   */
  transport?: Transport;
  /**
   * Connections to open ahead of the run, spread over the Workers (the `http1` transport only):
   * the first requests then pay no TCP connect. Default 0.
   */
  preconnect?: number;
}

/** What {@link openSender} opened. */
export interface Sender {
  /** The client on this thread (used when there is no pool). */
  client: LlmClient;
  /** The Worker pool, when `workers` is above 0. */
  pool?: WorkerPool;
  /** Stops the pool's Workers and closes idle connections. */
  close(): Promise<void>;
}

/**
 * Open what a run sends from: with `spec` and `workers > 0`, a Worker pool built from the spec
 * (on `transport`); with `spec` and the `http1` transport, a client built on this thread over
 * it; otherwise `client` itself. A client built from `spec` is warmed up first, without any
 * network ({@link warmUpClient}: in each Worker, or here). Close the sender when the run is over.
 *
 * @example The client itself when there is no spec
 * ```ts
 * import { openSender } from "./open_sender.ts";
 * import type { LlmClient } from "../core/llm_client.ts";
 * const client: LlmClient = { api: "fake", async *stream() {} };
 * const sender = await openSender(client);
 * if (sender.client !== client || sender.pool !== undefined) throw new Error("as given");
 * await sender.close();
 * ```
 */
export async function openSender(
  client: LlmClient,
  options: OpenSenderOptions = {},
): Promise<Sender> {
  const { spec, workers = 0, transport, preconnect = 0 } = options;
  if (!(Number.isInteger(workers) && workers >= 0)) {
    throw new RangeError(
      `Cannot open sender: 'workers' must be a non-negative integer, got ${workers}`,
    );
  }
  if (!spec) {
    if (workers > 0) {
      throw new TypeError(
        `Cannot open sender: 'workers' is ${workers} but no 'spec' says how to build the client`,
      );
    }
    return { client, close: () => Promise.resolve() };
  }
  // Every client spec takes a transport (the SDK clients as their fetch handler's).
  const withTransport: ClientSpec = transport ? { ...spec, transport } : spec;
  if (workers > 0) {
    const pool = await createWorkerPool(withTransport, {
      workers,
      preconnectPerWorker: Math.ceil(preconnect / workers),
    });
    return { client, pool, close: () => pool.close() };
  }
  // Workers warm their own client up; on this thread, the spec's code path is warmed here.
  await warmUpClient(withTransport);
  if (withTransport.transport === "http1") {
    const local = await createClient(withTransport);
    await local.client.prepare?.().catch(() => {});
    if (preconnect > 0) await local.preconnect(preconnect);
    return { client: local.client, close: () => Promise.resolve(local.close()) };
  }
  await client.prepare?.().catch(() => {});
  return { client, close: () => Promise.resolve() };
}
