/**
 * The AWS Bedrock client: ConverseStream or InvokeModelWithResponseStream through
 * `@aws-sdk/client-bedrock-runtime`, yielding tokenbench's {@link StreamEvent}s with Bedrock's
 * own token counts and latencies.
 *
 * @module
 */
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InvokeModelWithResponseStreamCommand,
  type ResponseStream,
} from "@aws-sdk/client-bedrock-runtime";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import type { LlmClient, LlmRequest } from "./llm_client.ts";
import type { HeadersEvent, StreamEvent, UsageEvent } from "./stream_event.ts";
import {
  BEDROCK_MODEL_FAMILIES,
  bedrockConverseInput,
  bedrockInvokeBody,
  type BedrockModelFamily,
  bedrockModelFamily,
  decodeBedrockInvokeChunk,
} from "./bedrock_bodies.ts";
import { bedrockErrorEvent } from "./bedrock_errors.ts";
import { CLIENT_ERROR_CODES } from "./request_record.ts";

/** The Bedrock Runtime streaming APIs (`--bedrock-api`). */
export const BEDROCK_APIS = ["converse", "invoke"] as const;

/** One of {@link BEDROCK_APIS}. */
export type BedrockApi = typeof BEDROCK_APIS[number];

/** Options of {@link createBedrockClient}. */
export interface BedrockClientOptions {
  /** `converse` (ConverseStream, one schema for every model) or `invoke`
   * (InvokeModelWithResponseStream with the model family's native body). Default `converse`. */
  api?: BedrockApi;
  /** AWS region. Default: the SDK's chain (`AWS_REGION`, shared config profile). */
  region?: string;
  /** Endpoint override, e.g. the simulator's `http://127.0.0.1:PORT`. Default: the SDK's own
   * (which honours `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`), else the regional endpoint. */
  endpointUrl?: string;
  /** SDK retries on throttling and transient errors (`maxAttempts = retries + 1`). Default 0, so
   * throttling shows in the results. The count made is reported per request (see
   * {@link BedrockHeadersEvent}). */
  retries?: number;
  /** InvokeModel body format. Default: chosen from the model id by {@link bedrockModelFamily}. */
  family?: BedrockModelFamily;
  /** A ready SDK client (tests, custom credentials). Default: a new `BedrockRuntimeClient` with
   * `FetchHttpHandler`, credentials from the AWS default chain. When given, `region`,
   * `endpointUrl` and `retries` are the client's own. */
  client?: BedrockRuntimeClient;
}

/**
 * The `headers` event this client yields: response headers of the request's final attempt
 * arrived, with the number of SDK retries made before it.
 */
export interface BedrockHeadersEvent extends HeadersEvent {
  /** SDK retries made before this response (0 when retries are off). */
  retries: number;
}

function _validate(options: BedrockClientOptions): Required<Pick<BedrockClientOptions, "api">> {
  const api = options.api ?? "converse";
  if (!(BEDROCK_APIS as readonly string[]).includes(api)) {
    throw new TypeError(
      `Cannot create Bedrock client: 'api' must be one of ${BEDROCK_APIS.join(", ")}, got ${
        JSON.stringify(api)
      }`,
    );
  }
  const retries = options.retries;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw new RangeError(
      `Cannot create Bedrock client: 'retries' must be a non-negative integer, got ${retries}`,
    );
  }
  if (options.endpointUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpointUrl);
    } catch {
      throw new TypeError(
        `Cannot create Bedrock client: 'endpointUrl' is not a URL, got ${
          JSON.stringify(options.endpointUrl)
        }`,
      );
    }
    if (url.username || url.password) {
      throw new TypeError("Cannot create Bedrock client: 'endpointUrl' must not hold credentials");
    }
  }
  if (
    options.family !== undefined &&
    !(BEDROCK_MODEL_FAMILIES as readonly string[]).includes(options.family)
  ) {
    throw new TypeError(
      `Cannot create Bedrock client: 'family' must be one of ${
        BEDROCK_MODEL_FAMILIES.join(", ")
      }, got ${JSON.stringify(options.family)}`,
    );
  }
  return { api };
}

