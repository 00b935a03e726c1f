import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { openJsonlWriter } from "../../lib/report/jsonl_writer.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "tokenbench_jsonl_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openJsonlWriter() writes each line as soon as it is appended", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/requests.jsonl`;
    const writer = await openJsonlWriter(path);
    strictEqual(writer.path, path);
    strictEqual(await Deno.readTextFile(path), "");
    await writer.append({ requestId: 0, status: "ok", ttftMs: 12.5 });
    // Before close: the line is already in the file.
    strictEqual(await Deno.readTextFile(path), '{"requestId":0,"status":"ok","ttftMs":12.5}\n');
    await writer.append({ requestId: 1, text: "line\nbreak é" });
    const lines = (await Deno.readTextFile(path)).split("\n");
    deepStrictEqual(JSON.parse(lines[1]), { requestId: 1, text: "line\nbreak é" });
    await writer.close();
  });
});

Deno.test("openJsonlWriter() never interleaves concurrent appends and keeps call order", async () => {
  await withTempDir(async (dir) => {
    const writer = await openJsonlWriter(`${dir}/big.jsonl`);
    const big = "x".repeat(200_000); // far larger than one write() is guaranteed to take
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => writer.append({ i, pad: big.slice(i) })),
    );
    await writer.close();
    const lines = (await Deno.readTextFile(`${dir}/big.jsonl`)).split("\n");
    strictEqual(lines.pop(), "", "ends with a newline");
    strictEqual(lines.length, 60);
    lines.forEach((line, i) => {
      const record = JSON.parse(line);
      strictEqual(record.i, i);
      strictEqual(record.pad.length, big.length - i);
    });
  });
});

Deno.test("openJsonlWriter() refuses to overwrite an existing file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/existing.jsonl`;
    await Deno.writeTextFile(path, "keep me\n");
    await rejects(openJsonlWriter(path), (e: unknown) => {
      ok(e instanceof Deno.errors.AlreadyExists);
      ok(e.message.includes(path) && e.message.includes("refusing to overwrite"), e.message);
      return true;
    });
    strictEqual(await Deno.readTextFile(path), "keep me\n");
  });
});

Deno.test("openJsonlWriter() rejects values with no JSON form and goes on writing", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.jsonl`;
    const writer = await openJsonlWriter(path);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await rejects(writer.append(undefined), TypeError);
    await rejects(writer.append(() => 1), TypeError);
    await rejects(writer.append(cyclic), TypeError);
    await rejects(writer.append({ n: 1n }), TypeError);
    await writer.append({ ok: true });
    await writer.close();
    strictEqual(await Deno.readTextFile(path), '{"ok":true}\n');
  });
});

Deno.test("openJsonlWriter() close waits for queued lines; appending after close rejects", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/c.jsonl`;
    const writer = await openJsonlWriter(path);
    const pending = [writer.append({ a: 1 }), writer.append({ a: 2 })];
    const closing = writer.close();
    strictEqual(writer.close(), closing, "a second close returns the same promise");
    await closing;
    await Promise.all(pending);
    strictEqual(await Deno.readTextFile(path), '{"a":1}\n{"a":2}\n');
    await rejects(writer.append({ a: 3 }), /closed/);
  });
});

Deno.test("openJsonlWriter() rejects an empty path", async () => {
  await rejects(openJsonlWriter(""), TypeError);
});
