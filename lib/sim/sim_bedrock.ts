/**
 * The simulator's Bedrock wire formats: `POST /model/{modelId}/converse-stream` (and `converse`)
 * and `POST /model/{modelId}/invoke-with-response-stream` (and `invoke`), streamed as AWS
 * event-stream frames like Bedrock Runtime does, with Bedrock's usage and latency figures and its
 * exceptions (HTTP-level and mid-stream).
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
import {
  BEDROCK_INVOCATION_METRICS_KEY,
  type BedrockModelFamily,
  bedrockModelFamily,
} from "../wire/bedrock_bodies.ts";
import { SIM_SENT_AT_FIELD } from "../wire/sim_stamp.ts";
import { bedrockExceptionForStatus } from "../wire/bedrock_errors.ts";
import { createEventstreamFrames, type EventstreamFrames } from "../wire/eventstream_frames.ts";
import { contentText, type Json, obj } from "../wire/json_fields.ts";

/** Content type of Bedrock's streamed responses. */
export const BEDROCK_EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

const _PATHS = {
  converse: /^\/model\/([^/]+)\/(converse-stream|converse)$/,
  invoke: /^\/model\/([^/]+)\/(invoke-with-response-stream|invoke)$/,
} as const;

/** A parsed Bedrock request: what the simulator needs plus the body format to answer in. */
interface _BedrockRequest extends SimParsedRequest {
  family: BedrockModelFamily | "converse";
}

function _messagesText(messages: unknown): string {
  return Array.isArray(messages) ? messages.map((m) => contentText(obj(m).content)).join("\n") : "";
}

/** The family of an InvokeModel body whose model id says nothing (application profiles). */
function _familyFromBody(b: Json): BedrockModelFamily | null {
  if ("anthropic_version" in b) return "anthropic-messages";
  if ("max_tokens_to_sample" in b) return "anthropic-text";
  if ("max_gen_len" in b) return "meta-llama";
  if ("schemaVersion" in b || ("messages" in b && "inferenceConfig" in b)) return "amazon-nova";
  if ("inputText" in b) return "amazon-titan";
  if ("message" in b) return "cohere-command-r";
  if ("prompt" in b && b.stream === true) return "cohere-command";
  if ("prompt" in b) return "mistral";
  return null;
}

function _maxTokens(value: unknown, field: string): number | null | SimBadRequest {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || (value as number) < 0) {
    return {
      status: 400,
      message: `${field} must be a non-negative integer, got ${JSON.stringify(value)}`,
    };
  }
  return value as number;
}

