/**
 * The simulator's OpenAI Responses API wire format: `POST /v1/responses`, streamed as
 * server-sent events (`response.created`, `response.output_item.added`,
 * `response.output_text.delta`, reasoning deltas, `response.completed` / `response.incomplete`
 * / `response.failed`) or returned as one response object.
 *
 * @module
 */
import type { SimErrorPlan, SimResponsePlan, SimStep } from "./sim_plan.ts";
import type {
  SimBadRequest,
  SimParsedRequest,
  SimResponseContext,
  SimResponseEncoder,
  SimWireFormat,
} from "./sim_wire_format.ts";
import { SIM_SENT_AT_FIELD } from "../wire/sim_stamp.ts";
import { contentText, type Json, obj } from "../wire/json_fields.ts";

/**
 * Share of `max_output_tokens` the simulated model spends reasoning at each
 * `reasoning.effort` (a request without `reasoning` does not reason; `reasoning` without an
 * effort is `medium`).
 *
 * @example High effort reasons for half the budget
 * ```ts
 * import { SIM_REASONING_EFFORT_SHARE } from "./sim_openai_responses.ts";
 * if (SIM_REASONING_EFFORT_SHARE.high !== 0.5 || SIM_REASONING_EFFORT_SHARE.none !== 0) {
 *   throw new Error();
 * }
 * ```
 */
export const SIM_REASONING_EFFORT_SHARE: Readonly<Record<string, number>> = {
  none: 0,
  minimal: 0,
  low: 0.125,
  medium: 0.25,
  high: 0.5,
  xhigh: 0.75,
};

/** A parsed Responses request: what the simulator needs plus its reasoning settings. */
interface _ResponsesRequest extends SimParsedRequest {
  /** Tokens of the answer spent reasoning (chunks that start before it are reasoning). */
  reasoningBudget: number;
  /** Reasoning is streamed as summary deltas (`reasoning.summary` set), else as
   * `reasoning_text` deltas. */
  summary: boolean;
}

function _parse(body: string, defaultMaxTokens: number): _ResponsesRequest | SimBadRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, message: "Request body is not valid JSON" };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    return { status: 400, message: "Request body must be a JSON object" };
  }
  const b = json as Json;
  let prompt: string;
  if (typeof b.input === "string") prompt = b.input;
  else if (Array.isArray(b.input)) {
    prompt = b.input.map((m) => contentText(obj(m).content)).join("\n");
  } else return { status: 400, message: "'input' must be a string or an array of messages" };
  if (typeof b.instructions === "string") prompt = b.instructions + "\n" + prompt;
  const max = b.max_output_tokens;
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 1)) {
    return {
      status: 400,
      message: `'max_output_tokens' must be a positive integer, got ${JSON.stringify(max)}`,
    };
  }
  let reasoningBudget = 0;
  let summary = false;
  if (b.reasoning !== undefined && b.reasoning !== null) {
    const reasoning = obj(b.reasoning);
    const effort = reasoning.effort ?? "medium";
    const share = typeof effort === "string" ? SIM_REASONING_EFFORT_SHARE[effort] : undefined;
    if (share === undefined) {
      return {
        status: 400,
        message: `'reasoning.effort' must be one of ${
          Object.keys(SIM_REASONING_EFFORT_SHARE).join(", ")
        }, got ${JSON.stringify(effort)}`,
      };
    }
    const maxTokens = typeof max === "number" ? max : defaultMaxTokens;
    reasoningBudget = Math.floor(maxTokens * share);
    summary = typeof reasoning.summary === "string";
  }
  return {
    model: typeof b.model === "string" ? b.model : "",
    prompt,
    maxTokens: typeof max === "number" ? max : null,
    stream: b.stream === true,
    includeUsage: true,
    reasoningBudget,
    summary,
  };
}

