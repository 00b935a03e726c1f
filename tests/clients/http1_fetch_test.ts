import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { createHttp1Fetch, receivedMs } from "../../lib/clients/http1_fetch.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A raw TCP server: for each connection, reads requests and answers each with the byte pieces
 * `respond(requestText, n)` gives (written one by one, with a short pause between them).
 */
function rawServer(
  respond: (request: string, n: number) => (string | { closeAfter: true })[],
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  let served = 0;
  const requests: string[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(65536);
        let pending = "";
        try {
          while (true) {
            const n = await conn.read(buf);
            if (n === null) break;
            pending += dec.decode(buf.subarray(0, n));
            const headEnd = pending.indexOf("\r\n\r\n");
            if (headEnd < 0) continue;
            const length = Number(/content-length: (\d+)/i.exec(pending)?.[1] ?? 0);
            if (pending.length < headEnd + 4 + length) continue;
            const request = pending.slice(0, headEnd + 4 + length);
            pending = pending.slice(headEnd + 4 + length);
            requests.push(request);
            let close = false;
            for (const piece of respond(request, served++)) {
              if (typeof piece !== "string") {
                close = true;
                continue;
              }
              await conn.write(enc.encode(piece));
              await new Promise((r) => setTimeout(r, 2));
            }
            if (close) break;
          }
        } catch { /* client went away */ }
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* closed */ }
      })();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Close every open connection from the server side. */
    dropConnections() {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      conns.clear();
    },
    async close() {
      listener.close();
      this.dropConnections();
      await done.catch(() => {});
    },
  };
}

Deno.test("createHttp1Fetch() reads a chunked body split across writes, with extensions and trailers", async () => {
  const server = rawServer(() => [
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    "8;ext=1\r\ndata: a\n\r\n",
    "9\r\n\ndata: b",
    "\n\r\n",
    "1\r\n\n\r\n0\r\nx-trailer: 1\r\n\r\n",
  ]);
  const fetch1 = createHttp1Fetch();
  try {
    const res = await fetch1(`${server.url}/v1/x?q=1`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body: '{"a":1}',
    });
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/event-stream");
    assertEquals(await res.text(), "data: a\n\ndata: b\n\n");
    const head = server.requests[0];
    assert(head.startsWith("POST /v1/x?q=1 HTTP/1.1\r\n"), head);
    assert(/\r\nhost: 127\.0\.0\.1:\d+\r\n/.test(head), head);
    assert(head.includes("content-length: 7\r\n") && head.endsWith('\r\n\r\n{"a":1}'), head);
    assert(head.includes("authorization: Bearer k\r\n"), head);
  } finally {
    fetch1.close();
    await server.close();
  }
});

Deno.test("createHttp1Fetch() reuses a kept-alive connection and opens a new one after Connection: close", async () => {
  const server = rawServer((_, n) => [
    `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${n === 1 ? "connection: close\r\n" : ""}\r\nok`,
    ...(n === 1 ? [{ closeAfter: true as const }] : []),
  ]);
  const fetch1 = createHttp1Fetch();
  try {
    for (let i = 0; i < 4; i++) {
      const res = await fetch1(`${server.url}/`);
      assertEquals(await res.text(), "ok");
    }
    // 1st and 2nd on one connection (the 2nd closes it), 3rd and 4th on a new one.
    assertEquals(fetch1.connectionsOpened, 2);
  } finally {
    fetch1.close();
    await server.close();
  }
});

Deno.test("createHttp1Fetch() retries once when the server closed an idle connection", async () => {
  const server = rawServer(() => ["HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"]);
  const fetch1 = createHttp1Fetch();
  try {
    assertEquals(await (await fetch1(`${server.url}/`)).text(), "hello");
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(await (await fetch1(`${server.url}/`)).text(), "hello");
    assertEquals(fetch1.connectionsOpened, 2);
  } finally {
    fetch1.close();
    await server.close();
  }
});

Deno.test("createHttp1Fetch() reads a body delimited by the connection closing, skips 100 Continue", async () => {
  const server = rawServer(() => [
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.0 503 Service Unavailable\r\ncontent-type: application/json\r\n\r\n",
    '{"error":"busy"}',
    { closeAfter: true },
  ]);
  const fetch1 = createHttp1Fetch();
  try {
    const res = await fetch1(`${server.url}/`, { method: "POST", body: "x" });
    assertEquals(res.status, 503);
    assertEquals(res.statusText, "Service Unavailable");
    assertEquals(await res.json(), { error: "busy" });
  } finally {
    fetch1.close();
    await server.close();
  }
});

Deno.test("createHttp1Fetch() aborts a request waiting for its head and a body being read", async () => {
  const server = rawServer((request) =>
    request.includes("/slow-head") ? [] : [
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
      "3\r\nabc\r\n",
    ]
  );
  const fetch1 = createHttp1Fetch();
  try {
    const early = new AbortController();
    setTimeout(() => early.abort(new DOMException("too slow", "TimeoutError")), 30);
    const err = await assertRejects(
      () => fetch1(`${server.url}/slow-head`, { signal: early.signal }),
      DOMException,
      "too slow",
    );
    assertEquals(err.name, "TimeoutError");

    const late = new AbortController();
    const res = await fetch1(`${server.url}/body`, { signal: late.signal });
    const reader = res.body!.getReader();
    assertEquals(dec.decode((await reader.read()).value), "abc");
    late.abort(new DOMException("stop", "AbortError"));
    await assertRejects(() => reader.read(), DOMException, "stop");
  } finally {
    fetch1.close();
    await server.close();
  }
});