function _parse(
  api: "converse" | "invoke",
  body: string,
  url: URL,
): _BedrockRequest | SimBadRequest {
  const match = _PATHS[api].exec(url.pathname);
  if (!match) return { status: 404, message: `No route for ${url.pathname}` };
  let model: string;
  try {
    model = decodeURIComponent(match[1]);
  } catch {
    return { status: 400, message: "The model id in the path is not valid percent-encoding" };
  }
  const stream = match[2].endsWith("stream");
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {
      status: 400,
      message: "Malformed input request, please reformat your input and try again.",
    };
  }
  const b = obj(json);
  if (api === "converse") {
    if (!Array.isArray(b.messages)) return { status: 400, message: "messages is required" };
    const system = Array.isArray(b.system) ? contentText(b.system) : "";
    const prompt = (system ? system + "\n" : "") + _messagesText(b.messages);
    const maxTokens = _maxTokens(obj(b.inferenceConfig).maxTokens, "inferenceConfig.maxTokens");
    if (maxTokens !== null && typeof maxTokens === "object") return maxTokens;
    return { model, prompt, maxTokens, stream, includeUsage: true, family: "converse" };
  }
  const family = bedrockModelFamily(model) ?? _familyFromBody(b);
  if (family === null) {
    return {
      status: 400,
      message: `The simulator does not know the body format of model ${model}`,
    };
  }
  let prompt: string;
  let max: unknown;
  let field: string;
  switch (family) {
    case "anthropic-messages":
      prompt = (typeof b.system === "string" ? b.system + "\n" : contentText(b.system)) +
        _messagesText(b.messages);
      [max, field] = [b.max_tokens, "max_tokens"];
      break;
    case "anthropic-text":
      prompt = String(b.prompt ?? "");
      [max, field] = [b.max_tokens_to_sample, "max_tokens_to_sample"];
      break;
    case "meta-llama":
      prompt = String(b.prompt ?? "");
      [max, field] = [b.max_gen_len, "max_gen_len"];
      break;
    case "amazon-nova":
      prompt = _messagesText(b.messages);
      [max, field] = [obj(b.inferenceConfig).max_new_tokens, "inferenceConfig.max_new_tokens"];
      break;
    case "amazon-titan":
      prompt = String(b.inputText ?? "");
      [max, field] = [
        obj(b.textGenerationConfig).maxTokenCount,
        "textGenerationConfig.maxTokenCount",
      ];
      break;
    case "mistral":
      prompt = typeof b.prompt === "string" ? b.prompt : _messagesText(b.messages);
      [max, field] = [b.max_tokens, "max_tokens"];
      break;
    case "cohere-command":
      prompt = String(b.prompt ?? "");
      [max, field] = [b.max_tokens, "max_tokens"];
      break;
    case "cohere-command-r":
      prompt = String(b.message ?? "");
      [max, field] = [b.max_tokens, "max_tokens"];
      break;
  }
  const maxTokens = _maxTokens(max, field);
  if (maxTokens !== null && typeof maxTokens === "object") return maxTokens;
  return { model, prompt, maxTokens, stream, includeUsage: true, family };
}

/** Status of an exception name sent by the simulator (its `originalStatusCode` when not 1:1). */
function _exceptionBody(status: number, message: string, name: string): Json {
  const body: Json = { message };
  if (name === "ModelErrorException" || name === "ModelStreamErrorException") {
    body.originalStatusCode = status;
    body.originalMessage = message;
  }
  return body;
}

function _errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response {
  const name = bedrockExceptionForStatus(error.status);
  return Response.json(_exceptionBody(error.status, error.message, name), {
    status: error.status,
    headers: {
      "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      "x-amzn-requestid": crypto.randomUUID(),
    },
  });
}

/** The union member an in-stream error is sent as (the stream unions have fewer members). */
function _streamException(api: "converse" | "invoke", status: number): string {
  switch (status) {
    case 400:
      return "validationException";
    case 429:
      return "throttlingException";
    case 500:
      return "internalServerException";
    case 503:
      return "serviceUnavailableException";
    case 408:
      if (api === "invoke") return "modelTimeoutException";
  }
  return "modelStreamErrorException";
}

function _concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Family-specific chunk JSONs of one InvokeModel response. */
interface _Chunks {
  open(): Json[];
  chunk(text: string, tokensSoFar: number, first: boolean): Json[];
  end(
    finish: "length" | "stop",
    outputTokens: number,
    inputTokens: number,
    metrics: Json,
  ): Json[];
  whole(text: string, finish: "length" | "stop", inputTokens: number, outputTokens: number): Json;
}

