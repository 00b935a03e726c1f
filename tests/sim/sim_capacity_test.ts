import { throws } from "node:assert/strict";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { createSimCapacity } from "../../lib/sim/sim_capacity.ts";
import { createSimQuota } from "../../lib/sim/sim_quota.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { benchmark } from "../../lib/run/benchmark.ts";

const BASE = { ttftMs: 10, itlMs: 2 };

Deno.test("createSimCapacity(): ITL grows with the running batch, up to maxBatch", () => {
  const capacity = createSimCapacity({ maxBatch: 4, itlGrowth: 0.5 });
  const itls = [0, 1, 2, 3].map(() => capacity.admit(0, 100, 50, BASE).itlMs);
  // The k-th admitted finds k − 1 running: itl × (1 + 0.5 × (k − 1)).
  assertEquals(itls, [2, 3, 4, 5]);
});

Deno.test("createSimCapacity(): prompts are prefilled one after the other", () => {
  const capacity = createSimCapacity({ maxBatch: 8, prefillTokensPerS: 10_000 });
  // 1000 tokens take 100 ms each: simultaneous arrivals get TTFT 110, 210, 310 ms.
  const ttfts = [0, 1, 2].map(() => capacity.admit(0, 1000, 5, BASE).ttftMs);
  assertEquals(ttfts, [110, 210, 310]);
  // Once the queue has drained, no wait.
  assertEquals(capacity.admit(10_000, 1000, 5, BASE).ttftMs, 110);
});

Deno.test("createSimCapacity(): beyond maxBatch an arrival waits for the first slot to free", () => {
  const capacity = createSimCapacity({ maxBatch: 2 });
  capacity.admit(0, 1, 11, BASE); // first token at 10, ends at 10 + 10 × 2 = 30
  capacity.admit(0, 1, 21, BASE); // ends at 50
  const third = capacity.admit(20, 1, 5, BASE);
  assertEquals([third.queueMs, third.ttftMs, third.running], [10, 20, 2]);
  throws(() => createSimCapacity({ maxBatch: 0 }), /'maxBatch' must be a positive integer, got 0/);
  throws(
    () => createSimCapacity({ maxBatch: 1, itlGrowth: -1 }),
    /'itlGrowth' must be a number >= 0/,
  );
});

Deno.test("createSimQuota(): requests and tokens per minute refill continuously", () => {
  const quota = createSimQuota({ rpm: 600, tpm: 60_000 }); // 10 requests/s, 1000 tokens/s
  let passed = 0;
  for (let i = 0; i < 30; i++) if (quota.take(0, 10) === null) passed++;
  assertEquals(passed, 10, "a burst of one second's worth");
  assertEquals(quota.take(50, 10)?.quota, "rpm");
  assert(quota.take(100, 10) === null, "refilled by one request in 100 ms");
  const tokens = createSimQuota({ tpm: 60_000 });
  assert(tokens.take(0, 800) === null);
  const refused = tokens.take(0, 800)!;
  assertEquals(refused.quota, "tpm");
  assertAlmostEquals(refused.retryAfterMs, 600, 1e-6);
});

Deno.test("simulator quota: over the RPM quota, 429 with retry-after (Bedrock: ThrottlingException)", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1, quota: { rpm: 120 } }); // 2/s
  const chat = () =>
    fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "m",
        max_tokens: 1,
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await chat();
    statuses.push(r.status);
    if (r.status === 429) assert(Number(r.headers.get("retry-after")) >= 1);
    await r.body?.cancel();
  }
  assertEquals(statuses, [200, 200, 429, 429]);
  const bedrock = await fetch(`${sim.url}/model/m.x/converse`, {
    method: "POST",
    body: JSON.stringify({ messages: [{ role: "user", content: [{ text: "Hi" }] }] }),
  });
  assertEquals(bedrock.status, 429);
  assert(bedrock.headers.get("x-amzn-errortype")!.startsWith("ThrottlingException"));
  await bedrock.body?.cancel();
  assertEquals(sim.log().filter((t) => t.status === 429).length, 3);
});

Deno.test("simulator capacity: a closed loop of C streams sees ITL × (1 + growth × (C − 1))", async () => {
  await using sim = await startSimulator({
    ttftMs: 20,
    itlMs: 4,
    capacity: { maxBatch: 16, itlGrowth: 0.25 },
  });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const run = await benchmark(client, {
    model: "m",
    meanInputTokens: 30,
    stddevInputTokens: 0,
    meanOutputTokens: 30,
    stddevOutputTokens: 0,
    concurrency: 4,
    maxRequests: 16,
    gracePeriodS: 0,
  });
  // After the start, every request is admitted with the 3 others running: 4 × 1.75 = 7 ms.
  const itl = run.records.slice(4).map((r) => r.interTokenLatencyMs!);
  const median = itl.sort((a, b) => a - b)[itl.length >> 1];
  assertAlmostEquals(median, 7, 1);
});
