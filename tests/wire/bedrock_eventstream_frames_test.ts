import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { createEventstreamFrames } from "../../lib/wire/eventstream_frames.ts";

Deno.test("createEventstreamFrames() encodes frames the SDK's codec decodes, with AWS's headers", () => {
  const frames = createEventstreamFrames();
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const event = codec.decode(frames.event("contentBlockDelta", { delta: { text: "é👋" } }));
  assertEquals(event.headers[":message-type"], { type: "string", value: "event" });
  assertEquals(event.headers[":event-type"], { type: "string", value: "contentBlockDelta" });
  assertEquals(event.headers[":content-type"], { type: "string", value: "application/json" });
  assertEquals(JSON.parse(toUtf8(event.body)), { delta: { text: "é👋" } });
  const exception = codec.decode(frames.exception("throttlingException", { message: "slow" }));
  assertEquals(exception.headers[":message-type"].value, "exception");
  assertEquals(exception.headers[":exception-type"].value, "throttlingException");
  const chunk = codec.decode(frames.chunk({ completion: "ünï" }));
  const { bytes } = JSON.parse(toUtf8(chunk.body));
  const json = new TextDecoder().decode(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)));
  assertEquals(JSON.parse(json), { completion: "ünï" });
});

Deno.test("createEventstreamFrames().decode() splits concatenated frames and rejects corrupt ones", async () => {
  const frames = createEventstreamFrames();
  const a = frames.event("messageStart", { role: "assistant" });
  const b = frames.exception("validationException", { message: "no" });
  const both = new Uint8Array(a.byteLength + b.byteLength);
  both.set(a);
  both.set(b, a.byteLength);
  const decoded = frames.decode(both);
  assertEquals(decoded.map((f) => [f.messageType, f.type]), [
    ["event", "messageStart"],
    ["exception", "validationException"],
  ]);
  assertEquals(decoded[1].body, '{"message":"no"}');
  await assertRejects(() => frames.decode(both.subarray(0, both.byteLength - 3)), RangeError);
  const corrupt = a.slice();
  corrupt[corrupt.byteLength - 10] ^= 0xff;
  let threw = false;
  try {
    frames.decode(corrupt);
  } catch {
    threw = true;
  }
  assert(threw, "a bad CRC is detected");
});
