/**
 * Bedrock request bodies: ConverseStream's one schema ({@link bedrockConverseInput}) and
 * InvokeModel's native bodies and stream chunks, one model family at a time: which family a
 * model id belongs to ({@link bedrockModelFamily}), the body to send ({@link bedrockInvokeBody})
 * and what one decoded `chunk` carries ({@link decodeBedrockInvokeChunk}).
 *
 * @module
 */
import { anthropicContent, anthropicHistory } from "./anthropic.ts";
import { type ChatTurn, flattenTurns } from "../core/chat_turn.ts";
import type { ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime";
import { type Json, num, obj } from "./json_fields.ts";
import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";
import { ANTHROPIC_ERROR_CODES } from "./anthropic.ts";

/** The InvokeModel body formats tokenbench speaks. */
export const BEDROCK_MODEL_FAMILIES = [
  /** Anthropic Messages API (`anthropic_version: "bedrock-2023-05-31"`): Claude 3 and later. */
  "anthropic-messages",
  /** Anthropic legacy Text Completions (`\n\nHuman: …\n\nAssistant:`): claude-instant-v1, claude-v2. */
  "anthropic-text",
  /** Meta Llama (`prompt`, `max_gen_len`; chunks with `generation`). */
  "meta-llama",
  /** Amazon Nova (`schemaVersion: "messages-v1"`; chunks shaped like Converse events). */
  "amazon-nova",
  /** Amazon Titan Text (`inputText`, `textGenerationConfig`; chunks with `outputText`). */
  "amazon-titan",
  /** Mistral text completion (`prompt`, `max_tokens`; chunks with `outputs[].text`). */
  "mistral",
  /** Cohere Command (`prompt`, `stream: true`; chunks with `text`, `is_finished`). */
  "cohere-command",
  /** Cohere Command R / R+ (`message`; chunks with `event_type: "text-generation"`). */
  "cohere-command-r",
] as const;

/** One of {@link BEDROCK_MODEL_FAMILIES}. */
export type BedrockModelFamily = typeof BEDROCK_MODEL_FAMILIES[number];

/** Key of the service's own figures in the last chunk of every InvokeModel stream. */
export const BEDROCK_INVOCATION_METRICS_KEY = "amazon-bedrock-invocationMetrics";

const _PROVIDERS = new Set([
  "anthropic",
  "meta",
  "amazon",
  "mistral",
  "cohere",
  "ai21",
  "deepseek",
  "openai",
  "qwen",
  "writer",
]);

/**
 * The foundation-model id inside a model id, inference-profile id or ARN:
 * `us.anthropic.claude-3-5-haiku-20241022-v1:0` and
 * `arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2` give
 * `anthropic.claude-3-5-haiku-20241022-v1:0` and `anthropic.claude-v2`.
 *
 * @example Strip an inference-profile prefix
 * ```ts
 * import { bedrockBaseModelId } from "./bedrock_bodies.ts";
 * const id = bedrockBaseModelId("us.meta.llama3-8b-instruct-v1:0");
 * if (id !== "meta.llama3-8b-instruct-v1:0") throw new Error(id);
 * ```
 */
export function bedrockBaseModelId(modelId: string): string {
  let id = modelId.trim();
  if (id.startsWith("arn:")) id = id.slice(id.lastIndexOf("/") + 1);
  const parts = id.split(".");
  while (parts.length > 2 && !_PROVIDERS.has(parts[0])) parts.shift();
  return parts.join(".");
}

/**
 * The InvokeModel body format of a model id (inference-profile prefixes such as `us.` and ARNs
 * handled), or `null` when tokenbench does not know it (application inference profiles, new
 * providers): pass the family explicitly then.
 *
 * @example Legacy and Messages Claude
 * ```ts
 * import { bedrockModelFamily } from "./bedrock_bodies.ts";
 * if (bedrockModelFamily("anthropic.claude-instant-v1") !== "anthropic-text") throw new Error();
 * if (bedrockModelFamily("us.anthropic.claude-3-5-haiku-20241022-v1:0") !== "anthropic-messages") {
 *   throw new Error();
 * }
 * ```
 */
export function bedrockModelFamily(modelId: string): BedrockModelFamily | null {
  const id = bedrockBaseModelId(modelId).toLowerCase();
  const [provider, name = ""] = [id.slice(0, id.indexOf(".")), id.slice(id.indexOf(".") + 1)];
  switch (provider) {
    case "anthropic":
      return /^claude-(instant|v1|v2)/.test(name) ? "anthropic-text" : "anthropic-messages";
    case "meta":
      return name.startsWith("llama") ? "meta-llama" : null;
    case "amazon":
      if (name.startsWith("nova")) return "amazon-nova";
      return name.startsWith("titan-text") || name.startsWith("titan-tg1") ? "amazon-titan" : null;
    case "mistral":
      return "mistral";
    case "cohere":
      if (name.startsWith("command-r")) return "cohere-command-r";
      return name.startsWith("command") ? "cohere-command" : null;
    default:
      return null;
  }
}

/** What {@link bedrockInvokeBody} and {@link bedrockConverseInput} need of a request. */
export interface BedrockInvokeRequest {
  /** Model id (chooses the Llama prompt template). */
  model: string;
  /** The user prompt. */
  prompt: string;
  /** Maximum output tokens. */
  maxTokens: number;
  /** Extra sampling parameters: `temperature`, `top_p`/`topP`, `top_k`/`topK` and
   * `stop`/`stop_sequences`/`stopSequences` are renamed to the family's own fields; any other key
   * is copied into the body as it is (so native names work too). */
  samplingParams?: Record<string, unknown>;
  /** Prompt caching: the first this many characters are a prefix to cache (Converse: a
   * `cachePoint` block after them; InvokeModel Claude: `cache_control` on their block). */
  cachePrefixChars?: number;
  /** Earlier turns of the conversation (`LlmRequest.history`): Converse, Claude Messages and
   * Nova bodies send them as messages, the text templates flattened ({@link flattenTurns}). */
  history?: readonly ChatTurn[];
  /** With `history`: the cache mark after the history (`LlmRequest.cacheHistory`). */
  cacheHistory?: boolean;
}

interface _Sampling {
  temperature?: unknown;
  topP?: unknown;
  topK?: unknown;
  stop?: string[];
  rest: Record<string, unknown>;
}

function _sampling(params: Record<string, unknown> = {}): _Sampling {
  const out: _Sampling = { rest: {} };
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    switch (key) {
      case "temperature":
        out.temperature = value;
        break;
      case "top_p":
      case "topP":
        out.topP = value;
        break;
      case "top_k":
      case "topK":
        out.topK = value;
        break;
      case "stop":
      case "stop_sequences":
      case "stopSequences":
        out.stop = Array.isArray(value) ? value.map(String) : [String(value)];
        break;
      default:
        out.rest[key] = value;
    }
  }
  return out;
}

