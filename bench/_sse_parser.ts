/**
 * A candidate incremental SSE parser, kept only as the comparison point of `bench/sse_parser.ts`:
 * it was not faster than npm `eventsource-parser`, which the OpenAI client uses.
 *
 * @module
 */

/** One dispatched server-sent event. */
export interface SseEvent {
  /** The event's data: its `data:` lines joined by `\n`. */
  data: string;
  /** The `event:` field, when the event had one. */
  event?: string;
  /** The last `id:` field seen, when there was one. */
  id?: string;
}

/** An incremental SSE parser: feed it text as it arrives, in pieces of any size. */
export interface SseParser {
  /** Parses more text; calls `onEvent` for every event completed by it. */
  feed(text: string): void;
  /** Forgets any partial line and event (a new stream starts). */
  reset(): void;
}

/** Options of {@link createSseParser}. */
export interface SseParserOptions {
  /** Called with the text of each comment line (`: keep-alive`), without the colon. Default
   * none. */
  onComment?: (comment: string) => void;
}

/**
 * Creates an incremental server-sent-events parser following the WHATWG rules: lines end in
 * CRLF, LF or CR (also split across feeds); `data:` lines of one event are joined by `\n`; one
 * space after the colon is dropped; comment lines (`:`) are skipped; a leading BOM is ignored;
 * an event is dispatched at a blank line when it has data. Text held between feeds is at most one
 * partial line.
 *
 * @example Events split at awkward places
 * ```ts
 * import { createSseParser } from "./sse_parser.ts";
 * const seen: string[] = [];
 * const parser = createSseParser((event) => seen.push(event.data));
 * for (const piece of ["data: {\"a\"", ":1}\r", "\n\r\n: ping\n\ndata: x\ndata", ": y\n\n"]) {
 *   parser.feed(piece);
 * }
 * if (JSON.stringify(seen) !== JSON.stringify(['{"a":1}', "x\ny"])) throw new Error(seen.join());
 * ```
 */
export function createSseParser(
  onEvent: (event: SseEvent) => void,
  options: SseParserOptions = {},
): SseParser {
  const onComment = options.onComment;
  let partial = "";
  let skipLf = false;
  let started = false;
  let data = "";
  let hasData = false;
  let eventType: string | undefined;
  let lastId: string | undefined;

  const line = (text: string, start: number, end: number) => {
    if (start === end) {
      if (hasData) {
        const event: SseEvent = { data };
        if (eventType !== undefined) event.event = eventType;
        if (lastId !== undefined) event.id = lastId;
        data = "";
        hasData = false;
        eventType = undefined;
        onEvent(event);
      } else {
        eventType = undefined;
      }
      return;
    }
    const first = text.charCodeAt(start);
    if (first === 58 /* : */) {
      onComment?.(text.slice(start + 1, end));
      return;
    }
    // Fast path for the common `data: ` prefix.
    if (first === 100 && text.startsWith("data:", start)) {
      let from = start + 5;
      if (text.charCodeAt(from) === 32 && from < end) from++;
      const value = text.slice(from, end);
      data = hasData ? data + "\n" + value : value;
      hasData = true;
      return;
    }
    const colon = text.indexOf(":", start);
    let field: string;
    let value: string;
    if (colon === -1 || colon >= end) {
      field = text.slice(start, end);
      value = "";
    } else {
      field = text.slice(start, colon);
      let from = colon + 1;
      if (text.charCodeAt(from) === 32 && from < end) from++;
      value = text.slice(from, end);
    }
    if (field === "data") {
      data = hasData ? data + "\n" + value : value;
      hasData = true;
    } else if (field === "event") {
      eventType = value;
    } else if (field === "id") {
      if (!value.includes("\0")) lastId = value;
    }
    // `retry` and unknown fields are ignored.
  };

  return {
    feed(chunk: string) {
      let text = partial === "" ? chunk : partial + chunk;
      partial = "";
      let pos = 0;
      if (!started && text.length > 0) {
        started = true;
        if (text.charCodeAt(0) === 0xfeff) pos = 1;
      }
      if (skipLf && pos < text.length) {
        if (text.charCodeAt(pos) === 10) pos++;
        skipLf = false;
      }
      const length = text.length;
      let nextLf = text.indexOf("\n", pos);
      let nextCr = text.indexOf("\r", pos);
      while (pos < length) {
        if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf("\n", pos);
        if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf("\r", pos);
        let end: number;
        if (nextCr === -1 || (nextLf !== -1 && nextLf < nextCr)) {
          if (nextLf === -1) break;
          end = nextLf;
          line(text, pos, end);
          pos = end + 1;
        } else {
          end = nextCr;
          line(text, pos, end);
          pos = end + 1;
          if (pos === length) {
            skipLf = true;
          } else if (text.charCodeAt(pos) === 10) {
            pos++;
          }
        }
      }
      if (pos < length) partial = text.slice(pos);
      text = "";
    },
    reset() {
      partial = "";
      skipLf = false;
      started = false;
      data = "";
      hasData = false;
      eventType = undefined;
      lastId = undefined;
    },
  };
}
