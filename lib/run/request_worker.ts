/**
 * The Worker side of {@link createWorkerPool}: builds a client from a {@link ClientSpec}, runs
 * each request's stream and timer in this thread, and posts the timing back. Importing it does
 * nothing: the pool's Workers run `_request_worker_entry.ts`, which calls {@link serveRequests}.
 *
 * Protocol (structured-clone messages):
 * - in: `init {spec, loopLagIntervalMs}`, `send {id, request, timeoutMs}`, `abort {id}`,
 *   `lag {reset}`, `close`;
 * - out: `ready` or `initError {message}`, `timing {id, timing}`, `lag {samples}`, `closed`.
 *
 * @module
 */
import { type ClientSpec, createClient, type CreatedClient } from "../clients/create_client.ts";
import { warmUpClient } from "../clients/warm_up.ts";
import type { LlmRequest } from "../core/llm_client.ts";
import { type LoopLagMonitor, startLoopLag } from "./loop_lag.ts";
import { failedTiming, timeRequest } from "./time_request.ts";

/** A request as posted to a worker: an {@link LlmRequest} without its signal. */
export type WorkerRequest = Omit<LlmRequest, "signal">;

/** Messages a pool posts to a request worker. */
export type RequestWorkerInput =
  | { type: "init"; spec: ClientSpec; loopLagIntervalMs: number; preconnect?: number }
  | {
    type: "send";
    id: number;
    request: WorkerRequest;
    requestTimeoutMs?: number;
    firstTokenTimeoutMs?: number;
    /** Send no earlier than this epoch time (ms). */
    sendAtEpochMs?: number;
  }
  | { type: "abort"; id: number; reason: string }
  | { type: "lag"; reset: boolean }
  | { type: "close" };

/** Messages a request worker posts back. */
export type RequestWorkerOutput =
  | { type: "ready" }
  | { type: "initError"; message: string }
  | { type: "timing"; id: number; timing: Awaited<ReturnType<typeof timeRequest>> }
  | { type: "lag"; samples: number[] }
  | { type: "closed" };

/** The part of a worker's global scope that {@link serveRequests} uses. */
export interface RequestWorkerScope {
  onmessage: ((event: MessageEvent<RequestWorkerInput>) => void) | null;
  postMessage(message: RequestWorkerOutput): void;
  close(): void;
}

/**
 * Serve requests on `scope` (a Worker's `self`): the message loop of a request worker. Exported
 * so a test can drive it with a fake scope.
 *
 * @example Driving the loop with a fake scope
 * ```ts
 * import { serveRequests, type RequestWorkerOutput, type RequestWorkerScope } from "./request_worker.ts";
 * const out: RequestWorkerOutput[] = [];
 * const scope: RequestWorkerScope = { onmessage: null, postMessage: (m) => out.push(m), close() {} };
 * serveRequests(scope);
 * scope.onmessage!(new MessageEvent("message", {
 *   data: { type: "init", spec: { api: "openai", options: { baseUrl: "http://127.0.0.1:9/v1" } }, loopLagIntervalMs: 50 },
 * }));
 * while (out.length === 0) await new Promise((r) => setTimeout(r, 5));
 * scope.onmessage!(new MessageEvent("message", { data: { type: "close" } }));
 * while (out.length < 2) await new Promise((r) => setTimeout(r, 5));
 * if (out[0].type !== "ready" || out[1].type !== "closed") throw new Error(JSON.stringify(out));
 * ```
 */
export function serveRequests(scope: RequestWorkerScope): void {
  let created: CreatedClient | null = null;
  let lag: LoopLagMonitor | null = null;
  const controllers = new Map<number, AbortController>();
  let ready: Promise<void> = Promise.resolve();

  const send = async (
    message: Extract<RequestWorkerInput, { type: "send" }>,
  ): Promise<void> => {
    const { id, request, requestTimeoutMs, firstTokenTimeoutMs, sendAtEpochMs } = message;
    const controller = new AbortController();
    controllers.set(id, controller);
    try {
      await ready;
      const client = created?.client;
      const timing = client
        ? await timeRequest(client, request, {
          requestTimeoutMs,
          firstTokenTimeoutMs,
          cancel: controller.signal,
          sendAtEpochMs,
        })
        : failedTiming("the worker has no client (its init failed)");
      scope.postMessage({ type: "timing", id, timing });
    } finally {
      controllers.delete(id);
    }
  };

  scope.onmessage = (event) => {
    const message = event.data;
    switch (message.type) {
      case "init":
        lag = startLoopLag({ intervalMs: message.loopLagIntervalMs });
        ready = createClient(message.spec).then(
          async (c) => {
            created = c;
            // The client's code path once end to end, against nothing: the first measured
            // request of every Worker then pays no JIT or lazy import (best effort).
            await warmUpClient(message.spec);
            // And this client's own first-request work (an SDK client, its credentials).
            await c.client.prepare?.().catch(() => {});
            // Connections opened ahead of the run (`--preconnect`), the http1 transport only.
            if (message.preconnect) await c.preconnect(message.preconnect);
            scope.postMessage({ type: "ready" });
          },
          (err) => {
            scope.postMessage({
              type: "initError",
              message: err instanceof Error ? err.message : String(err),
            });
          },
        );
        return;
      case "send":
        void send(message);
        return;
      case "abort":
        controllers.get(message.id)?.abort(new DOMException(message.reason, "AbortError"));
        return;
      case "lag": {
        const samples = lag?.samples() ?? [];
        if (message.reset) lag?.reset();
        scope.postMessage({ type: "lag", samples });
        return;
      }
      case "close":
        for (const c of controllers.values()) c.abort();
        lag?.stop();
        created?.close();
        scope.postMessage({ type: "closed" });
        scope.close();
        return;
    }
  };
}
