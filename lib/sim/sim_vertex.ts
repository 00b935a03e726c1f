/**
 * The simulator's Vertex AI Gemini wire format: `POST
 * /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:streamGenerateContent`
 * (`?alt=sse` for server-sent events, else a streamed JSON array) and `:generateContent`, with
 * usage metadata, thought parts and Google's error bodies.
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
import { GOOGLE_RPC_STATUS_CODES } from "../wire/vertex.ts";
import { SIM_SENT_AT_FIELD } from "../wire/sim_stamp.ts";
import { type Json, obj } from "../wire/json_fields.ts";

const _PATH =
  /^\/(v1|v1beta1)\/(?:projects\/[^/]+\/locations\/[^/]+\/)?publishers\/[^/]+\/models\/([^/:]+):(streamGenerateContent|generateContent)$/;

/** A parsed Gemini request: what the simulator needs plus SSE and thinking settings. */
interface _VertexRequest extends SimParsedRequest {
  /** `?alt=sse`: server-sent events, else a streamed JSON array. */
  sse: boolean;
  /** `thinkingConfig.thinkingBudget` when `includeThoughts` is true, else 0. */
  thoughtBudget: number;
}

function _partsText(content: unknown): string {
  const parts = obj(content).parts;
  if (!Array.isArray(parts)) return "";
  return parts.map((p) => {
    const t = obj(p).text;
    return typeof t === "string" ? t : "";
  }).join("");
}

