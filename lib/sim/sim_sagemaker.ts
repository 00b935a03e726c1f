/**
 * The simulator's SageMaker wire format: `POST /endpoints/{name}/invocations-response-stream`
 * (and `invocations`), answering like a TGI container behind SageMaker: AWS event-stream
 * `PayloadPart` frames carrying TGI's `data:{"token":…}` lines (or OpenAI-style chunks for
 * Messages API bodies), SageMaker's exceptions for injected errors.
 *
 * @module
 */
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { SimErrorPlan, SimResponsePlan, SimStep } from "./sim_plan.ts";
import type {
  SimBadRequest,
  SimParsedRequest,
  SimResponseContext,
  SimResponseEncoder,
  SimWireFormat,
} from "./sim_wire_format.ts";
import { createEventstreamFrames } from "../wire/eventstream_frames.ts";
import type { SageMakerPayload } from "../wire/sagemaker.ts";
import { SIM_SENT_AT_FIELD } from "../wire/sim_stamp.ts";
import { contentText, type Json, obj } from "../wire/json_fields.ts";

const _PATH = /^\/endpoints\/([^/]+)\/(invocations-response-stream|invocations)$/;

/** A parsed SageMaker request: what the simulator needs plus the body format. */
interface _SageMakerRequest extends SimParsedRequest {
  payload: SageMakerPayload;
}

function _parse(body: string, url: URL): _SageMakerRequest | SimBadRequest {
  const match = _PATH.exec(url.pathname);
  if (!match) return { status: 404, message: `No route for ${url.pathname}` };
  let model: string;
  try {
    model = decodeURIComponent(match[1]);
  } catch {
    return { status: 400, message: "The endpoint name is not valid percent-encoding" };
  }
  const streamRoute = match[2] === "invocations-response-stream";
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, message: "Failed to deserialize the JSON body" };
  }
  const b = obj(json);
  let max: unknown;
  let prompt: string;
  let payload: SageMakerPayload;
  if (typeof b.inputs === "string") {
    payload = "tgi";
    prompt = b.inputs;
    max = obj(b.parameters).max_new_tokens;
  } else if (Array.isArray(b.messages)) {
    payload = "messages";
    prompt = b.messages.map((m) => contentText(obj(m).content)).join("\n");
    max = b.max_completion_tokens ?? b.max_tokens;
  } else {
    return { status: 422, message: "Expected 'inputs' (a string) or 'messages'" };
  }
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 0)) {
    return { status: 422, message: `max tokens must be a non-negative integer, got ${max}` };
  }
  return {
    model,
    prompt,
    maxTokens: typeof max === "number" ? max : null,
    // The streaming route always streams (TGI also wants "stream": true in the body).
    stream: streamRoute,
    includeUsage: obj(b.stream_options).include_usage === true,
    payload,
  };
}

/** SageMaker's HTTP error for an injected status: name, HTTP status and body. */
function _httpError(
  status: number,
  message: string,
): { name: string; status: number; body: Json } {
  switch (status) {
    case 400:
      return { name: "ValidationError", status, body: { Message: message } };
    case 429:
      return { name: "ThrottlingException", status, body: { Message: message } };
    case 500:
      return { name: "InternalFailure", status, body: { Message: message } };
    case 503:
      return { name: "ServiceUnavailable", status, body: { Message: message } };
  }
  // Any other status is the container's own, wrapped by SageMaker in a 424 ModelError.
  return {
    name: "ModelError",
    status: 424,
    body: {
      Message: `Received client error (${status}) from primary with message "${message}"`,
      OriginalStatusCode: status,
      OriginalMessage: message,
    },
  };
}

function _errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response {
  const { name, status, body } = _httpError(error.status, error.message);
  return Response.json(body, {
    status,
    headers: { "x-amzn-errortype": name, "x-amzn-requestid": crypto.randomUUID() },
  });
}

function _tgiErrorType(status: number): string {
  if (status === 429) return "overloaded";
  if (status === 400 || status === 422) return "validation";
  return "generation";
}