/** Copies the defined entries of `fields` into `target`. */
function _put(target: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) target[key] = value;
}

/** The Llama prompt template for a model: Llama 3 and later use header tokens, Llama 2 `[INST]`. */
function _llamaPrompt(model: string, prompt: string): string {
  return /llama-?2/i.test(model)
    ? `<s>[INST] ${prompt} [/INST]`
    : `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${prompt}<|eot_id|>` +
      `<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

/**
 * A request's earlier turns as Converse messages (`{ role, content: [{ text }] }`), oldest
 * first; with `cacheHistory`, a `cachePoint` block ends the last one, so the whole conversation
 * so far is the prefix to cache.
 *
 * @example The answer received, then a cache point
 * ```ts
 * import { converseHistory } from "./bedrock_bodies.ts";
 * const messages = converseHistory({
 *   history: [{ role: "user", text: "Hi" }, { role: "assistant", text: "Hello!" }],
 *   cacheHistory: true,
 * });
 * if (messages.length !== 2 || messages[1].role !== "assistant") throw new Error();
 * if (!("cachePoint" in messages[1].content[1])) throw new Error("cache point");
 * ```
 */
export function converseHistory(
  request: Pick<BedrockInvokeRequest, "history" | "cacheHistory">,
): { role: "user" | "assistant"; content: Record<string, unknown>[] }[] {
  const history = request.history ?? [];
  return history.map((t, i) => ({
    role: t.role,
    content: request.cacheHistory && i === history.length - 1
      ? [{ text: t.text }, { cachePoint: { type: "default" } }]
      : [{ text: t.text }],
  }));
}

/** The user content: one text block, or, with a cache mark, the prefix, a `cachePoint`, the
 * rest. */
function _converseContent(
  request: BedrockInvokeRequest,
): ConverseStreamCommandInput["messages"] extends (infer M)[] | undefined
  ? M extends { content?: infer C } ? NonNullable<C> : never
  : never {
  const n = request.cachePrefixChars;
  const prompt = request.prompt;
  if (n === undefined || !(n > 0)) return [{ text: prompt }];
  const head = prompt.slice(0, n);
  const rest = prompt.slice(n);
  return [
    { text: head },
    { cachePoint: { type: "default" } },
    ...(rest === "" ? [] : [{ text: rest }]),
  ] as never;
}

/**
 * The ConverseStream input for one prompt: a single user message; `maxTokens`, `temperature`,
 * `top_p`/`topP` and `stop`/`stop_sequences`/`stopSequences` go to `inferenceConfig`, every
 * other sampling parameter (e.g. `top_k`) to `additionalModelRequestFields` as it is.
 *
 * @example Map sampling parameters
 * ```ts
 * import { bedrockConverseInput } from "./bedrock_bodies.ts";
 * const input = bedrockConverseInput({
 *   model: "amazon.nova-lite-v1:0", prompt: "Hi", maxTokens: 32,
 *   samplingParams: { temperature: 0.2, top_k: 50 },
 * });
 * if (input.inferenceConfig?.maxTokens !== 32 || input.inferenceConfig.temperature !== 0.2) {
 *   throw new Error("inferenceConfig");
 * }
 * if ((input.additionalModelRequestFields as { top_k?: number }).top_k !== 50) throw new Error();
 * ```
 */
export function bedrockConverseInput(request: BedrockInvokeRequest): ConverseStreamCommandInput {
  const s = _sampling(request.samplingParams);
  if (s.topK !== undefined) s.rest.top_k = s.topK;
  const inferenceConfig: Record<string, unknown> = {};
  _put(inferenceConfig, {
    maxTokens: request.maxTokens,
    temperature: s.temperature,
    topP: s.topP,
    stopSequences: s.stop,
  });
  const input: ConverseStreamCommandInput = {
    modelId: request.model,
    messages: [
      ...(converseHistory(request) as unknown as NonNullable<
        ConverseStreamCommandInput["messages"]
      >),
      { role: "user", content: _converseContent(request) },
    ],
    inferenceConfig,
  };
  if (Object.keys(s.rest).length > 0) {
    input.additionalModelRequestFields = s.rest as ConverseStreamCommandInput[
      "additionalModelRequestFields"
    ];
  }
  return input;
}

/**
 * The native InvokeModel request body of a family for one prompt. Prompt templates follow the
 * providers' documentation: Anthropic legacy `\n\nHuman: {prompt}\n\nAssistant:`, Llama 3+
 * header tokens, Llama 2 and Mistral `<s>[INST] {prompt} [/INST]`.
 *
 * @example A Llama 3 body
 * ```ts
 * import { bedrockInvokeBody } from "./bedrock_bodies.ts";
 * const body = bedrockInvokeBody("meta-llama", {
 *   model: "meta.llama3-8b-instruct-v1:0", prompt: "Hi", maxTokens: 64,
 *   samplingParams: { temperature: 0.5 },
 * });
 * if (body.max_gen_len !== 64 || body.temperature !== 0.5) throw new Error("body");
 * ```
 */
export function bedrockInvokeBody(
  family: BedrockModelFamily,
  request: BedrockInvokeRequest,
): Record<string, unknown> {
  const { maxTokens } = request;
  // Single-prompt templates get the conversation as one text; message bodies the turns.
  const prompt = flattenTurns(request.history, request.prompt);
  const s = _sampling(request.samplingParams);
  const body: Record<string, unknown> = {};
  switch (family) {
    case "anthropic-messages":
      _put(body, {
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: maxTokens,
        messages: [...anthropicHistory(request), {
          role: "user",
          content: request.cachePrefixChars
            ? anthropicContent(request.prompt, request.cachePrefixChars)
            : [{ type: "text", text: request.prompt }],
        }],
        temperature: s.temperature,
        top_p: s.topP,
        top_k: s.topK,
        stop_sequences: s.stop,
      });
      break;
    case "anthropic-text":
      _put(body, {
        prompt: `\n\nHuman: ${prompt}\n\nAssistant:`,
        max_tokens_to_sample: maxTokens,
        temperature: s.temperature,
        top_p: s.topP,
        top_k: s.topK,
        stop_sequences: s.stop,
      });
      break;
    case "meta-llama":
      _put(body, {
        prompt: _llamaPrompt(request.model, prompt),
        max_gen_len: maxTokens,
        temperature: s.temperature,
        top_p: s.topP,
      });
      break;
    case "amazon-nova": {
      const inferenceConfig: Record<string, unknown> = {};
      _put(inferenceConfig, {
        max_new_tokens: maxTokens,
        temperature: s.temperature,
        top_p: s.topP,
        top_k: s.topK,
        stopSequences: s.stop,
      });
      _put(body, {
        schemaVersion: "messages-v1",
        messages: [
          ...(request.history ?? []).map((t) => ({ role: t.role, content: [{ text: t.text }] })),
          { role: "user", content: [{ text: request.prompt }] },
        ],
        inferenceConfig,
      });
      break;
    }
    case "amazon-titan": {
      const textGenerationConfig: Record<string, unknown> = {};
      _put(textGenerationConfig, {
        maxTokenCount: maxTokens,
        temperature: s.temperature,
        topP: s.topP,
        stopSequences: s.stop,
      });
      _put(body, { inputText: prompt, textGenerationConfig });
      break;
    }
    case "mistral":
      _put(body, {
        prompt: `<s>[INST] ${prompt} [/INST]`,
        max_tokens: maxTokens,
        temperature: s.temperature,
        top_p: s.topP,
        top_k: s.topK,
        stop: s.stop,
      });
      break;
    case "cohere-command":
      _put(body, {
        prompt,
        max_tokens: maxTokens,
        temperature: s.temperature,
        p: s.topP,
        k: s.topK,
        stop_sequences: s.stop,
        stream: true,
      });
      break;
    case "cohere-command-r":
      _put(body, {
        message: prompt,
        max_tokens: maxTokens,
        temperature: s.temperature,
        p: s.topP,
        k: s.topK,
        stop_sequences: s.stop,
      });
      break;
    default:
      throw new RangeError(`Cannot build InvokeModel body: unknown family '${family}'`);
  }
  Object.assign(body, s.rest);
  return body;
}

/** What one decoded InvokeModel `chunk` carries. */
export interface BedrockInvokeChunk {
  /** Answer text in this chunk (`""` when none). */
  text: string;
  /** Reasoning ("thinking") text in this chunk (`""` when none). */
  reasoning: string;
  /** Stop reason, when this chunk gives one. */
  finishReason?: string;
  /** Prompt tokens, when the family's own fields give them. */
  inputTokens?: number;
  /** Output tokens so far, when the family's own fields give them. */
  outputTokens?: number;
  /** The simulator's send stamp ({@link SIM_SENT_AT_FIELD}; real Bedrock chunks have none),
   * epoch ms. */
  sentAtEpochMs?: number;
  /**
   * An error the model sent inside a stream that began with 200 (Anthropic on Bedrock:
   * `{"type":"error","error":{"type":"rate_limit_error",…}}`): its HTTP-like code (429 for rate
   * limits, 529 overloaded, 500 unknown), type and message. The stream ends with it.
   */
  error?: { code: number; type: string; message: string };
  /** `amazon-bedrock-invocationMetrics`, present in the last chunk of a stream. */
  invocationMetrics?: {
    inputTokenCount?: number;
    outputTokenCount?: number;
    invocationLatency?: number;
    firstByteLatency?: number;
  };
}

function _str(value: unknown): string {
  return typeof value === "string" ? value : "";
}
function _reason(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Decodes one InvokeModel stream chunk (the parsed JSON of its `bytes`) of a family: its answer
 * and reasoning text, stop reason, token counts, an in-stream `error` (Anthropic's
 * `{"type":"error",…}`) and, in the last chunk, the invocation metrics. Unknown shapes give
 * empty text, never an exception.
 *
 * @example A legacy Claude chunk
 * ```ts
 * import { decodeBedrockInvokeChunk } from "./bedrock_bodies.ts";
 * const chunk = decodeBedrockInvokeChunk("anthropic-text", { completion: " Hello", stop_reason: null });
 * if (chunk.text !== " Hello" || chunk.finishReason !== undefined) throw new Error("chunk");
 * ```
 */
export function decodeBedrockInvokeChunk(
  family: BedrockModelFamily,
  json: unknown,
): BedrockInvokeChunk {
  const c = obj(json);
  const out: BedrockInvokeChunk = { text: "", reasoning: "" };
  switch (family) {
    case "anthropic-messages": {
      const type = c.type;
      if (type === "message_start") {
        out.inputTokens = num(obj(obj(c.message).usage).input_tokens);
      } else if (type === "content_block_delta") {
        const delta = obj(c.delta);
        if (delta.type === "thinking_delta") out.reasoning = _str(delta.thinking);
        else out.text = _str(delta.text);
      } else if (type === "message_delta") {
        out.finishReason = _reason(obj(c.delta).stop_reason);
        out.outputTokens = num(obj(c.usage).output_tokens);
      } else if (type === "error") {
        const e = obj(c.error);
        const errorType = _str(e.type) || "api_error";
        out.error = {
          code: (ANTHROPIC_ERROR_CODES as Record<string, number>)[errorType] ?? 500,
          type: errorType,
          message: _str(e.message) || errorType,
        };
      }
      break;
    }
    case "anthropic-text":
      out.text = _str(c.completion);
      out.finishReason = _reason(c.stop_reason);
      break;
    case "meta-llama":
      out.text = _str(c.generation);
      out.finishReason = _reason(c.stop_reason);
      out.inputTokens = num(c.prompt_token_count);
      out.outputTokens = num(c.generation_token_count);
      break;
    case "amazon-nova": {
      const delta = obj(obj(c.contentBlockDelta).delta);
      out.text = _str(delta.text);
      out.reasoning = _str(obj(delta.reasoningContent).text);
      out.finishReason = _reason(obj(c.messageStop).stopReason);
      const usage = obj(obj(c.metadata).usage);
      out.inputTokens = num(usage.inputTokens);
      out.outputTokens = num(usage.outputTokens);
      break;
    }
    case "amazon-titan":
      out.text = _str(c.outputText);
      out.finishReason = _reason(c.completionReason);
      out.inputTokens = num(c.inputTextTokenCount);
      out.outputTokens = num(c.totalOutputTextTokenCount);
      break;
    case "mistral": {
      const output = obj(Array.isArray(c.outputs) ? c.outputs[0] : undefined);
      const choice = obj(Array.isArray(c.choices) ? c.choices[0] : undefined);
      out.text = _str(output.text) || _str(obj(choice.delta).content) ||
        _str(obj(choice.message).content);
      out.finishReason = _reason(output.stop_reason) ?? _reason(choice.stop_reason) ??
        _reason(choice.finish_reason);
      break;
    }
    case "cohere-command":
      if (c.is_finished !== true) out.text = _str(c.text);
      out.finishReason = _reason(c.finish_reason);
      break;
    case "cohere-command-r":
      if (c.event_type === "text-generation") out.text = _str(c.text);
      out.finishReason = _reason(c.finish_reason);
      break;
  }
  const sentAt = num(c[SIM_SENT_AT_FIELD]);
  if (sentAt !== undefined) out.sentAtEpochMs = sentAt;
  for (const key of ["inputTokens", "outputTokens", "finishReason"] as const) {
    if (out[key] === undefined) delete out[key];
  }
  const metrics = c[BEDROCK_INVOCATION_METRICS_KEY];
  if (metrics && typeof metrics === "object") {
    const m = metrics as Json;
    out.invocationMetrics = {};
    _put(out.invocationMetrics, {
      inputTokenCount: num(m.inputTokenCount),
      outputTokenCount: num(m.outputTokenCount),
      invocationLatency: num(m.invocationLatency),
      firstByteLatency: num(m.firstByteLatency),
    });
  }
  return out;
}
