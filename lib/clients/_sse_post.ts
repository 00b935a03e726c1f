/**
 * Private fetch-and-stream plumbing shared by the server-sent-events clients (OpenAI, Anthropic,
 * Vertex AI): POST, `headers` event, HTTP error bodies, network failures, timeouts and
 * cancellations as `error` events, and the SSE read loop.
 *
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { ErrorEvent, StreamEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";
import { oneLine, type SseDecoded } from "../wire/sse.ts";
import { receivedMs, responseStamps } from "./http1_fetch.ts";
import { parseRetryAfterMs } from "../wire/retry_after.ts";
import { redactSecrets } from "../core/redact_secrets.ts";

/** The `error` event of an aborted request: 408 for a `TimeoutError` reason, else 499. */
export function abortError(signal: AbortSignal): ErrorEvent {
  const reason = signal.reason;
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return { kind: "error", code: CLIENT_ERROR_CODES.timeout, message: "Request timed out" };
  }
  return { kind: "error", code: CLIENT_ERROR_CODES.cancelled, message: "Request cancelled" };
}

const _SECRET_NAME = /auth|key|token|secret|cookie|signature|credential|password/i;

/** The values of `record` whose names look secret (auth, key, token, cookie, …). */
export function secretValues(record: Record<string, string> | undefined): string[] {
  return Object.entries(record ?? {}).filter(([n]) => _SECRET_NAME.test(n)).map(([, v]) => v);
}

/**
 * A function removing secrets from a message: each of `secrets` (strings of 4 or more
 * characters) and every 8-character piece of one, and everything `redactSecrets` finds by
 * pattern (header values, URL user info, credential query parameters).
 */
export function scrubber(secrets: readonly unknown[]): (message: string) => string {
  const kept = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  return (message: string): string => {
    let out = message;
    for (const secret of kept) out = out.split(secret).join("[redacted]");
    return redactSecrets(out, { secrets: kept });
  };
}

/**
 * How long the body is read on after the stream's `done`, at most, ms: a server that keeps it
 * open longer gives no `body-end` (the request's own timeout, when shorter, ends it sooner).
 */
export const BODY_END_LIMIT_MS = 5_000;

/** The `fetch` functions that have sent a request (a first one pays the cold path). */
const _used = new WeakSet<typeof fetch>();

/** Options of {@link postSse}. */
export interface PostSseOptions {
  /** The `fetch` to use. */
  fetch: typeof fetch;
  /** Request headers. */
  headers: Record<string, string>;
  /** Builds the URL and JSON body; called inside the fetch `try`, so a throw is a 599. */
  request: () => { url: string; body: string };
  /** Aborts the request. Default none. */
  signal?: AbortSignal;
  /** Removes secrets from a message. */
  scrub: (message: string) => string;
  /** The `error` event of a non-2xx response (its message is scrubbed afterwards). */
  errorFromBody: (status: number, text: string, statusText: string) => ErrorEvent;
  /** Decodes one SSE message; `error` events it returns are scrubbed. */
  onMessage: (message: EventSourceMessage) => SseDecoded;
  /** The last event when the body ends before `onMessage` said `end`. */
  onEnd: () => StreamEvent;
  /** How long the body is read on after `done`, at most, ms. Default {@link BODY_END_LIMIT_MS}. */
  bodyEndLimitMs?: number;
}

/**
 * POSTs a JSON body and yields `sent` and `headers`, then the events `onMessage` decodes from each SSE
 * message; endpoint failures become one `error` event that ends the stream. After a `done` that
 * ends the stream, the body is read on to its end and `body-end` is yielded (nothing when the
 * signal aborts first or the body stays open {@link BODY_END_LIMIT_MS} longer).
 *
 * @example Stream one message
 * ```ts
 * import { postSse } from "./_sse_post.ts";
 * const kinds: string[] = [];
 * for await (const event of postSse({
 *   fetch: () => Promise.resolve(new Response("data: hi\n\n")),
 *   headers: {},
 *   request: () => ({ url: "http://fake/", body: "{}" }),
 *   scrub: (m) => m,
 *   errorFromBody: (status) => ({ kind: "error", code: status, message: "HTTP error" }),
 *   onMessage: (m) => ({ events: [{ kind: "content", text: m.data }, { kind: "done" }], end: true }),
 *   onEnd: () => ({ kind: "done" }),
 * })) kinds.push(event.kind);
 * if (kinds.join() !== "sent,headers,content,done,body-end") throw new Error(kinds.join());
 * ```
 */
