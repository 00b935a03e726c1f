/**
 * The simulator's own endpoints, answered before any wire format is tried: `/_sim/log`,
 * `/_sim/info`, `/_sim/clock`, the model list (`GET /v1/models`, `GET /models`) and the server
 * metrics (`GET /metrics`, Prometheus text format).
 *
 * @module
 */
import type { SimulatorInfo } from "./_sim_info.ts";
import type { SimRequestLogs } from "./_sim_request_log.ts";

/** What the control endpoints serve. */
export interface SimControlState {
  /** The settings (`GET /_sim/info`). */
  info: SimulatorInfo;
  /** The ground-truth log (`GET /_sim/log?since=ID`, `DELETE /_sim/log`). */
  logs: SimRequestLogs;
  /** The exposition of `GET /metrics`. Default: no `/metrics` route. */
  metrics?: () => string;
}

/**
 * The response of a control endpoint, or `null` when `url` is not one (the request then goes to
 * the wire formats). `GET /_sim/clock` answers `{ epochMs }`, the request's arrival time.
 *
 * @example The clock endpoint
 * ```ts
 * import { simControlResponse } from "./_sim_control.ts";
 * import { createSimRequestLogs } from "./_sim_request_log.ts";
 * import { resolveSimOptions } from "./_sim_options.ts";
 * import { simulatorInfo } from "./_sim_info.ts";
 * const state = {
 *   info: simulatorInfo(resolveSimOptions({})),
 *   logs: createSimRequestLogs(10),
 * };
 * const url = new URL("http://127.0.0.1/_sim/clock");
 * const response = simControlResponse(new Request(url), url, 1234, state);
 * if ((await response?.json()).epochMs !== 1234) throw new Error("clock");
 * const other = new URL("http://127.0.0.1/v1/chat/completions");
 * if (simControlResponse(new Request(other), other, 0, state) !== null) throw new Error("route");
 * ```
 */
export function simControlResponse(
  request: Request,
  url: URL,
  arrivalEpochMs: number,
  state: SimControlState,
): Response | null {
  if (url.pathname === "/_sim/log") {
    if (request.method === "DELETE") {
      state.logs.clear();
      return new Response(null, { status: 204 });
    }
    const since = Number(url.searchParams.get("since") ?? -1);
    return Response.json({ requests: state.logs.since(since) });
  }
  if (url.pathname === "/_sim/info") return Response.json(state.info);
  if (url.pathname === "/_sim/clock") return Response.json({ epochMs: arrivalEpochMs });
  if (request.method === "GET" && url.pathname === "/metrics" && state.metrics) {
    return new Response(state.metrics(), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  }
  if (request.method === "GET" && (url.pathname === "/v1/models" || url.pathname === "/models")) {
    return Response.json({
      object: "list",
      data: [{ id: "tokenbench-sim", object: "model", owned_by: "tokenbench" }],
    });
  }
  return null;
}
