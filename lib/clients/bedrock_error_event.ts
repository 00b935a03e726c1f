/**
 * Bedrock's failures as `error` events: {@link bedrockErrorEvent} turns anything the AWS SDK
 * throws (HTTP errors, exception frames mid-stream, network and credential failures) into an
 * `error` event with an HTTP-like code (from `BEDROCK_ERROR_CODES` in
 * lib/wire/bedrock_errors.ts) and a message without secrets ({@link sanitizeBedrockMessage}).
 *
 * @module
 */
import type { ErrorEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { BEDROCK_ERROR_CODES, type BedrockErrorName } from "../wire/bedrock_errors.ts";
import { isErrorStatus } from "../wire/is_error_status.ts";
import { abortedCode, retriesSuffix } from "./_aws_sdk.ts";

/** Options of {@link bedrockErrorEvent}. */
export interface BedrockErrorEventOptions {
  /** The request's signal: a failure after it aborted is a timeout (408, when its reason is a
   * `TimeoutError`) or a cancellation (499). Default none. */
  signal?: AbortSignal;
  /** SDK retries made before the failure, mentioned in the message when > 0. Default 0. */
  retries?: number;
}

/** Longest message kept, in characters. */
const _MAX_MESSAGE = 500;

/**
 * Removes anything that looks like an AWS credential or signature from a message and keeps it
 * to one line of at most 500 characters: access key ids (`AKIA…`, `ASIA…`), 40-character
 * secret keys, `Signature=`, `Credential=`, security tokens, `Authorization` values, user info
 * in URLs and any run of 100 or more base64 characters.
 *
 * @example Redact a signature
 * ```ts
 * import { sanitizeBedrockMessage } from "./bedrock_error_event.ts";
 * const text = sanitizeBedrockMessage("bad Credential=AKIAABCDEFGHIJKLMNOP/x, Signature=abc123");
 * if (text.includes("AKIA") || text.includes("abc123")) throw new Error(text);
 * ```
 */
export function sanitizeBedrockMessage(message: string): string {
  let text = message.replace(/\s+/g, " ").trim();
  text = text
    .replace(/\/\/[^/\s@]+@/g, "//[redacted]@")
    .replace(
      /(authorization|x-amz-security-token|x-amz-credential|x-amz-signature)\s*[:=]\s*\S+/gi,
      "$1=[redacted]",
    )
    .replace(/\b(Credential|Signature|SignedHeaders|Token)=[^\s,&"']+/g, "$1=[redacted]")
    .replace(/\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}\b/g, "[redacted-key-id]")
    .replace(/(^|[^A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g, "$1[redacted]")
    .replace(/(^|[^A-Za-z0-9/+=])[A-Za-z0-9/+=]{100,}/g, "$1[redacted]");
  return text.length > _MAX_MESSAGE ? text.slice(0, _MAX_MESSAGE - 1) + "…" : text;
}

function _exceptionName(raw: string): string {
  // Exception frames the SDK does not model arrive named by their member (`throttlingException`).
  return /^[a-z][A-Za-z]*Exception$/.test(raw) ? raw[0].toUpperCase() + raw.slice(1) : raw;
}

/**
 * Turns what the AWS SDK threw into an `error` event: the exception name, an HTTP-like `code`
 * and a sanitised one-line message. The code is, in order: 408/499 when the request's signal
 * aborted; the model's `originalStatusCode` (ModelStreamErrorException / ModelErrorException);
 * the response's HTTP status (errors before the stream); the exception's status in
 * {@link BEDROCK_ERROR_CODES} (exception frames mid-stream carry no HTTP status); else 599
 * (network failure, malformed stream).
 *
 * @example A throttling exception thrown mid-stream
 * ```ts
 * import { bedrockErrorEvent } from "./bedrock_error_event.ts";
 * const err = Object.assign(new Error("Too many tokens"), { name: "ThrottlingException" });
 * const event = bedrockErrorEvent(err);
 * if (event.code !== 429 || event.name !== "ThrottlingException") throw new Error("429");
 * ```
 */
export function bedrockErrorEvent(
  error: unknown,
  options: BedrockErrorEventOptions = {},
): ErrorEvent {
  const e = (error && typeof error === "object" ? error : {}) as {
    name?: unknown;
    message?: unknown;
    originalStatusCode?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const rawName = typeof e.name === "string" && e.name !== "" ? e.name : "Error";
  const name = _exceptionName(rawName);
  const rawMessage = typeof e.message === "string"
    ? e.message
    : error instanceof Error
    ? ""
    : String(error);
  const aborted = abortedCode(options.signal);
  let code: number;
  if (aborted !== undefined) {
    code = aborted;
  } else if (isErrorStatus(e.originalStatusCode)) {
    code = e.originalStatusCode;
  } else if (isErrorStatus(e.$metadata?.httpStatusCode)) {
    code = e.$metadata.httpStatusCode;
  } else if (name in BEDROCK_ERROR_CODES) {
    code = BEDROCK_ERROR_CODES[name as BedrockErrorName];
  } else {
    code = CLIENT_ERROR_CODES.network;
  }
  const suffix = retriesSuffix(options.retries ?? 0);
  const message = sanitizeBedrockMessage(`${name}: ${rawMessage || "no message"}${suffix}`);
  return { kind: "error", code, message, name };
}
