/**
 * Bedrock exceptions as HTTP-like codes: the table {@link BEDROCK_ERROR_CODES} the client's
 * `bedrockErrorEvent` (lib/clients/bedrock_error_event.ts) reads codes from, and its inverse
 * {@link bedrockExceptionForStatus}, which the simulator uses to name the exception it injects.
 *
 * @module
 */

/**
 * HTTP status of each Bedrock Runtime exception, as the service model declares it (the
 * `httpError` trait in `@aws-sdk/client-bedrock-runtime`), plus the signing/auth errors AWS
 * front ends return. `ModelNotReadyException` is 429, as the model says (the SDK retries it
 * like throttling). `ModelStreamErrorException` and `ModelErrorException` carry the model's own
 * status in `originalStatusCode`, which the client's `bedrockErrorEvent` prefers over 424.
 *
 * @example Throttling is 429
 * ```ts
 * import { BEDROCK_ERROR_CODES } from "./bedrock_errors.ts";
 * if (BEDROCK_ERROR_CODES.ThrottlingException !== 429) throw new Error();
 * ```
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

/**
 * A name of {@link BEDROCK_ERROR_CODES}.
 *
 * @example The name of a 503
 * ```ts
 * import { type BedrockErrorName, bedrockExceptionForStatus } from "./bedrock_errors.ts";
 * const name: BedrockErrorName = bedrockExceptionForStatus(503);
 * if (name !== "ServiceUnavailableException") throw new Error(name);
 * ```
 */
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
