/**
 * The body of one simulated response: a `ReadableStream` the played steps are written into,
 * as they come or in slow drips (the `slow-drip` fault), and broken on purpose (the
 * `reset-mid-stream` fault).
 *
 * @module
 */

/** Options of {@link createSimBodyWriter}. */
export interface SimBodyWriterOptions {
  /** Whether the response is streamed; without, there is no body and writes do nothing. */
  stream: boolean;
  /** Write in pieces of `bytes`, `ms` apart (the `slow-drip` fault). Default null (at once). */
  drip?: { bytes: number; ms: number } | null;
  /** Stops a drip between pieces. */
  signal: AbortSignal;
  /** Called when the client went away: the body was cancelled or a write failed. */
  onClientAbort: () => void;
}

/** Writes the body of one response. */
export interface SimBodyWriter {
  /** The streamed body, or null for a non-streamed response. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Writes text (as UTF-8) or bytes; `null` writes nothing. Returns a promise while dripping. */
  write(data: string | Uint8Array | null): void | Promise<void>;
  /** Closes the body (nothing if already closed or cancelled). */
  finish(): void;
  /** Breaks the body once what was written has been sent (the `reset-mid-stream` fault). */
  resetWhenFlushed(): Promise<void>;
}

const _ENCODER = new TextEncoder();

/**
 * A writer for the body of one response.
 *
 * @example Write, close, read back
 * ```ts
 * import { createSimBodyWriter } from "./_sim_body_writer.ts";
 * const writer = createSimBodyWriter({
 *   stream: true, signal: new AbortController().signal, onClientAbort() {},
 * });
 * writer.write("data: 1\n\n");
 * writer.finish();
 * if (await new Response(writer.body).text() !== "data: 1\n\n") throw new Error("body");
 * ```
 */
export function createSimBodyWriter(options: SimBodyWriterOptions): SimBodyWriter {
  const { signal, onClientAbort } = options;
  const drip = options.drip ?? null;
  let stream: ReadableStreamDefaultController<Uint8Array> | null = null;
  const body = options.stream
    ? new ReadableStream<Uint8Array>({
      start(c) {
        stream = c;
      },
      cancel() {
        onClientAbort();
      },
    })
    : null;
  let dripped: Promise<void> = Promise.resolve();
  return {
    body,
    write(data): void | Promise<void> {
      if (data === null || stream === null) return;
      const bytes = typeof data === "string" ? _ENCODER.encode(data) : data;
      if (drip !== null) {
        const target = stream;
        dripped = dripped.then(() => _drip(target, bytes, drip, signal)).catch(onClientAbort);
        return dripped;
      }
      try {
        stream.enqueue(bytes);
      } catch {
        onClientAbort();
      }
    },
    finish() {
      try {
        stream?.close();
      } catch { /* already closed or cancelled */ }
    },
    resetWhenFlushed: () =>
      stream === null ? Promise.resolve() : _resetWhenFlushed(stream, dripped),
  };
}

/** Writes `bytes` in pieces of `drip.bytes`, `drip.ms` apart (the `slow-drip` fault). */
async function _drip(
  stream: ReadableStreamDefaultController<Uint8Array>,
  bytes: Uint8Array,
  drip: { bytes: number; ms: number },
  signal: AbortSignal,
): Promise<void> {
  for (let offset = 0; offset < bytes.length && !signal.aborted; offset += drip.bytes) {
    if (offset > 0) await new Promise((resolve) => setTimeout(resolve, drip.ms));
    stream.enqueue(bytes.slice(offset, offset + drip.bytes));
  }
}

/** Breaks the connection (the `reset-mid-stream` fault) once what was written has been sent. */
async function _resetWhenFlushed(
  stream: ReadableStreamDefaultController<Uint8Array>,
  written: Promise<void>,
): Promise<void> {
  await written;
  // The body's queue empties as the server sends; then give the socket a moment.
  for (let i = 0; i < 100 && (stream.desiredSize ?? 1) < 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  try {
    stream.error(new Error("simulated connection reset"));
  } catch { /* already closed */ }
}
