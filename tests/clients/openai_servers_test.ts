/**
 * The OpenAI-compatible client against the stream shapes of popular servers: vLLM, TGI's OpenAI
 * route, Ollama, the llama.cpp server and a LiteLLM proxy. They differ in role chunks (separate,
 * merged with the first token, `content: null`), usage (a usage-only chunk, usage on the finish
 * chunk, usage in every chunk, none), finish chunks (with the last token or empty) and reasoning
 * fields. The fixtures are written by hand after the servers' documented and commonly observed
 * output; each message arrives at a stated time on a virtual clock, so timings are exact.
 */
import { assertEquals } from "../_assert.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { toRequestRecord } from "../../lib/core/to_request_record.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

/** One SSE message and when (virtual ms after the request) it arrives. */
type Timed = [atMs: number, data: object | "[DONE]"];

/** What a correct client must measure from a fixture (hand-computed from its messages). */
interface Expected {
  /** First message of any kind. */
  firstMessageMs: number;
  /** First non-empty answer content. */
  ttftMs: number;
  /** First message with non-empty `choices` (vLLM's benchmark stops TTFT there). */
  firstChoicesMs: number;
  /** First non-empty reasoning content, if any. */
  firstReasoningMs: number | null;
  /** Last non-empty answer content. */
  lastContentMs: number;
  /** End of stream. */
  e2eMs: number;
  /** The answer. */
  text: string;
  /** cl100k_base tokens of the answer ("Hello world!" is 3). */
  outputTokens: number;
  /** Reasoning tokens (cl100k_base). */
  reasoningTokens: number;
  /** Server's usage, when the server sends it. */
  serverInputTokens: number | null;
  serverOutputTokens: number | null;
  finishReason: string;
}

interface Fixture {
  name: string;
  endpoint?: "chat" | "completions";
  headersMs: number;
  messages: Timed[];
  expect: Expected;
}

const chunk = (model: string, extra: object, choice: object | null) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1735000000,
  model,
  ...(choice === null ? { choices: [] } : { choices: [{ index: 0, ...choice }] }),
  ...extra,
});

const USAGE = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };

const vllm = (choice: object | null, extra: object = {}) =>
  chunk("meta-llama/Llama-3.1-8B", extra, choice);
const tgi = (choice: object | null, extra: object = {}) =>
  chunk("tgi", { system_fingerprint: "3.0.1-native", usage: null, ...extra }, choice);
const ollama = (choice: object | null, extra: object = {}) =>
  chunk("llama3.2", { system_fingerprint: "fp_ollama", ...extra }, choice);
const llamacpp = (choice: object | null, extra: object = {}) =>
  chunk("gguf", { system_fingerprint: "b5000-abcdef", ...extra }, choice);
const litellm = (choice: object | null, extra: object = {}) =>
  chunk(
    "claude-3-5-haiku",
    { system_fingerprint: null, provider_specific_fields: null, ...extra },
    choice,
  );
const delta = (d: object, finish: string | null = null) => ({
  delta: d,
  logprobs: null,
  finish_reason: finish,
});

