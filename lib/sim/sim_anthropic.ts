/**
 * The simulator's Anthropic wire format: `POST /v1/messages`, streamed as Anthropic's
 * server-sent events (`message_start`, `content_block_*`, `ping`, `message_delta`,
 * `message_stop`, `error`) or returned as one message, with extended thinking.
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
import { ANTHROPIC_ERROR_CODES, type AnthropicErrorType } from "../wire/anthropic.ts";
import { SIM_SENT_AT_FIELD } from "../wire/sim_stamp.ts";
import { contentText, type Json, obj } from "../wire/json_fields.ts";

/** A parsed Messages request: what the simulator needs plus the thinking budget. */
interface _AnthropicRequest extends SimParsedRequest {
  /** `thinking.budget_tokens` when thinking is enabled, else 0. */
  thinkingBudget: number;
}

function _parse(body: string, headers: Headers): _AnthropicRequest | SimBadRequest {
  if (!headers.get("anthropic-version")) {
    return { status: 400, message: "anthropic-version: header is required" };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, message: "Request body is not valid JSON" };
  }
  const b = obj(json);
  if (!Array.isArray(b.messages)) return { status: 400, message: "messages: Field required" };
  const max = b.max_tokens;
  if (!Number.isInteger(max) || (max as number) < 1) {
    return {
      status: 400,
      message: `max_tokens: must be a positive integer, got ${JSON.stringify(max)}`,
    };
  }
  const thinking = obj(b.thinking);
  let thinkingBudget = 0;
  if (thinking.type === "enabled") {
    const budget = thinking.budget_tokens;
    if (!Number.isInteger(budget) || (budget as number) < 1) {
      return { status: 400, message: "thinking.budget_tokens: must be a positive integer" };
    }
    if ((budget as number) >= (max as number)) {
      return {
        status: 400,
        message: "max_tokens must be greater than thinking.budget_tokens",
      };
    }
    thinkingBudget = budget as number;
  }
  const system = contentText(b.system);
  const prompt = (system ? system + "\n" : "") +
    b.messages.map((m) => contentText(obj(m).content)).join("\n");
  return {
    model: typeof b.model === "string" ? b.model : "",
    prompt,
    maxTokens: max as number,
    stream: b.stream === true,
    includeUsage: true,
    thinkingBudget,
  };
}

function _errorType(status: number): AnthropicErrorType {
  for (const [type, code] of Object.entries(ANTHROPIC_ERROR_CODES)) {
    if (code === status) return type as AnthropicErrorType;
  }
  return status >= 500 ? "api_error" : "invalid_request_error";
}

function _errorBody(error: Pick<SimErrorPlan, "status" | "message">): Json {
  return { type: "error", error: { type: _errorType(error.status), message: error.message } };
}

function _errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response {
  return Response.json(_errorBody(error), {
    status: error.status,
    headers: { "request-id": `req_sim${crypto.randomUUID().slice(0, 8)}` },
  });
}

const _stop = (finish: "length" | "stop") => finish === "length" ? "max_tokens" : "end_turn";

