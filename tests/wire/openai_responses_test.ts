import { assert, assertEquals } from "../_assert.ts";
import {
  decodeOpenAiResponsesData,
  openAiResponsesRequestBody,
  openAiResponsesStreamEnd,
  type OpenAiResponsesStreamState,
} from "../../lib/wire/openai_responses.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";

/** Decodes payloads in order, as one stream. */
function decodeAll(payloads: object[]): { events: StreamEvent[]; ended: boolean[] } {
  const state: OpenAiResponsesStreamState = {};
  const events: StreamEvent[] = [];
  const ended: boolean[] = [];
  for (const payload of payloads) {
    const decoded = decodeOpenAiResponsesData(JSON.stringify(payload), state);
    events.push(...decoded.events);
    ended.push(decoded.end);
  }
  return { events, ended };
}

// Event shapes as OpenAI's API reference ("Streaming events") shows them.
const RESPONSE = { id: "resp_1", object: "response", status: "in_progress", output: [] };
const STREAM = [
  { type: "response.created", sequence_number: 0, response: RESPONSE },
  { type: "response.in_progress", sequence_number: 1, response: RESPONSE },
  {
    type: "response.output_item.added",
    sequence_number: 2,
    output_index: 0,
    item: { id: "rs_1", type: "reasoning", summary: [] },
  },
  {
    type: "response.reasoning_summary_text.delta",
    sequence_number: 3,
    item_id: "rs_1",
    output_index: 0,
    summary_index: 0,
    delta: "**Thinking**",
  },
  {
    type: "response.reasoning_text.delta",
    sequence_number: 4,
    item_id: "rs_1",
    output_index: 0,
    content_index: 0,
    delta: " more",
  },
  {
    type: "response.output_text.delta",
    sequence_number: 5,
    item_id: "msg_1",
    output_index: 1,
    content_index: 0,
    delta: "",
    logprobs: [],
  },
  {
    type: "response.output_text.delta",
    sequence_number: 6,
    item_id: "msg_1",
    output_index: 1,
    content_index: 0,
    delta: "Hello",
    logprobs: [],
  },
  {
    type: "response.output_text.done",
    sequence_number: 7,
    item_id: "msg_1",
    output_index: 1,
    content_index: 0,
    text: "Hello",
  },
  {
    type: "response.completed",
    sequence_number: 8,
    response: {
      ...RESPONSE,
      status: "completed",
      usage: {
        input_tokens: 36,
        input_tokens_details: { cached_tokens: 12 },
        output_tokens: 87,
        output_tokens_details: { reasoning_tokens: 64 },
        total_tokens: 123,
      },
    },
  },
];

Deno.test("decodeOpenAiResponsesData() turns a Responses stream into content, reasoning, usage and done", () => {
  const { events, ended } = decodeAll(STREAM);
  const kinds = events.map((e) => e.kind);
  assertEquals(kinds, [
    "message",
    "message",
    "message",
    "message",
    "reasoning",
    "message",
    "reasoning",
    "message",
    "message",
    "content",
    "message",
    "message",
    "usage",
    "done",
  ]);
  assertEquals(ended, [false, false, false, false, false, false, false, false, true]);
  const texts = events.filter((e) => e.kind === "content" || e.kind === "reasoning")
    .map((e) => `${e.kind}:${(e as { text: string }).text}`);
  assertEquals(texts, ["reasoning:**Thinking**", "reasoning: more", "content:Hello"]);
  const usage = events.find((e) => e.kind === "usage");
  assertEquals(usage, {
    kind: "usage",
    inputTokens: 36,
    outputTokens: 87,
    reasoningTokens: 64,
    cacheReadInputTokens: 12,
  });
  assertEquals(events.at(-1), { kind: "done", finishReason: "completed" });
  // Only the deltas count as "choices" messages (vLLM's lens), the empty one included.
  const choices = events.filter((e) => e.kind === "message").map((e) =>
    (e as { choices?: boolean }).choices
  );
  assertEquals(choices, [false, false, false, true, true, true, true, false, false]);
});

Deno.test("decodeOpenAiResponsesData() ends an incomplete response with its reason", () => {
  const { events } = decodeAll([{
    type: "response.incomplete",
    response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } },
  }]);
  assertEquals(events.at(-1), { kind: "done", finishReason: "max_output_tokens" });
});

Deno.test("decodeOpenAiResponsesData() maps response.failed and error events to statuses", () => {
  const failed = decodeAll([{
    type: "response.failed",
    response: { status: "failed", error: { code: "rate_limit_exceeded", message: "Slow\ndown" } },
  }]);
  assertEquals(failed.events[1], {
    kind: "error",
    code: 429,
    message: "Slow down",
    name: "rate_limit_exceeded",
  });
  assertEquals(failed.ended, [true]);
  const server = decodeAll([{
    type: "response.failed",
    response: { error: { code: "server_error", message: "boom" } },
  }]);
  assertEquals((server.events[1] as { code: number }).code, 500);
  const error = decodeAll([{ type: "error", code: "ERR_SOMETHING", message: "bad", param: null }]);
  assertEquals(error.events[1], {
    kind: "error",
    code: 500,
    message: "bad",
    name: "ERR_SOMETHING",
  });
  const numeric = decodeAll([{ type: "error", code: 503, message: "" }]);
  assertEquals(numeric.events[1], { kind: "error", code: 503, message: "In-stream error" });
});

Deno.test("decodeOpenAiResponsesData() reports data that is not a JSON object as 599", () => {
  const state = {};
  const cut = decodeOpenAiResponsesData('{"type":"response.output_text.delta","del', state);
  assert(cut.end);
  assertEquals((cut.events[0] as { code: number }).code, 599);
  const array = decodeOpenAiResponsesData("[1]", state);
  assertEquals((array.events[0] as { code: number }).code, 599);
});

Deno.test("openAiResponsesStreamEnd() is a 599 before the final status, done after", () => {
  assertEquals(openAiResponsesStreamEnd({}).kind, "error");
  assertEquals(openAiResponsesStreamEnd({ status: "completed" }), {
    kind: "done",
    finishReason: "completed",
  });
});

Deno.test("openAiResponsesRequestBody() lets sampling parameters override the defaults", () => {
  const body = openAiResponsesRequestBody({
    model: "m",
    prompt: "p",
    maxTokens: 5,
    samplingParams: { max_output_tokens: 9, store: false },
  });
  assertEquals(body, { model: "m", input: "p", max_output_tokens: 9, stream: true, store: false });
});
