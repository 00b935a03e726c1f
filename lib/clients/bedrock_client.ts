/**
 * The AWS Bedrock client: ConverseStream or InvokeModelWithResponseStream through
 * `@aws-sdk/client-bedrock-runtime`, yielding tokenbench's {@link StreamEvent}s with Bedrock's
 * own token counts and latencies.
 *
 * @module
 */
import type {
  BedrockRuntimeClient,
  ConverseStreamOutput,
  ResponseStream,
} from "@aws-sdk/client-bedrock-runtime";
import type { LlmClient, LlmRequest } from "../core/llm_client.ts";
import type { HeadersEvent, StreamEvent, UsageEvent } from "../core/stream_event.ts";
import {
  BEDROCK_MODEL_FAMILIES,
  bedrockConverseInput,
  bedrockInvokeBody,
  type BedrockModelFamily,
  bedrockModelFamily,
  decodeBedrockInvokeChunk,
} from "../wire/bedrock_bodies.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import {
  awsSdkConfig,
  lazily,
  prepareSdk,
  sendAwsStream,
  validateAwsSdkOptions,
} from "./_aws_sdk.ts";
import { bedrockErrorEvent } from "./bedrock_error_event.ts";
import { oneLine } from "../wire/sse.ts";

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
  /** The `fetch` the SDK sends with (the `http1` transport: `createHttp1Fetch()`). Default
   * `globalThis.fetch`. Ignored when `client` is given. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
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
  validateAwsSdkOptions("Bedrock", options);
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
  // The AWS SDK is imported when the first request is sent, not with this module.
  const load = lazily(async () => {
    const sdkModule = await import("@aws-sdk/client-bedrock-runtime");
    const sdk = options.client ??
      new sdkModule.BedrockRuntimeClient(
        (await awsSdkConfig(options)) as NonNullable<
          ConstructorParameters<typeof BedrockRuntimeClient>[0]
        >,
      );
    return { sdkModule, sdk };
  });
  return {
    api: "bedrock",
    stream: (request) => _stream(load, api, options.family, request),
    prepare: () => prepareSdk(load),
  };
}

async function* _stream(
  load: () => Promise<{ sdkModule: _SdkModule; sdk: BedrockRuntimeClient }>,
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
  let loaded;
  try {
    loaded = await load();
  } catch (error) {
    yield bedrockErrorEvent(error, { signal: request.signal });
    return;
  }
  const { sdkModule, sdk } = loaded;
  yield* sendAwsStream({
    sdk,
    signal: request.signal,
    command: () =>
      api === "converse"
        ? new sdkModule.ConverseStreamCommand(bedrockConverseInput(request))
        : new sdkModule.InvokeModelWithResponseStreamCommand({
          modelId: request.model,
          contentType: "application/json",
          accept: "application/json",
          body: new TextEncoder().encode(
            JSON.stringify(bedrockInvokeBody(family as BedrockModelFamily, request)),
          ),
        }),
    errorEvent: bedrockErrorEvent,
    events: (output) =>
      api === "converse"
        ? _converseEvents(output as { stream?: AsyncIterable<ConverseStreamOutput> }, request)
        : _invokeEvents(
          output as { body?: AsyncIterable<ResponseStream> },
          family as BedrockModelFamily,
          request,
        ),
  });
}

type _SdkModule = typeof import("@aws-sdk/client-bedrock-runtime");

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
      if (chunk.error) {
        // An error after a 200 (a rate limit mid-stream): the request failed, whatever came.
        failure = {
          kind: "error",
          code: chunk.error.code,
          name: chunk.error.type,
          message: oneLine(`${chunk.error.type}: ${chunk.error.message}`),
        };
        break;
      }
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
