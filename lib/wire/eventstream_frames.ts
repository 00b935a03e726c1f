/**
 * AWS event-stream frames (`application/vnd.amazon.eventstream`), the binary framing of Bedrock's
 * streaming responses: prelude, typed headers, payload and CRCs, encoded and decoded with
 * `@smithy/eventstream-codec`.
 *
 * @module
 */
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/** One decoded frame: its string headers and its payload as text. */
export interface EventstreamFrame {
  /** `:message-type`: `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` (events) or `:exception-type` (exceptions); `:error-code` for errors. */
  type: string;
  /** `:content-type`, when present. */
  contentType?: string;
  /** Every header whose value is a string, by name. */
  headers: Record<string, string>;
  /** The payload, decoded as UTF-8. */
  body: string;
}

/** Encoders for one response's frames (see {@link createEventstreamFrames}). */
export interface EventstreamFrames {
  /** An event frame (`:message-type: event`) with a JSON payload. */
  event(eventType: string, payload: unknown): Uint8Array;
  /** An InvokeModel `chunk` event: payload `{"bytes": base64(JSON of chunk)}`. */
  chunk(chunk: unknown): Uint8Array;
  /** An exception frame (`:message-type: exception`, `:exception-type`) with a JSON payload. */
  exception(exceptionType: string, payload: unknown): Uint8Array;
  /** Splits a byte sequence of whole frames and decodes each (tests, debugging). Throws on a
   * truncated or corrupt frame (the codec checks both CRCs). */
  decode(bytes: Uint8Array): EventstreamFrame[];
}

function _base64(text: string): string {
  const bytes = fromUtf8(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Creates the frame encoders for one response (one codec, no shared state). Headers follow AWS:
 * `:message-type`, then `:event-type` or `:exception-type`, and `:content-type:
 * application/json`.
 *
 * @example Encode an InvokeModel chunk and decode it again
 * ```ts
 * import { createEventstreamFrames } from "./eventstream_frames.ts";
 * const frames = createEventstreamFrames();
 * const [frame] = frames.decode(frames.chunk({ completion: "Hi" }));
 * const bytes = JSON.parse(frame.body).bytes;
 * if (frame.type !== "chunk" || JSON.parse(atob(bytes)).completion !== "Hi") {
 *   throw new Error("round trip");
 * }
 * ```
 */
export function createEventstreamFrames(): EventstreamFrames {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frame = (messageType: string, typeHeader: string, type: string, payload: unknown) =>
    codec.encode({
      headers: {
        ":message-type": { type: "string", value: messageType },
        [typeHeader]: { type: "string", value: type },
        ":content-type": { type: "string", value: "application/json" },
      },
      body: fromUtf8(JSON.stringify(payload)),
    });
  return {
    event: (eventType, payload) => frame("event", ":event-type", eventType, payload),
    chunk: (chunk) =>
      frame("event", ":event-type", "chunk", { bytes: _base64(JSON.stringify(chunk)) }),
    exception: (exceptionType, payload) =>
      frame("exception", ":exception-type", exceptionType, payload),
    decode(bytes) {
      const out: EventstreamFrame[] = [];
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let offset = 0;
      while (offset < bytes.byteLength) {
        if (bytes.byteLength - offset < 4) throw new RangeError("Truncated event-stream frame");
        const length = view.getUint32(offset, false);
        if (length < 16 || offset + length > bytes.byteLength) {
          throw new RangeError("Truncated event-stream frame");
        }
        const message = codec.decode(bytes.subarray(offset, offset + length));
        offset += length;
        const headers: Record<string, string> = {};
        for (const [name, header] of Object.entries(message.headers)) {
          if (header.type === "string") headers[name] = header.value;
        }
        const messageType = headers[":message-type"] ?? "";
        const type = headers[":event-type"] ?? headers[":exception-type"] ??
          headers[":error-code"] ?? "";
        const decoded: EventstreamFrame = {
          messageType,
          type,
          headers,
          body: toUtf8(message.body),
        };
        if (headers[":content-type"] !== undefined) decoded.contentType = headers[":content-type"];
        out.push(decoded);
      }
      return out;
    },
  };
}
