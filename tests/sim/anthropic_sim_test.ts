/**
 * The simulator's Anthropic wire format, read as raw server-sent events.
 */
import { assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";

const HEADERS = { "anthropic-version": "2023-06-01", "content-type": "application/json" };

function parseSse(text: string): { event: string; data: Record<string, unknown> }[] {
  return text.split("\n\n").filter((block) => block.trim() !== "").map((block) => {
    const lines = block.split("\n");
    const event = lines.find((l) => l.startsWith("event: "))!.slice(7);
    const data = JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6));
    return { event, data };
  });
}

Deno.test("simulator Anthropic format streams Anthropic's event sequence with exact usage", async () => {
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const response = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 4,
      stream: true,
      messages: [{ role: "user", content: [{ type: "text", text: "Hello there" }] }],
    }),
  });
  assertEquals(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = parseSse(await response.text());
  assertEquals(events.map((e) => e.event), [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_delta",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  for (const { event, data } of events) assertEquals(data.type, event);
  const [truth] = sim.log();
  const start = events[0].data.message as { usage: { input_tokens: number }; model: string };
  assertEquals(start.usage.input_tokens, truth.inputTokens);
  assertEquals(start.model, "claude-sonnet-4-5");
  assertEquals(events[8].data.delta, { stop_reason: "max_tokens", stop_sequence: null });
  assertEquals(events[8].data.usage, { output_tokens: 4 });
  const stamps = events.slice(3, 7).map((e) => e.data.tokenbench_sent_at_ms);
  assertEquals(stamps, truth.chunkSentEpochMs);
});

Deno.test("simulator Anthropic format puts the first budget_tokens in a thinking block", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1, tokensPerChunk: 2 });
  const response = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      model: "m",
      max_tokens: 8,
      stream: true,
      thinking: { type: "enabled", budget_tokens: 3 },
      messages: [{ role: "user", content: "Hi" }],
    }),
  });
  const events = parseSse(await response.text());
  const deltas = events.filter((e) => e.event === "content_block_delta").map((e) =>
    (e.data.delta as { type: string }).type
  );
  // Chunks of 2 tokens start at tokens 0, 2, 4, 6: the first two start before token 3.
  assertEquals(deltas, [
    "thinking_delta",
    "thinking_delta",
    "signature_delta",
    "text_delta",
    "text_delta",
  ]);
  const starts = events.filter((e) => e.event === "content_block_start").map((e) =>
    (e.data.content_block as { type: string }).type
  );
  assertEquals(starts, ["thinking", "text"]);
  assertEquals(events.at(-2)!.data.usage, { output_tokens: 8 });
});

Deno.test("simulator Anthropic format answers errors with Anthropic's bodies", async () => {
  await using sim = await startSimulator({ errorRate: 1, errorStatuses: [529] });
  const body = JSON.stringify({ model: "m", max_tokens: 2, messages: [] });
  const overloaded = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body,
  });
  assertEquals(overloaded.status, 529);
  assertEquals(await overloaded.json(), {
    type: "error",
    error: { type: "overloaded_error", message: "Simulated HTTP 529 error" },
  });
  // The version header is required, as by the API; bad bodies are 400s.
  const noVersion = await fetch(`${sim.url}/v1/messages`, { method: "POST", body });
  assertEquals(noVersion.status, 400);
  assertEquals(((await noVersion.json()).error as { type: string }).type, "invalid_request_error");
  const noMax = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({ model: "m", messages: [] }),
  });
  assertEquals(noMax.status, 400);
  await noMax.body?.cancel();
  const budgetTooBig = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      model: "m",
      max_tokens: 4,
      thinking: { type: "enabled", budget_tokens: 4 },
      messages: [],
    }),
  });
  assertEquals(budgetTooBig.status, 400);
  await budgetTooBig.body?.cancel();
});

Deno.test("simulator Anthropic format sends an error event mid-stream and a whole message unstreamed", async () => {
  await using sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    streamErrorRate: 1,
    errorStatuses: [429],
  });
  const streamed = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({ model: "m", max_tokens: 5, stream: true, messages: [] }),
  });
  const events = parseSse(await streamed.text());
  assertEquals(events.at(-1)!.event, "error");
  assertEquals((events.at(-1)!.data.error as { type: string }).type, "rate_limit_error");

  await using plain = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const whole = await fetch(`${plain.url}/v1/messages`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      model: "m",
      max_tokens: 6,
      thinking: { type: "enabled", budget_tokens: 2 },
      messages: [{ role: "user", content: "Hi" }],
    }),
  });
  const message = await whole.json();
  assertEquals(message.type, "message");
  assertEquals(message.content.map((c: { type: string }) => c.type), ["thinking", "text"]);
  assertEquals(message.usage.output_tokens, 6);
  assertEquals(message.content[1].text.trim().split(" ").length, 4, message.content[1].text);
});
