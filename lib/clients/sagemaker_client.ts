/**
 * The Amazon SageMaker client: `InvokeEndpointWithResponseStream` through
 * `@aws-sdk/client-sagemaker-runtime`, for endpoints serving TGI or LMI (DJL) containers, whose
 * payload parts carry JSON lines (TGI's `data:{"token":…}` messages, LMI's JSON lines, or
 * OpenAI-style chat chunks). The wire format itself (bodies, line decoding) is
 * lib/wire/sagemaker.ts.
 *
 * @module
 */
import type { ResponseStream, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import type { ErrorEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { isErrorStatus } from "../wire/is_error_status.ts";
import { obj } from "../wire/json_fields.ts";
import {
  decodeSageMakerLine,
  SAGEMAKER_ERROR_CODES,
  SAGEMAKER_PAYLOADS,
  type SageMakerPayload,
  sagemakerRequestBody,
} from "../wire/sagemaker.ts";
import {
  abortedCode,
  awsSdkConfig,
  lazily,
  prepareSdk,
  retriesSuffix,
  sendAwsStream,
  validateAwsSdkOptions,
} from "./_aws_sdk.ts";
import { sanitizeBedrockMessage } from "./bedrock_error_event.ts";

/** Options of {@link createSageMakerClient}. */
export interface SageMakerClientOptions {
  /** Request body format. Default `tgi`. */
  payload?: SageMakerPayload;
  /** AWS region. Default: the SDK's chain (`AWS_REGION`, shared config profile). */
  region?: string;
  /** Endpoint override, e.g. the simulator's `http://127.0.0.1:PORT`. Default: the SDK's own
   * (which honours `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`), else the regional endpoint. */
  endpointUrl?: string;
  /** SDK retries (`maxAttempts = retries + 1`). Default 0, so throttling shows in results. */
  retries?: number;
  /** The `fetch` the SDK sends with (the `http1` transport: `createHttp1Fetch()`). Default
   * `globalThis.fetch`. Ignored when `client` is given. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** `X-Amzn-SageMaker-Custom-Attributes`, e.g. `accept_eula=true`. Default none. */
  customAttributes?: string;
  /** Inference component to invoke on the endpoint. Default none. */
  inferenceComponent?: string;
  /** A ready SDK client (tests, custom credentials). Default: a new `SageMakerRuntimeClient`
   * with `FetchHttpHandler`, credentials from the AWS default chain. */
  client?: SageMakerRuntimeClient;
}

/** Options of {@link sagemakerErrorEvent}. */
export interface SageMakerErrorEventOptions {
  /** The request's signal: a failure after it aborted is a timeout (408, `TimeoutError`
   * reason) or a cancellation (499). Default none. */
  signal?: AbortSignal;
  /** SDK retries made before the failure, mentioned in the message when > 0. Default 0. */
  retries?: number;
}

/**
 * Turns what the SageMaker SDK threw into an `error` event with an HTTP-like code, the exception
 * name and a one-line message without credentials. The code is, in order: 408/499 when the
 * request's signal aborted; `ModelError.OriginalStatusCode` (the container's status); 429 for
 * `ThrottlingException` (AWS sends it with 400); `ModelStreamError` 408
 * (`ModelInvocationTimeExceeded`) or 424; the HTTP status; the name's code in
 * `SAGEMAKER_ERROR_CODES` (lib/wire/sagemaker.ts); else 599 (network failure, malformed stream).
 *
 * @example A container overload surfaced as ModelError
 * ```ts
 * import { sagemakerErrorEvent } from "./sagemaker_client.ts";
 * const err = Object.assign(new Error("Received client error (429)"), {
 *   name: "ModelError", OriginalStatusCode: 429, $metadata: { httpStatusCode: 424 },
 * });
 * const event = sagemakerErrorEvent(err);
 * if (event.code !== 429 || event.name !== "ModelError") throw new Error(JSON.stringify(event));
 * ```
 */
export function sagemakerErrorEvent(
  error: unknown,
  options: SageMakerErrorEventOptions = {},
): ErrorEvent {
  const e = obj(error) as {
    name?: unknown;
    message?: unknown;
    Message?: unknown;
    OriginalStatusCode?: unknown;
    ErrorCode?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === "string" && e.name !== "" ? e.name : "Error";
  const rawMessage = typeof e.message === "string" && e.message !== ""
    ? e.message
    : typeof e.Message === "string"
    ? e.Message
    : error instanceof Error
    ? ""
    : String(error);
  const aborted = abortedCode(options.signal);
  let code: number;
  if (aborted !== undefined) {
    code = aborted;
  } else if (isErrorStatus(e.OriginalStatusCode)) {
    code = e.OriginalStatusCode;
  } else if (name === "ThrottlingException") {
    code = 429;
  } else if (name === "ModelStreamError") {
    code = e.ErrorCode === "ModelInvocationTimeExceeded" ? 408 : 424;
  } else if (isErrorStatus(e.$metadata?.httpStatusCode)) {
    code = e.$metadata.httpStatusCode;
  } else if (name in SAGEMAKER_ERROR_CODES) {
    code = SAGEMAKER_ERROR_CODES[name as keyof typeof SAGEMAKER_ERROR_CODES];
  } else {
    code = CLIENT_ERROR_CODES.network;
  }
  const errorCode = typeof e.ErrorCode === "string" ? ` (${e.ErrorCode})` : "";
  const suffix = retriesSuffix(options.retries ?? 0);
  const message = sanitizeBedrockMessage(
    `${name}${errorCode}: ${rawMessage || "no message"}${suffix}`,
  );
  return { kind: "error", code, message, name };
}

/**
 * Creates a SageMaker {@link LlmClient}; the request's `model` is the endpoint name (as in
 * LLMPerf). Requests go through the AWS SDK with `FetchHttpHandler` (the default HTTP/2 handler
 * returns 200 and no events under Deno), signed with credentials from the AWS default chain,
 * which this module never reads or prints.
 *
 * The body is TGI's `{ inputs, parameters: { max_new_tokens, details: true, … }, stream: true }`
 * (temperature 0 becomes `do_sample: false`, as TGI rejects 0) or, with `payload: "messages"`,
 * an OpenAI-style chat body. Payload parts are buffered into lines (a part may hold several
 * lines or part of one); each line, with or without TGI's `data:` prefix, is a TGI/LMI token
 * message (`token.text`, special tokens skipped; the last one's `details` give
 * `generated_tokens`, `input_length` and `finish_reason`) or an OpenAI chunk. The stream yields
 * `headers` (with `retries`), one `message` per payload part followed by the `content` /
 * `reasoning` events of the lines it completed, one `usage` and `done`. Failures (HTTP errors,
 * `ModelStreamError` / `InternalStreamFailure` frames, error lines such as TGI's
 * `{"error": …, "error_type": "overloaded"}` → 429, network) become one `error` event.
 *
 * @example Create a client for the simulator (no request is sent here)
 * ```ts
 * import { createSageMakerClient } from "./sagemaker_client.ts";
 * const client = createSageMakerClient({ region: "us-east-1", endpointUrl: "http://127.0.0.1:8080" });
 * if (client.api !== "sagemaker") throw new Error(client.api);
 * ```
 */
export function createSageMakerClient(options: SageMakerClientOptions = {}): LlmClient {
  const payload = options.payload ?? "tgi";
  if (!(SAGEMAKER_PAYLOADS as readonly string[]).includes(payload)) {
    throw new TypeError(
      `Cannot create SageMaker client: 'payload' must be one of ${
        SAGEMAKER_PAYLOADS.join(", ")
      }, got ${JSON.stringify(payload)}`,
    );
  }
  validateAwsSdkOptions("SageMaker", options);
  // The AWS SDK is imported when the first request is sent, not with this module.
  const load = lazily(async () => {
    const sdkModule = await import("@aws-sdk/client-sagemaker-runtime");
    const sdk = options.client ??
      new sdkModule.SageMakerRuntimeClient(
        (await awsSdkConfig(options)) as NonNullable<
          ConstructorParameters<typeof SageMakerRuntimeClient>[0]
        >,
      );
    return { sdkModule, sdk };
  });
  return {
    api: "sagemaker",
    stream: (request) => _stream(load, payload, options, request),
    prepare: () => prepareSdk(load),
  };
}

async function* _stream(
  load: () => Promise<{ sdkModule: _SdkModule; sdk: SageMakerRuntimeClient }>,
  payload: SageMakerPayload,
  options: SageMakerClientOptions,
  request: LlmRequest,
): AsyncGenerator<StreamEvent> {
  let loaded;
  try {
    loaded = await load();
  } catch (error) {
    yield sagemakerErrorEvent(error, { signal: request.signal, retries: 0 });
    return;
  }
  const { sdkModule, sdk } = loaded;
  yield* sendAwsStream({
    sdk,
    signal: request.signal,
    command: () =>
      new sdkModule.InvokeEndpointWithResponseStreamCommand({
        EndpointName: request.model,
        ContentType: "application/json",
        Accept: "application/json",
        Body: new TextEncoder().encode(JSON.stringify(sagemakerRequestBody(payload, request))),
        ...(options.customAttributes !== undefined
          ? { CustomAttributes: options.customAttributes }
          : {}),
        ...(options.inferenceComponent !== undefined
          ? { InferenceComponentName: options.inferenceComponent }
          : {}),
      }),
    errorEvent: sagemakerErrorEvent,
    events: (output) => _payloadEvents(output as { Body?: AsyncIterable<ResponseStream> }, request),
  });
}

type _SdkModule = typeof import("@aws-sdk/client-sagemaker-runtime");

async function* _payloadEvents(
  output: { Body?: AsyncIterable<ResponseStream> },
  request: LlmRequest,
): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  const usage: UsageEvent = { kind: "usage" };
  let finishReason: string | undefined;
  let failure: ErrorEvent | undefined;
  let buffer = "";
  const take = (lines: string[]) => {
    const events: StreamEvent[] = [];
    let sentAt: number | undefined;
    for (const raw of lines) {
      const line = decodeSageMakerLine(raw, { sanitize: sanitizeBedrockMessage });
      if (line === null) continue;
      sentAt ??= line.sentAtEpochMs;
      events.push(...line.events);
      if (line.usage) Object.assign(usage, line.usage);
      finishReason = line.finishReason ?? finishReason;
      if (line.error) {
        failure = line.error;
        break;
      }
    }
    return { events, sentAt };
  };
  try {
    for await (const part of output.Body ?? []) {
      const bytes = part.PayloadPart?.Bytes;
      if (!bytes) {
        yield { kind: "message" };
        continue;
      }
      // Decode at once; keep only an unfinished line.
      buffer += decoder.decode(bytes, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      const { events, sentAt } = take(lines);
      yield sentAt === undefined ? { kind: "message" } : { kind: "message", sentAtEpochMs: sentAt };
      yield* events;
      if (failure) break;
    }
    if (!failure) {
      const { events } = take([buffer + decoder.decode()]);
      yield* events;
    }
  } catch (error) {
    failure = sagemakerErrorEvent(error, { signal: request.signal });
  }
  if (Object.keys(usage).length > 1) yield usage;
  if (failure) {
    yield failure;
    return;
  }
  yield finishReason === undefined ? { kind: "done" } : { kind: "done", finishReason };
}
