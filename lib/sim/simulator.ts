/**
 * The built-in simulator: a real HTTP server on 127.0.0.1 that streams answers like an LLM
 * endpoint, with configurable timing and injected errors, stamping every event with its send
 * time and keeping a ground-truth log of every request.
 *
 * The pieces live in private files of this folder: the options and their checks
 * (`_sim_options.ts`), the info (`_sim_info.ts`), the log (`_sim_request_log.ts`), the request
 * handler with its routing (`_sim_handler.ts`), control endpoints (`_sim_control.ts`), answer
 * plans (`_sim_reply_plan.ts`), the playing of a response (`_sim_respond.ts`,
 * `_sim_body_writer.ts`, `_sim_played_faults.ts`) and the listening side (`_sim_server.ts`).
 *
 * @module
 */
import { createSendGate } from "./sim_plan.ts";
import { createSimVocabulary } from "./sim_vocabulary.ts";
import { createTokenizer, type Tokenizer } from "../core/tokenizer.ts";
import { resolveSimOptions, type SimulatorOptions } from "./_sim_options.ts";
import { type SimulatorInfo, simulatorInfo } from "./_sim_info.ts";
import { createSimRequestLogs, type SimRequestLog } from "./_sim_request_log.ts";
import { createSimHandler } from "./_sim_handler.ts";
import { type SimServer, startSimServer } from "./_sim_server.ts";

export type { SimRequestLog, SimulatorInfo, SimulatorOptions };

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

/**
 * Starts the simulator: a real HTTP server (`Deno.serve`) speaking the OpenAI chat and
 * completions, Anthropic Messages, SageMaker, Vertex AI Gemini and Bedrock wire formats (or the
 * `formats` given). Every request gets a plan from `planResponse` (sim_plan.ts; output
 * length = `max_tokens`, text made of single-token words of the tokenizer, so the tokenizer
 * counts exactly the planned tokens; LLMPerf correctness prompts are answered with the number's
 * digits instead) played against absolute times.
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
  const settings = resolveSimOptions(options);
  const { hostname } = settings;
  const tokenizer = createTokenizer(settings.tokenizerName);
  const info = simulatorInfo(settings);
  const logs = createSimRequestLogs(settings.logLimit);
  const active = new Set<AbortController>();
  // Stamps stay within a slice of their bytes reaching the socket (see createSendGate).
  const gate = createSendGate();
  let server: SimServer | null = null;
  try {
    const vocabulary = createSimVocabulary(tokenizer);
    const front = () => server?.front ?? null;
    const context = { settings, info, logs, tokenizer, vocabulary, gate, active, front };
    server = await startSimServer(settings, createSimHandler(context));
  } catch (error) {
    tokenizer.free();
    throw error;
  }
  const close = await _closer({ server, active, gate, tokenizer }, options.signal);
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${urlHost}:${server.port}`,
    port: server.port,
    hostname,
    info,
    log: () => logs.copies(),
    clearLog: () => logs.clear(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What closing a simulator ends. */
interface _Running {
  server: SimServer;
  active: Set<AbortController>;
  gate: { close(): void };
  tokenizer: Tokenizer;
}

/**
 * The simulator's idempotent `close` (ends open streams, the front and the server, the send
 * gate, the tokenizer), also called when `signal` aborts; already called if it has.
 */
async function _closer(
  running: _Running,
  signal: AbortSignal | undefined,
): Promise<() => Promise<void>> {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener("abort", onSignal);
    for (const controller of running.active) controller.abort();
    await running.server.close();
    running.gate.close();
    running.tokenizer.free();
  };
  const onSignal = () => void close();
  if (signal?.aborted) {
    await close();
  } else {
    signal?.addEventListener("abort", onSignal, { once: true });
  }
  return close;
}
