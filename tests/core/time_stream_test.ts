import { assertEquals } from "../_assert.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { toRequestRecord } from "../../lib/core/to_request_record.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";

/** A fake clock that returns the given times, one per call. */
function clock(times: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= times.length) throw new Error("clock read more often than expected");
    return times[i++];
  };
}

async function* from(events: StreamEvent[]): AsyncGenerator<StreamEvent> {
  for (const e of events) yield e;
}

Deno.test("timeStream() ignores role-only chunks and reasoning for TTFT", async () => {
  const t = await timeStream(
    from([
      { kind: "headers", status: 200 },
      { kind: "message" },
      { kind: "reasoning", text: "hmm" },
      { kind: "content", text: "" },
      { kind: "content", text: "Hi" },
      { kind: "content", text: " there" },
      { kind: "usage", inputTokens: 7, outputTokens: 2 },
      { kind: "done", finishReason: "stop" },
    ]),
    { now: clock([1000, 1010, 1020, 1030, 1040, 1050, 1070, 1080, 1090, 1100]), timeOrigin: 0 },
  );
  assertEquals(t.headersMs, 10);
  assertEquals(t.firstMessageMs, 20);
  assertEquals(t.firstReasoningMs, 30);
  assertEquals(t.ttftMs, 50);
  assertEquals(t.lastContentMs, 70);
  assertEquals(t.endMs, 100);
  assertEquals(t.chunkArrivalMs, [50, 70]);
  assertEquals(t.text, "Hi there");
  assertEquals(t.reasoningText, "hmm");
  assertEquals(t.usage, { inputTokens: 7, outputTokens: 2 });
  assertEquals(t.finishReason, "stop");
  assertEquals(t.startEpochMs, 1000);
  assertEquals(t.error, null);
});

Deno.test("timeStream() turns a thrown stream into a 599 error and keeps what arrived", async () => {
  async function* broken(): AsyncGenerator<StreamEvent> {
    yield { kind: "content", text: "a" };
    throw new TypeError("connection reset");
  }
  const t = await timeStream(broken(), { now: clock([0, 5, 9]), timeOrigin: 0 });
  assertEquals(t.error?.code, 599);
  assertEquals(t.ttftMs, 5);
  assertEquals(t.endMs, 9);
});

Deno.test("timeStream() classifies an abort as 408 on timeout and 499 on cancel", async () => {
  async function* hang(signal: AbortSignal): AsyncGenerator<StreamEvent> {
    await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    yield { kind: "done" };
  }
  const timeout = AbortSignal.timeout(5);
  assertEquals((await timeStream(hang(timeout), { signal: timeout })).error?.code, 408);
  const c = new AbortController();
  setTimeout(() => c.abort(), 5);
  assertEquals((await timeStream(hang(c.signal), { signal: c.signal })).error?.code, 499);
});

Deno.test("timeStream() keeps the first error event and the simulator's send stamps", async () => {
  const t = await timeStream(
    from([
      { kind: "content", text: "a", sentAtEpochMs: 1 },
      { kind: "content", text: "b", sentAtEpochMs: 2 },
      { kind: "error", code: 429, message: "slow down", name: "ThrottlingException" },
      { kind: "error", code: 500, message: "second" },
    ]),
    { now: clock([0, 1, 2, 3, 4, 5]), timeOrigin: 0 },
  );
  assertEquals(t.chunkSentEpochMs, [1, 2]);
  assertEquals(t.error, { code: 429, message: "slow down", name: "ThrottlingException" });
});

