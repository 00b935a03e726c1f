/**
 * The simulator's Bedrock wire formats, read byte by byte (and, for the non-streamed APIs,
 * through the SDK). Like bedrock_client_test.ts, the simulator gets the Bedrock formats
 * explicitly; drop the `formats` line once `startSimulator` serves them by default.
 */
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import {
  BedrockRuntimeClient,
  ConverseCommand,
  InvokeModelCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import {
  createEventstreamFrames,
  type EventstreamFrame,
} from "../../lib/wire/eventstream_frames.ts";
import { type SimulatorOptions, startSimulator } from "../../lib/sim/simulator.ts";

function startBedrockSim(options: SimulatorOptions = {}) {
  return startSimulator({
    ...options,
  });
}

async function post(
  url: string,
  body: unknown,
): Promise<{ response: Response; frames: EventstreamFrame[] }> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const isStream = response.headers.get("content-type") === "application/vnd.amazon.eventstream";
  return { response, frames: isStream ? createEventstreamFrames().decode(bytes) : [] };
}

const chunkJson = (frame: EventstreamFrame) => {
  const { bytes } = JSON.parse(frame.body);
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))));
};

const CONVERSE_BODY = {
  messages: [{ role: "user", content: [{ text: "Hello there" }] }],
  inferenceConfig: { maxTokens: 4 },
};

Deno.test("Bedrock simulator streams ConverseStream events in AWS event-stream frames", async () => {
  await using sim = await startBedrockSim({ ttftMs: 5, itlMs: 1 });
  const { response, frames } = await post(
    `${sim.url}/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse-stream`,
    CONVERSE_BODY,
  );
  assertEquals(response.status, 200);
  assertEquals(
    frames.map((f) => f.type),
    [
      "messageStart",
      "contentBlockDelta",
      "contentBlockDelta",
      "contentBlockDelta",
      "contentBlockDelta",
      "contentBlockStop",
      "messageStop",
      "metadata",
    ],
  );
  for (const frame of frames) {
    assertEquals([frame.messageType, frame.contentType], ["event", "application/json"]);
  }
  const [truth] = sim.log();
  assertEquals(truth.model, "amazon.nova-lite-v1:0");
  const text = frames.filter((f) => f.type === "contentBlockDelta")
    .map((f) => JSON.parse(f.body).delta.text).join("");
  assertEquals(text.split(" ").length, 4);
  assertEquals(JSON.parse(frames[6].body), { stopReason: "max_tokens" });
  const metadata = JSON.parse(frames[7].body);
  assertEquals(metadata.usage, {
    inputTokens: truth.inputTokens,
    outputTokens: 4,
    totalTokens: truth.inputTokens + 4,
  });
  assertAlmostEquals(metadata.metrics.latencyMs, truth.endSentEpochMs! - truth.arrivalEpochMs, 1);
});

Deno.test("Bedrock simulator streams InvokeModel chunks with base64 bytes and invocation metrics", async () => {
  await using sim = await startBedrockSim({ ttftMs: 5, itlMs: 1, outputTokens: 3 });
  const { frames } = await post(
    `${sim.url}/model/anthropic.claude-instant-v1/invoke-with-response-stream`,
    { prompt: "\n\nHuman: Hi\n\nAssistant:", max_tokens_to_sample: 10 },
  );
  const [truth] = sim.log();
  assert(frames.every((f) => f.type === "chunk" && f.messageType === "event"), "chunks only");
  const chunks = frames.map(chunkJson);
  assertEquals(chunks.length, 4);
  assertEquals(chunks.slice(0, 3).map((c) => c.stop_reason), [null, null, null]);
  assertEquals(chunks.map((c) => c.tokenbench_sent_at_ms).slice(0, 3), truth.chunkSentEpochMs);
  const last = chunks[3];
  assertEquals([last.completion, last.stop_reason], ["", "stop_sequence"]);
  const metrics = last["amazon-bedrock-invocationMetrics"];
  assertEquals([metrics.inputTokenCount, metrics.outputTokenCount], [truth.inputTokens, 3]);
  assertAlmostEquals(metrics.firstByteLatency, truth.chunkSentEpochMs[0] - truth.arrivalEpochMs, 1);
  assertAlmostEquals(metrics.invocationLatency, truth.endSentEpochMs! - truth.arrivalEpochMs, 1);
});

Deno.test("Bedrock simulator sends injected errors as AWS does: HTTP with x-amzn-errortype, or exception frames", async () => {
  {
    await using sim = await startBedrockSim({ errorRate: 1, errorStatuses: [429] });
    const { response } = await post(`${sim.url}/model/m.x/converse-stream`, CONVERSE_BODY);
    assertEquals(response.status, 429);
    assert(
      response.headers.get("x-amzn-errortype")?.startsWith("ThrottlingException:"),
      String(response.headers.get("x-amzn-errortype")),
    );
  }
  {
    await using sim = await startBedrockSim({
      ttftMs: 2,
      itlMs: 1,
      streamErrorRate: 1,
      errorStatuses: [429],
      seed: 4,
    });
    const { frames } = await post(`${sim.url}/model/m.x/converse-stream`, CONVERSE_BODY);
    const last = frames.at(-1)!;
    assertEquals([last.messageType, last.type], ["exception", "throttlingException"]);
    assertEquals(last.headers[":exception-type"], "throttlingException");
    assert(JSON.parse(last.body).message.includes("429"), last.body);
    const deltas = frames.filter((f) => f.type === "contentBlockDelta").length;
    assertEquals(deltas, sim.log()[0].chunkSentEpochMs.length);
  }
  {
    await using sim = await startBedrockSim();
    const bad = await fetch(`${sim.url}/model/m.x/converse-stream`, { method: "POST", body: "{" });
    assertEquals(bad.status, 400);
    assert(bad.headers.get("x-amzn-errortype")?.startsWith("ValidationException:"), "400 name");
    await bad.body?.cancel();
    const unknown = await post(`${sim.url}/model/m.x/invoke-with-response-stream`, { foo: 1 });
    assertEquals(unknown.response.status, 400);
  }
});

Deno.test("Bedrock simulator answers the non-streamed Converse and InvokeModel APIs", async () => {
  await using sim = await startBedrockSim({ ttftMs: 2, itlMs: 1 });
  const sdk = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: sim.url,
    maxAttempts: 1,
    requestHandler: new FetchHttpHandler(),
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake" },
  });
  const converse = await sdk.send(
    new ConverseCommand({
      modelId: "anthropic.claude-3-haiku-20240307-v1:0",
      messages: [{ role: "user", content: [{ text: "Hi" }] }],
      inferenceConfig: { maxTokens: 5 },
    }),
  );
  const text = converse.output?.message?.content?.[0]?.text ?? "";
  assertEquals(text.split(" ").length, 5);
  assertEquals(converse.usage?.outputTokens, 5);
  assertEquals(converse.stopReason, "max_tokens");
  assert((converse.metrics?.latencyMs ?? 0) >= 5, "latency covers the answer");
  const invoked = await sdk.send(
    new InvokeModelCommand({
      modelId: "meta.llama3-8b-instruct-v1:0",
      body: JSON.stringify({ prompt: "Hi", max_gen_len: 6 }),
    }),
  );
  const body = JSON.parse(new TextDecoder().decode(invoked.body));
  assertEquals([body.generation.split(" ").length, body.generation_token_count], [6, 6]);
  assertEquals(body.stop_reason, "length");
  assertEquals(sim.log().map((l) => [l.format, l.stream]), [
    ["bedrock-converse", false],
    ["bedrock-invoke", false],
  ]);
});