/**
 * Creates a Bedrock {@link LlmClient}. Requests go through the AWS SDK with `FetchHttpHandler`
 * (the SDK's default HTTP/2 handler returns 200 and no events under Deno), signed with
 * credentials from the AWS default chain, which this module never reads or prints.
 *
 * Each stream yields: `headers` (with `retries`) when the response headers arrive; `message`
 * for wire events without text (`messageStart`, `contentBlockStop`, Anthropic `message_start`,
 * …); `content` / `reasoning` for text deltas; one `usage` with Bedrock's own figures
 * (Converse `metadata`: `usage` and `metrics.latencyMs`; InvokeModel's last chunk:
 * `amazon-bedrock-invocationMetrics`, else the family's own counts); then `done` with the stop
 * reason. Endpoint failures (HTTP errors, exception frames mid-stream, network) become one
 * `error` event with an HTTP-like code (see `bedrockErrorEvent`); `stream` never throws for
 * them.
 *
 * @example Create a client for the simulator (no request is sent here)
 * ```ts
 * import { createBedrockClient } from "./bedrock_client.ts";
 * const client = createBedrockClient({
 *   api: "invoke", region: "us-east-1", endpointUrl: "http://127.0.0.1:8080",
 * });
 * if (client.api !== "bedrock") throw new Error(client.api);
 * ```
 */
export function createBedrockClient(options: BedrockClientOptions = {}): LlmClient {
  const { api } = _validate(options);
  const sdk = options.client ?? new BedrockRuntimeClient({
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpointUrl !== undefined ? { endpoint: options.endpointUrl } : {}),
    maxAttempts: (options.retries ?? 0) + 1,
    requestHandler: new FetchHttpHandler(),
  });
  return {
    api: "bedrock",
    stream: (request) => _stream(sdk, api, options.family, request),
  };
}

type _Outcome =
  | { kind: "headers"; status: number }
  | { kind: "sent"; output: unknown }
  | { kind: "failed"; error: unknown };

