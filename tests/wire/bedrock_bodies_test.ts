import { assertEquals } from "../_assert.ts";
import {
  bedrockBaseModelId,
  bedrockConverseInput,
  bedrockInvokeBody,
  bedrockModelFamily,
  decodeBedrockInvokeChunk,
} from "../../lib/wire/bedrock_bodies.ts";

Deno.test("bedrockModelFamily() reads the family from model ids, inference profiles and ARNs", () => {
  const cases: [string, string | null][] = [
    ["anthropic.claude-instant-v1", "anthropic-text"],
    ["anthropic.claude-v2", "anthropic-text"],
    ["anthropic.claude-v2:1", "anthropic-text"],
    ["anthropic.claude-3-haiku-20240307-v1:0", "anthropic-messages"],
    ["us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic-messages"],
    ["apac.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic-messages"],
    ["global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic-messages"],
    ["us-gov.meta.llama3-8b-instruct-v1:0", "meta-llama"],
    ["meta.llama2-70b-chat-v1", "meta-llama"],
    ["amazon.nova-lite-v1:0", "amazon-nova"],
    ["eu.amazon.nova-pro-v1:0", "amazon-nova"],
    ["amazon.titan-text-express-v1", "amazon-titan"],
    ["amazon.titan-embed-text-v1", null],
    ["mistral.mixtral-8x7b-instruct-v0:1", "mistral"],
    ["cohere.command-text-v14", "cohere-command"],
    ["cohere.command-r-plus-v1:0", "cohere-command-r"],
    ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "anthropic-text"],
    [
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-instruct-v1:0",
      "meta-llama",
    ],
    ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3", null],
    ["ai21.jamba-1-5-mini-v1:0", null],
  ];
  for (const [id, family] of cases) assertEquals(bedrockModelFamily(id), family, id);
  assertEquals(bedrockBaseModelId("us.amazon.nova-micro-v1:0"), "amazon.nova-micro-v1:0");
});

Deno.test("bedrockInvokeBody() builds each family's native body with renamed sampling parameters", () => {
  const request = {
    model: "meta.llama3-8b-instruct-v1:0",
    prompt: "Hi",
    maxTokens: 64,
    samplingParams: { temperature: 0.5, top_p: 0.9, top_k: 40, stop: "END" },
  };
  assertEquals(bedrockInvokeBody("anthropic-messages", request), {
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: 64,
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ["END"],
  });
  assertEquals(bedrockInvokeBody("anthropic-text", request), {
    prompt: "\n\nHuman: Hi\n\nAssistant:",
    max_tokens_to_sample: 64,
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ["END"],
  });
  const plain = { ...request, samplingParams: { temperature: 0.5, top_p: 0.9 } };
  assertEquals(bedrockInvokeBody("meta-llama", plain), {
    prompt:
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    max_gen_len: 64,
    temperature: 0.5,
    top_p: 0.9,
  });
  assertEquals(
    bedrockInvokeBody("meta-llama", { ...plain, model: "meta.llama2-13b-chat-v1" }).prompt,
    "<s>[INST] Hi [/INST]",
  );
  assertEquals(bedrockInvokeBody("amazon-nova", request), {
    schemaVersion: "messages-v1",
    messages: [{ role: "user", content: [{ text: "Hi" }] }],
    inferenceConfig: {
      max_new_tokens: 64,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stopSequences: ["END"],
    },
  });
  assertEquals(bedrockInvokeBody("amazon-titan", plain), {
    inputText: "Hi",
    textGenerationConfig: { maxTokenCount: 64, temperature: 0.5, topP: 0.9 },
  });
  assertEquals(bedrockInvokeBody("mistral", { ...plain, maxTokens: 8 }), {
    prompt: "<s>[INST] Hi [/INST]",
    max_tokens: 8,
    temperature: 0.5,
    top_p: 0.9,
  });
  assertEquals(bedrockInvokeBody("cohere-command", plain), {
    prompt: "Hi",
    max_tokens: 64,
    temperature: 0.5,
    p: 0.9,
    stream: true,
  });
  assertEquals(bedrockInvokeBody("cohere-command-r", { ...plain, samplingParams: {} }), {
    message: "Hi",
    max_tokens: 64,
  });
  // Unknown keys pass through under their own names.
  assertEquals(
    bedrockInvokeBody("meta-llama", { ...plain, samplingParams: { max_gen_len: 5 } }).max_gen_len,
    5,
  );
});