function _encoder(request: _SageMakerRequest, context: SimResponseContext): SimResponseEncoder {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frames = createEventstreamFrames();
  const part = (text: string) =>
    codec.encode({
      headers: {
        ":message-type": { type: "string", value: "event" },
        ":event-type": { type: "string", value: "PayloadPart" },
        ":content-type": { type: "string", value: "application/octet-stream" },
      },
      body: fromUtf8(text),
    });
  const tgi = request.payload === "tgi";
  const id = `chatcmpl-sim${context.requestId}`;
  const created = Math.floor(context.arrivalEpochMs / 1000);
  const line = (json: Json, at: number) =>
    `data:${tgi ? "" : " "}${JSON.stringify({ ...json, [SIM_SENT_AT_FIELD]: at })}\n\n`;
  const chunk = (delta: Json, finish: string | null, at: number) =>
    line({
      id,
      object: "chat.completion.chunk",
      created,
      model: request.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    }, at);
  let index = 0;
  let text = "";
  return {
    streamContentType: "application/vnd.amazon.eventstream",
    encodeStep(step: SimStep, at: number): Uint8Array | null {
      switch (step.kind) {
        case "open":
          return tgi ? null : part(chunk({ role: "assistant", content: "" }, null, at));
        case "chunk":
          text += step.text;
          if (!tgi) return part(chunk({ content: step.text }, null, at));
          return part(line({
            index: ++index,
            token: { id: 1000 + index, text: step.text, logprob: 0, special: false },
            generated_text: null,
            details: null,
          }, at));
        case "end": {
          if (tgi) {
            return part(line({
              index: ++index,
              token: { id: 2, text: "</s>", logprob: 0, special: true },
              generated_text: text,
              details: {
                finish_reason: step.finishReason === "length" ? "length" : "eos_token",
                generated_tokens: step.outputTokens,
                input_length: step.inputTokens,
                seed: null,
              },
            }, at));
          }
          let out = chunk({}, step.finishReason, at);
          if (request.includeUsage) {
            out += line({
              id,
              object: "chat.completion.chunk",
              created,
              model: request.model,
              choices: [],
              usage: {
                prompt_tokens: step.inputTokens,
                completion_tokens: step.outputTokens,
                total_tokens: step.inputTokens + step.outputTokens,
              },
            }, at);
          }
          return part(out + "data: [DONE]\n\n");
        }
        case "error":
          if (step.status === 408) {
            return frames.exception("ModelStreamError", {
              Message: step.message,
              ErrorCode: "ModelInvocationTimeExceeded",
            });
          }
          if (step.status >= 500) {
            return frames.exception("InternalStreamFailure", { Message: step.message });
          }
          if (step.status === 429 || step.status === 400 || step.status === 422) {
            return part(line({ error: step.message, error_type: _tgiErrorType(step.status) }, at));
          }
          return frames.exception("ModelStreamError", {
            Message: step.message,
            ErrorCode: "StreamBroken",
          });
      }
    },
    encodeWhole(plan: SimResponsePlan): Response {
      if (plan.error) return _errorResponse(plan.error);
      const all = plan.chunks.map((c) => c.text).join("");
      if (tgi) {
        return Response.json([{
          generated_text: all,
          details: {
            finish_reason: plan.finishReason === "length" ? "length" : "eos_token",
            generated_tokens: plan.outputTokens,
            seed: null,
          },
        }]);
      }
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: request.model,
        choices: [{
          index: 0,
          message: { role: "assistant", content: all },
          logprobs: null,
          finish_reason: plan.finishReason,
        }],
        usage: {
          prompt_tokens: plan.inputTokens,
          completion_tokens: plan.outputTokens,
          total_tokens: plan.inputTokens + plan.outputTokens,
        },
      });
    },
  };
}

/**
 * The SageMaker Runtime wire format for the simulator. `POST
 * /endpoints/{name}/invocations-response-stream` answers with `PayloadPart` event-stream frames
 * (raw bytes, one frame per step): for a TGI body (`inputs`, `parameters.max_new_tokens`) TGI's
 * lines `data:{"index","token":{"id","text","logprob","special"},"generated_text","details"}`,
 * the last a special `</s>` token with `generated_text` and `details` (`finish_reason`,
 * `generated_tokens`, `input_length`); for a Messages body (`messages`, `max_tokens`)
 * OpenAI-style chunks ending in `data: [DONE]`. `POST /endpoints/{name}/invocations` returns the
 * whole answer. Injected HTTP errors are SageMaker's: 400 `ValidationError`, 429
 * `ThrottlingException`, 500 `InternalFailure`, 503 `ServiceUnavailable`, any other status a 424
 * `ModelError` with the status in `OriginalStatusCode`. In-stream errors: 408 a
 * `ModelStreamError` frame (`ModelInvocationTimeExceeded`), 5xx an `InternalStreamFailure` frame,
 * 429/400/422 a TGI error line (`{"error", "error_type": "overloaded"}`), others a
 * `ModelStreamError` (`StreamBroken`). Every line carries its send stamp in
 * {@link SIM_SENT_AT_FIELD}. Request signatures are not checked.
 *
 * @example Parse a TGI request
 * ```ts
 * import { createSageMakerSimFormat } from "./sim_sagemaker.ts";
 * const format = createSageMakerSimFormat();
 * const url = new URL("http://x/endpoints/my-llama/invocations-response-stream");
 * const body = JSON.stringify({ inputs: "Hi", parameters: { max_new_tokens: 5 }, stream: true });
 * const parsed = format.parse(body, url, new Headers());
 * if (!("prompt" in parsed) || parsed.model !== "my-llama" || parsed.maxTokens !== 5) {
 *   throw new Error(JSON.stringify(parsed));
 * }
 * ```
 */
export function createSageMakerSimFormat(): SimWireFormat {
  return {
    name: "sagemaker",
    matches: (method, pathname) => method === "POST" && _PATH.test(pathname),
    parse: (body, url) => _parse(body, url),
    errorResponse: _errorResponse,
    encoder: (request, context) => _encoder(request as _SageMakerRequest, context),
  };
}
