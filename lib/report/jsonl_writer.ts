/**
 * An append-only JSON Lines file: one record per line, written as soon as it is given. A file
 * that exists always holds whole lines: its first line is written as it is created, and a
 * failed append (a full disk) is cut back to the last complete line.
 *
 * @module
 */

/** An open file as {@link openJsonlWriter} uses it (`Deno.FsFile` is one). */
export interface JsonlFile {
  /** Write some of `bytes` at the end; resolves to how many were written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Cut the file to `length` bytes. */
  truncate(length?: number): Promise<void>;
  /** Close the file. */
  close(): void;
}

/** Where {@link openJsonlWriter} creates its file: the real file system, or a test's double
 * (a disk that fills up). */
export interface JsonlFileSystem {
  /**
   * Create `path` holding `initial`, and open it for appending. It must never overwrite (an
   * existing `path` rejects with `Deno.errors.AlreadyExists`) and never leave `path` holding
   * less than all of `initial` (nothing is left when it rejects).
   */
  create(path: string, initial: Uint8Array): Promise<JsonlFile>;
}

/** Options of {@link openJsonlWriter}. */
export interface JsonlWriterOptions {
  /** The first line (a run header), written as the file is created. Default none. */
  header?: unknown;
  /** The file system. Default {@link DENO_JSONL_FILE_SYSTEM}. */
  fileSystem?: JsonlFileSystem;
}

/** A JSON Lines file opened by {@link openJsonlWriter}. */
export interface JsonlWriter {
  /** The file's path, as given. */
  readonly path: string;
  /**
   * Write `record` as one JSON line now. Concurrent appends are queued, so lines never
   * interleave and appear in call order. Rejects with a `TypeError` if the value has no JSON
   * form (`undefined`, a function) or cannot be serialized (a cycle, a bigint), and with an
   * `Error` after `close()`. When the write fails (a full disk), the part written is cut off
   * again, so the file still ends on a complete line, and the append rejects with the file
   * system's error.
   */
  append(record: unknown): Promise<void>;
  /** Lines written, the header included. */
  readonly lines: number;
  /** Wait for queued appends, then close the file. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/**
 * The real file system: `initial` goes into a private temporary file next to `path`, which is
 * then hard-linked to `path` (atomic, and refused when `path` exists), so that `path` never
 * exists without its whole first line, even after `kill -9`. Where hard links are not
 * supported, `path` is created and `initial` written at once.
 *
 * @example
 * ```ts
 * import { DENO_JSONL_FILE_SYSTEM } from "./jsonl_writer.ts";
 * const dir = await Deno.makeTempDir();
 * const file = await DENO_JSONL_FILE_SYSTEM.create(`${dir}/a.jsonl`, new TextEncoder().encode("{}\n"));
 * file.close();
 * if (await Deno.readTextFile(`${dir}/a.jsonl`) !== "{}\n") throw new Error("header");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const DENO_JSONL_FILE_SYSTEM: JsonlFileSystem = {
  async create(path: string, initial: Uint8Array): Promise<JsonlFile> {
    const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.partial`;
    const writeAll = async (file: Deno.FsFile) => {
      let offset = 0;
      while (offset < initial.length) offset += await file.write(initial.subarray(offset));
    };
    let linked = false;
    try {
      const file = await Deno.open(tmp, { write: true, createNew: true });
      try {
        await writeAll(file);
      } finally {
        file.close();
      }
      try {
        await Deno.link(tmp, path);
        linked = true;
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) throw error;
        // No hard links here: create the file and write its first line at once.
      }
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    if (linked) return await Deno.open(path, { append: true });
    const file = await Deno.open(path, { append: true, createNew: true });
    try {
      await writeAll(file);
    } catch (error) {
      file.close();
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    return file;
  },
};

/**
 * Create `path` and open it for appending JSON lines, its first line `header` when given
 * (written as the file is created). Each `append` writes its whole line with no user-space
 * buffering, so a crash loses nothing already appended, and a failed one is cut back off.
 * Refuses to overwrite: an existing file rejects with `Deno.errors.AlreadyExists`.
 *
 * @example Write two lines
 * ```ts
 * import { openJsonlWriter } from "./jsonl_writer.ts";
 * const dir = await Deno.makeTempDir();
 * const writer = await openJsonlWriter(`${dir}/requests.jsonl`, { header: { kind: "run" } });
 * await Promise.all([writer.append({ requestId: 0 }), writer.append({ requestId: 1 })]);
 * await writer.close();
 * const text = await Deno.readTextFile(`${dir}/requests.jsonl`);
 * if (text !== '{"kind":"run"}\n{"requestId":0}\n{"requestId":1}\n') throw new Error(text);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openJsonlWriter(
  path: string,
  options: JsonlWriterOptions = {},
): Promise<JsonlWriter> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot open JSONL writer: 'path' must be a non-empty string, got ${JSON.stringify(path)}`,
    );
  }
  const encoder = new TextEncoder();
  const lineOf = (record: unknown): Uint8Array => {
    let line: string | undefined;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new TypeError(`Cannot append to ${path}: ${why}`);
    }
    if (line === undefined) {
      throw new TypeError(`Cannot append to ${path}: a ${typeof record} has no JSON form`);
    }
    return encoder.encode(line + "\n");
  };
  const initial = "header" in options && options.header !== undefined
    ? lineOf(options.header)
    : new Uint8Array(0);
  const fileSystem = options.fileSystem ?? DENO_JSONL_FILE_SYSTEM;
  let file: JsonlFile;
  try {
    file = await fileSystem.create(path, initial);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new Deno.errors.AlreadyExists(
        `Cannot open JSONL writer: ${path} already exists (refusing to overwrite)`,
      );
    }
    throw error;
  }
  let size = initial.length; // bytes of complete lines
  let lines = initial.length > 0 ? 1 : 0;
  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  let closing: Promise<void> | null = null;

  const writeLine = async (bytes: Uint8Array) => {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
    } catch (error) {
      // Cut off what was written of this line, so the file ends on a complete line.
      await file.truncate(size).catch(() => {});
      throw error;
    }
    size += bytes.length;
    lines++;
  };

  return {
    path,
    get lines() {
      return lines;
    },
    append(record: unknown): Promise<void> {
      if (closed) {
        return Promise.reject(new Error(`Cannot append to ${path}: the JSONL writer is closed`));
      }
      let bytes: Uint8Array;
      try {
        bytes = lineOf(record);
      } catch (error) {
        return Promise.reject(error);
      }
      const done = tail.then(() => writeLine(bytes));
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
