/**
 * The built-in simulator: a real HTTP server on 127.0.0.1 that streams answers like an LLM
 * endpoint, with configurable timing and injected errors, stamping every event with its send
 * time and keeping a ground-truth log of every request.
 *
 * @module
 */
import { createOpenAiSimFormat } from "./openai_sim_format.ts";
import { createBedrockSimFormat } from "./sim_bedrock.ts";
import { createAnthropicSimFormat } from "./sim_anthropic.ts";
import { createSageMakerSimFormat } from "./sim_sagemaker.ts";
import { createVertexSimFormat } from "./sim_vertex.ts";
import { replacePlanText, simCorrectnessReply } from "./sim_correctness.ts";
import { sampleSimProfile, type SimProfile, type SimProfileName } from "./sim_profiles.ts";
import {
  createSendGate,
  planResponse,
  playPlan,
  type SimBehaviour,
  type SimResponsePlan,
} from "./sim_plan.ts";
import { createRandom } from "../core/random.ts";
import { createSimVocabulary, type SimVocabulary } from "./sim_vocabulary.ts";
import type { SimParsedRequest, SimWireFormat } from "./sim_wire_format.ts";
import { createTokenizer, type TokenizerName } from "../core/tokenizer.ts";
import {
  applySimFault,
  createSimFaultPicker,
  type SimFault,
  simFaultAfterChunks,
  type SimFaultEncoder,
  validateSimFaults,
} from "./sim_faults.ts";
import { type SimTcpFront, startSimTcpFront } from "./sim_tcp_front.ts";
import { serveRawHttp } from "./sim_raw_http.ts";

/** What the request handler uses of `Deno.ServeHandlerInfo` (the raw server gives the same). */
type _HandlerInfo = Pick<Deno.ServeHandlerInfo, "remoteAddr" | "completed">;

/** The raw HTTP/1.1 server with the two members of `Deno.HttpServer` the simulator uses. */
function _rawServer(
  hostname: string,
  port: number,
  handle: (request: Request, info: _HandlerInfo) => Response | Promise<Response>,
): { addr: Deno.NetAddr; shutdown(): Promise<void> } {
  const raw = serveRawHttp({ hostname, port }, handle);
  return {
    addr: { transport: "tcp", hostname, port: raw.port },
    shutdown: () => raw.close(),
  };
}

/** Options of {@link startSimulator}. */
export interface SimulatorOptions extends Partial<SimBehaviour> {
  /** Port to listen on; 0 picks a free port. Default 0. */
  port?: number;
  /** Interface to listen on. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Time to first token, ms after the request arrived. Default 200. */
  ttftMs?: number;
  /** Time per output token, ms. Default 20. */
  itlMs?: number;
  /** Uniform noise added to every delay, ±ms. Default 0. */
  jitterMs?: number;
  /** Tokens per content chunk. Default 1. */
  tokensPerChunk?: number;
  /** Fraction of requests answered with an HTTP error (`errorStatuses`). Default 0. */
  errorRate?: number;
  /** Fraction of requests whose stream breaks with an in-stream error. Default 0. */
  streamErrorRate?: number;
  /** Seed: request `i` (in arrival order) gets the `i`-th seed drawn from a generator seeded
   * with it, so the same seed and request order give the same answers. Default 1. */
  seed?: number;
  /** Tokenizer whose tokens the answers are made of and that counts prompts.
   * Default `"cl100k_base"`. */
  tokenizer?: TokenizerName;
  /** Output length when a request gives no `max_tokens`. Default 256. */
  defaultMaxTokens?: number;
  /** When set, requests must carry it as `Authorization: Bearer …`, `api-key`, `x-api-key`
   * (Anthropic) or `x-goog-api-key` (Vertex AI), else 401. Default: no check. */
  apiKey?: string;
  /** LLMPerf correctness prompts ("Convert the following sequence of words into a number: …")
   * are answered with the number in digits, and with another number at this rate (0..1), so the
   * correctness test can be tested. Other prompts are unaffected. Default 0 (always right). */
  correctnessErrorRate?: number;
  /**
   * Serve with tokenbench's minimal HTTP/1.1 server (`sim_raw_http.ts`) instead of `Deno.serve`:
   * every chunk is written to the socket as it is stamped, so send stamps are exact (calibration
   * uses it). Not with the `reset-before-headers` fault. Default false.
   */
  rawHttp?: boolean;
  /** Requests kept in the log (oldest dropped first; fetch `GET /_sim/log?since=ID` as you go
   * to keep more). Default 10000. */
  logLimit?: number;
  /** Wire formats served. Default OpenAI chat and completions, Anthropic Messages, SageMaker
   * InvokeEndpointWithResponseStream, Vertex AI streamGenerateContent, Bedrock ConverseStream and
   * InvokeModelWithResponseStream. */
  formats?: readonly SimWireFormat[];
  /** Latency preset: each request's TTFT, ITL and answer length are drawn from the profile's
   * distributions (fitted to published measurements), overriding `ttftMs`/`itlMs`. Default none. */
  profile?: SimProfileName | SimProfile;
  /** Injected faults (429 bursts, 5xx, connection resets, stalls, malformed streams, …; see
   * `SimFault` in sim_faults.ts), on a schedule or at random. Default none. */
  faults?: readonly SimFault[];
  /** Closes the simulator when aborted. Default none. */
  signal?: AbortSignal;
}

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

