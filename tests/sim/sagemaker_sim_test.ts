/**
 * The simulator's SageMaker wire format, read as raw event-stream frames.
 */
import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createEventstreamFrames } from "../../lib/wire/eventstream_frames.ts";

const STREAM = "/endpoints/my-tgi/invocations-response-stream";

async function frames(response: Response) {
  return createEventstreamFrames().decode(new Uint8Array(await response.arrayBuffer()));
}

Deno.test("simulator SageMaker format streams PayloadPart frames with TGI lines and details", async () => {
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const response = await fetch(sim.url + STREAM, {
    method: "POST",
    body: JSON.stringify({ inputs: "Hi there", parameters: { max_new_tokens: 3 }, stream: true }),
  });
  assertEquals(response.headers.get("content-type"), "application/vnd.amazon.eventstream");
  const decoded = await frames(response);
  assertEquals(decoded.map((f) => f.type), [
    "PayloadPart",
    "PayloadPart",
    "PayloadPart",
    "PayloadPart",
  ]);
  const lines = decoded.map((f) => {
    assert(f.body.startsWith("data:") && f.body.endsWith("\n\n"), f.body);
    return JSON.parse(f.body.slice(5));
  });
  const [truth] = sim.log();
  assertEquals(lines.slice(0, 3).map((l) => l.tokenbench_sent_at_ms), truth.chunkSentEpochMs);
  assertEquals(lines.slice(0, 3).every((l) => l.token.special === false), true);
  const last = lines[3];
  assertEquals(last.token.special, true);
  assertEquals(last.generated_text, lines.slice(0, 3).map((l) => l.token.text).join(""));
  assertEquals(last.details, {
    finish_reason: "length",
    generated_tokens: 3,
    input_length: truth.inputTokens,
    seed: null,
  });
});

Deno.test("simulator SageMaker format streams OpenAI-style chunks for a Messages body", async () => {
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const response = await fetch(sim.url + STREAM, {
    method: "POST",
    body: JSON.stringify({
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 2,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const text = (await frames(response)).map((f) => f.body).join("");
  const data = text.split("\n\n").filter((l) => l !== "").map((l) => l.slice(6));
  assertEquals(data.at(-1), "[DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assertEquals(chunks[0].choices[0].delta.role, "assistant");
  assertEquals(chunks.at(-1).usage.completion_tokens, 2);
});

Deno.test("simulator SageMaker format answers errors as SageMaker does", async () => {
  const cases: [number, number, string][] = [
    [400, 400, "ValidationError"],
    [429, 429, "ThrottlingException"],
    [502, 424, "ModelError"],
  ];
  for (const [planned, status, name] of cases) {
    await using sim = await startSimulator({ errorRate: 1, errorStatuses: [planned] });
    const response = await fetch(sim.url + STREAM, {
      method: "POST",
      body: JSON.stringify({ inputs: "x", parameters: { max_new_tokens: 2 } }),
    });
    assertEquals(response.status, status);
    assertEquals(response.headers.get("x-amzn-errortype"), name);
    const body = await response.json();
    assert(typeof body.Message === "string", JSON.stringify(body));
    if (name === "ModelError") assertEquals(body.OriginalStatusCode, planned);
  }
  await using sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    streamErrorRate: 1,
    errorStatuses: [500],
  });
  const response = await fetch(sim.url + STREAM, {
    method: "POST",
    body: JSON.stringify({ inputs: "x", parameters: { max_new_tokens: 4 } }),
  });
  const last = (await frames(response)).at(-1)!;
  assertEquals([last.messageType, last.type], ["exception", "InternalStreamFailure"]);
  // Bodies that are neither TGI nor Messages are refused.
  const refused = await fetch(sim.url + STREAM, { method: "POST", body: "{}" });
  assertEquals(refused.status, 424);
  assertEquals((await refused.json()).OriginalStatusCode, 422);
});

Deno.test("simulator SageMaker format returns the whole answer on /invocations", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const response = await fetch(`${sim.url}/endpoints/my-tgi/invocations`, {
    method: "POST",
    body: JSON.stringify({ inputs: "x", parameters: { max_new_tokens: 5 } }),
  });
  const [answer] = await response.json();
  assertEquals(answer.details.generated_tokens, 5);
  assertEquals(answer.generated_text.trim().split(" ").length, 5);
});