function _invokeChunks(
  family: BedrockModelFamily,
  model: string,
  requestId: number,
  inputTokens: number | null,
): _Chunks {
  const m = (metrics: Json) => ({ [BEDROCK_INVOCATION_METRICS_KEY]: metrics });
  const none = () => [];
  switch (family) {
    case "anthropic-messages": {
      const stop = (f: string) => f === "length" ? "max_tokens" : "end_turn";
      const id = `msg_bdrk_sim${requestId}`;
      return {
        open: () => [
          {
            type: "message_start",
            message: {
              id,
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: inputTokens ?? 0, output_tokens: 1 },
            },
          },
          { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        ],
        chunk: (text) => [
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
        ],
        end: (f, n, _i, metrics) => [
          { type: "content_block_stop", index: 0 },
          {
            type: "message_delta",
            delta: { stop_reason: stop(f), stop_sequence: null },
            usage: { output_tokens: n },
          },
          { type: "message_stop", ...m(metrics) },
        ],
        whole: (text, f, i, n) => ({
          id,
          type: "message",
          role: "assistant",
          model,
          content: [{ type: "text", text }],
          stop_reason: stop(f),
          stop_sequence: null,
          usage: { input_tokens: i, output_tokens: n },
        }),
      };
    }
    case "anthropic-text": {
      const stop = (f: string) => f === "length" ? "max_tokens" : "stop_sequence";
      return {
        open: none,
        chunk: (text) => [{ completion: text, stop_reason: null, stop: null }],
        end: (f, _n, _i, metrics) => [
          { completion: "", stop_reason: stop(f), stop: null, ...m(metrics) },
        ],
        whole: (text, f) => ({ completion: text, stop_reason: stop(f), stop: null }),
      };
    }
    case "meta-llama":
      return {
        open: none,
        chunk: (text, n, first) => [{
          generation: text,
          prompt_token_count: first ? inputTokens : null,
          generation_token_count: n,
          stop_reason: null,
        }],
        end: (f, n, _i, metrics) => [{
          generation: "",
          prompt_token_count: null,
          generation_token_count: n,
          stop_reason: f,
          ...m(metrics),
        }],
        whole: (text, f, i, n) => ({
          generation: text,
          prompt_token_count: i,
          generation_token_count: n,
          stop_reason: f,
        }),
      };
    case "amazon-nova": {
      const stop = (f: string) => f === "length" ? "max_tokens" : "end_turn";
      return {
        open: () => [{ messageStart: { role: "assistant" } }],
        chunk: (text) => [{ contentBlockDelta: { delta: { text }, contentBlockIndex: 0 } }],
        end: (f, n, i, metrics) => [
          { contentBlockStop: { contentBlockIndex: 0 } },
          { messageStop: { stopReason: stop(f) } },
          {
            metadata: {
              usage: { inputTokens: i, outputTokens: n },
              metrics: {},
              trace: {},
            },
            ...m(metrics),
          },
        ],
        whole: (text, f, i, n) => ({
          output: { message: { role: "assistant", content: [{ text }] } },
          stopReason: stop(f),
          usage: { inputTokens: i, outputTokens: n, totalTokens: i + n },
        }),
      };
    }
    case "amazon-titan": {
      const stop = (f: string) => f === "length" ? "LENGTH" : "FINISH";
      return {
        open: none,
        chunk: (text, n, first) => [{
          outputText: text,
          index: 0,
          totalOutputTextTokenCount: n,
          completionReason: null,
          inputTextTokenCount: first ? inputTokens : null,
        }],
        end: (f, n, i, metrics) => [{
          outputText: "",
          index: 0,
          totalOutputTextTokenCount: n,
          completionReason: stop(f),
          inputTextTokenCount: i,
          ...m(metrics),
        }],
        whole: (text, f, i, n) => ({
          inputTextTokenCount: i,
          results: [{ tokenCount: n, outputText: text, completionReason: stop(f) }],
        }),
      };
    }
    case "mistral":
      return {
        open: none,
        chunk: (text) => [{ outputs: [{ text, stop_reason: null }] }],
        end: (f, _n, _i, metrics) => [{ outputs: [{ text: "", stop_reason: f }], ...m(metrics) }],
        whole: (text, f) => ({ outputs: [{ text, stop_reason: f }] }),
      };
    case "cohere-command": {
      const stop = (f: string) => f === "length" ? "MAX_TOKENS" : "COMPLETE";
      return {
        open: none,
        chunk: (text) => [{ text, is_finished: false }],
        end: (f, _n, _i, metrics) => [{ is_finished: true, finish_reason: stop(f), ...m(metrics) }],
        whole: (text, f) => ({
          id: `sim-${requestId}`,
          generations: [{ id: `sim-${requestId}-0`, text, finish_reason: stop(f) }],
        }),
      };
    }
    case "cohere-command-r": {
      const stop = (f: string) => f === "length" ? "MAX_TOKENS" : "COMPLETE";
      return {
        open: () => [{
          event_type: "stream-start",
          is_finished: false,
          generation_id: `sim-${requestId}`,
        }],
        chunk: (text) => [{ event_type: "text-generation", is_finished: false, text }],
        end: (f, _n, _i, metrics) => [{
          event_type: "stream-end",
          is_finished: true,
          finish_reason: stop(f),
          ...m(metrics),
        }],
        whole: (text, f) => ({ text, finish_reason: stop(f), generation_id: `sim-${requestId}` }),
      };
    }
  }
}

