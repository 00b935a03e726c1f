import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { createWorkerPool } from "../../lib/run/worker_pool.ts";
import { createClient } from "../../lib/clients/create_client.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { ClientSpec } from "../../lib/clients/create_client.ts";

const prompt = () => ({ prompt: "Say something.", inputTokens: 3, maxOutputTokens: 5 });

/** Most requests the simulator had open at once, from its log. */
function maxOverlap(log: { arrivalEpochMs: number; endSentEpochMs: number | null }[]): number {
  const events = log.flatMap((l) => [[l.arrivalEpochMs, 1], [l.endSentEpochMs ?? Infinity, -1]]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0, max = 0;
  for (const [, d] of events) max = Math.max(max, open += d);
  return max;
}

Deno.test("runBenchmark() with a worker pool keeps the concurrency and merges records by requestId", async () => {
  await using sim = await startSimulator({ ttftMs: 20, itlMs: 5 });
  const spec: ClientSpec = {
    api: "openai",
    options: { baseUrl: `${sim.url}/v1` },
    transport: "http1",
  };
  const pool = await createWorkerPool(spec, { workers: 2 });
  const { client, close } = await createClient(spec);
  const busy: number[][] = [];
  const watcher = setInterval(() => busy.push(pool.inFlight()), 5);
  try {
    const run = await runBenchmark(client, {
      model: "m",
      prompt,
      concurrency: 3,
      maxRequests: 9,
      pool,
    });
    assertEquals(run.records.map((r) => r.requestId), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert(run.records.every((r) => r.status === "ok" && r.chunkCount === 5), "all ok");
    assert(run.records.every((r) => r.chunkSentEpochMs?.length === 5), "stamps kept");
    assert(maxOverlap(sim.log()) <= 3, `at most 3 in flight, saw ${maxOverlap(sim.log())}`);
    assert(busy.some(([a, b]) => a > 0 && b > 0), "both workers sent requests");
    assertEquals(run.clientHealth.workers, 2);
    assert(run.clientHealth.loopLagMsP99 !== null, "loop lag measured");
    assert(
      run.records.every((r) => r.actualSendMs >= r.intendedSendMs),
      "the hop to the worker counts as dispatch lag, never negative",
    );
  } finally {
    clearInterval(watcher);
    close();
    await pool.close();
  }
});

Deno.test("runBenchmark() gives the shard's request ids to prompt() and the records", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
  const { client, close } = await createClient({
    api: "openai",
    options: { baseUrl: `${sim.url}/v1` },
  });
  const asked: number[] = [];
  try {
    const run = await runBenchmark(client, {
      model: "m",
      prompt: (id) => {
        asked.push(id);
        return prompt();
      },
      concurrency: 1,
      warmup: 1,
      maxRequests: 2,
      requestIds: [1, 4, 7],
    });
    assertEquals(asked, [1, 4, 7]);
    assertEquals(run.records.map((r) => [r.requestId, r.phase]), [
      [1, "warmup"],
      [4, "measure"],
      [7, "measure"],
    ]);
    assertEquals(run.clientHealth.workers, 0);
  } finally {
    close();
  }
});

Deno.test("WorkerPool.timeRequest() cancels in the worker (499) and times out there (408)", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 40 });
  const pool = await createWorkerPool({
    api: "openai",
    options: { baseUrl: `${sim.url}/v1` },
    transport: "fetch",
  }, { workers: 1 });
  try {
    const cancel = new AbortController();
    // Chunks at 5, 45, 85, 125 ms…: cancelled at 150 ms, after the first even on a busy machine
    // and long before the 20th (765 ms).
    setTimeout(() => cancel.abort(new DOMException("stopped by SIGINT", "AbortError")), 150);
    const request = { model: "m", prompt: "x", maxTokens: 20 };
    const [cancelled, timedOut] = await Promise.all([
      pool.timeRequest(request, { cancel: cancel.signal }),
      pool.timeRequest(request, { requestTimeoutMs: 60 }),
    ]);
    assertEquals(cancelled.error?.code, 499);
    assert(cancelled.error!.message.includes("stopped by SIGINT"), cancelled.error!.message);
    assert(cancelled.chunkArrivalMs.length >= 1 && cancelled.chunkArrivalMs.length < 20);
    assertEquals(timedOut.error?.code, 408);
    assert(timedOut.error!.message.startsWith("request timeout"), timedOut.error!.message);
  } finally {
    await pool.close();
  }
  const after = await pool.timeRequest({ model: "m", prompt: "x", maxTokens: 1 });
  assertEquals(after.error?.code, 499, "a closed pool sends nothing");
});

Deno.test("createWorkerPool() rejects when a worker cannot build its client", async () => {
  await assertRejects(
    () => createWorkerPool({ api: "openai", options: { baseUrl: "not a url" } }, { workers: 1 }),
    Error,
    "'baseUrl' must be an http(s) URL",
  );
});

