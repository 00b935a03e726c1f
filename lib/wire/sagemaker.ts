/**
 * The SageMaker wire format of TGI and LMI (DJL) containers behind
 * `InvokeEndpointWithResponseStream`: the request bodies ({@link SAGEMAKER_PAYLOADS},
 * {@link sagemakerRequestBody}), one JSON line of the payload stream → events
 * ({@link decodeSageMakerLine}: TGI's `data:{"token":…}` messages, LMI's JSON lines,
 * OpenAI-style chat chunks, TGI's error lines) and the codes of SageMaker Runtime's exceptions
 * ({@link SAGEMAKER_ERROR_CODES}).
 *
 * @module
 */
import type { LlmRequest } from "../core/llm_client.ts";
import { flattenTurns } from "../core/chat_turn.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { isErrorStatus } from "./is_error_status.ts";
import { type Json, num, obj } from "./json_fields.ts";
import { SIM_SENT_AT_FIELD } from "./sim_stamp.ts";

/**
 * Request body formats (`--sagemaker-payload`): `tgi` is `{inputs, parameters, stream}` (TGI,
 * LMI); `messages` is an OpenAI-style chat body (TGI and LMI Messages API).
 *
 * @example Check a flag value
 * ```ts
 * import { SAGEMAKER_PAYLOADS } from "./sagemaker.ts";
 * if (!(SAGEMAKER_PAYLOADS as readonly string[]).includes("messages")) throw new Error();
 * ```
 */
export const SAGEMAKER_PAYLOADS = ["tgi", "messages"] as const;

/**
 * One of {@link SAGEMAKER_PAYLOADS}.
 *
 * @example A Messages API body
 * ```ts
 * import { sagemakerRequestBody, type SageMakerPayload } from "./sagemaker.ts";
 * const payload: SageMakerPayload = "messages";
 * const body = sagemakerRequestBody(payload, { prompt: "Hi", maxTokens: 8 });
 * if (body.max_tokens !== 8 || !Array.isArray(body.messages)) throw new Error();
 * ```
 */
export type SageMakerPayload = typeof SAGEMAKER_PAYLOADS[number];

/**
 * HTTP-like codes of SageMaker Runtime's exceptions (the service model's `httpError`), plus
 * `ThrottlingException` (AWS's request-rate throttling, not in the model) and the in-stream
 * `InternalStreamFailure` (500). `ModelError` carries the container's own status in
 * `OriginalStatusCode`, which the client's `sagemakerErrorEvent` prefers over 424;
 * `ModelStreamError` is 408 when its `ErrorCode` is `ModelInvocationTimeExceeded`, else 424.
 *
 * @example A model error
 * ```ts
 * import { SAGEMAKER_ERROR_CODES } from "./sagemaker.ts";
 * if (SAGEMAKER_ERROR_CODES.ModelError !== 424) throw new Error();
 * ```
 */
export const SAGEMAKER_ERROR_CODES = {
  ValidationError: 400,
  ModelError: 424,
  ModelStreamError: 424,
  ModelNotReadyException: 429,
  ThrottlingException: 429,
  InternalFailure: 500,
  InternalStreamFailure: 500,
  ServiceUnavailable: 503,
  InternalDependencyException: 530,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  CredentialsProviderError: 401,
} as const;

/** Codes of TGI's in-stream `error_type`s (`{"error": "...", "error_type": "overloaded"}`). */
const _TGI_ERROR_TYPES: Record<string, number> = {
  overloaded: 429,
  validation: 422,
  tokenizer: 422,
  generation: 500,
  incomplete_generation: 500,
};

/**
 * The request body for `payload`: TGI's `{ inputs, parameters: { max_new_tokens, details: true,
 * …samplingParams }, stream: true }` (temperature 0 becomes `do_sample: false`, as TGI rejects
 * 0) or, for `messages`, an OpenAI-style chat body with `stream_options.include_usage`.
 *
 * @example Greedy decoding for TGI
 * ```ts
 * import { sagemakerRequestBody } from "./sagemaker.ts";
 * const body = sagemakerRequestBody("tgi", {
 *   prompt: "Hi", maxTokens: 8, samplingParams: { temperature: 0 },
 * });
 * const parameters = body.parameters as Record<string, unknown>;
 * if (parameters.max_new_tokens !== 8 || parameters.do_sample !== false) throw new Error();
 * if ("temperature" in parameters) throw new Error("TGI rejects temperature 0");
 * ```
 */