/** The Responses API's error `code` of an HTTP-like status. */
function _errorCode(status: number): string {
  if (status === 429) return "rate_limit_exceeded";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

function _errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response {
  return Response.json(
    { error: { message: error.message, type: error.type, param: null, code: error.status } },
    { status: error.status },
  );
}

/** One output item being built: a reasoning item or the message. */
interface _Item {
  kind: "reasoning" | "text";
  id: string;
  outputIndex: number;
  text: string;
}

function _encoder(
  request: _ResponsesRequest,
  context: SimResponseContext,
): SimResponseEncoder {
  const id = `resp_sim${context.requestId}`;
  const createdAt = Math.floor(context.arrivalEpochMs / 1000);
  const budget = request.reasoningBudget;
  const items: _Item[] = [];
  let open: _Item | null = null;
  let tokenIndex = 0;
  let reasoningTokens = 0;
  let sequence = 0;
  const sse = (type: string, data: Json, at: number) =>
    `event: ${type}\ndata: ${
      JSON.stringify({ type, ...data, sequence_number: sequence++, [SIM_SENT_AT_FIELD]: at })
    }\n\n`;
  const itemJson = (item: _Item, done: boolean): Json => {
    if (item.kind === "text") {
      return {
        id: item.id,
        type: "message",
        status: done ? "completed" : "in_progress",
        role: "assistant",
        content: done
          ? [{ type: "output_text", text: item.text, annotations: [], logprobs: [] }]
          : [],
      };
    }
    if (request.summary) {
      return {
        id: item.id,
        type: "reasoning",
        summary: done ? [{ type: "summary_text", text: item.text }] : [],
      };
    }
    return {
      id: item.id,
      type: "reasoning",
      summary: [],
      content: done ? [{ type: "reasoning_text", text: item.text }] : [],
    };
  };
  const response = (status: string, extra: Json): Json => ({
    id,
    object: "response",
    created_at: createdAt,
    status,
    model: request.model,
    output: items.map((item) => itemJson(item, item !== open)),
    error: null,
    incomplete_details: null,
    max_output_tokens: request.maxTokens,
    usage: null,
    ...extra,
  });
  const part = (item: _Item, text: string): Json =>
    item.kind === "text"
      ? { type: "output_text", text, annotations: [], logprobs: [] }
      : request.summary
      ? { type: "summary_text", text }
      : { type: "reasoning_text", text };
  const where = (item: _Item): Json =>
    item.kind === "reasoning" && request.summary
      ? { item_id: item.id, output_index: item.outputIndex, summary_index: 0 }
      : { item_id: item.id, output_index: item.outputIndex, content_index: 0 };
  const partEvent = (item: _Item) =>
    item.kind === "reasoning" && request.summary
      ? "response.reasoning_summary_part"
      : "response.content_part";
  const deltaEvent = (item: _Item) =>
    item.kind === "text"
      ? "response.output_text"
      : request.summary
      ? "response.reasoning_summary_text"
      : "response.reasoning_text";
  const start = (kind: "reasoning" | "text", at: number): string => {
    const item: _Item = {
      kind,
      id: `${kind === "text" ? "msg" : "rs"}_sim${context.requestId}_${items.length}`,
      outputIndex: items.length,
      text: "",
    };
    items.push(item);
    open = item;
    return sse("response.output_item.added", {
      output_index: item.outputIndex,
      item: itemJson(item, false),
    }, at) + sse(`${partEvent(item)}.added`, { ...where(item), part: part(item, "") }, at);
  };
  const stop = (at: number): string => {
    const item = open;
    if (item === null) return "";
    open = null;
    const text = item.kind === "text" ? { text: item.text, logprobs: [] } : { text: item.text };
    return sse(`${deltaEvent(item)}.done`, { ...where(item), ...text }, at) +
      sse(`${partEvent(item)}.done`, { ...where(item), part: part(item, item.text) }, at) +
      sse("response.output_item.done", {
        output_index: item.outputIndex,
        item: itemJson(item, true),
      }, at);
  };
  const usage = (inputTokens: number, outputTokens: number): Json => ({
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + outputTokens,
  });
  return {
    streamContentType: "text/event-stream; charset=utf-8",
    encodeStep(step: SimStep, at: number): string {
      switch (step.kind) {
        case "open":
          return sse("response.created", { response: response("in_progress", {}) }, at) +
            sse("response.in_progress", { response: response("in_progress", {}) }, at);
        case "chunk": {
          const kind = tokenIndex < budget ? "reasoning" : "text";
          tokenIndex += step.tokens;
          if (kind === "reasoning") reasoningTokens += step.tokens;
          let out = "";
          if (open === null || (open as _Item).kind !== kind) out += stop(at) + start(kind, at);
          const item = open as unknown as _Item;
          item.text += step.text;
          const logprobs = kind === "text" ? { logprobs: [] } : {};
          return out + sse(`${deltaEvent(item)}.delta`, {
            ...where(item),
            delta: step.text,
            ...logprobs,
          }, at);
        }
        case "end": {
          let out = stop(at);
          if (!items.some((item) => item.kind === "text")) out += start("text", at) + stop(at);
          const final = usage(step.inputTokens, step.outputTokens);
          return out + (step.finishReason === "length"
            ? sse("response.incomplete", {
              response: response("incomplete", {
                incomplete_details: { reason: "max_output_tokens" },
                usage: final,
              }),
            }, at)
            : sse("response.completed", { response: response("completed", { usage: final }) }, at));
        }
        case "error":
          return sse("response.failed", {
            response: response("failed", {
              error: { code: _errorCode(step.status), message: step.message },
            }),
          }, at);
      }
    },
    encodeWhole(plan: SimResponsePlan, at: number): Response {
      if (plan.error) return _errorResponse(plan.error);
      // The steps of an unstreamed response are encoded too (and dropped): start afresh.
      items.length = 0;
      open = null;
      tokenIndex = 0;
      reasoningTokens = 0;
      for (const chunk of plan.chunks) {
        const kind = tokenIndex < budget ? "reasoning" : "text";
        tokenIndex += chunk.tokens;
        if (kind === "reasoning") reasoningTokens += chunk.tokens;
        const last = items[items.length - 1];
        if (last?.kind === kind) last.text += chunk.text;
        else {
          items.push({
            kind,
            id: `${kind === "text" ? "msg" : "rs"}_sim${context.requestId}_${items.length}`,
            outputIndex: items.length,
            text: chunk.text,
          });
        }
      }
      if (!items.some((item) => item.kind === "text")) {
        items.push({
          kind: "text",
          id: `msg_sim${context.requestId}_${items.length}`,
          outputIndex: items.length,
          text: "",
        });
      }
      const final = usage(plan.inputTokens, plan.outputTokens);
      const body = plan.finishReason === "length"
        ? response("incomplete", {
          incomplete_details: { reason: "max_output_tokens" },
          usage: final,
        })
        : response("completed", { usage: final });
      return Response.json({ ...body, [SIM_SENT_AT_FIELD]: at });
    },
  };
}

/**
 * The OpenAI Responses API wire format for the simulator: `POST /v1/responses` (and
 * `/responses`) with `input` (a string, or messages whose `content` is a string or
 * `input_text` parts), `instructions`, `max_output_tokens` (it includes the reasoning tokens, as
 * OpenAI's does) and `reasoning: { effort, summary }`. A stream sends `response.created` and
 * `response.in_progress`, then for each output item `response.output_item.added`, its part's
 * `…added`, one delta per planned chunk, `…done`, the part's `…done` and
 * `response.output_item.done`; then `response.completed` (`status: "completed"`) or, when the
 * answer hit `max_output_tokens`, `response.incomplete` (`incomplete_details.reason:
 * "max_output_tokens"`), both with `usage` (`input_tokens`, `output_tokens`,
 * `output_tokens_details.reasoning_tokens`, `input_tokens_details.cached_tokens` 0). With
 * `reasoning`, the chunks that start before token `max_output_tokens × share` (see
 * {@link SIM_REASONING_EFFORT_SHARE}) are reasoning: `response.reasoning_summary_text.delta`s
 * of a reasoning item when `reasoning.summary` is set, else `response.reasoning_text.delta`s
 * (as open-weight servers stream them). An in-stream error is `response.failed` with
 * `response.error.code` `rate_limit_exceeded` (429) or `server_error` (5xx); HTTP errors have
 * OpenAI's error body. Every event carries `sequence_number` and its send stamp in
 * {@link SIM_SENT_AT_FIELD}.
 *
 * @example Parse a request with reasoning
 * ```ts
 * import { createOpenAiResponsesSimFormat } from "./sim_openai_responses.ts";
 * const format = createOpenAiResponsesSimFormat();
 * const body = JSON.stringify({
 *   model: "gpt-5", input: "Hi", max_output_tokens: 64, stream: true,
 *   reasoning: { effort: "low", summary: "auto" },
 * });
 * const parsed = format.parse(body, new URL("http://x/v1/responses"), new Headers());
 * if (!("prompt" in parsed) || parsed.prompt !== "Hi" || parsed.maxTokens !== 64) {
 *   throw new Error(JSON.stringify(parsed));
 * }
 * ```
 */
export function createOpenAiResponsesSimFormat(
  options: { defaultMaxTokens?: number } = {},
): SimWireFormat {
  const defaultMaxTokens = options.defaultMaxTokens ?? 256;
  return {
    name: "openai-responses",
    matches: (method, pathname) =>
      method === "POST" && (pathname === "/v1/responses" || pathname === "/responses"),
    parse: (body) => _parse(body, defaultMaxTokens),
    errorResponse: _errorResponse,
    encoder: (request, context) => _encoder(request as _ResponsesRequest, context),
  };
}
