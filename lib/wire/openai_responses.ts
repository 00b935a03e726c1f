/**
 * The OpenAI Responses API wire format (`POST /v1/responses`, streamed as server-sent events
 * whose `data` carries a `type`): the request body ({@link openAiResponsesRequestBody}), one SSE
 * `data` payload → events ({@link decodeOpenAiResponsesData}), the usage object
 * ({@link openAiResponsesUsage}), error codes ({@link OPENAI_RESPONSES_ERROR_STATUS}) and a
 * body that ends early ({@link openAiResponsesStreamEnd}). HTTP error bodies are the same as
 * chat completions' (`openAiHttpError` in openai.ts).
 *
 * @module
 */
import type { LlmRequest } from "../core/llm_client.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { malformedData, oneLine, type SseDecoded } from "./sse.ts";
import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";
import { num, obj } from "./json_fields.ts";

/**
 * The streaming request body for one request: `{ model, input, instructions?,
 * max_output_tokens, stream: true, …samplingParams }` (sampling parameters are merged last, so
 * `reasoning: { effort, summary }`, `store` or `temperature` can be added or override any field).
 *
 * @example A body with instructions
 * ```ts
 * import { openAiResponsesRequestBody } from "./openai_responses.ts";
 * const body = openAiResponsesRequestBody(
 *   { model: "gpt-5", prompt: "Hi", maxTokens: 8, samplingParams: { reasoning: { effort: "low" } } },
 *   { instructions: "Be brief." },
 * );
 * if (body.input !== "Hi" || body.max_output_tokens !== 8 || body.instructions !== "Be brief.") {
 *   throw new Error(JSON.stringify(body));
 * }
 * if (body.stream !== true || (body.reasoning as { effort: string }).effort !== "low") {
 *   throw new Error(JSON.stringify(body));
 * }
 * ```
 */
export function openAiResponsesRequestBody(
  request: Pick<LlmRequest, "model" | "prompt" | "maxTokens" | "samplingParams" | "history">,
  options: { instructions?: string } = {},
): Record<string, unknown> {
  // With history: the conversation as input messages, the prompt last.
  const input = request.history?.length
    ? [
      ...request.history.map((t) => ({ role: t.role, content: t.text })),
      { role: "user", content: request.prompt },
    ]
    : request.prompt;
  const body: Record<string, unknown> = { model: request.model, input };
  if (options.instructions !== undefined) body.instructions = options.instructions;
  body.max_output_tokens = request.maxTokens;
  body.stream = true;
  Object.assign(body, request.samplingParams ?? {});
  return body;
}

/**
 * HTTP-like status of each Responses API error code (`response.failed`'s `response.error.code`,
 * an `error` event's `code`); any other code is a 500.
 *
 * @example Rate limits are 429s
 * ```ts
 * import { OPENAI_RESPONSES_ERROR_STATUS } from "./openai_responses.ts";
 * if (OPENAI_RESPONSES_ERROR_STATUS.rate_limit_exceeded !== 429) throw new Error();
 * ```
 */
export const OPENAI_RESPONSES_ERROR_STATUS: Readonly<Record<string, number>> = {
  server_error: 500,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  invalid_prompt: 400,
  invalid_request_error: 400,
  context_length_exceeded: 400,
  vector_store_timeout: 504,
  timeout: 408,
  service_unavailable: 503,
  overloaded: 503,
};

/**
 * A `usage` event from a Responses API `usage` object: `input_tokens`, `output_tokens` (which
 * includes the reasoning tokens), `output_tokens_details.reasoning_tokens`,
 * `input_tokens_details.cached_tokens`.
 *
 * @example Usage with reasoning and cached tokens
 * ```ts
 * import { openAiResponsesUsage } from "./openai_responses.ts";
 * const usage = openAiResponsesUsage({
 *   input_tokens: 5, input_tokens_details: { cached_tokens: 2 },
 *   output_tokens: 9, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 14,
 * });
 * if (usage.inputTokens !== 5 || usage.outputTokens !== 9 || usage.reasoningTokens !== 4) {
 *   throw new Error(JSON.stringify(usage));
 * }
 * if (usage.cacheReadInputTokens !== 2) throw new Error("cached");
 * ```
 */
export function openAiResponsesUsage(usage: Record<string, unknown>): UsageEvent {
  const event: UsageEvent = { kind: "usage" };
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  const reasoning = num(obj(usage.output_tokens_details).reasoning_tokens);
  const cached = num(obj(usage.input_tokens_details).cached_tokens);
  if (input !== undefined) event.inputTokens = input;
  if (output !== undefined) event.outputTokens = output;
  if (reasoning !== undefined) event.reasoningTokens = reasoning;
  if (cached !== undefined) event.cacheReadInputTokens = cached;
  return event;
}

/**
 * What decoding a Responses stream carries from one SSE message to the next: one per stream.
 *
 * @example The end status is kept
 * ```ts
 * import { decodeOpenAiResponsesData, type OpenAiResponsesStreamState } from "./openai_responses.ts";
 * const state: OpenAiResponsesStreamState = {};
 * decodeOpenAiResponsesData('{"type":"response.completed","response":{"status":"completed"}}', state);
 * if (state.status !== "completed") throw new Error(JSON.stringify(state));
 * ```
 */
export interface OpenAiResponsesStreamState {
  /** The response's final status (`completed`, `incomplete`), once seen. */
  status?: string;
}