Deno.test("toRequestRecord() derives LLMPerf and decode-only inter-token latency", async () => {
  // 4 chunks of one word each at 200, 250, 300, 350 ms; end at 400 ms.
  const t = await timeStream(
    from([
      { kind: "headers", status: 200 },
      { kind: "content", text: "one" },
      { kind: "content", text: " two" },
      { kind: "content", text: " three" },
      { kind: "content", text: " four" },
      { kind: "done" },
    ]),
    { now: clock([0, 100, 200, 250, 300, 350, 380, 400]), timeOrigin: 0 },
  );
  const words = (s: string) => s.trim().split(/\s+/).length;
  const r = toRequestRecord(t, {
    requestId: 3,
    inputTokens: 12,
    maxOutputTokens: 4,
    countTokens: words,
  });
  assertEquals(r.status, "ok");
  assertEquals(r.outputTokens, 4);
  assertEquals(r.ttftMs, 200);
  assertEquals(r.e2eMs, 400);
  assertEquals(r.interTokenLatencyMs, 50); // (350 - 200) / (4 - 1)
  assertEquals(r.llmperfInterTokenLatencyS, 0.0875); // 350 ms / 4 tokens
  assertEquals(r.outputThroughputTokPerS, 10); // 4 tokens / 0.4 s
  assertEquals(r.chunkTokens, [1, 1, 1, 1]);
  assertEquals(r.outputText, undefined);
});

Deno.test("toRequestRecord() makes an error record with what was measured", async () => {
  const t = await timeStream(
    from([{ kind: "headers", status: 503 }, { kind: "error", code: 503, message: "busy" }]),
    { now: clock([0, 10, 11, 12]), timeOrigin: 0 },
  );
  const r = toRequestRecord(t, { requestId: 0, inputTokens: 1, maxOutputTokens: 1 });
  assertEquals(r.status, "error");
  assertEquals(r.errorCode, 503);
  assertEquals(r.errorMessage, "busy");
  assertEquals(r.outputTokens, 0);
  assertEquals(r.ttftMs, null);
  assertEquals(r.interTokenLatencyMs, null);
});

Deno.test("timeStream() stamps a message and its events with the network read time when given", async () => {
  // A slow consumer side: 30 ms pass between the read and the events reaching the timer.
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) { /* parsing other streams */ }
  };
  let readAt = 0;
  async function* events(): AsyncGenerator<StreamEvent> {
    yield { kind: "headers", status: 200 };
    readAt = performance.now();
    busy(30);
    yield { kind: "message", receivedMs: readAt };
    busy(10);
    yield { kind: "content", text: "Hi" };
    yield { kind: "message" }; // a message without a read time: the clock again
    yield { kind: "content", text: "!" };
    yield { kind: "done" };
  }
  const t = await timeStream(events());
  assertEquals(t.firstMessageMs, readAt - t.startMs);
  assertEquals(t.ttftMs, readAt - t.startMs);
  assertEquals(t.chunkArrivalMs[0], readAt - t.startMs);
  const second = t.chunkArrivalMs[1];
  if (!(second >= readAt - t.startMs + 40)) throw new Error(`clock after: ${second}`);

  // An injected clock is not mixed with performance.now() stamps, unless asked.
  const fake = () =>
    from([
      { kind: "message", receivedMs: 1005 },
      { kind: "content", text: "Hi" },
      { kind: "done" },
    ]);
  const injected = await timeStream(fake(), { now: clock([1000, 1050, 1060, 1070, 1080]) });
  assertEquals(injected.ttftMs, 60);
  const asked = await timeStream(fake(), { now: clock([1000, 1080]), networkStamps: true });
  assertEquals([asked.firstMessageMs, asked.ttftMs, asked.endMs], [5, 5, 80]);
});