export async function* postSse(options: PostSseOptions): AsyncGenerator<StreamEvent> {
  const { signal, scrub } = options;
  const failure = (error: unknown): ErrorEvent => {
    if (signal?.aborted) return abortError(signal);
    let message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error ? error.cause : undefined;
    if (cause instanceof Error && !message.includes(cause.message)) {
      message += `: ${cause.message}`;
    }
    return {
      kind: "error",
      code: CLIENT_ERROR_CODES.network,
      message: oneLine(scrub(`Network failure: ${message}`)),
    };
  };
  if (signal?.aborted) {
    yield abortError(signal);
    return;
  }
  let response: Response;
  let calledMs = 0;
  try {
    const { url, body } = options.request();
    calledMs = performance.now();
    response = await options.fetch(url, {
      method: "POST",
      headers: options.headers,
      body,
      signal,
    });
  } catch (error) {
    yield failure(error);
    return;
  }
  // The `http1` transport stamps the last byte written and the head read; with another fetch
  // the call stands for the send, and a new connection is the fetch's first request.
  const stamps = responseStamps(response);
  const first = !_used.has(options.fetch);
  _used.add(options.fetch);
  yield stamps
    ? { kind: "sent", atMs: stamps.sentMs, newConnection: stamps.newConnection }
    : { kind: "sent", atMs: calledMs, newConnection: first };
  const retryAfterMs = parseRetryAfterMs(response.headers.get("retry-after"));
  yield {
    kind: "headers",
    status: response.status,
    ...(stamps ? { receivedMs: stamps.headersMs } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  if (!response.ok || response.body === null) {
    let text = "";
    try {
      text = await response.text();
    } catch {
      if (signal?.aborted) {
        yield abortError(signal);
        return;
      }
    }
    if (response.ok) {
      yield { kind: "error", code: CLIENT_ERROR_CODES.network, message: "Empty response body" };
      return;
    }
    // Scrubbed before the decoder cuts the message short: a cut secret is still a secret.
    const event = options.errorFromBody(response.status, scrub(text), response.statusText);
    event.message = scrub(event.message);
    yield event;
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => void queue.push(message) });
  const onMessage = options.onMessage;
  let ended = false;
  let bodyDone = false;
  let sawDone = false;
  try {
    while (!ended) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        yield failure(error);
        return;
      }
      bodyDone = result.done;
      // The read's time, before any parsing: the transport's own stamp when it has one.
      const readMs = (result.done ? undefined : receivedMs(result.value)) ?? performance.now();
      // Decode at once so the network buffer can be released; the final blank line is added
      // for servers that end without it.
      parser.feed(
        result.done ? decoder.decode() + "\n\n" : decoder.decode(result.value, { stream: true }),
      );
      while (queue.length > 0 && !ended) {
        const message = queue.shift()!;
        let decoded = onMessage(message);
        if (decoded.events.some((e) => e.kind === "error")) {
          // An in-stream error: decoded again from scrubbed data, before its message is cut.
          decoded = onMessage({ ...message, data: scrub(message.data) });
        }
        for (const event of decoded.events) {
          if (event.kind === "message") event.receivedMs = readMs;
          else if (event.kind === "error") event.message = scrub(event.message);
          else if (event.kind === "done") {
            sawDone = true;
            event.receivedMs = readMs;
          }
          yield event;
        }
        ended = decoded.end;
      }
      if (result.done && !ended) {
        yield options.onEnd();
        return;
      }
    }
    // The stream is done: read the body on to its end (LLMPerf's end of a request), bounded by
    // the request's signal; the `done` already yielded keeps the stream's own end.
    if (!sawDone) return;
    // A server may keep the body open after `[DONE]`: give up after the limit.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<"limit">((resolve) => {
      timer = setTimeout(() => resolve("limit"), options.bodyEndLimitMs ?? BODY_END_LIMIT_MS);
    });
    try {
      while (!bodyDone) {
        const result = await Promise.race([reader.read(), limit]);
        if (result === "limit") return;
        bodyDone = result.done;
      }
    } catch {
      return; // aborted or reset after the stream was done: no body end to report
    } finally {
      clearTimeout(timer);
    }
    yield { kind: "body-end", receivedMs: performance.now() };
  } finally {
    // Stop the body download when the consumer stops early or the stream ended.
    reader.cancel().catch(() => {});
  }
}