/** What a simulator says of itself (`GET /_sim/info`, {@link Simulator.info}). */
export interface SimulatorInfo {
  /** Always `"tokenbench"`: lets a benchmark tell that its endpoint is simulated. */
  simulator: "tokenbench";
  /** Wire formats served. */
  formats: string[];
  /** Tokenizer of the answers and prompt counts. */
  tokenizer: TokenizerName;
  /** The seed. */
  seed: number;
  /** Output length when a request gives no `max_tokens`. */
  defaultMaxTokens: number;
  /** Timing and error behaviour. */
  behaviour: SimBehaviour;
  /** Latency preset in use (`"custom"` for a profile object), or null. */
  profile: string | null;
  /** Rate of wrong answers to correctness prompts. */
  correctnessErrorRate: number;
  /** Injected faults. */
  faults: SimFault[];
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:8123` (OpenAI base URL is `${url}/v1`). */
  readonly url: string;
  /** Port listened on. */
  readonly port: number;
  /** Interface listened on. */
  readonly hostname: string;
  /** The simulator's settings (also `GET /_sim/info`). */
  readonly info: SimulatorInfo;
  /** Copies of the request logs, oldest first (also served as JSON by `GET /_sim/log`). */
  log(): SimRequestLog[];
  /** Forgets all logged requests (also `DELETE /_sim/log`). */
  clearLog(): void;
  /** Ends open streams, stops listening and frees the tokenizer. Idempotent. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const _SECRET_NAME = /auth|key|token|secret|cookie|signature|credential|password/i;

function _redact(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    out[name] = _SECRET_NAME.test(name) ? "[redacted]" : value;
  }
  return out;
}

function _check(name: string, value: number, min: number, max = Infinity, integer = false) {
  if (
    typeof value !== "number" || Number.isNaN(value) || value < min || value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const what = integer
      ? (min > 0 ? "a positive integer" : "a non-negative integer")
      : max === 1
      ? "a number between 0 and 1"
      : "a non-negative number";
    throw new RangeError(`Cannot start simulator: '${name}' must be ${what}, got ${value}`);
  }
}

/**
 * Starts the simulator: a real HTTP server (`Deno.serve`) speaking the OpenAI chat and
 * completions, Anthropic Messages, SageMaker, Vertex AI Gemini and Bedrock wire formats (or the
 * `formats` given). Every request gets a plan from
 * {@link planResponse} (output length = `max_tokens`, text made of single-token words of the
 * tokenizer, so the tokenizer counts exactly the planned tokens; LLMPerf correctness prompts are
 * answered with the number's digits instead) played against absolute times.
 * `GET /_sim/log` returns the ground-truth log (`?since=ID` for later requests only,
 * `DELETE` clears it), `GET /_sim/info` the settings, `GET /_sim/clock` the simulator's epoch
 * clock (`{ epochMs }`, to estimate the clock offset of another process), `GET /v1/models` one
 * model. Several simulators can run at once; nothing is global.
 *
 * @example Start, stream one answer, close
 * ```ts
 * import { startSimulator } from "./simulator.ts";
 * await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
 * const response = await fetch(`${sim.url}/v1/chat/completions`, {
 *   method: "POST",
 *   body: JSON.stringify({
 *     model: "sim", messages: [{ role: "user", content: "Hi" }], max_tokens: 3, stream: true,
 *   }),
 * });
 * const text = await response.text();
 * if (!text.endsWith("data: [DONE]\n\n")) throw new Error("stream did not finish");
 * if (sim.log()[0].outputTokens !== 3) throw new Error("3 tokens expected");
 * ```
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const behaviour: SimBehaviour = {
    ttftMs: options.ttftMs ?? 200,
    itlMs: options.itlMs ?? 20,
    jitterMs: options.jitterMs ?? 0,
    tokensPerChunk: options.tokensPerChunk ?? 1,
    errorRate: options.errorRate ?? 0,
    errorStatuses: options.errorStatuses ?? [500, 429],
    streamErrorRate: options.streamErrorRate ?? 0,
    outputTokens: options.outputTokens,
    openMs: options.openMs ?? 0,
  };
  const port = options.port ?? 0;
  const hostname = options.hostname ?? "127.0.0.1";
  const seed = options.seed ?? 1;
  const tokenizerName = options.tokenizer ?? "cl100k_base";
  const defaultMaxTokens = options.defaultMaxTokens ?? 256;
  const logLimit = options.logLimit ?? 10_000;
  const correctnessErrorRate = options.correctnessErrorRate ?? 0;
  _check("port", port, 0, 65535, true);
  _check("ttftMs", behaviour.ttftMs, 0);
  _check("itlMs", behaviour.itlMs, 0);
  _check("jitterMs", behaviour.jitterMs, 0);
  _check("tokensPerChunk", behaviour.tokensPerChunk, 1, Infinity, true);
  _check("errorRate", behaviour.errorRate, 0, 1);
  _check("streamErrorRate", behaviour.streamErrorRate ?? 0, 0, 1);
  _check("correctnessErrorRate", correctnessErrorRate, 0, 1);
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot start simulator: 'seed' must be a safe integer, got ${seed}`);
  }
  _check("defaultMaxTokens", defaultMaxTokens, 0, Infinity, true);
  _check("logLimit", logLimit, 0, Infinity, true);
  if (behaviour.outputTokens !== undefined) {
    _check("outputTokens", behaviour.outputTokens, 0, Infinity, true);
  }
  for (const status of behaviour.errorStatuses ?? []) {
    _check("errorStatuses", status, 400, 599, true);
  }
  const formats = options.formats ?? [
    createOpenAiSimFormat("chat"),
    createOpenAiSimFormat("completions"),
    createAnthropicSimFormat(),
    createSageMakerSimFormat(),
    createVertexSimFormat(),
    createBedrockSimFormat("converse"),
    createBedrockSimFormat("invoke"),
  ];
  const profile = options.profile;
  if (profile !== undefined) sampleSimProfile(profile, createRandom(0)); // validate up front
  const faults = options.faults ?? [];
  validateSimFaults(faults);
  // Fault draws have their own generator, so that faults never change the answers' randomness.
  const faultRandom = createRandom((seed ^ 0x5f3759df) >>> 0);
  const pickFault = createSimFaultPicker(faults, { random: faultRandom });

  const tokenizer = createTokenizer(tokenizerName);
  let vocabulary: SimVocabulary;
  try {
    vocabulary = createSimVocabulary(tokenizer);
  } catch (error) {
    tokenizer.free();
    throw error;
  }
  // Prompt counts are the tokenizer's own (with BOS for llama2, as servers count prompts).
  const countTokens = (text: string) => tokenizer.countTokens(text);
  const encoder = new TextEncoder();
  const info: SimulatorInfo = {
    simulator: "tokenbench",
    formats: formats.map((f) => f.name),
    tokenizer: tokenizerName,
    seed,
    defaultMaxTokens,
    behaviour: structuredClone(behaviour),
    profile: typeof profile === "string" ? profile : profile === undefined ? null : "custom",
    correctnessErrorRate,
    faults: structuredClone([...faults]),
  };
  const logs: SimRequestLog[] = [];
  const active = new Set<AbortController>();
  // Stamps stay within a slice of their bytes reaching the socket (see createSendGate).
  const gate = createSendGate();
  const seeds = createRandom(seed);
  let nextRequestId = 0;
  let closed = false;

  const addLog = (entry: SimRequestLog) => {
    logs.push(entry);
    if (logs.length > logLimit) logs.splice(0, logs.length - logLimit);
  };

  const handle = (
    request: Request,
    handlerInfo: _HandlerInfo,
  ): Response | Promise<Response> => {
    const arrivalMs = performance.now();
    const arrivalEpochMs = performance.timeOrigin + arrivalMs;
    const url = new URL(request.url);
    if (url.pathname === "/_sim/log") {
      if (request.method === "DELETE") {
        logs.length = 0;
        return new Response(null, { status: 204 });
      }
      const since = Number(url.searchParams.get("since") ?? -1);
      return Response.json({ requests: logs.filter((l) => l.requestId > since) });
    }
    if (url.pathname === "/_sim/info") return Response.json(info);
    if (url.pathname === "/_sim/clock") return Response.json({ epochMs: arrivalEpochMs });
    if (request.method === "GET" && (url.pathname === "/v1/models" || url.pathname === "/models")) {
      return Response.json({
        object: "list",
        data: [{ id: "tokenbench-sim", object: "model", owned_by: "tokenbench" }],
      });
    }
    const format = formats.find((f) => f.matches(request.method, url.pathname));
    if (!format) {
      return Response.json(
        { error: { message: `No route for ${request.method} ${url.pathname}`, code: 404 } },
        { status: 404 },
      );
    }
    return _serve(request, handlerInfo, url, format, arrivalMs, arrivalEpochMs);
  };

  const _serve = async (
    request: Request,
    handlerInfo: _HandlerInfo,
    url: URL,
    format: SimWireFormat,
    arrivalMs: number,
    arrivalEpochMs: number,
  ): Promise<Response> => {
    const requestId = nextRequestId++;
    const requestSeed = Math.floor(seeds() * 2 ** 53);
    const entry: SimRequestLog = {
      requestId,
      format: format.name,
      path: url.pathname,
      query: _redact(url.searchParams),
      headers: _redact(request.headers),
      model: "",
      stream: false,
      maxTokens: 0,
      arrivalEpochMs,
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
    addLog(entry);
    const reject = (status: number, type: string, message: string) => {
      entry.status = status;
      entry.error = { where: "http", status, type, message };
      entry.headersSentEpochMs = entry.endSentEpochMs = performance.timeOrigin +
        performance.now();
      return format.errorResponse({ status, type, message });
    };
    if (options.apiKey !== undefined) {
      const bearer = request.headers.get("authorization");
      const given = bearer?.startsWith("Bearer ")
        ? bearer.slice(7)
        : request.headers.get("api-key") ?? request.headers.get("x-api-key") ??
          request.headers.get("x-goog-api-key");
      if (given !== options.apiKey) {
        return reject(401, "authentication_error", "Missing or wrong API key");
      }
    }
    let body: string;
    try {
      body = await request.text();
    } catch {
      entry.disconnected = true;
      return new Response(null, { status: 400 });
    }
    const parsed = format.parse(body, url, request.headers);
    if (!("prompt" in parsed)) {
      return reject(parsed.status, "invalid_request_error", parsed.message);
    }
    const maxTokens = parsed.maxTokens ?? defaultMaxTokens;
    const random = createRandom(requestSeed);
    // Correctness prompts are answered with the number's tokens instead of random words.
    const reply = simCorrectnessReply(parsed.prompt, { errorRate: correctnessErrorRate, random });
    const replyIds = reply === null
      ? null
      : tokenizer.encode(reply.reply).slice(vocabulary.overheadTokens);
    const planned = planResponse({ prompt: parsed.prompt, maxTokens }, {
      behaviour: {
        ...behaviour,
        ...(profile === undefined ? {} : sampleSimProfile(profile, random)),
        ...(replyIds === null ? {} : { outputTokens: replyIds.length }),
      },
      random,
      vocabulary,
      countTokens,
    });
    const plan = replyIds === null
      ? planned
      : replacePlanText(planned, replyIds, (ids) => tokenizer.decode(ids));
    entry.model = parsed.model;
    entry.stream = parsed.stream;
    entry.maxTokens = maxTokens;
    entry.inputTokens = plan.inputTokens;
    entry.plannedOutputTokens = plan.chunks.reduce((n, c) => n + c.tokens, 0);
    return _respond(handlerInfo, format, parsed, plan, entry, arrivalMs);
  };

  const _respond = (
    handlerInfo: _HandlerInfo,
    format: SimWireFormat,
    parsed: SimParsedRequest,
    plan: SimResponsePlan,
    entry: SimRequestLog,
    arrivalMs: number,
  ): Promise<Response> => {
    const controller = new AbortController();
    active.add(controller);
    const onClientAbort = () => {
      if (entry.endSentEpochMs === null) entry.disconnected = true;
      controller.abort();
    };
    // Rejects when the client went away before the whole response was written.
    handlerInfo.completed.catch(onClientAbort);
    // Injected fault: faults of the plan change it here, the others are played below.
    const fault = pickFault(entry.requestId);
    if (fault !== null) {
      const changed = applySimFault(plan, fault, { vocabulary, random: faultRandom });
      if (changed !== plan) {
        plan = changed;
        entry.fault = fault.kind;
        entry.plannedOutputTokens = plan.chunks.reduce((n, c) => n + c.tokens, 0);
      }
      if (fault.kind === "reset-before-headers" && front !== null) {
        entry.fault = fault.kind;
        entry.disconnected = true;
        entry.endSentEpochMs = performance.timeOrigin + performance.now();
        front.drop((handlerInfo.remoteAddr as Deno.NetAddr).port);
        controller.abort();
        active.delete(controller);
        return Promise.resolve(new Response(null, { status: 503 }));
      }
    }
    const responseEncoder = format.encoder(parsed, {
      requestId: entry.requestId,
      arrivalEpochMs: entry.arrivalEpochMs,
      inputTokens: plan.inputTokens,
    });
    const { promise, resolve } = Promise.withResolvers<Response>();
    let stream: ReadableStreamDefaultController<Uint8Array> | null = null;
    const body = parsed.stream
      ? new ReadableStream<Uint8Array>({
        start(c) {
          stream = c;
        },
        cancel() {
          onClientAbort();
        },
      })
      : null;
    const drip = fault?.kind === "slow-drip" && body !== null
      ? { bytes: fault.bytes ?? 1, ms: fault.dripMs ?? 1 }
      : null;
    if (drip !== null) entry.fault = "slow-drip";
    let dripped: Promise<void> = Promise.resolve();
    const write = (data: string | Uint8Array | null): void | Promise<void> => {
      if (data === null || stream === null) return;
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      if (drip !== null) {
        const target = stream;
        dripped = dripped.then(() => _drip(target, bytes, drip, controller.signal))
          .catch(onClientAbort);
        return dripped;
      }
      try {
        stream.enqueue(bytes);
      } catch {
        onClientAbort();
      }
    };
    // Faults played before content chunk `index` (the end counts as index `chunks.length`).
    const faultAt = fault === null ? -1 : Math.min(simFaultAfterChunks(fault), plan.chunks.length);
    let faultDone = false;
    let resetting: Promise<void> | null = null;
    const faultBefore = (index: number, sentAtEpochMs: number): void => {
      if (fault === null || !_PLAYED_FAULTS.has(fault.kind) || stream === null) return;
      const repeated = fault.kind === "malformed-sse" || fault.kind === "empty-choices";
      if (index < faultAt || (faultDone && !(repeated && index < plan.chunks.length))) return;
      faultDone = true;
      if (fault.kind === "reset-mid-stream") {
        entry.fault = fault.kind;
        entry.endSentEpochMs = sentAtEpochMs;
        controller.abort();
        resetting = _resetWhenFlushed(stream, dripped);
        return;
      }
      const encodeFault = (responseEncoder as Partial<SimFaultEncoder>).encodeFault;
      const bytes = encodeFault ? encodeFault(fault.kind, sentAtEpochMs) : null;
      if (bytes === null) return;
      entry.fault = fault.kind;
      write(bytes);
    };
    const finish = () => {
      try {
        stream?.close();
      } catch { /* already closed or cancelled */ }
    };
    playPlan(plan, {
      arrivalMs,
      signal: controller.signal,
      gate,
      send(step, sentAtEpochMs) {
        switch (step.kind) {
          case "open":
            if (body) {
              entry.status = 200;
              entry.headersSentEpochMs = sentAtEpochMs;
              const written = write(responseEncoder.encodeStep(step, sentAtEpochMs));
              resolve(
                new Response(body, {
                  headers: {
                    "content-type": responseEncoder.streamContentType,
                    "cache-control": "no-cache",
                  },
                }),
              );
              return written;
            }
            return;
          case "chunk":
            faultBefore(step.index, sentAtEpochMs);
            if (resetting) return resetting;
            entry.chunkSentEpochMs.push(sentAtEpochMs);
            entry.chunkTokens.push(step.tokens);
            entry.chunkPlannedMs.push(step.atMs);
            entry.outputTokens += step.tokens;
            return write(responseEncoder.encodeStep(step, sentAtEpochMs));
          case "end":
            faultBefore(plan.chunks.length, sentAtEpochMs);
            if (resetting) return resetting;
            entry.endSentEpochMs = sentAtEpochMs;
            entry.finishReason = step.finishReason;
            if (body) {
              const written = write(responseEncoder.encodeStep(step, sentAtEpochMs));
              if (written) return written.then(finish);
              finish();
            } else {
              entry.status = 200;
              entry.headersSentEpochMs = sentAtEpochMs;
              resolve(responseEncoder.encodeWhole(plan, sentAtEpochMs));
            }
            return;
          case "error":
            entry.endSentEpochMs = sentAtEpochMs;
            entry.error = {
              where: step.where,
              status: step.status,
              type: step.type,
              message: step.message,
            };
            if (body && step.where === "stream") {
              write(responseEncoder.encodeStep(step, sentAtEpochMs));
              finish();
            } else {
              entry.status = step.status;
              entry.headersSentEpochMs = sentAtEpochMs;
              resolve(_withRetryAfter(format.errorResponse(step), step.retryAfterS));
            }
            return;
        }
      },
    }).catch(() => {
      // A send never throws; a failure here means a bug in a format: end the response.
      finish();
    }).finally(() => {
      active.delete(controller);
      finish();
      // Aborted before anything was sent: answer something (the client is gone anyway).
      resolve(new Response(null, { status: 503 }));
    });
    return promise;
  };

  // Dropping a connection before any response byte needs a TCP front (sim_tcp_front.ts).
  const fronted = faults.some((f) => f.kind === "reset-before-headers");
  if (fronted && options.rawHttp) {
    tokenizer.free();
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
      tokenizer.free();
      throw error;
    }
  }
  const actualPort = front?.port ?? server.addr.port;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  const close = async () => {
    if (closed) return;
    closed = true;
    options.signal?.removeEventListener("abort", onSignal);
    for (const controller of active) controller.abort();
    await front?.close();
    await server.shutdown();
    gate.close();
    tokenizer.free();
  };
  const onSignal = () => void close();
  if (options.signal?.aborted) {
    await close();
  } else {
    options.signal?.addEventListener("abort", onSignal, { once: true });
  }
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    hostname,
    info,
    log: () => logs.map((l) => structuredClone(l)),
    clearLog: () => void (logs.length = 0),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Faults played while streaming (the others change the plan, see `applySimFault`). */