Deno.test("timeStream() takes the send and the response head at their own stamps", async () => {
  const events = () =>
    from([
      { kind: "sent", atMs: 1002, newConnection: true },
      { kind: "headers", status: 200, receivedMs: 1030 },
      { kind: "message", receivedMs: 1040 },
      { kind: "content", text: "Hi" },
      { kind: "done" },
    ]);
  const t = await timeStream(events(), { now: clock([1000, 1090]), networkStamps: true });
  assertEquals([t.requestSentMs, t.newConnection, t.headersMs, t.ttftMs], [2, true, 30, 40]);
  const r = toRequestRecord(t, { requestId: 0, inputTokens: 1, maxOutputTokens: 1 });
  assertEquals([r.requestSentMs, r.coldStart], [2, true]);

  // Without stamps (an injected clock), the events' arrival; a client without `sent`: null.
  const plain = await timeStream(
    from([{ kind: "sent" }, { kind: "headers", status: 200 }, { kind: "done" }]),
    { now: clock([0, 3, 7, 9, 10]) },
  );
  assertEquals([plain.requestSentMs, plain.newConnection, plain.headersMs], [3, null, 7]);
  const none = await timeStream(from([{ kind: "done" }]), { now: clock([0, 1, 2]) });
  assertEquals([none.requestSentMs, none.newConnection], [null, null]);
  const record = toRequestRecord(none, { requestId: 0, inputTokens: 1, maxOutputTokens: 1 });
  assertEquals(["requestSentMs" in record, "coldStart" in record], [false, false]);
});

Deno.test("timeStream() ends the stream at done and stamps the body's end apart", async () => {
  // start 0, headers 5, message 10, content 10 (same message), done 30, body-end 80, end 81.
  const events = () =>
    from([
      { kind: "headers", status: 200 },
      { kind: "message" },
      { kind: "content", text: "Hi" },
      { kind: "done" },
      { kind: "body-end" },
    ]);
  const t = await timeStream(events(), { now: clock([0, 5, 10, 12, 30, 80, 81]) });
  assertEquals([t.ttftMs, t.endMs, t.bodyEndMs], [12, 30, 80]);
  const r = toRequestRecord(t, { requestId: 0, inputTokens: 1, maxOutputTokens: 1 });
  assertEquals([r.e2eMs, r.bodyEndMs], [30, 80]);

  // With network stamps, done and body-end take the reads' times.
  const stamped = await timeStream(
    from([
      { kind: "message", receivedMs: 1010 },
      { kind: "content", text: "Hi" },
      { kind: "done", receivedMs: 1020 },
      { kind: "body-end", receivedMs: 1070 },
    ]),
    { now: clock([1000, 1090]), networkStamps: true },
  );
  assertEquals([stamped.endMs, stamped.bodyEndMs], [20, 70]);

  // Without a body-end the end is still the end of the events (as before).
  const plain = await timeStream(from([{ kind: "message" }, { kind: "done" }]), {
    now: clock([0, 10, 20, 25]),
  });
  assertEquals([plain.endMs, plain.bodyEndMs], [25, null]);
  const record = toRequestRecord(plain, { requestId: 0, inputTokens: 1, maxOutputTokens: 1 });
  assertEquals("bodyEndMs" in record, false);
});

Deno.test("timeStream() keeps a request that times out while its body is read on after done", async () => {
  const controller = new AbortController();
  async function* events(): AsyncGenerator<StreamEvent> {
    yield { kind: "headers", status: 200 };
    yield { kind: "message" };
    yield { kind: "content", text: "Hi" };
    yield { kind: "done", finishReason: "stop" };
    controller.abort(new DOMException("late", "TimeoutError"));
    await new Promise(() => {}); // a body that never ends
  }
  const t = await timeStream(events(), {
    now: clock([0, 5, 10, 12, 30, 500]),
    signal: controller.signal,
  });
  assertEquals([t.error, t.endMs, t.bodyEndMs, t.finishReason], [null, 30, null, "stop"]);
  // Before done the same abort is a timeout.
  const early = new AbortController();
  async function* stuck(): AsyncGenerator<StreamEvent> {
    yield { kind: "headers", status: 200 };
    early.abort(new DOMException("late", "TimeoutError"));
    await new Promise(() => {});
  }
  const failed = await timeStream(stuck(), { now: clock([0, 5, 50]), signal: early.signal });
  assertEquals(failed.error?.code, 408);
});
