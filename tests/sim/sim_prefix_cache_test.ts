import { throws } from "node:assert/strict";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { createSimPrefixCache } from "../../lib/sim/sim_prefix_cache.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { timeRequest } from "../../lib/run/time_request.ts";
import { toRequestRecord } from "../../lib/core/to_request_record.ts";

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

Deno.test("createSimPrefixCache() counts the leading whole blocks seen before", () => {
  const cache = createSimPrefixCache({ capacityTokens: 1000, blockTokens: 10 });
  assertEquals(cache.lookup(range(0, 35)), 0); // cold: blocks 0-9, 10-19, 20-29 cached
  assertEquals(cache.blocks, 3);
  assertEquals(cache.lookup([...range(0, 25), 999, 998]), 20); // two blocks match, then a miss
  // A block only matches after the same blocks before it (a prefix, not any substring).
  assertEquals(cache.lookup([...range(100, 10), ...range(10, 10)]), 0);
  // The last token is always computed.
  assertEquals(cache.lookup(range(0, 30)), 29);
  assertEquals(cache.lookup([1, 2, 3]), 0); // shorter than a block
});

Deno.test("createSimPrefixCache() drops the least recently used blocks beyond its capacity", () => {
  const cache = createSimPrefixCache({ capacityTokens: 40, blockTokens: 10 }); // 4 blocks
  cache.lookup(range(0, 20)); // A0 A1
  cache.lookup(range(500, 20)); // B0 B1
  cache.lookup(range(0, 21)); // A used again: B is now the oldest
  cache.lookup(range(900, 20)); // C0 C1 push out B0 B1
  assertEquals(cache.blocks, 4);
  assertEquals(cache.lookup(range(0, 21)), 20);
  assertEquals(cache.lookup(range(500, 21)), 0);
});

Deno.test("createSimPrefixCache() rejects bad sizes, naming the value", () => {
  throws(
    () => createSimPrefixCache({ capacityTokens: 5, blockTokens: 10 }),
    /'capacityTokens' must be an integer >= 'blockTokens' \(10\), got 5/,
  );
  throws(
    () => createSimPrefixCache({ capacityTokens: 100, blockTokens: 0 }),
    /'blockTokens' must be a positive integer, got 0/,
  );
});

const HEAD = Array.from({ length: 60 }, (_, i) => `Line ${i} of the shared context.`).join("\n");

Deno.test("simulator with a prefix cache reports cached tokens in every provider's usage fields", async () => {
  await using sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    prefixCache: { capacityTokens: 100_000, blockTokens: 16 },
  });
  const tokenizer = createTokenizer("cl100k_base");
  const headTokens = tokenizer.countTokens(HEAD);
  tokenizer.free();
  const expectedCached = Math.floor(headTokens / 16) * 16;
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${sim.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    assertEquals(response.status, 200, path);
    return await response.json();
  };
  const chat = (tail: string) => ({
    model: "m",
    max_tokens: 2,
    messages: [{ role: "user", content: `${HEAD}\n${tail}` }],
  });
  const cold = await post("/v1/chat/completions", chat("First question?"));
  assertEquals(cold.usage.prompt_tokens_details.cached_tokens, 0);
  const warm = await post("/v1/chat/completions", chat("Second question?"));
  // Every whole block of the shared head, perhaps one less where the join changes the tokens.
  const cached = warm.usage.prompt_tokens_details.cached_tokens;
  assert(cached === expectedCached || cached === expectedCached - 16, `${cached} of ${headTokens}`);

  const anthropic = await post("/v1/messages", chat("Third question?"), {
    "anthropic-version": "2023-06-01",
  });
  assertEquals(anthropic.usage.cache_read_input_tokens, cached);
  assertEquals(anthropic.usage.cache_creation_input_tokens, 0);
  const truth = sim.log().at(-1)!;
  assertEquals(anthropic.usage.input_tokens + cached, truth.inputTokens);
  assertEquals(truth.cachedInputTokens, cached);

  const converse = await post(`/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse`, {
    messages: [{ role: "user", content: [{ text: `${HEAD}\nFourth?` }] }],
    inferenceConfig: { maxTokens: 2 },
  });
  assertEquals(converse.usage.cacheReadInputTokens, cached);
  assertEquals(converse.usage.cacheWriteInputTokens, 0);
  assertEquals(converse.usage.inputTokens + cached, sim.log().at(-1)!.inputTokens);

  const vertex = await post(
    "/v1/publishers/google/models/gemini-2.5-flash:generateContent",
    {
      contents: [{ role: "user", parts: [{ text: `${HEAD}\nFifth?` }] }],
      generationConfig: { maxOutputTokens: 2 },
    },
  );
  assertEquals(vertex.usageMetadata.cachedContentTokenCount, cached);
});

Deno.test("simulator with a prefix cache cuts TTFT in proportion, and the record carries the cached tokens", async () => {
  await using sim = await startSimulator({
    ttftMs: 200,
    itlMs: 1,
    prefixCache: { capacityTokens: 100_000 },
  });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const send = async (tail: string) => {
    const timing = await timeRequest(client, {
      model: "m",
      prompt: `${HEAD}\n${tail}`,
      maxTokens: 2,
    });
    return toRequestRecord(timing, { requestId: 0, inputTokens: 1, maxOutputTokens: 2 });
  };
  const cold = await send("One?");
  const warm = await send("Two?");
  assertEquals(cold.cachedInputTokens, 0);
  assert(warm.cachedInputTokens! > 0);
  const [coldTruth, warmTruth] = sim.log();
  const ttft = (t: typeof coldTruth) => t.chunkSentEpochMs[0] - t.arrivalEpochMs;
  assertAlmostEquals(ttft(coldTruth), 200, 15);
  const expected = 200 * (1 - warmTruth.cachedInputTokens! / warmTruth.inputTokens);
  assertAlmostEquals(ttft(warmTruth), expected, 15);
  assert(warm.ttftMs! < cold.ttftMs! - 50, `${warm.ttftMs} vs ${cold.ttftMs}`);
  // Without the option nothing is reported (today's behaviour).
  await using plain = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const timing = await timeRequest(createOpenAiClient({ baseUrl: `${plain.url}/v1` }), {
    model: "m",
    prompt: HEAD,
    maxTokens: 1,
  });
  assertEquals(
    toRequestRecord(timing, { requestId: 0, inputTokens: 1, maxOutputTokens: 1 }).cachedInputTokens,
    undefined,
  );
});
