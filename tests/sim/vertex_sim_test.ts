/**
 * The simulator's Vertex AI Gemini wire format, read as raw responses.
 */
import { assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";

const PATH = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash";
const BODY = JSON.stringify({
  contents: [{ role: "user", parts: [{ text: "Hi" }] }],
  generationConfig: { maxOutputTokens: 3 },
});

Deno.test("simulator Vertex format streams SSE messages, the last with finishReason and usage", async () => {
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const response = await fetch(`${sim.url}${PATH}:streamGenerateContent?alt=sse`, {
    method: "POST",
    body: BODY,
  });
  assertEquals(response.headers.get("content-type"), "text/event-stream");
  const messages = (await response.text()).split("\r\n\r\n").filter((m) => m !== "").map((m) =>
    JSON.parse(m.slice(6))
  );
  const [truth] = sim.log();
  assertEquals(messages.length, 4);
  assertEquals(messages.slice(0, 3).map((m) => m.tokenbench_sent_at_ms), truth.chunkSentEpochMs);
  assertEquals(messages.slice(0, 3).every((m) => m.candidates[0].finishReason === undefined), true);
  assertEquals(messages[3].candidates[0].finishReason, "MAX_TOKENS");
  assertEquals(messages[3].usageMetadata, {
    promptTokenCount: truth.inputTokens,
    candidatesTokenCount: 3,
    totalTokenCount: truth.inputTokens + 3,
    trafficType: "ON_DEMAND",
  });
});

Deno.test("simulator Vertex format streams a JSON array without alt=sse, and answers generateContent", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const streamed = await fetch(`${sim.url}${PATH}:streamGenerateContent`, {
    method: "POST",
    body: BODY,
  });
  const array = await streamed.json();
  assertEquals(array.length, 4);
  assertEquals(array[3].candidates[0].finishReason, "MAX_TOKENS");
  const whole = await fetch(
    `${sim.url}/v1/publishers/google/models/gemini-2.5-flash:generateContent`,
    {
      method: "POST",
      body: BODY,
    },
  );
  const answer = await whole.json();
  assertEquals(answer.usageMetadata.candidatesTokenCount, 3);
  assertEquals(answer.candidates[0].content.parts[0].text.split(" ").length, 3);
});

Deno.test("simulator Vertex format answers errors with Google's error bodies", async () => {
  await using sim = await startSimulator({ errorRate: 1, errorStatuses: [429] });
  const response = await fetch(`${sim.url}${PATH}:streamGenerateContent?alt=sse`, {
    method: "POST",
    body: BODY,
  });
  assertEquals(response.status, 429);
  assertEquals(await response.json(), {
    error: { code: 429, message: "Simulated HTTP 429 error", status: "RESOURCE_EXHAUSTED" },
  });
  const bad = await fetch(`${sim.url}${PATH}:streamGenerateContent?alt=sse`, {
    method: "POST",
    body: JSON.stringify({ generationConfig: {} }),
  });
  assertEquals(bad.status, 400);
  assertEquals((await bad.json()).error.status, "INVALID_ARGUMENT");
  await using broken = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    streamErrorRate: 1,
    errorStatuses: [500],
  });
  const streamed = await fetch(`${broken.url}${PATH}:streamGenerateContent?alt=sse`, {
    method: "POST",
    body: BODY,
  });
  const last = (await streamed.text()).split("\r\n\r\n").filter((m) => m !== "").at(-1)!;
  assertEquals(JSON.parse(last.slice(6)).error.status, "INTERNAL");
});
