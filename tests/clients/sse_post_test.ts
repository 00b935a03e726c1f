import { assertEquals } from "../_assert.ts";
import { BODY_END_LIMIT_MS, postSse, type PostSseOptions } from "../../lib/clients/_sse_post.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";

/** postSse options over a body that sends `data: x` then `[DONE]`, and closes after `closeMs`. */
function options(closeMs: number | null, extra: Partial<PostSseOptions> = {}): PostSseOptions {
  return {
    fetch: () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("data: x\n\ndata: [DONE]\n\n"));
          if (closeMs !== null) setTimeout(() => controller.close(), closeMs);
        },
      });
      return Promise.resolve(new Response(body));
    },
    headers: {},
    request: () => ({ url: "http://fake/", body: "{}" }),
    scrub: (m) => m,
    errorFromBody: (status) => ({ kind: "error", code: status, message: "HTTP error" }),
    onMessage: (m) =>
      m.data === "[DONE]"
        ? { events: [{ kind: "done" }], end: true }
        : { events: [{ kind: "content", text: m.data }], end: false },
    onEnd: () => ({ kind: "error", code: 599, message: "ended early" }),
    ...extra,
  };
}

async function kinds(o: PostSseOptions): Promise<string[]> {
  const out: string[] = [];
  for await (const event of postSse(o) as AsyncGenerator<StreamEvent>) out.push(event.kind);
  return out;
}

Deno.test("postSse() reads the body on after done and says when it ended", async () => {
  assertEquals(await kinds(options(20)), ["sent", "headers", "content", "done", "body-end"]);
});

Deno.test("postSse() gives up on a body kept open after done, at its limit or the signal", async () => {
  assertEquals(BODY_END_LIMIT_MS, 5_000);
  const t0 = performance.now();
  assertEquals(await kinds(options(null, { bodyEndLimitMs: 50 })), [
    "sent",
    "headers",
    "content",
    "done",
  ]);
  const waited = performance.now() - t0;
  if (!(waited >= 45 && waited < 2_000)) throw new Error(`waited ${waited} ms`);
  // No body-end after an in-stream end that is not done (an error ends it at once).
  const error = options(null, {
    onMessage: () => ({ events: [{ kind: "error", code: 500, message: "boom" }], end: true }),
  });
  assertEquals(await kinds(error), ["sent", "headers", "error"]);
});
