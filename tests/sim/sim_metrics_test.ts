import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { parsePrometheusText, prometheusSeriesKey } from "../../lib/wire/prometheus_text.ts";

const MODEL = 'model_name="tokenbench-sim"';

async function scrape(url: string): Promise<Record<string, number>> {
  const response = await fetch(`${url}/metrics`);
  assertEquals(response.status, 200);
  assert(response.headers.get("content-type")!.startsWith("text/plain; version=0.0.4"));
  const parsed = parsePrometheusText(await response.text());
  assertEquals(parsed.errors, []);
  return Object.fromEntries(parsed.samples.map((s) => [prometheusSeriesKey(s), s.value]));
}

/** Scrapes until `key` has `value` (or at least `value`, with `atLeast`; up to 2 s), then returns
 * that scrape. */
async function until(
  url: string,
  key: string,
  value: number,
  atLeast = false,
): Promise<Record<string, number>> {
  const deadline = performance.now() + 2000;
  for (;;) {
    const values = await scrape(url);
    const v = values[key];
    if (v === value || (atLeast && v > value) || performance.now() > deadline) return values;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const RECEIVED = "tokenbench_sim_requests_received_total";

function chat(url: string, maxTokens: number, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    signal,
    body: JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: "Hello there" }],
      max_tokens: maxTokens,
      stream: true,
    }),
  });
}

Deno.test("GET /metrics counts running requests, tokens and successes with vLLM's names", async () => {
  await using sim = await startSimulator({ ttftMs: 300, itlMs: 1 });
  const idle = await scrape(sim.url);
  assertEquals(idle[`vllm:num_requests_running{${MODEL}}`], 0);
  assertEquals(idle[`vllm:num_requests_waiting{${MODEL}}`], 0);
  assertEquals(idle[`vllm:kv_cache_usage_perc{${MODEL}}`], 0);
  assertEquals(idle["tokenbench_sim_requests_received_total"], 0);
  const pending = [chat(sim.url, 5), chat(sim.url, 5), chat(sim.url, 5)];
  const busy = await until(sim.url, RECEIVED, 3);
  assertEquals(busy[`vllm:num_requests_running{${MODEL}}`], 3);
  assert(busy[`vllm:kv_cache_usage_perc{${MODEL}}`] > 0);
  assertEquals(busy["tokenbench_sim_requests_received_total"], 3);
  for (const response of await Promise.all(pending)) await response.text();
  const after = await scrape(sim.url);
  const log = sim.log();
  assertEquals(after[`vllm:num_requests_running{${MODEL}}`], 0);
  assertEquals(after[`vllm:kv_cache_usage_perc{${MODEL}}`], 0);
  assertEquals(after[`vllm:request_success_total{finished_reason="length",${MODEL}}`], 3);
  assertEquals(after[`vllm:generation_tokens_total{${MODEL}}`], 15);
  assertEquals(
    after[`vllm:prompt_tokens_total{${MODEL}}`],
    log.reduce((n, entry) => n + entry.inputTokens, 0),
  );
  // The scrapes themselves are no requests of a format.
  assertEquals(log.length, 3);
});

Deno.test("maxRunning queues the requests beyond it: waiting in /metrics, TTFT grows by the wait", async () => {
  await using sim = await startSimulator({ ttftMs: 400, itlMs: 1, maxRunning: 2 });
  assertEquals(sim.info.maxRunning, 2);
  const pending = [1, 2, 3, 4].map(() => chat(sim.url, 2));
  const busy = await until(sim.url, RECEIVED, 4);
  assertEquals(busy[`vllm:num_requests_running{${MODEL}}`], 2);
  assertEquals(busy[`vllm:num_requests_waiting{${MODEL}}`], 2);
  for (const response of await Promise.all(pending)) await response.text();
  // Two start at once; each of the other two waits for a slot, then plays its own 400 ms TTFT
  // from there: its first chunk comes at least 400 ms after an earlier request ended.
  const entries = sim.log().sort((a, b) => a.chunkSentEpochMs[0] - b.chunkSentEpochMs[0]);
  const firstEnd = Math.min(entries[0].endSentEpochMs!, entries[1].endSentEpochMs!);
  for (const queued of entries.slice(2)) {
    assert(queued.chunkSentEpochMs[0] - firstEnd >= 399, JSON.stringify(entries));
    assert(queued.chunkSentEpochMs[0] - queued.arrivalEpochMs > 400);
  }
  const after = await scrape(sim.url);
  assertEquals(after[`vllm:num_requests_waiting{${MODEL}}`], 0);
  assertEquals(after[`vllm:request_success_total{finished_reason="length",${MODEL}}`], 4);
});

Deno.test("a client that leaves the queue is counted as disconnected once its turn comes", async () => {
  await using sim = await startSimulator({ ttftMs: 200, itlMs: 1, maxRunning: 1 });
  const first = chat(sim.url, 2);
  await until(sim.url, RECEIVED, 1);
  const controller = new AbortController();
  const second = chat(sim.url, 2, controller.signal).catch(() => null);
  assertEquals((await until(sim.url, RECEIVED, 2))[`vllm:num_requests_waiting{${MODEL}}`], 1);
  controller.abort();
  await second;
  await (await first).text();
  const after = await until(sim.url, "tokenbench_sim_requests_disconnected_total", 1);
  assertEquals(after[`vllm:num_requests_waiting{${MODEL}}`], 0);
  assertEquals(after[`vllm:num_requests_running{${MODEL}}`], 0);
  assertEquals(after["tokenbench_sim_requests_disconnected_total"], 1);
  // The slot still works: a third request runs at once.
  await (await chat(sim.url, 2)).text();
  assertEquals(
    (await scrape(sim.url))[`vllm:request_success_total{finished_reason="length",${MODEL}}`],
    2,
  );
});

Deno.test("GET /metrics counts errors by status", async () => {
  await using sim = await startSimulator({ errorRate: 1, errorStatuses: [429], apiKey: "k-123" });
  await (await chat(sim.url, 2)).text(); // no key: 401
  const response = await fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer k-123" },
    body: JSON.stringify({ model: "m", messages: [], max_tokens: 2 }),
  });
  await response.text();
  const after = await scrape(sim.url);
  assertEquals(after['tokenbench_sim_request_errors_total{status="401"}'], 1);
  assertEquals(after['tokenbench_sim_request_errors_total{status="429"}'], 1);
});

Deno.test("GET /metrics counts prompt tokens at the start and generated tokens as they are sent", async () => {
  await using sim = await startSimulator({ ttftMs: 10, itlMs: 40 });
  const pending = chat(sim.url, 10);
  const mid = await until(sim.url, `vllm:generation_tokens_total{${MODEL}}`, 1, true);
  const [entry] = sim.log();
  assertEquals(mid[`vllm:prompt_tokens_total{${MODEL}}`], entry.inputTokens);
  const sent = mid[`vllm:generation_tokens_total{${MODEL}}`];
  assert(sent > 0 && sent < 10, String(sent));
  await (await pending).text();
  assertEquals((await scrape(sim.url))[`vllm:generation_tokens_total{${MODEL}}`], 10);
});
