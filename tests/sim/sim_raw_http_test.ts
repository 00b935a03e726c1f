import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { serveRawHttp } from "../../lib/sim/sim_raw_http.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { createHttp1Fetch } from "../../lib/clients/http1_fetch.ts";
import { timeStream } from "../../lib/core/time_stream.ts";

const enc = new TextEncoder();

Deno.test("serveRawHttp() answers requests with bodies on one kept-alive connection", async () => {
  const seen: string[] = [];
  const server = serveRawHttp({ port: 0 }, async (request) => {
    seen.push(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`);
    return request.method === "HEAD"
      ? new Response(null, { status: 204 })
      : Response.json({ n: seen.length }, { headers: { "x-sim": "1" } });
  });
  const fetch1 = createHttp1Fetch();
  try {
    const url = `http://127.0.0.1:${server.port}`;
    const a = await fetch1(`${url}/a`, { method: "POST", body: '{"x":1}' });
    assertEquals([a.status, a.headers.get("x-sim"), await a.json()], [200, "1", { n: 1 }]);
    const b = await fetch1(`${url}/b?q=1`);
    assertEquals(await b.json(), { n: 2 });
    const c = await fetch1(`${url}/c`, { method: "HEAD" });
    assertEquals(c.status, 204);
    assertEquals(seen.slice(0, 3), ['POST /a {"x":1}', "GET /b ", "HEAD /c "]);
    assertEquals(fetch1.connectionsOpened, 1, "kept alive");
    // Deno's own fetch reads it too, without waiting on Nagle's algorithm and a delayed ACK
    // (40 ms a request) between the head and the body.
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await (await fetch(`${url}/d`)).json();
    const perRequest = (performance.now() - t0) / 10;
    assert(perRequest < 20, `${perRequest.toFixed(1)} ms a request`);
  } finally {
    fetch1.close();
    await server.close();
  }
});

Deno.test("serveRawHttp() writes each body piece as it is enqueued, even if the turn goes on", async () => {
  const stamps: number[] = [];
  const server = serveRawHttp({ port: 0 }, () => {
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 10));
          stamps.push(performance.now());
          c.enqueue(enc.encode(`data: ${i}\n\n`));
          // Busy after the enqueue, in the same turn: Deno.serve would hold the bytes till after.
          await Promise.resolve();
          const until = performance.now() + 15;
          while (performance.now() < until) { /* the rest of a timer batch */ }
        }
        c.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  // The client reads in another process, so the server's busy turn cannot hold the reads.
  const script = `
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: ${server.port} });
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\\r\\nhost: x\\r\\n\\r\\n"));
    const buf = new Uint8Array(4096);
    let text = "";
    const out = [];
    while (!text.includes("0\\r\\n\\r\\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      const chunk = new TextDecoder().decode(buf.subarray(0, n));
      text += chunk;
      for (const m of chunk.matchAll(/data: (\\d)/g)) out.push([Number(m[1]), performance.timeOrigin + performance.now()]);
    }
    console.log(JSON.stringify({ out, text }));`;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const { stdout } = await child;
    const { out, text } = JSON.parse(new TextDecoder().decode(stdout));
    assert(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
    assert(/\r\ntransfer-encoding: chunked\r\n/.test(text), text);
    assertEquals(out.map((o: number[]) => o[0]), [0, 1, 2]);
    out.forEach(([i, at]: number[]) => {
      const delay = at - (performance.timeOrigin + stamps[i]);
      // Written during the busy 15 ms, not after it.
      assert(delay < 10, `piece ${i} arrived ${delay.toFixed(2)} ms after its enqueue`);
    });
  } finally {
    await server.close();
  }
});

Deno.test("serveRawHttp() cancels the body and rejects `completed` when the client goes away", async () => {
  let cancelled = false;
  let completed: Promise<void> | null = null;
  const server = serveRawHttp({ port: 0 }, (_request, info) => {
    completed = info.completed;
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 5));
        c.enqueue(enc.encode(`data: ${i++}\n\n`));
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body);
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(enc.encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
    await conn.read(new Uint8Array(1024));
    conn.close();
    await assertRejects(() => completed!);
    for (let i = 0; i < 100 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
    assert(cancelled, "the body stream was cancelled");
    // A chunked request body is refused.
    const bad = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await bad.write(enc.encode("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"));
    const buf = new Uint8Array(256);
    const n = await bad.read(buf);
    bad.close();
    assert(new TextDecoder().decode(buf.subarray(0, n ?? 0)).startsWith("HTTP/1.1 411 "));
  } finally {
    await server.close();
  }
});

Deno.test("startSimulator({ rawHttp }) streams to the OpenAI client and the Bedrock SDK", async () => {
  await using sim = await startSimulator({ rawHttp: true, ttftMs: 5, itlMs: 2 });
  const fetch1 = createHttp1Fetch();
  try {
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1`, fetch: fetch1 });
    const t = await timeStream(client.stream({ model: "m", prompt: "Hi", maxTokens: 6 }));
    assertEquals(t.error, null);
    assertEquals(t.chunkArrivalMs.length, 6);
    assertEquals(t.chunkSentEpochMs?.length, 6);
    const [entry] = sim.log();
    assertEquals([entry.status, entry.outputTokens, entry.disconnected], [200, 6, false]);
  } finally {
    fetch1.close();
  }
  const { createBedrockClient } = await import("../../lib/clients/bedrock_client.ts");
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const saved = names.map((n) => Deno.env.get(n));
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIATOKENBENCHFAKE04");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "TokenbenchFakeSecretForTheRawServer00000");
  Deno.env.delete("AWS_SESSION_TOKEN");
  try {
    const bedrock = createBedrockClient({
      api: "converse",
      region: "us-east-1",
      endpointUrl: sim.url,
      retries: 0,
    });
    const t = await timeStream(
      bedrock.stream({
        model: "anthropic.claude-3-haiku-20240307-v1:0",
        prompt: "Hi",
        maxTokens: 5,
      }),
    );
    assertEquals(t.error, null);
    assertEquals(t.usage.outputTokens, 5);
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
  await assertRejects(
    () => startSimulator({ rawHttp: true, faults: [{ kind: "reset-before-headers" }] }),
    RangeError,
    "rawHttp",
  );
});

Deno.test("serveRawHttp() stamps a request at the read that completed it, before its turn's other work", async () => {
  const stamps: { receivedMs: number; calledMs: number }[] = [];
  const server = serveRawHttp({ port: 0 }, (_request, info) => {
    stamps.push({ receivedMs: info.receivedMs, calledMs: performance.now() });
    // Work the next request's read must not wait behind to be stamped: the thread is busy.
    const until = performance.now() + 30;
    while (performance.now() < until) { /* busy */ }
    return new Response("ok");
  });
  // Two connections with their requests written at once: both reads complete in one turn.
  const conns = await Promise.all([1, 2].map(() => Deno.connect({ port: server.port })));
  try {
    const sentMs = performance.now();
    const request = enc.encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    await Promise.all(conns.map((c) => c.write(request)));
    const buf = new Uint8Array(256);
    await Promise.all(conns.map((c) => c.read(buf)));
    assertEquals(stamps.length, 2);
    for (const s of stamps) assert(s.receivedMs >= sentMs && s.receivedMs <= s.calledMs);
    // The second handler ran after the first one's 30 ms; its request was stamped before.
    const [a, b] = stamps.sort((x, y) => x.calledMs - y.calledMs);
    assert(b.calledMs - a.calledMs >= 29, JSON.stringify(stamps));
    assert(b.receivedMs - a.receivedMs < 15, `stamped ${b.receivedMs - a.receivedMs} ms apart`);
  } finally {
    for (const c of conns) c.close();
    await server.close();
  }
});