Deno.test("createHttp1Fetch() reports a refused connection as a TypeError and hands https to the fallback", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const seen: string[] = [];
  const fetch1 = createHttp1Fetch({
    fallback: (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response("from fallback"));
    },
  });
  try {
    await assertRejects(
      () => fetch1(`http://127.0.0.1:${port}/`),
      TypeError,
      "error sending request",
    );
    const res = await fetch1("https://example.invalid/x");
    assertEquals(await res.text(), "from fallback");
    assertEquals(seen, ["https://example.invalid/x"]);
  } finally {
    fetch1.close();
  }
});

Deno.test("createHttp1Fetch() streams server-sent events from Deno.serve as they are sent", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 5));
        if (i === 3) return c.close();
        c.enqueue(enc.encode(`data: ${i++}\n\n`));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  const fetch1 = createHttp1Fetch();
  try {
    const res = await fetch1(`http://127.0.0.1:${server.addr.port}/`);
    const pieces: string[] = [];
    for await (const chunk of res.body!) pieces.push(dec.decode(chunk));
    assertEquals(pieces.join(""), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    assert(pieces.length >= 3, `events arrive one by one, got ${pieces.length} pieces`);
  } finally {
    fetch1.close();
    await server.shutdown();
  }
});

Deno.test("createHttp1Fetch() stamps each body piece with the time its bytes were read", async () => {
  const written: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 10));
        if (i === 3) return c.close();
        written.push(performance.now());
        c.enqueue(enc.encode(`data: ${i++}\n\n`));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  const fetch1 = createHttp1Fetch();
  try {
    const res = await fetch1(`http://127.0.0.1:${server.addr.port}/`);
    const reader = res.body!.getReader();
    const stamps: number[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const stamp = receivedMs(value);
      assert(stamp !== undefined, "every piece is stamped");
      assert(stamp <= performance.now(), "stamped before it was handed over");
      stamps.push(stamp);
    }
    assertEquals(stamps.length, 3);
    stamps.forEach((stamp, i) => {
      assert(stamp >= written[i], `piece ${i} read ${stamp} before it was written ${written[i]}`);
      assert(stamp - written[i] < 100, `piece ${i} read ${stamp - written[i]} ms after its write`);
    });
  } finally {
    fetch1.close();
    await server.shutdown();
  }

  // Two HTTP chunks in one write come from one read: the second keeps the read's time however
  // long the consumer took over the first.
  const raw = rawServer(() => [
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
    "8\r\ndata: a\n\r\n8\r\ndata: b\n\r\n0\r\n\r\n",
  ]);
  const fetch2 = createHttp1Fetch();
  try {
    const reader = (await fetch2(raw.url)).body!.getReader();
    const first = (await reader.read()).value!;
    const until = performance.now() + 20;
    while (performance.now() < until) { /* a slow consumer */ }
    const second = (await reader.read()).value!;
    assertEquals(dec.decode(second), "data: b\n");
    assertEquals(receivedMs(second), receivedMs(first));
    assert(performance.now() - receivedMs(second)! >= 20, "stamped at the read, not the handover");
    await reader.cancel();
  } finally {
    fetch2.close();
    await raw.close();
  }
});

Deno.test("createHttp1Fetch() asks for identity, decodes a gzip or deflate SSE body and names any other content-encoding", async () => {
  const { createOpenAiClient } = await import("../../lib/clients/openai_client.ts");
  const sse = 'data: {"choices":[{"delta":{"content":"Hél"}}]}\n\n' +
    'data: {"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
  const compressed = async (format: CompressionFormat) =>
    new Uint8Array(
      await new Response(
        new Blob([sse]).stream().pipeThrough(new CompressionStream(format)),
      ).arrayBuffer(),
    );
  const bodies: Record<string, Uint8Array<ArrayBuffer> | string> = {
    gzip: await compressed("gzip"),
    deflate: await compressed("deflate"),
    br: "not really brotli",
  };
  const asked: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.text();
    asked.push(req.headers.get("accept-encoding"));
    const coding = new URL(req.url).searchParams.get("coding")!;
    return new Response(bodies[coding], {
      headers: { "content-type": "text/event-stream", "content-encoding": coding },
    });
  });
  const fetch1 = createHttp1Fetch();
  try {
    for (const coding of ["gzip", "deflate", "br"]) {
      const client = createOpenAiClient({
        baseUrl: `http://127.0.0.1:${server.addr.port}/v1?coding=${coding}`,
        fetch: fetch1,
      });
      let text = "";
      let error = "";
      for await (const e of client.stream({ model: "m", prompt: "hi", maxTokens: 4 })) {
        if (e.kind === "content") text += e.text;
        if (e.kind === "error") error = `${e.code} ${e.message}`;
      }
      if (coding === "br") {
        assert(/^599 .*content-encoding 'br' is not supported/.test(error), error);
      } else {
        assertEquals([text, error], ["Héllo", ""], coding);
      }
    }
    assertEquals(asked, ["identity", "identity", "identity"]);
  } finally {
    fetch1.close();
    await server.shutdown();
  }
});
