/** Prompt-cache marks in the request bodies (`--prompt-cache`): Bedrock Converse and Claude. */
import { assertEquals } from "../_assert.ts";
import { bedrockConverseInput, bedrockInvokeBody } from "../../lib/wire/bedrock_bodies.ts";
import { anthropicRequestBody } from "../../lib/wire/anthropic.ts";

const REQUEST = { model: "m", prompt: "Shared context.\nQuestion?", maxTokens: 8 };

Deno.test("bedrockConverseInput() puts a cachePoint block after the marked prefix", () => {
  const input = bedrockConverseInput({ ...REQUEST, cachePrefixChars: 16 });
  assertEquals(input.messages![0].content, [
    { text: "Shared context.\n" },
    { cachePoint: { type: "default" } },
    { text: "Question?" },
  ]);
  // The whole prompt marked: no empty block after the cache point.
  const whole = bedrockConverseInput({ ...REQUEST, cachePrefixChars: REQUEST.prompt.length });
  assertEquals(whole.messages![0].content!.length, 2);
  // No mark: one text block, as before.
  assertEquals(bedrockConverseInput(REQUEST).messages![0].content, [{ text: REQUEST.prompt }]);
});

Deno.test("Anthropic bodies (Messages API and Bedrock InvokeModel Claude) mark the prefix with cache_control", () => {
  const expected = [
    { type: "text", text: "Shared context.\n", cache_control: { type: "ephemeral" } },
    { type: "text", text: "Question?" },
  ];
  const body = anthropicRequestBody({ ...REQUEST, cachePrefixChars: 16 });
  assertEquals((body.messages as { content: unknown }[])[0].content, expected);
  const invoke = bedrockInvokeBody("anthropic-messages", { ...REQUEST, cachePrefixChars: 16 });
  assertEquals((invoke.messages as { content: unknown }[])[0].content, expected);
  assertEquals(
    (anthropicRequestBody(REQUEST).messages as { content: unknown }[])[0].content,
    REQUEST.prompt,
  );
});
