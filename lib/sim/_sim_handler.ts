/**
 * The simulator's request handler: control endpoints first, then the wire format whose route
 * matches (path → format), then per request: a log entry, the API key check, parsing, the
 * answer's plan and its playing.
 *
 * @module
 */
import { createRandom } from "../core/random.ts";
import type { SimVocabulary } from "./sim_vocabulary.ts";
import type { SimWireFormat } from "./sim_wire_format.ts";
import type { Tokenizer } from "../core/tokenizer.ts";
import { createSimFaultPicker } from "./sim_faults.ts";
import { createSimPrefixCache } from "./sim_prefix_cache.ts";
import { createSimCapacity } from "./sim_capacity.ts";
import { createSimQuota, type SimQuota } from "./sim_quota.ts";
import type { SimTcpFront } from "./sim_tcp_front.ts";
import type { SimSettings } from "./_sim_options.ts";
import type { SimulatorInfo } from "./_sim_info.ts";
import { newSimRequestLog, type SimRequestLog, type SimRequestLogs } from "./_sim_request_log.ts";
import { simControlResponse } from "./_sim_control.ts";
import { planSimReply, type SimReplyPlanner } from "./_sim_reply_plan.ts";
import { respondToPlan, type SimResponder } from "./_sim_respond.ts";
import type { SimHandler, SimHandlerInfo } from "./_sim_server.ts";
import { createSimSlots, type SimSlots } from "./_sim_slots.ts";
import { createSimMetrics, type SimMetrics } from "./_sim_metrics.ts";

/** What the handler of one simulator works with. */
export interface SimHandlerContext {
  /** The checked options. */
  settings: SimSettings;
  /** The settings as served by `GET /_sim/info`. */
  info: SimulatorInfo;
  /** The ground-truth log. */
  logs: SimRequestLogs;
  /** Counts prompts and makes answers (freed by the simulator's close). */
  tokenizer: Tokenizer;
  /** Single-token words of the tokenizer. */
  vocabulary: SimVocabulary;
  /** The send gate shared by every request (`createSendGate`). */
  gate: () => Promise<void> | null;
  /** Controllers of the responses being played (aborted on close). */
  active: Set<AbortController>;
  /** The TCP front, once there is one. */
  front: () => SimTcpFront | null;
}

/**
 * The request handler of one simulator. Request `i` of the formats (in arrival order; control
 * endpoints do not count) gets request id `i` and the `i`-th seed drawn from `settings.seed`;
 * faults draw from their own generator, so they never change the answers' randomness. With
 * `settings.maxRunning`, requests beyond it wait for a slot (their plan starts when they get
 * one); `GET /metrics` tells the running, waiting and counted requests.
 *
 * @example Used by the simulator
 * ```ts
 * import { startSimulator } from "./simulator.ts";
 * await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
 * const response = await fetch(`${sim.url}/v1/nowhere`, { method: "POST", body: "{}" });
 * await response.body?.cancel();
 * if (response.status !== 404 || sim.log().length !== 0) throw new Error("route");
 * ```
 */
export function createSimHandler(context: SimHandlerContext): SimHandler {
  const { settings, logs, tokenizer, vocabulary } = context;
  // Fault draws have their own generator, so that faults never change the answers' randomness.
  const faultRandom = createRandom((settings.seed ^ 0x5f3759df) >>> 0);
  const responder: SimResponder = {
    vocabulary,
    faultRandom,
    pickFault: createSimFaultPicker(settings.faults, { random: faultRandom }),
    gate: context.gate,
    active: context.active,
    front: context.front,
  };
  const planner: SimReplyPlanner = {
    behaviour: settings.behaviour,
    profile: settings.profile,
    correctnessErrorRate: settings.correctnessErrorRate,
    tokenizer,
    vocabulary,
    ...(settings.prefixCache ? { prefixCache: createSimPrefixCache(settings.prefixCache) } : {}),
    ...(settings.capacity ? { capacity: createSimCapacity(settings.capacity) } : {}),
  };
  const quota = settings.quota ? createSimQuota(settings.quota) : null;
  const seeds = createRandom(settings.seed);
  let nextRequestId = 0;
  const slots = createSimSlots(settings.maxRunning);
  const metrics = createSimMetrics(slots, settings.kvCacheTokens);
  const control = { info: context.info, logs, metrics: metrics.text };
  const serving: _Serving = {
    settings,
    logs,
    planner,
    responder,
    slots,
    metrics,
    active: context.active,
    quota,
    next: () => ({ requestId: nextRequestId++, requestSeed: Math.floor(seeds() * 2 ** 53) }),
  };
  return (request, handlerInfo) => {
    const arrivalMs = handlerInfo.receivedMs ?? performance.now();
    const arrivalEpochMs = performance.timeOrigin + arrivalMs;
    const url = new URL(request.url);
    const answer = simControlResponse(request, url, arrivalEpochMs, control);
    if (answer !== null) return answer;
    const format = settings.formats.find((f) => f.matches(request.method, url.pathname));
    if (!format) return _noRoute(request.method, url.pathname);
    const arrived = { request, handlerInfo, url, format, arrivalMs, arrivalEpochMs };
    return _serve(arrived, serving);
  };
}