Deno.test("createWorkerPool() refuses a spec that is not plain data, before starting workers", async () => {
  await assertRejects(
    () =>
      createWorkerPool({
        api: "openai",
        options: { baseUrl: "http://127.0.0.1:1/v1", headers: { x: (() => "") as never } },
      }, { workers: 1 }),
    TypeError,
    "plain data",
  );
  await assertRejects(
    () => createWorkerPool({ api: "openai", options: { baseUrl: "http://x/v1" } }, { workers: 0 }),
    RangeError,
    "'workers' must be a positive integer, got 0",
  );
});

Deno.test("a worker builds a Bedrock client from its spec and streams through the simulator", async () => {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const saved = names.map((n) => Deno.env.get(n));
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIATOKENBENCHFAKE02");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "TokenbenchFakeSecretForTheWorkerPool0000");
  Deno.env.delete("AWS_SESSION_TOKEN");
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
  const pool = await createWorkerPool({
    api: "bedrock",
    options: { api: "converse", region: "us-east-1", endpointUrl: sim.url, retries: 0 },
  }, { workers: 1 });
  try {
    const t = await pool.timeRequest({
      model: "anthropic.claude-3-haiku-20240307-v1:0",
      prompt: "Hi",
      maxTokens: 6,
    });
    assertEquals(t.error, null);
    assertEquals(t.chunkArrivalMs.length > 0, true);
    assertEquals(t.usage.outputTokens, 6);
  } finally {
    await pool.close();
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
});

Deno.test("WorkerPool.timeRequest() with sendAtEpochMs waits in the worker, and can be cancelled there", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 5 });
  const pool = await createWorkerPool({
    api: "openai",
    options: { baseUrl: `${sim.url}/v1` },
    transport: "http1",
  }, { workers: 1 });
  try {
    const request = { model: "m", prompt: "x", maxTokens: 2 };
    const sendAtEpochMs = performance.timeOrigin + performance.now() + 40;
    const t = await pool.timeRequest(request, { sendAtEpochMs });
    assertEquals(t.error, null);
    assert(t.startEpochMs >= sendAtEpochMs, `sent ${sendAtEpochMs - t.startEpochMs} ms early`);
    assert(t.startEpochMs - sendAtEpochMs < 30, `sent ${t.startEpochMs - sendAtEpochMs} ms late`);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new DOMException("stopped", "AbortError")), 20);
    const waited = performance.now();
    const cancelled = await pool.timeRequest(request, {
      cancel: cancel.signal,
      sendAtEpochMs: performance.timeOrigin + performance.now() + 5_000,
    });
    assertEquals(cancelled.error?.code, 499);
    assert(performance.now() - waited < 2_000, "the wait ended at the cancel");
    assertEquals(sim.log().length, 1, "the cancelled request was never sent");
  } finally {
    await pool.close();
  }
});

Deno.test("runBenchmark() open loop with a pool hands arrivals over early and never sends early", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 2 });
  const spec: ClientSpec = { api: "openai", options: { baseUrl: `${sim.url}/v1` } };
  const pool = await createWorkerPool(spec, { workers: 1 });
  const { client, close } = await createClient(spec);
  try {
    const run = await runBenchmark(client, {
      model: "m",
      prompt,
      rate: 40,
      arrival: "constant",
      maxRequests: 12,
      pool,
    });
    assertEquals(run.records.length, 12);
    const lags = run.records.map((r) => r.actualSendMs - r.intendedSendMs);
    // Sent from the worker at its due time: never before it (beyond clock rounding).
    assert(lags.every((lag) => lag >= -0.05), `early: ${lags.map((l) => l.toFixed(2))}`);
    const arrivals = sim.log().map((l) => l.arrivalEpochMs).sort((a, b) => a - b);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert(Math.abs(mean - 25) < 5, `mean gap ${mean} ms at 40 requests/s`);
  } finally {
    close();
    await pool.close();
  }
});

Deno.test("workers build Anthropic, Vertex AI (both transports) and SageMaker clients from specs", async () => {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const saved = names.map((n) => Deno.env.get(n));
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIATOKENBENCHFAKE03");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "TokenbenchFakeSecretForTheWorkerPool0001");
  Deno.env.delete("AWS_SESSION_TOKEN");
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
  const specs: ClientSpec[] = [
    { api: "anthropic", options: { baseUrl: sim.url }, transport: "http1" },
    { api: "anthropic", options: { baseUrl: sim.url }, transport: "fetch" },
    { api: "vertexai", options: { project: "p", baseUrl: sim.url }, transport: "http1" },
    {
      api: "sagemaker",
      options: { region: "us-east-1", endpointUrl: sim.url, retries: 0, payload: "tgi" },
    },
  ];
  try {
    for (const spec of specs) {
      const pool = await createWorkerPool(spec, { workers: 1 });
      try {
        const t = await pool.timeRequest({ model: "my-model", prompt: "Hi", maxTokens: 5 });
        const name = `${spec.api} ${"transport" in spec ? spec.transport : ""}`;
        assertEquals(t.error, null, name);
        assert(t.chunkArrivalMs.length > 0 && t.ttftMs !== null, name);
        assert(t.text.length > 0, name);
      } finally {
        await pool.close();
      }
    }
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
});
