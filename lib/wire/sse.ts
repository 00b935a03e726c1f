/**
 * Server-sent-events payloads, provider-neutral: what the SSE decoders of `openai.ts`,
 * `anthropic.ts` and `vertex.ts` take ({@link SseMessage}, {@link HttpErrorResponse}) and give
 * ({@link SseDecoded}), and the helpers they share for error messages.
 *
 * @module
 */
import type { StreamEvent } from "../core/stream_event.ts";
import { CLIENT_ERROR_CODES } from "../core/request_record.ts";

/** Longest error message kept, in characters. */
const _MAX_MESSAGE = 500;

/**
 * One SSE message: its `event` field (when sent) and its `data` (`eventsource-parser`'s
 * messages are ones).
 *
 * @example An Anthropic ping
 * ```ts
 * import type { SseMessage } from "./sse.ts";
 * const message: SseMessage = { event: "ping", data: '{"type":"ping"}' };
 * if (JSON.parse(message.data).type !== message.event) throw new Error();
 * ```
 */
export interface SseMessage {
  /** The `event:` field; absent for unnamed messages. */
  event?: string;
  /** The `data:` field (lines joined by `\n`). */
  data: string;
}

/**
 * Result of decoding one SSE message: its events and whether the stream is over.
 *
 * @example The end of an OpenAI stream
 * ```ts
 * import type { SseDecoded } from "./sse.ts";
 * const decoded: SseDecoded = { events: [{ kind: "done", finishReason: "stop" }], end: true };
 * if (!decoded.end) throw new Error();
 * ```
 */
export interface SseDecoded {
  /** The events the message carries, in order. */
  events: StreamEvent[];
  /** The stream is over. */
  end: boolean;
}

/**
 * A non-2xx HTTP response, read: what the providers' `…HttpError` decoders take.
 *
 * @example A 503 without a body
 * ```ts
 * import type { HttpErrorResponse } from "./sse.ts";
 * const response: HttpErrorResponse = { status: 503, text: "", statusText: "Service Unavailable" };
 * if (response.text !== "") throw new Error();
 * ```
 */
export interface HttpErrorResponse {
  /** HTTP status. */
  status: number;
  /** The body as text (`""` when it could not be read). */
  text: string;
  /** The status line's reason phrase. Default `""`. */
  statusText?: string;
}

/**
 * Collapses whitespace and caps `text` at 500 characters (an ellipsis marks a cut).
 *
 * @example One line
 * ```ts
 * import { oneLine } from "./sse.ts";
 * if (oneLine("  bad\n  request ") !== "bad request") throw new Error();
 * if (oneLine("x".repeat(600)).length !== 501) throw new Error("cut at 500 plus an ellipsis");
 * ```
 */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > _MAX_MESSAGE ? line.slice(0, _MAX_MESSAGE) + "…" : line;
}

/**
 * The 599 `error` that ends a stream whose `data` is not JSON (its first 100 characters quoted).
 *
 * @example Cut JSON
 * ```ts
 * import { malformedData } from "./sse.ts";
 * const decoded = malformedData('{"choices":[{"delta":');
 * const [event] = decoded.events;
 * if (!decoded.end || event.kind !== "error" || event.code !== 599) throw new Error();
 * ```
 */
export function malformedData(data: string): SseDecoded {
  return {
    events: [{
      kind: "error",
      code: CLIENT_ERROR_CODES.network,
      message: `Malformed stream data: ${oneLine(data).slice(0, 100)}`,
    }],
    end: true,
  };
}
