/**
 * Bedrock exceptions as HTTP-like codes: {@link bedrockErrorEvent} turns anything the AWS SDK
 * throws (HTTP errors, exception frames mid-stream, network and credential failures) into an
 * `error` event without secrets; {@link bedrockExceptionForStatus} is the inverse the simulator
 * uses to name the exception it injects.
 *
 * @module
 */
import type { ErrorEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { abortedCode, isErrorStatus as _validStatus, retriesSuffix } from "../clients/_aws_sdk.ts";

/**
 * HTTP status of each Bedrock Runtime exception, as the service model declares it (the
 * `httpError` trait in `@aws-sdk/client-bedrock-runtime`), plus the signing/auth errors AWS
 * front ends return. `ModelNotReadyException` is 429, as the model says (the SDK retries it
 * like throttling). `ModelStreamErrorException` and `ModelErrorException` carry the model's own
 * status in `originalStatusCode`, which {@link bedrockErrorEvent} prefers over 424.
 */
export const BEDROCK_ERROR_CODES = {
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  ModelTimeoutException: 408,
  ServiceUnavailableException: 503,
  InternalServerException: 500,
  ValidationException: 400,
  ConflictException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  ResourceNotFoundException: 404,
  ModelStreamErrorException: 424,
  ModelErrorException: 424,
  CredentialsProviderError: 401,
} as const;

/** A name of {@link BEDROCK_ERROR_CODES}. */
export type BedrockErrorName = keyof typeof BEDROCK_ERROR_CODES;

const _BY_STATUS: Record<number, BedrockErrorName> = {
  400: "ValidationException",
  403: "AccessDeniedException",
  404: "ResourceNotFoundException",
  408: "ModelTimeoutException",
  424: "ModelErrorException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

/**
 * The Bedrock exception an HTTP-like status stands for (429 → `ThrottlingException`); statuses
 * without their own exception give `ModelErrorException` (a 4xx) or `InternalServerException`
 * (anything else). Used by the simulator to name injected errors.
 *
 * @example Name a throttling error
 * ```ts
 * import { bedrockExceptionForStatus } from "./bedrock_errors.ts";
 * if (bedrockExceptionForStatus(429) !== "ThrottlingException") throw new Error("429");
 * if (bedrockExceptionForStatus(502) !== "InternalServerException") throw new Error("502");
 * ```
 */
export function bedrockExceptionForStatus(status: number): BedrockErrorName {
  return _BY_STATUS[status] ??
    (status >= 400 && status < 500 ? "ModelErrorException" : "InternalServerException");
}

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
 * import { sanitizeBedrockMessage } from "./bedrock_errors.ts";
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
 * import { bedrockErrorEvent } from "./bedrock_errors.ts";
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
  } else if (_validStatus(e.originalStatusCode)) {
    code = e.originalStatusCode;
  } else if (_validStatus(e.$metadata?.httpStatusCode)) {
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