export function sagemakerRequestBody(
  payload: SageMakerPayload,
  request: Pick<LlmRequest, "prompt" | "maxTokens" | "samplingParams" | "history">,
): Json {
  const sampling = { ...(request.samplingParams ?? {}) };
  if (payload === "messages") {
    return {
      messages: [
        ...(request.history ?? []).map((t) => ({ role: t.role, content: t.text })),
        { role: "user", content: request.prompt },
      ],
      max_tokens: request.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...sampling,
    };
  }
  // TGI rejects temperature 0 ("must be strictly positive"): greedy decoding is do_sample false.
  if (sampling.temperature === 0) {
    delete sampling.temperature;
    sampling.do_sample ??= false;
  }
  return {
    inputs: flattenTurns(request.history, request.prompt),
    parameters: { max_new_tokens: request.maxTokens, details: true, ...sampling },
    stream: true,
  };
}

/**
 * What one JSON line of a SageMaker payload stream said (see {@link decodeSageMakerLine}).
 *
 * @example TGI's last token message
 * ```ts
 * import { decodeSageMakerLine, type SageMakerLine } from "./sagemaker.ts";
 * const line: SageMakerLine | null = decodeSageMakerLine(
 *   '{"token":{"text":"</s>","special":true},' +
 *     '"details":{"finish_reason":"eos_token","generated_tokens":3}}',
 * );
 * if (line?.finishReason !== "eos_token" || line.usage?.outputTokens !== 3) throw new Error();
 * if (line.events.length !== 0) throw new Error("special tokens are skipped");
 * ```
 */
export interface SageMakerLine {
  /** Its `content` / `reasoning` events, in order. */
  events: StreamEvent[];
  /** Token counts it gave (TGI `details`, OpenAI `usage`). */
  usage?: UsageEvent;
  /** The finish reason it gave. */
  finishReason?: string;
  /** The error it carried, or a 599 `MalformedPayload` when it is not JSON. */
  error?: ErrorEvent;
  /** The simulator's send stamp ({@link SIM_SENT_AT_FIELD}), epoch ms. */
  sentAtEpochMs?: number;
}

/**
 * Options of {@link decodeSageMakerLine}.
 *
 * @example An overloaded TGI, its message cleaned
 * ```ts
 * import { type DecodeSageMakerLineOptions, decodeSageMakerLine } from "./sagemaker.ts";
 * const options: DecodeSageMakerLineOptions = { sanitize: (m) => m.toUpperCase() };
 * const line = decodeSageMakerLine('data:{"error":"busy","error_type":"overloaded"}', options);
 * if (line?.error?.code !== 429 || line.error.message !== "OVERLOADED: BUSY") throw new Error();
 * ```
 */
export interface DecodeSageMakerLineOptions {
  /** Applied to the message of an error line (the client removes credentials with it). Default:
   * the message as it is. */
  sanitize?: (message: string) => string;
}

function _lineError(json: Json, sanitize: (message: string) => string): ErrorEvent | undefined {
  const error = json.error;
  if (error === undefined || error === null) return undefined;
  if (typeof error === "string") {
    const type = typeof json.error_type === "string" ? json.error_type : undefined;
    const event: ErrorEvent = {
      kind: "error",
      code: (type && _TGI_ERROR_TYPES[type]) || 500,
      message: sanitize(`${type ? `${type}: ` : ""}${error}`),
    };
    if (type) event.name = type;
    return event;
  }
  const e = obj(error);
  const type = typeof e.type === "string" ? e.type : undefined;
  const code = isErrorStatus(e.code) ? e.code : (type && _TGI_ERROR_TYPES[type]) || 500;
  const message = typeof e.message === "string" ? e.message : JSON.stringify(error);
  const event: ErrorEvent = {
    kind: "error",
    code,
    message: sanitize(`${type ? `${type}: ` : ""}${message}`),
  };
  if (type) event.name = type;
  return event;
}

