import { assert, assertEquals } from "../_assert.ts";
import { startServerMetricsScraper } from "../../lib/run/scrape_server_metrics.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { ServerMetricsLine } from "../../lib/core/summarize_server_metrics.ts";

const VLLM = Deno.readTextFileSync(
  new URL("../testdata/prometheus/vllm_metrics.txt", import.meta.url),
);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch answering `answer(n)` for the n-th call, recording the requests. */
function fakeFetch(answer: (n: number, init?: RequestInit) => Promise<Response> | Response) {
  const calls: { url: string; headers: Headers }[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), headers: new Headers(init?.headers) });
    return Promise.resolve(answer(calls.length - 1, init));
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

Deno.test("startServerMetricsScraper() scrapes the simulator on a fixed grid until stop()", async () => {
  await using sim = await startSimulator();
  const lines: ServerMetricsLine[] = [];
  const scraper = startServerMetricsScraper(`${sim.url}/metrics`, {
    intervalMs: 40,
    onLine: (line) => {
      lines.push(line);
    },
  });
  await sleep(230);
  const run = await scraper.stop();
  assertEquals(await scraper.stop(), run);
  // Starts on the 40 ms grid: never two in one slot of it (a late or slow scrape skips the
  // starts it missed), then one more at stop().
  const starts = run.scrapes.slice(0, -1).map((s) => s.tMs - s.scrapeMs);
  assert(starts.length >= 2 && starts.length <= 7, starts.join());
  const slots = starts.map((t) => Math.floor((t + 1) / 40));
  for (let i = 1; i < slots.length; i++) assert(slots[i] > slots[i - 1], starts.join());
  assertEquals(run.failures, []);
  assertEquals(lines[0], run.header);
  assertEquals(lines.length, 1 + run.scrapes.length);
  assertEquals(run.header.url, `${sim.url}/metrics`);
  // The types come once, with the first scrape that saw them.
  assertEquals(run.scrapes[0].types?.["vllm:num_requests_running"], "gauge");
  assertEquals(run.scrapes[1].types, undefined);
  assertEquals(run.types["vllm:request_success_total"], "counter");
  assertEquals(sim.log().length, 0);
});

Deno.test("startServerMetricsScraper() keeps counters and gauges, and the names asked for", async () => {
  const { fetch } = fakeFetch(() => new Response(VLLM));
  const all = await startServerMetricsScraper("http://127.0.0.1:1/metrics", {
    fetch,
    intervalMs: 1000,
  }).stop();
  const keys = Object.keys(all.scrapes[0].values);
  assertEquals(keys.length, 7);
  assert(!keys.some((k) => k.includes("time_to_first_token")));
  const some = await startServerMetricsScraper("http://127.0.0.1:1/metrics", {
    fetch,
    names: ["vllm:time_to_first_token_seconds"],
  }).stop();
  // The 7 counter and gauge series, and the histogram's 2 buckets, count and sum.
  assertEquals(Object.keys(some.scrapes[0].values).length, 11);
  assertEquals(some.types["vllm:time_to_first_token_seconds_bucket"], "histogram");
});

Deno.test("startServerMetricsScraper() records failures instead of throwing", async () => {
  const { fetch } = fakeFetch((n, init) => {
    if (n === 0) return new Response("down", { status: 503 });
    if (n === 1) return new Response("<html>nothing</html>");
    if (n === 2) return Promise.reject(new TypeError("connection refused"));
    // Never answers: the scrape times out.
    return new Promise((_, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
    });
  });
  const scraper = startServerMetricsScraper("http://127.0.0.1:1/metrics", {
    fetch,
    intervalMs: 20,
    timeoutMs: 30,
  });
  await sleep(70);
  const run = await scraper.stop();
  const messages = run.failures.map((f) => f.message);
  assertEquals(run.scrapes, []);
  assertEquals(messages[0], "HTTP 503 from http://127.0.0.1:1/metrics");
  assert(
    messages[1].startsWith("no Prometheus samples from http://127.0.0.1:1/metrics"),
    messages[1],
  );
  assertEquals(messages[2], "cannot scrape http://127.0.0.1:1/metrics: connection refused");
  assertEquals(messages[3], "cannot scrape http://127.0.0.1:1/metrics: timed out after 30 ms");
});

Deno.test("startServerMetricsScraper() sends URL credentials as a header and writes them nowhere", async () => {
  const { fetch, calls } = fakeFetch(() => new Response("down", { status: 401 }));
  const lines: ServerMetricsLine[] = [];
  const run = await startServerMetricsScraper("http://admin:s3cret-pass@127.0.0.1:1/metrics", {
    fetch,
    onLine: (line) => {
      lines.push(line);
    },
  }).stop();
  assertEquals(calls[0].url, "http://127.0.0.1:1/metrics");
  assertEquals(calls[0].headers.get("authorization"), `Basic ${btoa("admin:s3cret-pass")}`);
  const written = JSON.stringify(lines) + JSON.stringify(run);
  assert(!written.includes("s3cret-pass") && !written.includes(btoa("admin:s3cret-pass")));
});

Deno.test("startServerMetricsScraper() rejects a bad URL or interval before sending", () => {
  const { fetch, calls } = fakeFetch(() => new Response(""));
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      return (error as Error).message;
    }
    return "";
  };
  assertEquals(
    message(() => startServerMetricsScraper("ftp://h/metrics", { fetch })),
    `Cannot scrape server metrics: 'url' must be an http(s) URL, got "ftp://h/metrics"`,
  );
  assertEquals(
    message(() => startServerMetricsScraper("http://h/metrics", { fetch, intervalMs: 0 })),
    "Cannot scrape server metrics: 'intervalMs' must be a number >= 10, got 0",
  );
  assertEquals(calls.length, 0);
});
