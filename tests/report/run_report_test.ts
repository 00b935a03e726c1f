import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { runReport } from "../../lib/report/run_report.ts";
import { LENSES } from "../../lib/core/lenses.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";
import type { RunMetadata } from "../../lib/report/run_metadata.ts";

const base = {
  phase: "measure",
  intendedSendMs: 0,
  startEpochMs: 0,
  inputTokens: 10,
  maxOutputTokens: 20,
  reasoningTokens: 0,
  serverInputTokens: null,
  serverOutputTokens: null,
  serverLatencyMs: null,
  serverFirstByteLatencyMs: null,
  headersMs: 5,
  firstMessageMs: 6,
  firstReasoningMs: null,
  interTokenLatencyMs: null,
  llmperfInterTokenLatencyS: null,
  outputThroughputTokPerS: null,
  chunkTokens: [],
  reasoningArrivalMs: [],
  retries: 0,
  status: "ok",
  errorCode: null,
  errorMessage: null,
};

/** An answer of 3 tokens, and an empty answer (role and finish chunks only). */
const RECORDS = [
  {
    ...base,
    requestId: 0,
    actualSendMs: 0,
    outputTokens: 3,
    ttftMs: 100,
    lastContentMs: 200,
    e2eMs: 210,
    bodyEndMs: 250,
    chunkCount: 2,
    chunkArrivalMs: [100, 200],
    messageCount: 4,
    choicesArrivalMs: [6, 100, 200, 205],
    lastMessageMs: 205,
  },
  {
    ...base,
    requestId: 1,
    actualSendMs: 300,
    outputTokens: 0,
    ttftMs: null,
    lastContentMs: null,
    e2eMs: 100,
    bodyEndMs: 125,
    chunkCount: 0,
    chunkArrivalMs: [],
    messageCount: 2,
    choicesArrivalMs: [6, 90],
    lastMessageMs: 90,
  },
] as unknown as RequestRecord[];

const metadata = (lens: string, tokenizer: string) =>
  ({
    llmApi: "openai",
    model: "m",
    endpoint: "http://127.0.0.1/",
    simulated: true,
    tokenizer,
    promptMode: "llmperf",
    seed: 0,
    meanInputTokens: 10,
    stddevInputTokens: 0,
    meanOutputTokens: 20,
    stddevOutputTokens: 0,
    numConcurrentRequests: 1,
    rate: null,
    arrival: null,
    maxInFlight: null,
    maxRequests: 2,
    warmup: 0,
    timeoutS: 60,
    requestTimeoutS: null,
    additionalSamplingParams: {},
    userMetadata: {},
    lens,
  }) as unknown as RunMetadata;

Deno.test("runReport() names the lens's tool and version in summary.json and its tables", () => {
  const report = runReport({
    records: RECORDS,
    wallTimeMs: 425,
    startEpochMs: 0,
    metadata: metadata("llmperf", "cl100k_base"),
  });
  const lens = report.summary.lens!;
  deepStrictEqual([lens.lens, lens.tool, lens.version], [
    "llmperf",
    LENSES.llmperf.tool,
    LENSES.llmperf.version,
  ]);
  strictEqual(report.tables.includes("llmperf lens"), true);
  // LLMPerf's E2E ends at the body's end: 250 and 125 ms.
  strictEqual(lens.peer.metrics.e2eMs?.max, 250);
  strictEqual(lens.peer.metrics.e2eMs?.min, 125);
  strictEqual(lens.peer.totalOutputTokens, 3);
});

Deno.test("runReport() counts LLMPerf's BOS token of an empty answer under llama2", () => {
  const report = runReport({
    records: RECORDS,
    wallTimeMs: 425,
    startEpochMs: 0,
    metadata: metadata("llmperf", "llama2"),
  });
  strictEqual(report.summary.lens!.peer.totalOutputTokens, 4);
  // GuideLLM counts the empty answer as an error.
  const guide = runReport({
    records: RECORDS,
    wallTimeMs: 425,
    startEpochMs: 0,
    metadata: metadata("guidellm", "cl100k_base"),
  });
  deepStrictEqual([guide.summary.lens!.numCompleted, guide.summary.lens!.numErrors], [1, 1]);
});
