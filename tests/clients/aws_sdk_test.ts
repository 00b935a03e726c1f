/**
 * The AWS SDK plumbing the Bedrock and SageMaker clients share, on a fake SDK: what the
 * innermost middleware sees of each attempt reaches the stream's events.
 */
import { assert, assertEquals } from "../_assert.ts";
import { sendAwsStream } from "../../lib/clients/_aws_sdk.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";

/** A fake SDK whose `send` runs the added middleware around a canned raw response. */
function fakeSdk(response: { statusCode: number; headers: Record<string, string>; body: unknown }) {
  // deno-lint-ignore no-explicit-any
  let middleware: (next: any) => (args: unknown) => Promise<any> = () => () => Promise.resolve();
  return {
    command: () => ({
      middlewareStack: {
        add: (m: typeof middleware) => void (middleware = m),
      },
    }),
    sdk: {
      send: async () => {
        const out = await middleware(() => Promise.resolve({ response }))({});
        return { body: out.response.body };
      },
    },
  };
}

Deno.test("sendAwsStream() stamps a decoded frame with its body piece's read, not with the decode", async () => {
  const { command, sdk } = fakeSdk({
    statusCode: 200,
    headers: { "x-amzn-requestid": "r" },
    body: new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array([1, 2, 3]));
        c.close();
      },
    }),
  });
  const seen: { event: StreamEvent; at: number }[] = [];
  for await (
    const event of sendAwsStream({
      sdk,
      command,
      errorEvent: () => ({ kind: "error", code: 500, message: "x" }),
      // A slow decoder: the frame is yielded 40 ms after its bytes were read.
      events: async function* (output) {
        const reader = (output as { body: ReadableStream<Uint8Array> }).body.getReader();
        await reader.read();
        await new Promise((r) => setTimeout(r, 40));
        yield { kind: "message" };
        yield { kind: "content", text: "hi" };
        yield { kind: "done" };
      },
    })
  ) seen.push({ event, at: performance.now() });
  assertEquals(seen.map((s) => s.event.kind), ["sent", "headers", "message", "content", "done"]);
  const message = seen[2];
  assert(message.event.kind === "message" && message.event.receivedMs !== undefined, "stamped");
  const early = message.at - message.event.receivedMs;
  assert(early >= 35, `stamped ${early} ms before it was yielded`);
});

Deno.test("sendAwsStream() keeps a throttled answer's Retry-After on its headers event", async () => {
  const { command, sdk } = fakeSdk({
    statusCode: 429,
    headers: { "retry-after": "2" },
    body: new ReadableStream(),
  });
  const failing = {
    send: async () => {
      await sdk.send();
      throw Object.assign(new Error("slow down"), { $metadata: { httpStatusCode: 429 } });
    },
  };
  const events: StreamEvent[] = [];
  for await (
    const event of sendAwsStream({
      sdk: failing,
      command,
      errorEvent: () => ({ kind: "error", code: 429, message: "slow down" }),
      events: async function* () {},
    })
  ) events.push(event);
  const headers = events.find((e) => e.kind === "headers");
  assert(headers?.kind === "headers", JSON.stringify(events));
  assertEquals([headers.status, headers.retryAfterMs], [429, 2000]);
});