Deno.test("bedrockConverseInput() splits sampling parameters between inferenceConfig and additional fields", () => {
  assertEquals(
    bedrockConverseInput({
      model: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
      prompt: "Hi",
      maxTokens: 100,
      samplingParams: { temperature: 0, topP: 1, stop_sequences: ["a", "b"], top_k: 3, x: true },
    }),
    {
      modelId: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
      messages: [{ role: "user", content: [{ text: "Hi" }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0, topP: 1, stopSequences: ["a", "b"] },
      additionalModelRequestFields: { top_k: 3, x: true },
    },
  );
  assertEquals(
    "additionalModelRequestFields" in
      bedrockConverseInput({ model: "m", prompt: "", maxTokens: 1 }),
    false,
  );
});

Deno.test("decodeBedrockInvokeChunk() reads text, reasoning, stop reasons and counts of each family", () => {
  const metrics = {
    "amazon-bedrock-invocationMetrics": {
      inputTokenCount: 12,
      outputTokenCount: 34,
      invocationLatency: 560,
      firstByteLatency: 78,
    },
  };
  const m = {
    inputTokenCount: 12,
    outputTokenCount: 34,
    invocationLatency: 560,
    firstByteLatency: 78,
  };
  const cases: [Parameters<typeof decodeBedrockInvokeChunk>[0], unknown, unknown][] = [
    [
      "anthropic-messages",
      { type: "message_start", message: { usage: { input_tokens: 12, output_tokens: 1 } } },
      { text: "", reasoning: "", inputTokens: 12 },
    ],
    [
      "anthropic-messages",
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } },
      { text: "Hi", reasoning: "" },
    ],
    [
      "anthropic-messages",
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hm" } },
      { text: "", reasoning: "hm" },
    ],
    [
      "anthropic-messages",
      { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 34 } },
      { text: "", reasoning: "", finishReason: "end_turn", outputTokens: 34 },
    ],
    [
      "anthropic-messages",
      { type: "message_stop", ...metrics },
      { text: "", reasoning: "", invocationMetrics: m },
    ],
    [
      "anthropic-text",
      { completion: "", stop_reason: "max_tokens", stop: null, ...metrics },
      { text: "", reasoning: "", finishReason: "max_tokens", invocationMetrics: m },
    ],
    [
      "meta-llama",
      { generation: " a", prompt_token_count: 9, generation_token_count: 1, stop_reason: null },
      { text: " a", reasoning: "", inputTokens: 9, outputTokens: 1 },
    ],
    [
      "amazon-nova",
      { contentBlockDelta: { delta: { text: "x" }, contentBlockIndex: 0 } },
      { text: "x", reasoning: "" },
    ],
    [
      "amazon-nova",
      { metadata: { usage: { inputTokens: 5, outputTokens: 6 } }, ...metrics },
      { text: "", reasoning: "", inputTokens: 5, outputTokens: 6, invocationMetrics: m },
    ],
    [
      "amazon-titan",
      { outputText: "t", index: 0, totalOutputTextTokenCount: 3, completionReason: "FINISH" },
      { text: "t", reasoning: "", finishReason: "FINISH", outputTokens: 3 },
    ],
    ["mistral", { outputs: [{ text: "m", stop_reason: null }] }, { text: "m", reasoning: "" }],
    [
      "mistral",
      { choices: [{ delta: { content: "c" }, stop_reason: "stop" }] },
      { text: "c", reasoning: "", finishReason: "stop" },
    ],
    ["cohere-command", { text: "k", is_finished: false }, { text: "k", reasoning: "" }],
    [
      "cohere-command",
      { is_finished: true, finish_reason: "COMPLETE", text: "whole answer again" },
      { text: "", reasoning: "", finishReason: "COMPLETE" },
    ],
    [
      "cohere-command-r",
      { event_type: "text-generation", text: "r", is_finished: false },
      { text: "r", reasoning: "" },
    ],
    ["cohere-command-r", { event_type: "stream-start" }, { text: "", reasoning: "" }],
    ["meta-llama", "not an object", { text: "", reasoning: "" }],
    [
      "mistral",
      { outputs: [{ text: "s" }], tokenbench_sent_at_ms: 1700000000000.5 },
      { text: "s", reasoning: "", sentAtEpochMs: 1700000000000.5 },
    ],
  ];
  for (const [family, chunk, expected] of cases) {
    assertEquals(decodeBedrockInvokeChunk(family, chunk), expected, JSON.stringify(chunk));
  }
});