function _encoder(
  api: "converse" | "invoke",
  request: _BedrockRequest,
  context: SimResponseContext & { inputTokens?: number },
): SimResponseEncoder {
  const frames: EventstreamFrames = createEventstreamFrames();
  const arrival = context.arrivalEpochMs;
  const inputTokens = context.inputTokens ?? null;
  let firstByteEpochMs: number | null = null;
  let tokensSoFar = 0;
  let chunksSent = 0;
  const stopReason = (f: string) => f === "length" ? "max_tokens" : "end_turn";
  const family = request.family;
  const chunks = family === "converse"
    ? null
    : _invokeChunks(family, request.model, context.requestId, inputTokens);
  let sentAt = 0;
  const encodeChunks = (list: Json[]) =>
    list.length === 0
      ? null
      : _concat(list.map((c) => frames.chunk({ ...c, [SIM_SENT_AT_FIELD]: sentAt })));
  return {
    streamContentType: BEDROCK_EVENTSTREAM_CONTENT_TYPE,
    encodeStep(step: SimStep, sentAtEpochMs: number): Uint8Array | null {
      sentAt = sentAtEpochMs;
      switch (step.kind) {
        case "open":
          if (chunks === null) return frames.event("messageStart", { role: "assistant" });
          return encodeChunks(chunks.open());
        case "chunk": {
          firstByteEpochMs ??= sentAtEpochMs;
          tokensSoFar += step.tokens;
          const first = chunksSent++ === 0;
          if (chunks === null) {
            return frames.event("contentBlockDelta", {
              contentBlockIndex: 0,
              delta: { text: step.text },
            });
          }
          return encodeChunks(chunks.chunk(step.text, tokensSoFar, first));
        }
        case "end": {
          const latencyMs = Math.round(sentAtEpochMs - arrival);
          if (chunks === null) {
            return _concat([
              frames.event("contentBlockStop", { contentBlockIndex: 0 }),
              frames.event("messageStop", { stopReason: stopReason(step.finishReason) }),
              frames.event("metadata", {
                usage: _converseUsage(step.inputTokens, step.outputTokens, step.cachedInputTokens),
                metrics: { latencyMs },
              }),
            ]);
          }
          return encodeChunks(chunks.end(step.finishReason, step.outputTokens, step.inputTokens, {
            inputTokenCount: step.inputTokens,
            outputTokenCount: step.outputTokens,
            invocationLatency: latencyMs,
            firstByteLatency: Math.round((firstByteEpochMs ?? sentAtEpochMs) - arrival),
          }));
        }
        case "error": {
          const member = _streamException(api, step.status);
          const name = member[0].toUpperCase() + member.slice(1);
          return frames.exception(member, _exceptionBody(step.status, step.message, name));
        }
      }
    },
    encodeWhole(plan: SimResponsePlan, sentAtEpochMs: number): Response {
      if (plan.error) return _errorResponse(plan.error);
      const text = plan.chunks.map((c) => c.text).join("");
      const latencyMs = Math.round(sentAtEpochMs - arrival);
      if (chunks === null) {
        return Response.json({
          output: { message: { role: "assistant", content: [{ text }] } },
          stopReason: stopReason(plan.finishReason),
          usage: _converseUsage(plan.inputTokens, plan.outputTokens, plan.cachedInputTokens),
          metrics: { latencyMs },
        });
      }
      return Response.json(
        chunks.whole(text, plan.finishReason, plan.inputTokens, plan.outputTokens),
        {
          headers: {
            "x-amzn-bedrock-input-token-count": String(plan.inputTokens),
            "x-amzn-bedrock-output-token-count": String(plan.outputTokens),
            "x-amzn-bedrock-invocation-latency": String(latencyMs),
          },
        },
      );
    },
  };
}

