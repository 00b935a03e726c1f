/**
 * Private AWS SDK plumbing shared by the Bedrock and SageMaker clients: option checks, client
 * configuration, sending a streaming command with a `headers` event as soon as the response
 * headers arrive, and the parts of exception → `error` event mapping they have in common.
 *
 * @module
 */
import type { ErrorEvent, StreamEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { parseRetryAfterMs } from "../wire/retry_after.ts";
import { receivedMs } from "./http1_fetch.ts";

/** The SDK options both clients take. */
export interface AwsSdkOptions {
  /** AWS region. Default: the SDK's chain. */
  region?: string;
  /** Endpoint override. Default: the SDK's own. */
  endpointUrl?: string;
  /** SDK retries (`maxAttempts = retries + 1`). Default 0. */
  retries?: number;
  /**
   * The `fetch` the SDK's HTTP handler sends with, e.g. the `http1` transport
   * `createHttp1Fetch`. Default `globalThis.fetch`.
   */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/**
 * Throws for a bad `retries` (RangeError) or `endpointUrl` (TypeError); `what` names the client
 * in the message (`Bedrock`, `SageMaker`).
 *
 * @example Reject negative retries
 * ```ts
 * import { validateAwsSdkOptions } from "./_aws_sdk.ts";
 * let threw = false;
 * try {
 *   validateAwsSdkOptions("Bedrock", { retries: -1 });
 * } catch (error) {
 *   threw = error instanceof RangeError;
 * }
 * if (!threw) throw new Error("no RangeError");
 * ```
 */
export function validateAwsSdkOptions(what: string, options: AwsSdkOptions): void {
  const retries = options.retries;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw new RangeError(
      `Cannot create ${what} client: 'retries' must be a non-negative integer, got ${retries}`,
    );
  }
  if (options.endpointUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpointUrl);
    } catch {
      throw new TypeError(
        `Cannot create ${what} client: 'endpointUrl' is not a URL, got ${
          JSON.stringify(options.endpointUrl)
        }`,
      );
    }
    if (url.username || url.password) {
      throw new TypeError(`Cannot create ${what} client: 'endpointUrl' must not hold credentials`);
    }
  }
}

/**
 * The SDK client configuration: region and endpoint when given, `maxAttempts = retries + 1`
 * and `FetchHttpHandler` (the SDK's default HTTP/2 handler returns no events under Deno) over
 * `options.fetch` when given. The
 * handler's package is imported here, on first use, not when this module is.
 *
 * @example Two retries
 * ```ts
 * import { awsSdkConfig } from "./_aws_sdk.ts";
 * if ((await awsSdkConfig({ retries: 2 })).maxAttempts !== 3) throw new Error("maxAttempts");
 * ```
 */
export async function awsSdkConfig(options: AwsSdkOptions): Promise<{
  region?: string;
  endpoint?: string;
  maxAttempts: number;
  requestHandler: unknown;
}> {
  const { FetchHttpHandler } = await import("@smithy/fetch-http-handler");
  const send = options.fetch;
  return {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpointUrl !== undefined ? { endpoint: options.endpointUrl } : {}),
    maxAttempts: (options.retries ?? 0) + 1,
    requestHandler: new FetchHttpHandler(
      send === undefined ? undefined : { customFetch: _requestFetch(send) as typeof fetch },
    ),
  };
}

/**
 * The SDK's handler calls its fetch with a `Request`; a fetch of URL and init (the `http1`
 * transport serves those only) gets the request's parts, its signed body as bytes.
 */
function _requestFetch(
  send: (input: string, init: RequestInit) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    return send(request.url, {
      method: request.method,
      headers: request.headers,
      ...(body === undefined ? {} : { body }),
      signal: request.signal,
    });
  };
}

/**
 * A value made on first use and kept: the SDK client of a Bedrock or SageMaker client, whose
 * package (the AWS SDK, a large import) loads only when the first request is sent. A failed
 * make is retried on the next use.
 *
 * @example
 * ```ts
 * import { lazily } from "./_aws_sdk.ts";
 * let made = 0;
 * const get = lazily(() => Promise.resolve(++made));
 * if ((await get()) !== 1 || (await get()) !== 1) throw new Error("made twice");
 * ```
 */