const _PLAYED_FAULTS = new Set<string>([
  "reset-mid-stream",
  "malformed-sse",
  "invalid-json",
  "empty-choices",
]);

/** Writes `bytes` in pieces of `drip.bytes`, `drip.ms` apart (the `slow-drip` fault). */
async function _drip(
  stream: ReadableStreamDefaultController<Uint8Array>,
  bytes: Uint8Array,
  drip: { bytes: number; ms: number },
  signal: AbortSignal,
): Promise<void> {
  for (let offset = 0; offset < bytes.length && !signal.aborted; offset += drip.bytes) {
    if (offset > 0) await new Promise((resolve) => setTimeout(resolve, drip.ms));
    stream.enqueue(bytes.slice(offset, offset + drip.bytes));
  }
}

/** Breaks the connection (the `reset-mid-stream` fault) once what was written has been sent. */
async function _resetWhenFlushed(
  stream: ReadableStreamDefaultController<Uint8Array>,
  written: Promise<void>,
): Promise<void> {
  await written;
  // The body's queue empties as the server sends; then give the socket a moment.
  for (let i = 0; i < 100 && (stream.desiredSize ?? 1) < 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  try {
    stream.error(new Error("simulated connection reset"));
  } catch { /* already closed */ }
}

/** Adds `Retry-After` to an HTTP error response (injected 429s). */
function _withRetryAfter(response: Response, retryAfterS: number | undefined): Response {
  if (retryAfterS !== undefined) response.headers.set("retry-after", String(retryAfterS));
  return response;
}