/**
 * A Bedrock Runtime wire format for the simulator. `converse` serves
 * `POST /model/{modelId}/converse-stream` (events `messageStart`, `contentBlockDelta`,
 * `contentBlockStop`, `messageStop`, `metadata` with `usage` and `metrics.latencyMs`) and
 * `POST /model/{modelId}/converse`; `invoke` serves
 * `POST /model/{modelId}/invoke-with-response-stream` (`chunk` events with
 * `{"bytes": base64(JSON)}` in the model family's native shape, the last carrying
 * `amazon-bedrock-invocationMetrics`) and `POST /model/{modelId}/invoke`. The family comes from
 * the model id, else from the body's shape. Injected HTTP errors are sent as AWS does (status,
 * `x-amzn-errortype`, `{"message"}`); in-stream errors as exception frames
 * (`:message-type: exception`), e.g. `throttlingException` for 429. Every InvokeModel chunk also
 * carries its send stamp in {@link SIM_SENT_AT_FIELD}; Converse events cannot (the SDK drops
 * unknown fields), so compare against the simulator's log there. Request signatures are not
 * checked.
 *
 * @example Parse a Converse request
 * ```ts
 * import { createBedrockSimFormat } from "./sim_bedrock.ts";
 * const format = createBedrockSimFormat("converse");
 * const url = new URL("http://x/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
 * if (!format.matches("POST", url.pathname)) throw new Error("route");
 * const body = JSON.stringify({
 *   messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { maxTokens: 5 },
 * });
 * const parsed = format.parse(body, url, new Headers());
 * if (!("prompt" in parsed) || parsed.maxTokens !== 5 || !parsed.stream) throw new Error();
 * if (parsed.model !== "anthropic.claude-3-haiku-20240307-v1:0") throw new Error(parsed.model);
 * ```
 */
export function createBedrockSimFormat(api: "converse" | "invoke"): SimWireFormat {
  if (api !== "converse" && api !== "invoke") {
    throw new RangeError(
      `Cannot create Bedrock simulator format: 'api' must be "converse" or "invoke", got ${
        JSON.stringify(api)
      }`,
    );
  }
  return {
    name: `bedrock-${api}`,
    matches: (method, pathname) => method === "POST" && _PATHS[api].test(pathname),
    parse: (body, url) => _parse(api, body, url),
    errorResponse: _errorResponse,
    encoder: (request, context) => _encoder(api, request as _BedrockRequest, context),
  };
}

/**
 * Converse's usage: with a prefix cache, `inputTokens` counts only the tokens after the cached
 * ones, `cacheReadInputTokens` the cached ones and `cacheWriteInputTokens` is 0; `totalTokens`
 * is their sum with the output, as Bedrock reports it.
 */
function _converseUsage(
  inputTokens: number,
  outputTokens: number,
  cached: number | undefined,
): Record<string, number> {
  if (cached === undefined) {
    return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  }
  return {
    inputTokens: inputTokens - cached,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    cacheReadInputTokens: cached,
    cacheWriteInputTokens: 0,
  };
}
