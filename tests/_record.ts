/**
 * A test fixture: a `RequestRecordBase` with every field zero, null or empty, and the given
 * fields set. New record fields get their default here once, not in every test.
 *
 * @module
 */
import type { RequestRecordBase } from "../lib/core/request_record.ts";

/** An empty measured record base, with `fields` overriding the defaults. */
export function recordBase(fields: Partial<RequestRecordBase> = {}): RequestRecordBase {
  return {
    requestId: 0,
    phase: "measure",
    intendedSendMs: 0,
    actualSendMs: 0,
    startEpochMs: 0,
    inputTokens: 0,
    maxOutputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    serverInputTokens: null,
    serverOutputTokens: null,
    serverLatencyMs: null,
    serverFirstByteLatencyMs: null,
    headersMs: null,
    firstMessageMs: null,
    ttftMs: null,
    firstReasoningMs: null,
    lastContentMs: null,
    e2eMs: 0,
    interTokenLatencyMs: null,
    llmperfInterTokenLatencyS: null,
    outputThroughputTokPerS: null,
    chunkCount: 0,
    chunkArrivalMs: [],
    chunkTokens: [],
    reasoningArrivalMs: [],
    messageCount: 0,
    choicesArrivalMs: [],
    lastMessageMs: null,
    retries: 0,
    ...fields,
  };
}
