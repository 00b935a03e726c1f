import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  LLMPERF_INDIVIDUAL_FIELDS,
  toLlmperfIndividual,
} from "../../lib/report/llmperf_individual.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

function okRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 3,
    phase: "measure",
    intendedSendMs: 0,
    actualSendMs: 1,
    startEpochMs: 1.7e12,
    inputTokens: 550,
    maxOutputTokens: 150,
    outputTokens: 151,
    reasoningTokens: 0,
    serverInputTokens: 550,
    serverOutputTokens: 150,
    serverLatencyMs: null,
    serverFirstByteLatencyMs: null,
    headersMs: 120,
    firstMessageMs: 150,
    ttftMs: 250,
    firstReasoningMs: null,
    lastContentMs: 4400,
    e2eMs: 4530,
    interTokenLatencyMs: 27.67,
    llmperfInterTokenLatencyS: 4.4 / 151,
    outputThroughputTokPerS: 151 / 4.53,
    chunkCount: 150,
    chunkArrivalMs: [],
    chunkTokens: [],
    reasoningArrivalMs: [],
    messageCount: 0,
    choicesArrivalMs: [],
    lastMessageMs: null,
    retries: 0,
    status: "ok",
    errorCode: null,
    errorMessage: null,
    ...over,
  } as RequestRecord;
}

Deno.test("toLlmperfIndividual() writes LLMPerf's nine fields in LLMPerf's order", () => {
  assertEquals(Object.keys(toLlmperfIndividual(okRecord())), [...LLMPERF_INDIVIDUAL_FIELDS]);
  const shipped = JSON.parse(Deno.readTextFileSync(
    new URL(
      "../../raw_data/llmperf-leaderboard/individual/groq_70b.json",
      import.meta.url,
    ),
  ));
  assertEquals(Object.keys(shipped[0]), [...LLMPERF_INDIVIDUAL_FIELDS]);
});

Deno.test("toLlmperfIndividual() converts ms to s and uses LLMPerf's definitions", () => {
  const r = toLlmperfIndividual(okRecord());
  assertEquals(r.error_code, null);
  assertEquals(r.error_msg, "");
  assertEquals(r.ttft_s, 0.25);
  assertEquals(r.end_to_end_latency_s, 4.53);
  assertEquals(r.inter_token_latency_s, 4.4 / 151);
  assertEquals(r.request_output_throughput_token_per_s, 151 / 4.53);
  assertEquals(r.number_total_tokens, 701);
  assertEquals(r.number_output_tokens, 151);
  assertEquals(r.number_input_tokens, 550);
});

Deno.test("toLlmperfIndividual() writes 0 latency per token when nothing came back, as LLMPerf does", () => {
  const r = toLlmperfIndividual(
    okRecord({
      outputTokens: 0,
      ttftMs: null,
      lastContentMs: null,
      llmperfInterTokenLatencyS: null,
    }),
  );
  assertEquals(r.inter_token_latency_s, 0);
  assertEquals(r.ttft_s, 0);
  assertEquals(r.request_output_throughput_token_per_s, 0);
});

Deno.test("toLlmperfIndividual() writes a failure as LLMPerf does: code, message, zero times", () => {
  const r = toLlmperfIndividual(
    okRecord(
      {
        status: "error",
        errorCode: 429,
        errorMessage: "Too Many Requests",
        outputTokens: 0,
      } as Partial<RequestRecord>,
    ),
  );
  assertEquals(r, {
    error_code: 429,
    error_msg: "Too Many Requests",
    inter_token_latency_s: 0,
    ttft_s: 0,
    end_to_end_latency_s: 0,
    request_output_throughput_token_per_s: 0,
    number_total_tokens: 550,
    number_output_tokens: 0,
    number_input_tokens: 550,
  });
});
