import { assertEquals } from "../_assert.ts";
import { openAiRequestBody } from "../../lib/wire/openai.ts";
import { openAiResponsesRequestBody } from "../../lib/wire/openai_responses.ts";
import { vertexRequestBody } from "../../lib/wire/vertex.ts";
import { sagemakerRequestBody } from "../../lib/wire/sagemaker.ts";
import { bedrockConverseInput, bedrockInvokeBody } from "../../lib/wire/bedrock_bodies.ts";
import type { ChatTurn } from "../../lib/core/chat_turn.ts";

const history: ChatTurn[] = [
  { role: "user", text: "What is 2+2?" },
  { role: "assistant", text: "4." },
];
const request = { model: "m", prompt: "And 3+3?", maxTokens: 8, history };

Deno.test("request bodies carry a conversation's history as each API's role messages", () => {
  const chat = openAiRequestBody(request, { systemPrompt: "Be brief." });
  assertEquals(chat.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "What is 2+2?" },
    { role: "assistant", content: "4." },
    { role: "user", content: "And 3+3?" },
  ]);
  assertEquals(openAiResponsesRequestBody(request).input, [
    { role: "user", content: "What is 2+2?" },
    { role: "assistant", content: "4." },
    { role: "user", content: "And 3+3?" },
  ]);
  assertEquals(
    (vertexRequestBody(request).contents as { role: string }[]).map((c) => c.role),
    ["user", "model", "user"],
  );
  assertEquals(
    sagemakerRequestBody("messages", request).messages,
    (chat.messages as unknown[]).slice(1),
  );
  const converse = bedrockConverseInput({ ...request, cacheHistory: true });
  assertEquals(converse.messages, [
    { role: "user", content: [{ text: "What is 2+2?" }] },
    { role: "assistant", content: [{ text: "4." }, { cachePoint: { type: "default" } }] },
    { role: "user", content: [{ text: "And 3+3?" }] },
  ]);
  const claude = bedrockInvokeBody("anthropic-messages", request);
  assertEquals((claude.messages as { role: string }[]).map((m) => m.role), [
    "user",
    "assistant",
    "user",
  ]);
});

Deno.test("single-prompt bodies get the conversation flattened into one text", () => {
  const text = "User: What is 2+2?\n\nAssistant: 4.\n\nUser: And 3+3?";
  assertEquals(openAiRequestBody(request, { chat: false }).prompt, text);
  assertEquals(sagemakerRequestBody("tgi", request).inputs, text);
  assertEquals(bedrockInvokeBody("mistral", request).prompt, `<s>[INST] ${text} [/INST]`);
  // Without history, the prompt as it is.
  assertEquals(
    openAiRequestBody({ ...request, history: undefined }, { chat: false }).prompt,
    "And 3+3?",
  );
});