/** The `error` event of a failure `code` and `message`, its status from the code table. */
function _error(code: unknown, message: unknown, fallback: string): ErrorEvent {
  const name = typeof code === "string" && code !== "" ? code : undefined;
  const status = typeof code === "number" && code >= 400 && code <= 599
    ? code
    : (name !== undefined ? OPENAI_RESPONSES_ERROR_STATUS[name] : undefined) ?? 500;
  const event: ErrorEvent = {
    kind: "error",
    code: status,
    message: oneLine(typeof message === "string" && message !== "" ? message : fallback),
  };
  if (name !== undefined) event.name = name;
  return event;
}

/**
 * Decodes one SSE `data` payload of a Responses API stream. Every payload gives a `message`
 * event first (`choices` is true for the payloads that carry output text: the analogue of a
 * chat chunk with non-empty `choices`), then:
 * - `response.output_text.delta` → `content` (`delta`);
 * - `response.reasoning_summary_text.delta`, `response.reasoning_text.delta` → `reasoning`;
 * - `response.completed` / `response.incomplete` → `usage` (from `response.usage`), then `done`
 *   with `finishReason` `completed` or the incomplete reason (`max_output_tokens`), ending the
 *   stream;
 * - `response.failed` (its `response.error`) and `error` (its `code`, `message`) → one `error`
 *   event, its status from {@link OPENAI_RESPONSES_ERROR_STATUS}, ending the stream;
 * - other types (`response.created`, `response.output_item.added`, …) → the `message` alone.
 *
 * Each event carries the simulator's send stamp ({@link SIM_SENT_AT_FIELD}) when present. Data
 * that is not a JSON object gives a 599 `error`.
 *
 * @example A delta, then the end
 * ```ts
 * import { decodeOpenAiResponsesData } from "./openai_responses.ts";
 * const state = {};
 * const delta = decodeOpenAiResponsesData(
 *   '{"type":"response.output_text.delta","delta":"Hi","output_index":0,"content_index":0}',
 *   state,
 * );
 * if (delta.events.map((e) => e.kind).join() !== "message,content") throw new Error();
 * const end = decodeOpenAiResponsesData(
 *   '{"type":"response.completed","response":{"status":"completed","usage":{"output_tokens":1}}}',
 *   state,
 * );
 * if (!end.end || end.events.map((e) => e.kind).join() !== "message,usage,done") throw new Error();
 * ```
 */
export function decodeOpenAiResponsesData(
  data: string,
  state: OpenAiResponsesStreamState,
): SseDecoded {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return malformedData(data);
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return {
      events: [{ kind: "error", code: CLIENT_ERROR_CODES.network, message: "Malformed event" }],
      end: true,
    };
  }
  const p = payload as Record<string, unknown>;
  const sentAt = p[SIM_SENT_AT_FIELD];
  const stamp = typeof sentAt === "number" ? { sentAtEpochMs: sentAt } : {};
  const type = typeof p.type === "string" ? p.type : "";
  const delta = typeof p.delta === "string" ? p.delta : "";
  switch (type) {
    case "response.output_text.delta": {
      const events: StreamEvent[] = [{ kind: "message", choices: true, ...stamp }];
      if (delta !== "") events.push({ kind: "content", text: delta, ...stamp });
      return { events, end: false };
    }
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta": {
      const events: StreamEvent[] = [{ kind: "message", choices: true, ...stamp }];
      if (delta !== "") events.push({ kind: "reasoning", text: delta, ...stamp });
      return { events, end: false };
    }
    case "response.completed":
    case "response.incomplete": {
      const response = obj(p.response);
      const events: StreamEvent[] = [{ kind: "message", choices: false, ...stamp }];
      if (response.usage && typeof response.usage === "object") {
        events.push(openAiResponsesUsage(response.usage as Record<string, unknown>));
      }
      const reason = obj(response.incomplete_details).reason;
      state.status = typeof response.status === "string"
        ? response.status
        : type.slice("response.".length);
      const finishReason = type === "response.incomplete" && typeof reason === "string"
        ? reason
        : state.status;
      events.push({ kind: "done", finishReason });
      return { events, end: true };
    }
    case "response.failed": {
      const error = obj(obj(p.response).error);
      return {
        events: [
          { kind: "message", choices: false, ...stamp },
          _error(error.code, error.message, "Response failed"),
        ],
        end: true,
      };
    }
    case "error":
      return {
        events: [
          { kind: "message", choices: false, ...stamp },
          _error(p.code, p.message, "In-stream error"),
        ],
        end: true,
      };
    default:
      return { events: [{ kind: "message", choices: false, ...stamp }], end: false };
  }
}

/**
 * The last event of a Responses stream whose body ended before `response.completed` (or
 * `response.incomplete`, `response.failed`, `error`): a 599 `error`.
 *
 * @example A cut body
 * ```ts
 * import { openAiResponsesStreamEnd } from "./openai_responses.ts";
 * const event = openAiResponsesStreamEnd({});
 * if (event.kind !== "error" || event.code !== 599) throw new Error(JSON.stringify(event));
 * ```
 */
export function openAiResponsesStreamEnd(state: OpenAiResponsesStreamState): StreamEvent {
  return state.status !== undefined ? { kind: "done", finishReason: state.status } : {
    kind: "error",
    code: CLIENT_ERROR_CODES.network,
    message: "Stream ended before response.completed",
  };
}