function _encoder(request: _AnthropicRequest, context: SimResponseContext): SimResponseEncoder {
  const id = `msg_sim${context.requestId}`;
  const model = request.model;
  const budget = request.thinkingBudget;
  let tokenIndex = 0;
  let block: "thinking" | "text" | null = null;
  let blockIndex = -1;
  const sse = (name: string, data: Json, sentAtEpochMs: number) =>
    `event: ${name}\ndata: ${
      JSON.stringify({ type: name, ...data, [SIM_SENT_AT_FIELD]: sentAtEpochMs })
    }\n\n`;
  const start = (kind: "thinking" | "text", at: number) => {
    block = kind;
    blockIndex++;
    return sse("content_block_start", {
      index: blockIndex,
      content_block: kind === "text" ? { type: "text", text: "" } : {
        type: "thinking",
        thinking: "",
      },
    }, at);
  };
  const stop = (at: number) => {
    if (block === null) return "";
    let out = "";
    if (block === "thinking") {
      out += sse("content_block_delta", {
        index: blockIndex,
        delta: { type: "signature_delta", signature: `sim-signature-${context.requestId}` },
      }, at);
    }
    block = null;
    return out + sse("content_block_stop", { index: blockIndex }, at);
  };
  return {
    streamContentType: "text/event-stream; charset=utf-8",
    encodeStep(step: SimStep, at: number): string {
      switch (step.kind) {
        case "open":
          return sse("message_start", {
            message: {
              id,
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: {
                ..._anthropicInput(context.inputTokens ?? 0, context.cachedInputTokens),
                output_tokens: 1,
              },
            },
          }, at) + start(budget > 0 ? "thinking" : "text", at) + sse("ping", {}, at);
        case "chunk": {
          const kind = tokenIndex < budget ? "thinking" : "text";
          tokenIndex += step.tokens;
          let out = "";
          if (block !== kind) out += stop(at) + start(kind, at);
          const delta = kind === "text"
            ? { type: "text_delta", text: step.text }
            : { type: "thinking_delta", thinking: step.text };
          return out + sse("content_block_delta", { index: blockIndex, delta }, at);
        }
        case "end":
          return stop(at) +
            sse("message_delta", {
              delta: { stop_reason: _stop(step.finishReason), stop_sequence: null },
              usage: { output_tokens: step.outputTokens },
            }, at) +
            sse("message_stop", {}, at);
        case "error":
          return sse("error", { error: obj(_errorBody(step).error) }, at);
      }
    },
    encodeWhole(plan: SimResponsePlan): Response {
      if (plan.error) return _errorResponse(plan.error);
      let thinking = "";
      let text = "";
      let index = 0;
      for (const chunk of plan.chunks) {
        if (index < budget) thinking += chunk.text;
        else text += chunk.text;
        index += chunk.tokens;
      }
      const content: Json[] = [];
      if (budget > 0) {
        content.push({
          type: "thinking",
          thinking,
          signature: `sim-signature-${context.requestId}`,
        });
      }
      if (text !== "" || budget === 0) content.push({ type: "text", text });
      return Response.json({
        id,
        type: "message",
        role: "assistant",
        model,
        content,
        stop_reason: _stop(plan.finishReason),
        stop_sequence: null,
        usage: {
          ..._anthropicInput(plan.inputTokens, plan.cachedInputTokens),
          output_tokens: plan.outputTokens,
        },
      });
    },
  };
}

/**
 * The Anthropic Messages wire format for the simulator: `POST /v1/messages` (the
 * `anthropic-version` header is required, as the API requires it; the key is checked only when
 * the simulator has an `apiKey`, sent as `x-api-key`). A stream sends `message_start` (with
 * `usage.input_tokens`), `content_block_start`, `ping`, one `content_block_delta` per planned
 * chunk, `content_block_stop`, `message_delta` (`stop_reason` `max_tokens` or `end_turn`,
 * `usage.output_tokens`) and `message_stop`. With `thinking: {type: "enabled", budget_tokens: B}`
 * the chunks that start before token `B` are `thinking_delta`s in a `thinking` block (closed by a
 * `signature_delta`), the rest `text_delta`s in a `text` block; `output_tokens` counts both, as
 * Anthropic's does. Injected HTTP errors have Anthropic's body
 * (`{"type":"error","error":{"type":"rate_limit_error",…}}`), in-stream ones are `error` events
 * (`overloaded_error` for 529). Every event carries its send stamp in
 * {@link SIM_SENT_AT_FIELD}.
 *
 * @example Parse a request with thinking
 * ```ts
 * import { createAnthropicSimFormat } from "./sim_anthropic.ts";
 * const format = createAnthropicSimFormat();
 * const body = JSON.stringify({
 *   model: "claude-sonnet-4-5", max_tokens: 64, stream: true,
 *   thinking: { type: "enabled", budget_tokens: 16 },
 *   messages: [{ role: "user", content: "Hi" }],
 * });
 * const headers = new Headers({ "anthropic-version": "2023-06-01" });
 * const parsed = format.parse(body, new URL("http://x/v1/messages"), headers);
 * if (!("prompt" in parsed) || parsed.maxTokens !== 64 || parsed.prompt !== "Hi") {
 *   throw new Error(JSON.stringify(parsed));
 * }
 * ```
 */
export function createAnthropicSimFormat(): SimWireFormat {
  return {
    name: "anthropic-messages",
    matches: (method, pathname) =>
      method === "POST" && (pathname === "/v1/messages" || pathname === "/messages"),
    parse: (body, _url, headers) => _parse(body, headers),
    errorResponse: _errorResponse,
    encoder: (request, context) => _encoder(request as _AnthropicRequest, context),
  };
}

/**
 * Anthropic's input figures: with a prefix cache, `input_tokens` counts only the tokens after
 * the cached ones, `cache_read_input_tokens` the cached ones (the prompt is their sum) and
 * `cache_creation_input_tokens` is 0 (the simulator caches without charging for it).
 */
function _anthropicInput(inputTokens: number, cached: number | undefined): Json {
  return cached === undefined ? { input_tokens: inputTokens } : {
    input_tokens: inputTokens - cached,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}
