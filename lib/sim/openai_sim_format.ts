/**
 * The simulator's OpenAI wire format: `POST /v1/chat/completions` and `POST /v1/completions`,
 * streamed as server-sent events or returned as one JSON object.
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
import type { SimFaultEncoder, SimFaultKind } from "./sim_faults.ts";
import { SIM_SENT_AT_FIELD } from "../wire/sim_stamp.ts";

function _messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) =>
      part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string"
        ? (part as { text: string }).text
        : ""
    ).join("");
  }
  return "";
}

function _parse(
  endpoint: "chat" | "completions",
  body: string,
): SimParsedRequest | SimBadRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, message: "Request body is not valid JSON" };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    return { status: 400, message: "Request body must be a JSON object" };
  }
  const b = json as Record<string, unknown>;
  let prompt: string;
  if (endpoint === "chat") {
    if (!Array.isArray(b.messages)) {
      return { status: 400, message: "'messages' must be an array" };
    }
    prompt = b.messages.map((m) => _messageText((m as { content?: unknown })?.content)).join(
      "\n",
    );
  } else {
    if (typeof b.prompt === "string") prompt = b.prompt;
    else if (Array.isArray(b.prompt) && b.prompt.every((p) => typeof p === "string")) {
      prompt = b.prompt.join("\n");
    } else return { status: 400, message: "'prompt' must be a string" };
  }
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 0)) {
    return { status: 400, message: `'max_tokens' must be a non-negative integer, got ${max}` };
  }
  const streamOptions = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: typeof b.model === "string" ? b.model : "",
    prompt,
    maxTokens: typeof max === "number" ? max : null,
    stream: b.stream === true,
    includeUsage: streamOptions?.include_usage === true,
  };
}

function _errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response {
  return Response.json(
    { error: { message: error.message, type: error.type, param: null, code: error.status } },
    { status: error.status },
  );
}

function _encoder(
  endpoint: "chat" | "completions",
  request: SimParsedRequest,
  context: SimResponseContext,
): SimResponseEncoder & SimFaultEncoder {
  const chat = endpoint === "chat";
  const id = `${chat ? "chatcmpl" : "cmpl"}-sim${context.requestId}`;
  const object = chat ? "chat.completion.chunk" : "text_completion";
  const created = Math.floor(context.arrivalEpochMs / 1000);
  const model = request.model;
  const usageField = request.includeUsage ? { usage: null } : {};
  const frame = (chunk: Record<string, unknown>, sentAtEpochMs: number) =>
    `data: ${JSON.stringify({ ...chunk, [SIM_SENT_AT_FIELD]: sentAtEpochMs })}\n\n`;
  const choice = (delta: Record<string, unknown>, finishReason: string | null) =>
    chat
      ? { index: 0, delta, logprobs: null, finish_reason: finishReason }
      : { index: 0, text: delta.content ?? "", logprobs: null, finish_reason: finishReason };
  // A simulator with a prefix cache reports its hits as OpenAI does (part of prompt_tokens).
  const usage = (inputTokens: number, outputTokens: number, cached: number | undefined) => ({
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    ...(cached !== undefined ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  });
  return {
    streamContentType: "text/event-stream; charset=utf-8",
    encodeStep(step: SimStep, sentAtEpochMs: number): string | null {
      const head = { id, object, created, model };
      switch (step.kind) {
        case "open":
          if (!chat) return null;
          return frame(
            {
              ...head,
              choices: [choice({ role: "assistant", content: "" }, null)],
              ...usageField,
            },
            sentAtEpochMs,
          );
        case "chunk":
          return frame(
            { ...head, choices: [choice({ content: step.text }, null)], ...usageField },
            sentAtEpochMs,
          );
        case "end": {
          let text = frame(
            { ...head, choices: [choice({}, step.finishReason)], ...usageField },
            sentAtEpochMs,
          );
          if (request.includeUsage) {
            text += frame(
              {
                ...head,
                choices: [],
                usage: usage(step.inputTokens, step.outputTokens, step.cachedInputTokens),
              },
              sentAtEpochMs,
            );
          }
          return text + "data: [DONE]\n\n";
        }
        case "error":
          return frame(
            {
              error: { message: step.message, type: step.type, param: null, code: step.status },
            },
            sentAtEpochMs,
          ) + "data: [DONE]\n\n";
      }
    },
    encodeFault(kind: SimFaultKind, sentAtEpochMs: number): string | null {
      const head = { id, object, created, model };
      switch (kind) {
        case "malformed-sse":
          // Not SSE fields: a client following the SSE rules ignores every one of them.
          return "this line is not an SSE field\n" + 'dta: {"choices":[]}\n' + "retry: soon\n" +
            ": a comment\n" + "event\n\n";
        case "invalid-json":
          return `data: {"id":"${id}","object":"${object}","choices":[{"index":0,"delta":{"content":"cut sho\n\n`;
        case "empty-choices":
          return frame({ ...head, choices: [], ...usageField }, sentAtEpochMs);
        default:
          return null;
      }
    },
    encodeWhole(plan: SimResponsePlan, sentAtEpochMs: number): Response {
      if (plan.error) return _errorResponse(plan.error);
      const text = plan.chunks.map((c) => c.text).join("");
      const first = chat
        ? {
          index: 0,
          message: { role: "assistant", content: text },
          logprobs: null,
          finish_reason: plan.finishReason,
        }
        : { index: 0, text, logprobs: null, finish_reason: plan.finishReason };
      return Response.json({
        id,
        object: chat ? "chat.completion" : "text_completion",
        created,
        model,
        choices: [first],
        usage: usage(plan.inputTokens, plan.outputTokens, plan.cachedInputTokens),
        [SIM_SENT_AT_FIELD]: sentAtEpochMs,
      });
    },
  };
}

/**
 * The OpenAI wire format for one endpoint: `chat` serves `POST /v1/chat/completions` (a
 * role-only chunk first, `delta.content` chunks, a `finish_reason` chunk), `completions` serves
 * `POST /v1/completions` (`choices[0].text`). A usage chunk with empty `choices` follows when
 * `stream_options.include_usage` is true, then `data: [DONE]`. Every chunk carries its send
 * stamp in {@link SIM_SENT_AT_FIELD}. `max_completion_tokens` wins over `max_tokens`. The
 * encoder also encodes the wire faults of sim_faults.ts (malformed SSE lines, invalid JSON,
 * empty `choices`).
 *
 * @example Parse a chat request
 * ```ts
 * import { createOpenAiSimFormat } from "./openai_sim_format.ts";
 * const format = createOpenAiSimFormat("chat");
 * const body = JSON.stringify({
 *   model: "m", messages: [{ role: "user", content: "Hi" }], max_tokens: 5, stream: true,
 * });
 * const parsed = format.parse(body, new URL("http://x/v1/chat/completions"), new Headers());
 * if (!("prompt" in parsed) || parsed.prompt !== "Hi" || parsed.maxTokens !== 5) {
 *   throw new Error("unexpected parse");
 * }
 * ```
 */
export function createOpenAiSimFormat(endpoint: "chat" | "completions"): SimWireFormat {
  if (endpoint !== "chat" && endpoint !== "completions") {
    throw new RangeError(
      `Cannot create OpenAI simulator format: 'endpoint' must be "chat" or "completions", got ${
        JSON.stringify(endpoint)
      }`,
    );
  }
  const path = endpoint === "chat" ? "/v1/chat/completions" : "/v1/completions";
  return {
    name: `openai-${endpoint}`,
    matches: (method, pathname) =>
      method === "POST" && (pathname === path || pathname === path.slice(3)),
    parse: (body) => _parse(endpoint, body),
    errorResponse: _errorResponse,
    encoder: (request, context) => _encoder(endpoint, request, context),
  };
}
