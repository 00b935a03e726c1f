import OpenAI from "openai";
import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

const sdk = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-test", maxRetries: 0 });

Deno.test("the openai SDK's responses.stream() accumulates the simulator's stream", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 0, tokensPerChunk: 2 });
  const stream = sdk(sim.url).responses.stream({
    model: "gpt-5",
    input: "Hello there",
    max_output_tokens: 40,
    reasoning: { effort: "medium", summary: "auto" },
  });
  const types: string[] = [];
  let deltas = "";
  let summary = "";
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "response.output_text.delta") deltas += event.delta;
    if (event.type === "response.reasoning_summary_text.delta") summary += event.delta;
  }
  const final = await stream.finalResponse();
  assertEquals(types[0], "response.created");
  assertEquals(types.at(-1), "response.incomplete");
  assertEquals(final.status, "incomplete");
  assertEquals(final.incomplete_details?.reason, "max_output_tokens");
  // 40 × 0.25 = 10 reasoning tokens (5 chunks of 2), then the answer.
  assertEquals(final.usage?.output_tokens, 40);
  assertEquals(final.usage?.output_tokens_details.reasoning_tokens, 10);
  assertEquals(final.output.map((item) => item.type), ["reasoning", "message"]);
  assertEquals(final.output_text, deltas);
  const tokenizer = createTokenizer("cl100k_base");
  try {
    assertEquals(tokenizer.countTokens(deltas), 30);
    assertEquals(tokenizer.countTokens(summary), 10);
  } finally {
    tokenizer.free();
  }
  const [reasoning] = final.output;
  assert(reasoning.type === "reasoning");
  assertEquals(reasoning.summary[0].text, summary);
  assertEquals(sim.log()[0].format, "openai-responses");
});

Deno.test("the openai SDK's responses.create({ stream: true }) reads reasoning text and completion", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 0, outputTokens: 12 });
  const events = await sdk(sim.url).responses.create({
    model: "gpt-oss-20b",
    input: [{ role: "user", content: [{ type: "input_text", text: "Hi" }] }],
    instructions: "Be brief.",
    max_output_tokens: 32,
    reasoning: { effort: "high" },
    stream: true,
  });
  const types: string[] = [];
  let reasoning = "";
  let completed: OpenAI.Responses.Response | null = null;
  for await (const event of events) {
    types.push(event.type);
    if (event.type === "response.reasoning_text.delta") reasoning += event.delta;
    if (event.type === "response.completed") completed = event.response;
  }
  assert(completed !== null, types.join());
  assertEquals(completed.status, "completed");
  // 32 × 0.5 = 16 reasoning tokens budgeted, but the answer has only 12 tokens: all reasoning,
  // and an empty message still closes the output.
  assertEquals(completed.usage?.output_tokens_details.reasoning_tokens, 12);
  assertEquals(completed.output.map((item) => item.type), ["reasoning", "message"]);
  assert(reasoning.length > 0);
  assert(!types.includes("response.output_text.delta"));
  // The instructions are part of the prompt ("Be brief.\nHi" is more than one token).
  assert(sim.log()[0].inputTokens! > 3, String(sim.log()[0].inputTokens));
});

Deno.test("the simulator's Responses errors: HTTP bodies the SDK throws, response.failed in the stream", async () => {
  await using failing = await startSimulator({ errorRate: 1, errorStatuses: [429] });
  let status = 0;
  try {
    await sdk(failing.url).responses.create({ model: "m", input: "Hi", stream: true });
  } catch (error) {
    status = (error as { status: number }).status;
  }
  assertEquals(status, 429);
  await using breaking = await startSimulator({ ttftMs: 0, itlMs: 0, streamErrorRate: 1, seed: 3 });
  const events = await sdk(breaking.url).responses.create({
    model: "m",
    input: "Hi",
    max_output_tokens: 30,
    stream: true,
  });
  let failed: OpenAI.Responses.ResponseFailedEvent | null = null;
  for await (const event of events) if (event.type === "response.failed") failed = event;
  assert(failed !== null);
  assert(["rate_limit_exceeded", "server_error"].includes(failed.response.error?.code ?? ""));
});

Deno.test("the simulator answers a Responses request without stream as one response object", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 0, outputTokens: 5 });
  const response = await sdk(sim.url).responses.create({
    model: "m",
    input: "Hi",
    max_output_tokens: 20,
  });
  assertEquals(response.status, "completed");
  assertEquals(response.usage?.output_tokens, 5);
  assert(response.output_text.length > 0);
});

Deno.test("the simulator rejects a bad Responses request with a 400", async () => {
  await using sim = await startSimulator({});
  for (
    const body of [
      { model: "m", input: 3 },
      { model: "m", input: "x", max_output_tokens: 0 },
      { model: "m", input: "x", reasoning: { effort: "extreme" } },
    ]
  ) {
    const response = await fetch(`${sim.url}/v1/responses`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    const json = await response.json();
    assertEquals(response.status, 400, JSON.stringify(json));
    assert(typeof json.error.message === "string");
  }
});
