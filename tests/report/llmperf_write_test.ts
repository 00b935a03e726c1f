import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { writeLlmperfFiles } from "../../lib/report/write_llmperf_files.ts";
import { llmperfSummary } from "../../lib/report/llmperf_summary.ts";
import { llmperfFileStem } from "../../lib/report/llmperf_file_stem.ts";
import {
  type LlmperfIndividualRecord,
  toLlmperfIndividual,
} from "../../lib/report/llmperf_individual.ts";
import { readResults } from "../../lib/report/read_results.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const SHIPPED = new URL(
  "../../raw_data/llmperf-leaderboard/summary/anyscale_70b.json",
  import.meta.url,
);

function requestRecord(i: number, ok = true): RequestRecord {
  return {
    requestId: i,
    phase: "measure",
    intendedSendMs: 0,
    actualSendMs: 0,
    startEpochMs: 0,
    inputTokens: 550,
    maxOutputTokens: 150,
    outputTokens: ok ? 150 : 0,
    reasoningTokens: 0,
    serverInputTokens: null,
    serverOutputTokens: null,
    serverLatencyMs: null,
    serverFirstByteLatencyMs: null,
    headersMs: 5,
    firstMessageMs: 6,
    ttftMs: 200 + i,
    firstReasoningMs: null,
    lastContentMs: 3000,
    e2eMs: 3000 + i,
    interTokenLatencyMs: 18.8,
    llmperfInterTokenLatencyS: 0.02,
    outputThroughputTokPerS: 50,
    chunkCount: 150,
    chunkArrivalMs: [],
    chunkTokens: [],
    reasoningArrivalMs: [],
    messageCount: 0,
    choicesArrivalMs: [],
    lastMessageMs: null,
    retries: 0,
    ...(ok
      ? { status: "ok", errorCode: null, errorMessage: null }
      : { status: "error", errorCode: 429, errorMessage: "Too Many Requests" }),
  } as RequestRecord;
}

function summaryOf(individual: LlmperfIndividualRecord[]) {
  return llmperfSummary(individual, {
    model: "meta-llama/Llama-2-70b-chat-hf",
    meanInputTokens: 550,
    stddevInputTokens: 0,
    meanOutputTokens: 150,
    stddevOutputTokens: 0,
    numConcurrentRequests: 5,
    additionalSamplingParams: {},
    metadata: { framework: "anyscale", model_size: "70b", api: "https://example.invalid/v1" },
    wallTimeS: 100,
    timestamp: 1703136129,
  });
}

Deno.test("writeLlmperfFiles() writes LLMPerf's two files with the shipped summary's exact key set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const individual = [0, 1, 2].map((i) => toLlmperfIndividual(requestRecord(i, i !== 1)));
    const summary = summaryOf(individual);
    const stem = llmperfFileStem("meta-llama/Llama-2-70b-chat-hf", {
      meanInputTokens: 550,
      meanOutputTokens: 150,
    });
    const paths = await writeLlmperfFiles(`${dir}/out`, { stem, individual, summary });
    assertEquals(
      paths.summaryPath,
      `${dir}/out/meta-llama-Llama-2-70b-chat-hf_550_150_summary.json`,
    );
    assertEquals(
      paths.individualPath,
      `${dir}/out/meta-llama-Llama-2-70b-chat-hf_550_150_individual_responses.json`,
    );
    const written = JSON.parse(await Deno.readTextFile(paths.summaryPath));
    const shipped = JSON.parse(await Deno.readTextFile(SHIPPED));
    assertEquals(Object.keys(written), Object.keys(shipped));
    for (const k of Object.keys(shipped)) assertEquals(typeof written[k], typeof shipped[k], k);
    assertEquals(written.results_error_code_frequency, "{429.0: 1}");
    // indent=4 as LLMPerf's json.dump
    assert(
      (await Deno.readTextFile(paths.summaryPath)).startsWith('{\n    "version": "2023-08-31",'),
    );
    // and the loader reads them back as one run
    const { runs, errors } = await readResults([`${dir}/out`]);
    assertEquals(errors, []);
    assertEquals(runs[0].individual, individual);
    assertEquals(runs[0].summary, summary);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeLlmperfFiles() writes null, never NaN, when nothing succeeded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const individual = [toLlmperfIndividual(requestRecord(0, false))];
    const paths = await writeLlmperfFiles(dir, {
      stem: "s",
      individual,
      summary: summaryOf(individual),
    });
    const text = await Deno.readTextFile(paths.summaryPath);
    assert(!text.includes("NaN"));
    assertEquals(JSON.parse(text).results_ttft_s_mean, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeLlmperfFiles() refuses to overwrite and leaves the existing files untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/s_individual_responses.json`, "old");
    await rejects(
      writeLlmperfFiles(dir, { stem: "s", individual: [], summary: {} }),
      Deno.errors.AlreadyExists,
    );
    assertEquals(await Deno.readTextFile(`${dir}/s_individual_responses.json`), "old");
    // the summary was not written either
    await rejects(Deno.stat(`${dir}/s_summary.json`), Deno.errors.NotFound);
    await rejects(writeLlmperfFiles(dir, { stem: "a/b", individual: [], summary: {} }), TypeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
