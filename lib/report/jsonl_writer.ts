/**
 * An append-only JSON Lines file: one record per line, written as soon as it is given.
 *
 * @module
 */

/** A JSON Lines file opened by {@link openJsonlWriter}. */
export interface JsonlWriter {
  /** The file's path, as given. */
  readonly path: string;
  /**
   * Write `record` as one JSON line now. Concurrent appends are queued, so lines never
   * interleave and appear in call order. Rejects with a `TypeError` if the value has no JSON
   * form (`undefined`, a function) or cannot be serialized (a cycle, a bigint), and with an
   * `Error` after `close()`.
   */
  append(record: unknown): Promise<void>;
  /** Wait for queued appends, then close the file. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/**
 * Create `path` and open it for appending JSON lines. Each `append` writes its whole line with
 * no user-space buffering, so a crash loses nothing already appended. Refuses to overwrite:
 * an existing file rejects with `Deno.errors.AlreadyExists`.
 *
 * @example Write two lines
 * ```ts
 * import { openJsonlWriter } from "./jsonl_writer.ts";
 * const dir = await Deno.makeTempDir();
 * const writer = await openJsonlWriter(`${dir}/requests.jsonl`);
 * await Promise.all([writer.append({ requestId: 0 }), writer.append({ requestId: 1 })]);
 * await writer.close();
 * const text = await Deno.readTextFile(`${dir}/requests.jsonl`);
 * if (text !== '{"requestId":0}\n{"requestId":1}\n') throw new Error(text);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openJsonlWriter(path: string): Promise<JsonlWriter> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot open JSONL writer: 'path' must be a non-empty string, got ${JSON.stringify(path)}`,
    );
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new Deno.errors.AlreadyExists(
        `Cannot open JSONL writer: ${path} already exists (refusing to overwrite)`,
      );
    }
    throw error;
  }
  const encoder = new TextEncoder();
  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  let closing: Promise<void> | null = null;

  const writeAll = async (bytes: Uint8Array) => {
    let offset = 0;
    while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
  };

  return {
    path,
    append(record: unknown): Promise<void> {
      if (closed) {
        return Promise.reject(new Error(`Cannot append to ${path}: the JSONL writer is closed`));
      }
      let line: string | undefined;
      try {
        line = JSON.stringify(record);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return Promise.reject(new TypeError(`Cannot append to ${path}: ${why}`));
      }
      if (line === undefined) {
        return Promise.reject(
          new TypeError(`Cannot append to ${path}: a ${typeof record} has no JSON form`),
        );
      }
      const bytes = encoder.encode(line + "\n");
      const done = tail.then(() => writeAll(bytes));
      tail = done.catch(() => {}); // a failed write fails its own append, not the ones after it
      return done;
    },
    close(): Promise<void> {
      if (!closing) {
        closed = true;
        closing = tail.then(() => file.close());
      }
      return closing;
    },
  };
}