/** What serving the requests of the formats shares. */
interface _Serving {
  settings: SimSettings;
  logs: SimRequestLogs;
  planner: SimReplyPlanner;
  responder: SimResponder;
  /** The running limit. */
  slots: SimSlots;
  /** The `/metrics` counters. */
  metrics: SimMetrics;
  /** Controllers of the responses being played (aborted on close): a waiting request's too. */
  active: Set<AbortController>;
  /** The quotas, if any. */
  quota: SimQuota | null;
  /** The next request's id and seed (in arrival order). */
  next: () => { requestId: number; requestSeed: number };
}

/** A request routed to a wire format. */
interface _Arrived {
  request: Request;
  handlerInfo: SimHandlerInfo;
  url: URL;
  format: SimWireFormat;
  /** Arrival on the `performance.now` clock. */
  arrivalMs: number;
  /** Arrival, epoch ms. */
  arrivalEpochMs: number;
}

/** Logs, checks, parses, plans and answers a request routed to a wire format. */
async function _serve(arrived: _Arrived, serving: _Serving): Promise<Response> {
  const { request, handlerInfo, url, format, arrivalEpochMs } = arrived;
  const { settings } = serving;
  const { requestId, requestSeed } = serving.next();
  const headers = request.headers;
  const entry = newSimRequestLog({ requestId, format: format.name, url, headers, arrivalEpochMs });
  serving.logs.add(entry);
  const { metrics, slots } = serving;
  metrics.received();
  if (!_authorized(headers, settings.apiKey)) {
    const refused = _reject(entry, format, 401, "authentication_error", "Missing or wrong API key");
    metrics.finished(entry);
    return refused;
  }
  let body: string;
  try {
    body = await request.text();
  } catch {
    entry.disconnected = true;
    metrics.finished(entry);
    return new Response(null, { status: 400 });
  }
  const parsed = format.parse(body, url, headers);
  if (!("prompt" in parsed)) {
    const refused = _reject(entry, format, parsed.status, "invalid_request_error", parsed.message);
    metrics.finished(entry);
    return refused;
  }
  const maxTokens = parsed.maxTokens ?? settings.defaultMaxTokens;
  if (serving.quota) {
    // Tokens as Bedrock reserves them: the prompt and max_tokens.
    const tokens = settings.quota?.tpm === undefined
      ? 0
      : serving.planner.tokenizer.countTokens(parsed.prompt) + maxTokens;
    const refused = serving.quota.take(arrived.arrivalMs, tokens);
    if (refused) {
      const response = _reject(
        entry,
        format,
        429,
        "rate_limit_error",
        `Too many ${
          refused.quota === "rpm" ? "requests" : "tokens"
        }: simulated ${refused.quota} quota exceeded`,
      );
      response.headers.set(
        "retry-after",
        String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))),
      );
      return response;
    }
  }
  const plan = planSimReply(
    parsed.prompt,
    maxTokens,
    requestSeed,
    serving.planner,
    arrived.arrivalMs,
  );
  entry.model = parsed.model;
  entry.stream = parsed.stream;
  entry.maxTokens = maxTokens;
  entry.inputTokens = plan.inputTokens;
  if (plan.cachedInputTokens !== undefined) entry.cachedInputTokens = plan.cachedInputTokens;
  entry.plannedOutputTokens = plan.chunks.reduce((n, c) => n + c.tokens, 0);
  let arrivalMs = arrived.arrivalMs;
  if (!slots.tryAcquire()) {
    // Wait for a slot; the plan then starts when the request gets one. (A client that leaves
    // meanwhile is seen once its response starts: Deno.serve tells no earlier without
    // `request.signal`, whose legacy behaviour prints a warning.)
    const closing = new AbortController();
    serving.active.add(closing);
    const started = await slots.acquire(closing.signal);
    serving.active.delete(closing);
    if (!started) {
      entry.disconnected = true;
      metrics.finished(entry);
      return new Response(null, { status: 503 });
    }
    arrivalMs = performance.now();
  }
  metrics.started(entry);
  const onFinished = () => {
    slots.release();
    metrics.finished(entry);
  };
  return respondToPlan(
    { handlerInfo, format, parsed, plan, entry, arrivalMs, onFinished },
    serving.responder,
  );
}

/** The format's HTTP error response for a request refused before planning, logged. */
function _reject(
  entry: SimRequestLog,
  format: SimWireFormat,
  status: number,
  type: string,
  message: string,
): Response {
  entry.status = status;
  entry.error = { where: "http", status, type, message };
  entry.headersSentEpochMs = entry.endSentEpochMs = performance.timeOrigin + performance.now();
  return format.errorResponse({ status, type, message });
}

/** Whether the request carries the API key (always, when none is required). */
function _authorized(headers: Headers, apiKey: string | undefined): boolean {
  if (apiKey === undefined) return true;
  const bearer = headers.get("authorization");
  const given = bearer?.startsWith("Bearer ")
    ? bearer.slice(7)
    : headers.get("api-key") ?? headers.get("x-api-key") ?? headers.get("x-goog-api-key");
  return given === apiKey;
}

/** The 404 for a request no wire format serves. */
function _noRoute(method: string, pathname: string): Response {
  return Response.json(
    { error: { message: `No route for ${method} ${pathname}`, code: 404 } },
    { status: 404 },
  );
}