async function* _stream(
  sdk: BedrockRuntimeClient,
  api: BedrockApi,
  familyOption: BedrockModelFamily | undefined,
  request: LlmRequest,
): AsyncGenerator<StreamEvent> {
  const family = familyOption ?? bedrockModelFamily(request.model);
  if (api === "invoke" && family === null) {
    yield {
      kind: "error",
      code: 400,
      name: "UnsupportedModelFamily",
      message: `UnsupportedModelFamily: no InvokeModel body format known for model '${
        request.model.slice(0, 200)
      }'; use the converse API or pass a family (${BEDROCK_MODEL_FAMILIES.join(", ")})`,
    };
    return;
  }
  // Our own abort, so that a consumer that stops early closes the connection.
  const local = new AbortController();
  const abortSignal = request.signal
    ? AbortSignal.any([request.signal, local.signal])
    : local.signal;
  let attempts = 0;
  let onHeaders: (status: number) => void = () => {};
  const headersArrived = new Promise<_Outcome>((resolve) => {
    onHeaders = (status) => resolve({ kind: "headers", status });
  });
  const command = api === "converse"
    ? new ConverseStreamCommand(bedrockConverseInput(request))
    : new InvokeModelWithResponseStreamCommand({
      modelId: request.model,
      contentType: "application/json",
      accept: "application/json",
      body: new TextEncoder().encode(
        JSON.stringify(bedrockInvokeBody(family as BedrockModelFamily, request)),
      ),
    });
  // Innermost middleware: sees every attempt's raw response as soon as its headers arrive
  // (the SDK's `send` resolves only once the first stream event has arrived).
  // deno-lint-ignore no-explicit-any
  (command.middlewareStack as any).add(
    // deno-lint-ignore no-explicit-any
    (next: any) => async (args: any) => {
      attempts++;
      const out = await next(args);
      const status = out?.response?.statusCode;
      if (typeof status === "number" && status >= 200 && status < 300) onHeaders(status);
      return out;
    },
    { step: "deserialize", priority: "low", name: "tokenbenchResponseHeaders" },
  );
  // deno-lint-ignore no-explicit-any
  const sent: Promise<_Outcome> = (sdk.send as any)(command, { abortSignal }).then(
    (output: unknown) => ({ kind: "sent", output }) as _Outcome,
    (error: unknown) => ({ kind: "failed", error }) as _Outcome,
  );
  const retries = () => Math.max(0, attempts - 1);
  try {
    const first = await Promise.race([headersArrived, sent]);
    if (first.kind === "headers") {
      const headers: BedrockHeadersEvent = {
        kind: "headers",
        status: first.status,
        retries: retries(),
      };
      yield headers;
    }
    const outcome = await sent;
    if (outcome.kind === "failed") {
      const status = (outcome.error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata
        ?.httpStatusCode;
      if (first.kind !== "headers" && typeof status === "number") {
        const headers: BedrockHeadersEvent = { kind: "headers", status, retries: retries() };
        yield headers;
      }
      yield bedrockErrorEvent(outcome.error, { signal: request.signal, retries: retries() });
      return;
    }
    if (outcome.kind !== "sent") return;
    if (api === "converse") {
      yield* _converseEvents(
        outcome.output as { stream?: AsyncIterable<ConverseStreamOutput> },
        request,
      );
    } else {
      yield* _invokeEvents(
        outcome.output as { body?: AsyncIterable<ResponseStream> },
        family as BedrockModelFamily,
        request,
      );
    }
  } finally {
    local.abort();
  }
}

async function* _converseEvents(
  output: { stream?: AsyncIterable<ConverseStreamOutput> },
  request: LlmRequest,
): AsyncGenerator<StreamEvent> {
  let finishReason: string | undefined;
  try {
    for await (const event of output.stream ?? []) {
      // Every event-stream frame first yields a `message` event; its text and usage follow.
      yield { kind: "message" };
      if (event.contentBlockDelta) {
        const delta = event.contentBlockDelta.delta;
        if (delta?.text !== undefined) {
          yield { kind: "content", text: delta.text };
        } else if (delta?.reasoningContent?.text !== undefined) {
          yield { kind: "reasoning", text: delta.reasoningContent.text };
        }
      } else if (event.metadata) {
        const usage: UsageEvent = { kind: "usage" };
        const u = event.metadata.usage;
        _set(usage, "inputTokens", u?.inputTokens);
        _set(usage, "outputTokens", u?.outputTokens);
        _set(usage, "cacheReadInputTokens", u?.cacheReadInputTokens);
        _set(usage, "cacheWriteInputTokens", u?.cacheWriteInputTokens);
        _set(usage, "serverLatencyMs", event.metadata.metrics?.latencyMs);
        yield usage;
      } else if (event.messageStop) {
        finishReason = event.messageStop.stopReason;
      }
    }
  } catch (error) {
    yield bedrockErrorEvent(error, { signal: request.signal });
    return;
  }
  yield finishReason === undefined ? { kind: "done" } : { kind: "done", finishReason };
}

async function* _invokeEvents(
  output: { body?: AsyncIterable<ResponseStream> },
  family: BedrockModelFamily,
  request: LlmRequest,
): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  const usage: UsageEvent = { kind: "usage" };
  let finishReason: string | undefined;
  let failure: StreamEvent | undefined;
  try {
    for await (const event of output.body ?? []) {
      const bytes = event.chunk?.bytes;
      if (!bytes) {
        yield { kind: "message" };
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(decoder.decode(bytes));
      } catch {
        failure = {
          kind: "error",
          code: CLIENT_ERROR_CODES.network,
          name: "MalformedChunk",
          message: "MalformedChunk: an InvokeModel chunk is not JSON",
        };
        break;
      }
      const chunk = decodeBedrockInvokeChunk(family, json);
      const sent = chunk.sentAtEpochMs === undefined ? {} : { sentAtEpochMs: chunk.sentAtEpochMs };
      yield { kind: "message", ...sent };
      if (chunk.reasoning !== "") yield { kind: "reasoning", text: chunk.reasoning, ...sent };
      if (chunk.text !== "") yield { kind: "content", text: chunk.text, ...sent };
      finishReason = chunk.finishReason ?? finishReason;
      _set(usage, "inputTokens", chunk.inputTokens);
      _set(usage, "outputTokens", chunk.outputTokens);
      const m = chunk.invocationMetrics;
      if (m) {
        _set(usage, "inputTokens", m.inputTokenCount);
        _set(usage, "outputTokens", m.outputTokenCount);
        _set(usage, "serverLatencyMs", m.invocationLatency);
        _set(usage, "serverFirstByteLatencyMs", m.firstByteLatency);
      }
    }
  } catch (error) {
    failure = bedrockErrorEvent(error, { signal: request.signal });
  }
  if (Object.keys(usage).length > 1) yield usage;
  if (failure) {
    yield failure;
    return;
  }
  yield finishReason === undefined ? { kind: "done" } : { kind: "done", finishReason };
}

function _set<K extends Exclude<keyof UsageEvent, "kind">>(
  usage: UsageEvent,
  key: K,
  value: number | undefined,
): void {
  if (typeof value === "number" && Number.isFinite(value)) usage[key] = value;
}
