import { assert, assertEquals } from "../_assert.ts";
import {
  readServerMetricsJsonl,
  runClockOriginEpochMs,
} from "../../lib/report/read_server_metrics.ts";
import { rebuildRunFiles } from "../../lib/report/rebuild_run_files.ts";
import { benchmark } from "../../lib/run/benchmark.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const HEADER = {
  kind: "server-metrics",
  schemaVersion: 1,
  tool: { name: "tokenbench", version: "0.1.0" },
  url: "http://127.0.0.1:8000/metrics",
  intervalMs: 1000,
  startEpochMs: 1000,
  names: [],
};

Deno.test("readServerMetricsJsonl() reads scrapes and failures, and leaves out a torn last line", () => {
  const text = [
    HEADER,
    { kind: "scrape", tMs: 0, epochMs: 1000, scrapeMs: 2, values: { a: 1 }, types: { a: "gauge" } },
    { kind: "scrape-error", tMs: 1000, epochMs: 2000, message: "HTTP 503" },
    { kind: "future-kind", x: 1 },
    {
      kind: "scrape",
      tMs: 2000,
      epochMs: 3000,
      scrapeMs: 2,
      values: { a: 2, b: 1 },
      types: { b: "counter" },
    },
  ].map((line) => JSON.stringify(line)).join("\n") + '\n{"kind":"scrape","tMs":30';
  const run = readServerMetricsJsonl(text);
  assertEquals(run.header.url, HEADER.url);
  assertEquals(run.scrapes.map((s) => s.values.a), [1, 2]);
  assertEquals(run.failures.map((f) => f.message), ["HTTP 503"]);
  assertEquals(run.types, { a: "gauge", b: "counter" });
});

Deno.test("readServerMetricsJsonl() names the file when it is not server metrics", () => {
  for (const text of ["", "not json", JSON.stringify({ kind: "run" })]) {
    let message = "";
    try {
      readServerMetricsJsonl(text, { path: "x/server_metrics.jsonl" });
    } catch (error) {
      message = (error as Error).message;
    }
    assert(message.startsWith("Cannot read x/server_metrics.jsonl: the first line"), message);
  }
  let middle = "";
  try {
    readServerMetricsJsonl([JSON.stringify(HEADER), "{bad", "{}"].join("\n"));
  } catch (error) {
    middle = (error as Error).message;
  }
  assertEquals(middle, "Cannot read server_metrics.jsonl: line 2 is not JSON");
});

Deno.test("runClockOriginEpochMs() is the median of each record's send less its run-clock send", () => {
  const records = [[5_000, 0], [5_105, 100], [5_202, 200]].map(([startEpochMs, actualSendMs]) =>
    ({ startEpochMs, actualSendMs }) as RequestRecord
  );
  assertEquals(runClockOriginEpochMs(records), 5_002);
  assertEquals(runClockOriginEpochMs([]), null);
});

Deno.test("rebuildRunFiles() summarizes server_metrics.jsonl into summary.json and copies it", async () => {
  await using sim = await startSimulator({ ttftMs: 20, itlMs: 2 });
  const resultsDir = await Deno.makeTempDir();
  try {
    const run = await benchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
      model: "sim",
      meanInputTokens: 20,
      stddevInputTokens: 0,
      meanOutputTokens: 5,
      stddevOutputTokens: 0,
      concurrency: 2,
      maxRequests: 4,
      simulator: sim,
      resultsDir,
      serverMetrics: { url: `${sim.url}/metrics`, intervalMs: 20 },
    });
    const original = JSON.parse(await Deno.readTextFile(`${run.dir}/summary.json`));
    const rebuilt = await rebuildRunFiles(run.dir!, { outDir: `${resultsDir}/copy` });
    assert(rebuilt.paths.includes(`${resultsDir}/copy/server_metrics.jsonl`), rebuilt.paths.join());
    const summary = JSON.parse(await Deno.readTextFile(`${resultsDir}/copy/summary.json`));
    assertEquals(summary.serverMetrics, original.serverMetrics);
    assertEquals(summary.serverMetrics.roles.running.name, "vllm:num_requests_running");
    assert(summary.serverMetrics.scrapes >= 2);
  } finally {
    await Deno.remove(resultsDir, { recursive: true });
  }
});