export function lazily<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => {
    value ??= make().catch((error) => {
      value = null;
      throw error;
    });
    return value;
  };
}

/**
 * Builds an SDK client's lazily made parts and resolves its credentials (the default chain):
 * what an `LlmClient.prepare` of the Bedrock and SageMaker clients does. Sends nothing.
 *
 * @example
 * ```ts
 * import { prepareSdk } from "./_aws_sdk.ts";
 * let resolved = 0;
 * await prepareSdk(() => Promise.resolve({ sdk: { config: { credentials: () => resolved++ } } }));
 * if (resolved !== 1) throw new Error("credentials");
 * ```
 */
export async function prepareSdk(
  load: () => Promise<{ sdk: unknown }>,
): Promise<void> {
  const { sdk } = await load();
  const credentials = (sdk as { config?: { credentials?: unknown } }).config?.credentials;
  if (typeof credentials === "function") await credentials();
}

/** 408 (timeout reason) or 499 when `signal` aborted, else undefined. */
export function abortedCode(signal: AbortSignal | undefined): number | undefined {
  if (!signal?.aborted) return undefined;
  const reason = signal.reason;
  const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
  return timedOut ? CLIENT_ERROR_CODES.timeout : CLIENT_ERROR_CODES.cancelled;
}

/** ` (after N retries)` when `retries` > 0, else "". */
export function retriesSuffix(retries: number): string {
  return retries > 0 ? ` (after ${retries} ${retries === 1 ? "retry" : "retries"})` : "";
}

type _Outcome =
  | { kind: "headers"; status: number }
  | { kind: "sent"; output: unknown }
  | { kind: "failed"; error: unknown };

/** The SDK clients that have sent a request (their first pays the cold path). */
const _usedSdks = new WeakSet<object>();

/** Options of {@link sendAwsStream}. */
export interface SendAwsStreamOptions {
  /** The SDK client. */
  // deno-lint-ignore no-explicit-any
  sdk: { send: (...args: any[]) => Promise<unknown> };
  /** Builds the streaming command (a middleware is added to it); called on the first `next()`. */
  // deno-lint-ignore no-explicit-any
  command: () => { middlewareStack: any };
  /** The request's signal. Default none. */
  signal?: AbortSignal;
  /** Turns what the SDK threw before the stream into an `error` event. */
  errorEvent: (error: unknown, options: { signal?: AbortSignal; retries: number }) => ErrorEvent;
  /** The events of the command's output. */
  events: (output: unknown) => AsyncIterable<StreamEvent>;
}

/**
 * `body` passed through as it is pulled, `onRead` told each piece's read time: the `http1`
 * transport's socket-read stamp ({@link receivedMs}) or, for other pieces, `performance.now()`
 * as the read returned.
 *
 * @example
 * ```ts
 * import { stampReads } from "./_aws_sdk.ts";
 * const stamps: number[] = [];
 * const body = new Response("abc").body!;
 * const text = await new Response(stampReads(body, (ms) => stamps.push(ms))).text();
 * if (text !== "abc" || stamps.length !== 1) throw new Error(`${text} ${stamps}`);
 * ```
 */
