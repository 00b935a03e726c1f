import { assert, assertEquals } from "../_assert.ts";
import { plotServerMetrics } from "../../lib/plot/plot_server_metrics.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts } from "../_plot_fixture.ts";
import type { ServerMetricsRun } from "../../lib/core/summarize_server_metrics.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const M = '{model_name="m"}';
/** Scrapes every 500 ms from epoch 10 000 (the run starts at 9 000): running, waiting, KV. */
const RUN: ServerMetricsRun = {
  header: {
    kind: "server-metrics",
    schemaVersion: 1,
    tool: { name: "tokenbench", version: "0" },
    url: "http://127.0.0.1:8000/metrics",
    intervalMs: 500,
    startEpochMs: 10_000,
    names: [],
  },
  scrapes: [[0, 0, 0, 0], [1, 2, 1, 0.25], [2, 2, 0, 0.5], [3, 0, 0, 0]].map((
    [i, running, waiting, kv],
  ) => ({
    kind: "scrape" as const,
    tMs: i * 500,
    epochMs: 10_000 + i * 500,
    scrapeMs: 2,
    values: {
      [`vllm:num_requests_running${M}`]: running,
      [`vllm:num_requests_waiting${M}`]: waiting,
      [`vllm:kv_cache_usage_perc${M}`]: kv,
      [`vllm:generation_tokens_total${M}`]: i * 100,
    },
  })),
  failures: [{ kind: "scrape-error", tMs: 2000, epochMs: 12_000, message: "HTTP 503" }],
  types: {
    "vllm:num_requests_running": "gauge",
    "vllm:num_requests_waiting": "gauge",
    "vllm:kv_cache_usage_perc": "gauge",
    "vllm:generation_tokens_total": "counter",
  },
};

const record = (actualSendMs: number, e2eMs: number) =>
  ({ actualSendMs, e2eMs, startEpochMs: 9_000 + actualSendMs }) as RequestRecord;

Deno.test("plotServerMetrics() puts the server's running and waiting beside the client's in flight", () => {
  const records = [record(1000, 1500), record(1200, 600), record(1400, 1000)];
  const [requests, kv] = dataValues(plotServerMetrics(RUN, { records }));
  const series = (name: string) =>
    requests.filter((p) => p.series === name).map((p) => [p.tS, p.value]);
  // Scrapes at epoch 10 000 + 500 i, on the run's clock (from 9 000): 1, 1.5, 2, 2.5 s.
  assertEquals(series("server: running"), [[1, 0], [1.5, 2], [2, 2], [2.5, 0]]);
  assertEquals(series("server: waiting"), [[1, 0], [1.5, 1], [2, 0], [2.5, 0]]);
  // In flight: +1 at 1.0, 1.2, 1.4 s, −1 at 1.8, 2.4, 2.5 s.
  assertEquals(series("client: requests in flight"), [
    [0, 0],
    [1, 1],
    [1.2, 2],
    [1.4, 3],
    [1.8, 2],
    [2.4, 1],
    [2.5, 0],
  ]);
  // KV-cache usage in percent.
  assertEquals(kv.map((p) => p.value), [0, 25, 50, 0]);
});

Deno.test("plotServerMetrics() adds a panel per name, a counter as its rate, and renders", async () => {
  const spec = plotServerMetrics(RUN, { names: ["vllm:generation_tokens_total"] });
  const values = dataValues(spec);
  assertEquals(values.length, 3);
  // 100 tokens every 0.5 s: 200 per s (no rate before the second scrape).
  assertEquals(values[2].map((p) => p.value), [200, 200, 200]);
  // Without records the clock starts when scraping started.
  assertEquals(values[0].filter((p) => p.series === "server: running").map((p) => p.tS), [
    0,
    0.5,
    1,
    1.5,
  ]);
  const texts = svgTexts(await renderSvg(spec));
  for (
    const text of [
      "Requests",
      "KV-cache usage (%)",
      "vllm:generation_tokens_total (per s)",
      "Time since the run started (s)",
      "server: running",
      "server: waiting",
    ]
  ) {
    assert(texts.includes(text), `missing ${text}: ${texts.join("|")}`);
  }
  assert(texts.some((t) => t.includes("4 scrapes of http://127.0.0.1:8000/metrics every 500 ms")));
  assert(texts.some((t) => t.includes("1 failed scrape")));
});

Deno.test("plotServerMetrics() says why it has nothing to draw and checks its input", async () => {
  const empty = plotServerMetrics({ ...RUN, scrapes: [] });
  assert(svgTexts(await renderSvg(empty)).includes("no successful scrape"));
  let message = "";
  try {
    plotServerMetrics(null as unknown as ServerMetricsRun);
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.startsWith("Cannot plot server metrics: 'run' must be"), message);
  try {
    plotServerMetrics(RUN, { width: -1 });
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes("width"), message);
});