/**
 * Decodes one line of a SageMaker payload stream (`data:` prefix optional, as TGI and LMI
 * differ); `null` for blank lines, comments and `[DONE]`. A TGI / LMI token message gives a
 * `content` event for `token.text` (special tokens skipped), an LMI jsonlines line
 * (`{"outputs": [" a"]}`) one for each piece of text, and, in the last one, `details`'
 * `generated_tokens`, `input_length` and `finish_reason`; an OpenAI-style chunk gives
 * `reasoning` / `content` events, `finish_reason` and `usage`. An error line (TGI's
 * `{"error": …, "error_type": "overloaded"}` → 429, or `{"error": {type, message, code}}`)
 * gives `error`; a line that is not JSON a 599 `MalformedPayload` error.
 *
 * @example A TGI token line
 * ```ts
 * import { decodeSageMakerLine } from "./sagemaker.ts";
 * const line = decodeSageMakerLine('data:{"token":{"id":5,"text":"Hi","special":false}}');
 * const [event] = line?.events ?? [];
 * if (event?.kind !== "content" || event.text !== "Hi") throw new Error(JSON.stringify(line));
 * if (decodeSageMakerLine("data: [DONE]") !== null) throw new Error("[DONE] is no line");
 * ```
 */
export function decodeSageMakerLine(
  raw: string,
  options: DecodeSageMakerLineOptions = {},
): SageMakerLine | null {
  const sanitize = options.sanitize ?? ((message: string) => message);
  let line = raw.trim();
  if (line === "" || line.startsWith(":")) return null;
  if (line.startsWith("data:")) line = line.slice(5).trim();
  if (line === "" || line === "[DONE]") return null;
  let json: Json;
  try {
    json = obj(JSON.parse(line));
  } catch {
    return {
      events: [],
      error: {
        kind: "error",
        code: CLIENT_ERROR_CODES.network,
        name: "MalformedPayload",
        message: `MalformedPayload: a payload line is not JSON: ${line.slice(0, 100)}`,
      },
    };
  }
  const out: SageMakerLine = { events: [] };
  const sentAt = num(json[SIM_SENT_AT_FIELD]);
  if (sentAt !== undefined) out.sentAtEpochMs = sentAt;
  const stamp = sentAt === undefined ? {} : { sentAtEpochMs: sentAt };
  const error = _lineError(json, sanitize);
  if (error) {
    out.error = error;
    return out;
  }
  // TGI / LMI token messages.
  const token = obj(json.token);
  if (typeof token.text === "string" && token.text !== "" && token.special !== true) {
    out.events.push({ kind: "content", text: token.text, ...stamp });
  }
  // LMI (DJL Serving) jsonlines: `{"outputs": [" a"]}`, one piece of text per element.
  if (Array.isArray(json.outputs)) {
    for (const piece of json.outputs) {
      const text = typeof piece === "string" ? piece : obj(piece).text;
      if (typeof text === "string" && text !== "") {
        out.events.push({ kind: "content", text, ...stamp });
      }
    }
  }
  const details = obj(json.details);
  if (typeof details.finish_reason === "string") out.finishReason = details.finish_reason;
  const usage: UsageEvent = { kind: "usage" };
  const generated = num(details.generated_tokens);
  const inputLength = num(details.input_length);
  if (generated !== undefined) usage.outputTokens = generated;
  if (inputLength !== undefined) usage.inputTokens = inputLength;
  // OpenAI-style chunks (Messages API of TGI and LMI).
  if (Array.isArray(json.choices)) {
    for (const choice of json.choices) {
      const c = obj(choice);
      if (typeof c.finish_reason === "string") out.finishReason = c.finish_reason;
      const delta = obj(c.delta);
      const reasoning = typeof delta.reasoning_content === "string"
        ? delta.reasoning_content
        : typeof delta.reasoning === "string"
        ? delta.reasoning
        : "";
      if (reasoning !== "") out.events.push({ kind: "reasoning", text: reasoning, ...stamp });
      const text = typeof delta.content === "string"
        ? delta.content
        : typeof c.text === "string"
        ? c.text
        : "";
      if (text !== "") out.events.push({ kind: "content", text, ...stamp });
    }
    const u = obj(json.usage);
    const input = num(u.prompt_tokens);
    const output = num(u.completion_tokens);
    if (input !== undefined) usage.inputTokens = input;
    if (output !== undefined) usage.outputTokens = output;
  }
  if (Object.keys(usage).length > 1) out.usage = usage;
  return out;
}