export function stampReads(
  body: ReadableStream<Uint8Array>,
  onRead: (ms: number) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      onRead(receivedMs(value) ?? performance.now());
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Sends a streaming command and yields `headers` (with `retries`) as soon as a 2xx response's
 * headers arrive (or the failed response's status), then `events(output)`, or one `error` event
 * when `send` fails. Aborts the connection when the consumer stops early.
 *
 * @example A failing send
 * ```ts
 * import { sendAwsStream } from "./_aws_sdk.ts";
 * const error = Object.assign(new Error("no"), { $metadata: { httpStatusCode: 403 } });
 * const kinds: string[] = [];
 * for await (const event of sendAwsStream({
 *   sdk: { send: () => Promise.reject(error) },
 *   command: () => ({ middlewareStack: { add: () => {} } }),
 *   errorEvent: () => ({ kind: "error", code: 403, message: "no" }),
 *   events: async function* () {},
 * })) kinds.push(event.kind);
 * if (kinds.join() !== "headers,error") throw new Error(kinds.join());
 * ```
 */
export async function* sendAwsStream(options: SendAwsStreamOptions): AsyncGenerator<StreamEvent> {
  const { sdk, signal } = options;
  // Our own abort, so that a consumer that stops early closes the connection.
  const local = new AbortController();
  const abortSignal = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
  let attempts = 0;
  let onHeaders: (status: number) => void = () => {};
  const headersArrived = new Promise<_Outcome>((resolve) => {
    onHeaders = (status) => resolve({ kind: "headers", status });
  });
  const command = options.command();
  // Innermost middleware, right around the HTTP handler: stamps each attempt's send (the
  // signed request handed to the handler), and sees its raw response as soon as the headers
  // arrive (the SDK's `send` resolves only once the first stream event has arrived).
  let sentAtMs: number | undefined;
  let retryAfterMs: number | undefined;
  let lastReadMs: number | undefined;
  const newConnection = !_usedSdks.has(sdk);
  _usedSdks.add(sdk);
  command.middlewareStack.add(
    // deno-lint-ignore no-explicit-any
    (next: any) => async (args: any) => {
      attempts++;
      sentAtMs = performance.now();
      const out = await next(args);
      // A throttled or unavailable answer's `Retry-After` (the final attempt's).
      const headers = out?.response?.headers ?? {};
      retryAfterMs = parseRetryAfterMs(headers["retry-after"] ?? headers["Retry-After"]);
      const status = out?.response?.statusCode;
      // Each body piece's read time (the http1 transport's socket-read stamp, else when the
      // SDK's read of it returned): the frames the SDK decodes from it are stamped with it.
      const body = out?.response?.body;
      if (body instanceof ReadableStream) {
        out.response.body = stampReads(body, (ms) => lastReadMs = ms);
      }
      if (typeof status === "number" && status >= 200 && status < 300) onHeaders(status);
      return out;
    },
    { step: "deserialize", priority: "low", name: "tokenbenchResponseHeaders" },
  );
  const sent: Promise<_Outcome> = sdk.send(command, { abortSignal }).then(
    (output: unknown) => ({ kind: "sent", output }) as _Outcome,
    (error: unknown) => ({ kind: "failed", error }) as _Outcome,
  );
  const retries = () => Math.max(0, attempts - 1);
  const retryAfter = () => retryAfterMs === undefined ? {} : { retryAfterMs };
  try {
    const first = await Promise.race([headersArrived, sent]);
    // The send of the final attempt, once it is known to have reached the endpoint.
    const sentEvent = (): StreamEvent[] =>
      sentAtMs === undefined ? [] : [{ kind: "sent", atMs: sentAtMs, newConnection }];
    if (first.kind === "headers") {
      yield* sentEvent();
      yield { kind: "headers", status: first.status, retries: retries(), ...retryAfter() };
    }
    const outcome = await sent;
    if (outcome.kind === "failed") {
      const status = (outcome.error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata
        ?.httpStatusCode;
      if (first.kind !== "headers" && typeof status === "number") {
        yield* sentEvent();
        yield { kind: "headers", status, retries: retries(), ...retryAfter() };
      }
      yield options.errorEvent(outcome.error, { signal, retries: retries() });
      return;
    }
    if (outcome.kind !== "sent") return;
    for await (const event of options.events(outcome.output)) {
      // A frame decoded by the SDK: read when the last body piece before it was.
      if (event.kind === "message" && event.receivedMs === undefined && lastReadMs !== undefined) {
        event.receivedMs = lastReadMs;
      }
      yield event;
    }
  } finally {
    local.abort();
  }
}
