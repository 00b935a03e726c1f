/**
 * HTTP/1.1 wire helpers shared by the client transport (`http1_fetch.ts`) and the simulator's
 * raw server (`sim_raw_http.ts`).
 *
 * @module
 */

/** Write all of `bytes` to `conn`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Index of `\r\n\r\n` in `buf[from, end)`, or -1. */
export function headEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = Math.max(0, from); i + 3 < end; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}

/** Index of `\r\n` in `buf[from, end)`, or -1. */
export function lineEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i + 1 < end; i++) if (buf[i] === 13 && buf[i + 1] === 10) return i;
  return -1;
}