const FIXTURES: Fixture[] = [
  {
    name: "vLLM: role-only chunk first, last token with finish_reason, usage-only chunk",
    headersMs: 40,
    messages: [
      [50, vllm(delta({ role: "assistant", content: "" }))],
      [120, vllm(delta({ content: "Hello" }))],
      [140, vllm(delta({ content: " world" }))],
      [160, vllm({ ...delta({ content: "!" }, "length"), stop_reason: null })],
      [161, vllm(null, { usage: USAGE })],
      [162, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 50,
      ttftMs: 120,
      firstChoicesMs: 50,
      firstReasoningMs: null,
      lastContentMs: 160,
      e2eMs: 162,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "length",
    },
  },
  {
    name: "vLLM with continuous_usage_stats: usage in every chunk, the last one counts",
    headersMs: 40,
    messages: [
      [
        50,
        vllm(delta({ role: "assistant", content: "" }), {
          usage: { ...USAGE, completion_tokens: 0 },
        }),
      ],
      [120, vllm(delta({ content: "Hello" }), { usage: { ...USAGE, completion_tokens: 1 } })],
      [140, vllm(delta({ content: " world" }), { usage: { ...USAGE, completion_tokens: 2 } })],
      [160, vllm(delta({ content: "!" }, "length"), { usage: USAGE })],
      [161, vllm(null, { usage: USAGE })],
      [162, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 50,
      ttftMs: 120,
      firstChoicesMs: 50,
      firstReasoningMs: null,
      lastContentMs: 160,
      e2eMs: 162,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "length",
    },
  },
  {
    name: "vLLM /v1/completions: text choices, usage-only chunk",
    endpoint: "completions",
    headersMs: 10,
    messages: [
      [
        70,
        chunk("m", { object: "text_completion" }, {
          text: "Hello",
          logprobs: null,
          finish_reason: null,
        }),
      ],
      [
        90,
        chunk("m", { object: "text_completion" }, {
          text: " world",
          logprobs: null,
          finish_reason: null,
        }),
      ],
      [
        110,
        chunk("m", { object: "text_completion" }, {
          text: "!",
          logprobs: null,
          finish_reason: "length",
        }),
      ],
      [111, chunk("m", { object: "text_completion", usage: USAGE }, null)],
      [112, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 70,
      ttftMs: 70,
      firstChoicesMs: 70,
      firstReasoningMs: null,
      lastContentMs: 110,
      e2eMs: 112,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "length",
    },
  },
  {
    name: "TGI OpenAI route: role in every delta, no role-only chunk, empty finish chunk",
    headersMs: 5,
    messages: [
      [80, tgi(delta({ role: "assistant", content: "Hello" }))],
      [100, tgi(delta({ role: "assistant", content: " world" }))],
      [120, tgi(delta({ role: "assistant", content: "!" }))],
      [140, tgi(delta({ role: "assistant", content: "" }, "stop"))],
      [141, tgi(null, { usage: USAGE })],
      [142, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 80,
      ttftMs: 80,
      firstChoicesMs: 80,
      firstReasoningMs: null,
      lastContentMs: 120,
      e2eMs: 142,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "stop",
    },
  },
  {
    name: "Ollama: first token with the role, empty finish chunk, usage chunk",
    headersMs: 15,
    messages: [
      [200, ollama({ delta: { role: "assistant", content: "Hello" }, finish_reason: null })],
      [230, ollama({ delta: { role: "assistant", content: " world" }, finish_reason: null })],
      [250, ollama({ delta: { role: "assistant", content: "!" }, finish_reason: null })],
      [260, ollama({ delta: { role: "assistant", content: "" }, finish_reason: "stop" })],
      [261, ollama(null, { usage: USAGE })],
      [262, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 200,
      ttftMs: 200,
      firstChoicesMs: 200,
      firstReasoningMs: null,
      lastContentMs: 250,
      e2eMs: 262,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "stop",
    },
  },
  {
    name: "Ollama thinking model without usage: `reasoning` deltas before the answer",
    headersMs: 15,
    messages: [
      [
        100,
        ollama({
          delta: { role: "assistant", content: "", reasoning: "Let" },
          finish_reason: null,
        }),
      ],
      [
        120,
        ollama({
          delta: { role: "assistant", content: "", reasoning: " me" },
          finish_reason: null,
        }),
      ],
      [200, ollama({ delta: { role: "assistant", content: "Hello" }, finish_reason: null })],
      [220, ollama({ delta: { role: "assistant", content: " world" }, finish_reason: null })],
      [240, ollama({ delta: { role: "assistant", content: "!" }, finish_reason: null })],
      [250, ollama({ delta: { role: "assistant", content: "" }, finish_reason: "stop" })],
      [251, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 100,
      ttftMs: 200,
      firstChoicesMs: 100,
      firstReasoningMs: 100,
      lastContentMs: 240,
      e2eMs: 251,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 2,
      serverInputTokens: null,
      serverOutputTokens: null,
      finishReason: "stop",
    },
  },
  {
    name: "llama.cpp server: role chunk with content null, usage and timings on the finish chunk",
    headersMs: 2,
    messages: [
      [30, llamacpp({ finish_reason: null, delta: { role: "assistant", content: null } })],
      [90, llamacpp({ finish_reason: null, delta: { content: "Hello" } })],
      [110, llamacpp({ finish_reason: null, delta: { content: " world" } })],
      [130, llamacpp({ finish_reason: null, delta: { content: "!" } })],
      [
        150,
        llamacpp({ finish_reason: "length", delta: {} }, {
          usage: USAGE,
          timings: { prompt_n: 7, prompt_ms: 20.5, predicted_n: 3, predicted_ms: 60.1 },
        }),
      ],
      [151, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 30,
      ttftMs: 90,
      firstChoicesMs: 30,
      firstReasoningMs: null,
      lastContentMs: 130,
      e2eMs: 151,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "length",
    },
  },
  {
    name: "llama.cpp server with a reasoning model: reasoning_content, then content",
    headersMs: 2,
    messages: [
      [30, llamacpp({ finish_reason: null, delta: { role: "assistant", content: null } })],
      [60, llamacpp({ finish_reason: null, delta: { reasoning_content: "Think" } })],
      [95, llamacpp({ finish_reason: null, delta: { content: "Hello" } })],
      [110, llamacpp({ finish_reason: null, delta: { content: " world!" } })],
      [
        150,
        llamacpp({ finish_reason: "stop", delta: {} }, {
          usage: { ...USAGE, completion_tokens: 4 },
        }),
      ],
      [151, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 30,
      ttftMs: 95,
      firstChoicesMs: 30,
      firstReasoningMs: 60,
      lastContentMs: 110,
      e2eMs: 151,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 1,
      serverInputTokens: 7,
      serverOutputTokens: 4,
      finishReason: "stop",
    },
  },
  {
    name: "LiteLLM proxy: null fields in deltas, usage on a chunk with an empty-delta choice",
    headersMs: 20,
    messages: [
      [
        300,
        litellm(
          delta({
            content: "Hello",
            role: "assistant",
            function_call: null,
            tool_calls: null,
            audio: null,
          }),
        ),
      ],
      [
        320,
        litellm(delta({ content: " world", role: null, function_call: null, tool_calls: null })),
      ],
      [340, litellm(delta({ content: "!", role: null }))],
      [350, litellm(delta({ content: null, role: null }, "stop"))],
      [
        351,
        litellm({ delta: {} }, {
          usage: {
            ...USAGE,
            completion_tokens_details: { reasoning_tokens: 0 },
            prompt_tokens_details: { cached_tokens: 0 },
          },
        }),
      ],
      [352, "[DONE]"],
    ],
    expect: {
      firstMessageMs: 300,
      ttftMs: 300,
      firstChoicesMs: 300,
      firstReasoningMs: null,
      lastContentMs: 340,
      e2eMs: 352,
      text: "Hello world!",
      outputTokens: 3,
      reasoningTokens: 0,
      serverInputTokens: 7,
      serverOutputTokens: 3,
      finishReason: "stop",
    },
  },
];

/**
 * A fetch answering with the fixture's messages, one per read, on a virtual clock: the clock
 * jumps to each message's time when the client reads it (a zero high-water mark, so nothing is
 * read ahead).
 */
function replay(fixture: Fixture, clock: { now: number }): typeof fetch {
  return (() => {
    clock.now = fixture.headersMs;
    const encoder = new TextEncoder();
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const message = fixture.messages[next++];
        if (message === undefined) {
          controller.close();
          return;
        }
        const [atMs, data] = message;
        clock.now = atMs;
        controller.enqueue(
          encoder.encode(`data: ${data === "[DONE]" ? data : JSON.stringify(data)}\n\n`),
        );
      },
    }, { highWaterMark: 0 });
    return Promise.resolve(
      new Response(body, { headers: { "content-type": "text/event-stream" } }),
    );
  }) as typeof fetch;
}

for (const fixture of FIXTURES) {
  Deno.test(`OpenAI client measures ${fixture.name}`, async () => {
    const tokenizer = createTokenizer("cl100k_base");
    try {
      const clock = { now: 0 };
      const client = createOpenAiClient({
        baseUrl: "http://server.test/v1",
        endpoint: fixture.endpoint ?? "chat",
        fetch: replay(fixture, clock),
      });
      const timing = await timeStream(
        client.stream({ model: "m", prompt: "Say hello.", maxTokens: 3 }),
        { now: () => clock.now, timeOrigin: 0 },
      );
      const record = toRequestRecord(timing, {
        requestId: 0,
        inputTokens: 4,
        maxOutputTokens: 3,
        countTokens: (text) => tokenizer.countTokens(text),
      });
      const e = fixture.expect;
      assertEquals(record.status, "ok", record.errorMessage ?? "");
      assertEquals(timing.text, e.text);
      assertEquals({
        headersMs: record.headersMs,
        firstMessageMs: record.firstMessageMs,
        ttftMs: record.ttftMs,
        firstChoicesMs: record.choicesArrivalMs[0],
        firstReasoningMs: record.firstReasoningMs,
        lastContentMs: record.lastContentMs,
        e2eMs: record.e2eMs,
        outputTokens: record.outputTokens,
        reasoningTokens: record.reasoningTokens,
        serverInputTokens: record.serverInputTokens,
        serverOutputTokens: record.serverOutputTokens,
        finishReason: timing.finishReason,
        messageCount: record.messageCount,
      }, {
        headersMs: fixture.headersMs,
        firstMessageMs: e.firstMessageMs,
        ttftMs: e.ttftMs,
        firstChoicesMs: e.firstChoicesMs,
        firstReasoningMs: e.firstReasoningMs,
        lastContentMs: e.lastContentMs,
        e2eMs: e.e2eMs,
        outputTokens: e.outputTokens,
        reasoningTokens: e.reasoningTokens,
        serverInputTokens: e.serverInputTokens,
        serverOutputTokens: e.serverOutputTokens,
        finishReason: e.finishReason,
        // Every data message but [DONE] is one wire message.
        messageCount: fixture.messages.filter(([, d]) => d !== "[DONE]").length,
      });
      // Decode-only inter-token latency over the answer tokens.
      assertEquals(
        record.interTokenLatencyMs,
        (e.lastContentMs - e.ttftMs) / (e.outputTokens - 1),
      );
    } finally {
      tokenizer.free();
    }
  });
}