function _parse(body: string, url: URL): _VertexRequest | SimBadRequest {
  const match = _PATH.exec(url.pathname);
  if (!match) return { status: 404, message: `No route for ${url.pathname}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, message: "Invalid JSON payload received." };
  }
  const b = obj(json);
  if (!Array.isArray(b.contents)) {
    return { status: 400, message: "Invalid JSON payload: 'contents' must be a list." };
  }
  const config = obj(b.generationConfig);
  const max = config.maxOutputTokens;
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 1)) {
    return { status: 400, message: `maxOutputTokens must be a positive integer, got ${max}` };
  }
  const thinking = obj(config.thinkingConfig);
  const budget = thinking.thinkingBudget;
  const thoughtBudget = thinking.includeThoughts === true && Number.isInteger(budget) &&
      (budget as number) > 0
    ? budget as number
    : 0;
  const system = _partsText(b.systemInstruction);
  const prompt = (system ? system + "\n" : "") + b.contents.map(_partsText).join("\n");
  let model = match[2];
  try {
    model = decodeURIComponent(model);
  } catch { /* keep as sent */ }
  return {
    model,
    prompt,
    maxTokens: typeof max === "number" ? max : null,
    stream: match[3] === "streamGenerateContent",
    includeUsage: true,
    sse: url.searchParams.get("alt") === "sse",
    thoughtBudget,
  };
}

function _statusName(status: number): string {
  for (const [name, code] of Object.entries(GOOGLE_RPC_STATUS_CODES)) {
    if (code === status) return name;
  }
  return status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
}

function _errorBody(error: Pick<SimErrorPlan, "status" | "message">): Json {
  return {
    error: { code: error.status, message: error.message, status: _statusName(error.status) },
  };
}

function _errorResponse(error: Pick<SimErrorPlan, "status" | "type" | "message">): Response {
  return Response.json(_errorBody(error), { status: error.status });
}

const _finish = (f: "length" | "stop") => f === "length" ? "MAX_TOKENS" : "STOP";

function _encoder(request: _VertexRequest, context: SimResponseContext): SimResponseEncoder {
  const responseId = `sim${context.requestId}`;
  const createTime = new Date(context.arrivalEpochMs).toISOString();
  const modelVersion = request.model;
  const budget = request.thoughtBudget;
  let tokenIndex = 0;
  let thoughts = 0;
  let messages = 0;
  const message = (json: Json, at: number) => {
    const text = JSON.stringify({ ...json, [SIM_SENT_AT_FIELD]: at });
    if (request.sse) return `data: ${text}\r\n\r\n`;
    return (messages++ === 0 ? "[" : ",\r\n") + text;
  };
  const head = { modelVersion, createTime, responseId };
  return {
    streamContentType: request.sse ? "text/event-stream" : "application/json; charset=UTF-8",
    encodeStep(step: SimStep, at: number): string | null {
      switch (step.kind) {
        case "open":
          return null;
        case "chunk": {
          const thought = tokenIndex < budget;
          tokenIndex += step.tokens;
          if (thought) thoughts += step.tokens;
          const part = thought ? { text: step.text, thought: true } : { text: step.text };
          return message({
            candidates: [{ content: { role: "model", parts: [part] } }],
            usageMetadata: { trafficType: "ON_DEMAND" },
            ...head,
          }, at);
        }
        case "end": {
          const answer = step.outputTokens - thoughts;
          const usageMetadata: Json = {
            promptTokenCount: step.inputTokens,
            candidatesTokenCount: answer,
            totalTokenCount: step.inputTokens + step.outputTokens,
            trafficType: "ON_DEMAND",
          };
          if (thoughts > 0) usageMetadata.thoughtsTokenCount = thoughts;
          // Gemini counts cached tokens inside promptTokenCount.
          if (step.cachedInputTokens !== undefined) {
            usageMetadata.cachedContentTokenCount = step.cachedInputTokens;
          }
          const out = message({
            candidates: [{
              content: { role: "model", parts: [{ text: "" }] },
              finishReason: _finish(step.finishReason),
            }],
            usageMetadata,
            ...head,
          }, at);
          return request.sse ? out : out + "]";
        }
        case "error": {
          const out = message(_errorBody(step), at);
          return request.sse ? out : out + "]";
        }
      }
    },
    encodeWhole(plan: SimResponsePlan): Response {
      if (plan.error) return _errorResponse(plan.error);
      let index = 0;
      let thought = "";
      let text = "";
      let thoughtTokens = 0;
      for (const chunk of plan.chunks) {
        if (index < budget) {
          thought += chunk.text;
          thoughtTokens += chunk.tokens;
        } else text += chunk.text;
        index += chunk.tokens;
      }
      const parts: Json[] = thought === "" ? [] : [{ text: thought, thought: true }];
      parts.push({ text });
      const usageMetadata: Json = {
        promptTokenCount: plan.inputTokens,
        candidatesTokenCount: plan.outputTokens - thoughtTokens,
        totalTokenCount: plan.inputTokens + plan.outputTokens,
      };
      if (thoughtTokens > 0) usageMetadata.thoughtsTokenCount = thoughtTokens;
      if (plan.cachedInputTokens !== undefined) {
        usageMetadata.cachedContentTokenCount = plan.cachedInputTokens;
      }
      return Response.json({
        candidates: [{
          content: { role: "model", parts },
          finishReason: _finish(plan.finishReason),
        }],
        usageMetadata,
        ...head,
      });
    },
  };
}

/**
 * The Vertex AI Gemini wire format for the simulator: `POST
 * /v1/projects/{project}/locations/{region}/publishers/google/models/{model}:streamGenerateContent`
 * (also `v1beta1`, and the express-mode path without `projects/…/locations/…`). With `?alt=sse`
 * every planned chunk is one `data:` message `{candidates: [{content: {role: "model", parts:
 * [{text}]}}], usageMetadata: {trafficType}, modelVersion, createTime, responseId}`; the last
 * message has `finishReason` (`MAX_TOKENS` or `STOP`) and the full `usageMetadata`
 * (`promptTokenCount`, `candidatesTokenCount`, `thoughtsTokenCount`, `totalTokenCount`); there
 * is no end marker. Without `alt=sse` the same messages are streamed as a JSON array.
 * `:generateContent` returns one response. With `thinkingConfig: {thinkingBudget: B,
 * includeThoughts: true}` the chunks that start before token `B` are thought parts
 * (`thought: true`), counted in `thoughtsTokenCount` and not in `candidatesTokenCount`
 * (`maxOutputTokens` covers both). Errors have Google's body `{error: {code, message, status}}`
 * (429 `RESOURCE_EXHAUSTED`), in-stream as a last message. Every message carries its send stamp
 * in {@link SIM_SENT_AT_FIELD}. Tokens and keys are checked only when the simulator has an
 * `apiKey` (`Authorization: Bearer` or `x-goog-api-key`).
 *
 * @example Parse a streaming request
 * ```ts
 * import { createVertexSimFormat } from "./sim_vertex.ts";
 * const format = createVertexSimFormat();
 * const url = new URL(
 *   "http://x/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
 * );
 * if (!format.matches("POST", url.pathname)) throw new Error("route");
 * const body = JSON.stringify({
 *   contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 7 },
 * });
 * const parsed = format.parse(body, url, new Headers());
 * if (!("prompt" in parsed) || parsed.maxTokens !== 7 || parsed.model !== "gemini-2.5-flash") {
 *   throw new Error(JSON.stringify(parsed));
 * }
 * ```
 */
export function createVertexSimFormat(): SimWireFormat {
  return {
    name: "vertex-gemini",
    matches: (method, pathname) => method === "POST" && _PATH.test(pathname),
    parse: (body, url) => _parse(body, url),
    errorResponse: _errorResponse,
    encoder: (request, context) => _encoder(request as _VertexRequest, context),
  };
}
