/**
 * Everything derived from a run's records, as data: our summary document, the per-request CSV,
 * LLMPerf's two files and the seed-format tables. Pure; {@link writeRunFiles} writes it.
 *
 * @module
 */
import type { RequestRecord } from "./request_record.ts";
import { type RunMetadata, SCHEMA_VERSION, TOOL_VERSION } from "./run_metadata.ts";
import { type RunSummary, summarizeRun } from "./summarize_run.ts";
import { recordsToCsv } from "./records_csv.ts";
import { type LlmperfIndividualRecord, toLlmperfIndividual } from "./llmperf_individual.ts";
import { type LlmperfSummary, llmperfSummary } from "./llmperf_summary.ts";
import { llmperfFileStem } from "./llmperf_file_stem.ts";
import { tableRow } from "./table_row.ts";
import { renderMarkdownTable } from "./markdown_table.ts";

/** A run as the runner leaves it. */
export interface RunReportInput {
  /** Every record, warm-up included (flagged; left out of every figure). */
  records: RequestRecord[];
  /** Measurement wall time, ms. */
  wallTimeMs: number;
  /** Epoch ms of the first measured send. */
  startEpochMs: number;
  /** The run's context. */
  metadata: RunMetadata;
}

/** tokenbench's own `summary.json`. */
export interface RunSummaryDocument {
  schemaVersion: number;
  tool: { name: "tokenbench"; version: string };
  kind: "run-summary";
  /** ISO time of the first measured send. */
  startedAt: string;
  metadata: RunMetadata;
  summary: RunSummary;
}

/** What {@link runReport} derives. */
export interface RunReport {
  summary: RunSummaryDocument;
  /** `requests.csv`: one row per measured request. */
  csv: string;
  /** The two seed-format tables: TTFT (s) and output tokens throughput (tokens/s). */
  tables: string;
  /** LLMPerf's files: stem, per-request records and summary. */
  llmperf: { stem: string; individual: LlmperfIndividualRecord[]; summary: LlmperfSummary };
}

/** Framework label of a run in the seed-format tables: the API, marked when simulated. */
export function frameworkLabel(metadata: RunMetadata): string {
  return metadata.simulated ? `${metadata.llmApi} (simulated)` : metadata.llmApi;
}

/**
 * Derive every report of a run from its records.
 *
 * @example The tables of a one-request run
 * ```ts
 * import { runReport } from "./run_report.ts";
 * import type { RequestRecord } from "./request_record.ts";
 * const record: RequestRecord = {
 *   requestId: 0, phase: "measure", intendedSendMs: 0, actualSendMs: 0, startEpochMs: 0,
 *   inputTokens: 10, maxOutputTokens: 20, outputTokens: 20, reasoningTokens: 0,
 *   serverInputTokens: null, serverOutputTokens: null, serverLatencyMs: null,
 *   serverFirstByteLatencyMs: null, headersMs: 5, firstMessageMs: 6, ttftMs: 250,
 *   firstReasoningMs: null, lastContentMs: 900, e2eMs: 1000, interTokenLatencyMs: 34.2,
 *   llmperfInterTokenLatencyS: 0.045, outputThroughputTokPerS: 20, chunkCount: 20,
 *   chunkArrivalMs: [], chunkTokens: [], reasoningArrivalMs: [], messageCount: 0, choicesArrivalMs: [], lastMessageMs: null, retries: 0, status: "ok", errorCode: null,
 *   errorMessage: null,
 * };
 * const report = runReport({
 *   records: [record], wallTimeMs: 1000, startEpochMs: 0,
 *   metadata: {
 *     llmApi: "openai", model: "m", endpoint: "http://127.0.0.1/", simulated: true,
 *     tokenizer: "cl100k_base", promptMode: "llmperf", seed: 0, meanInputTokens: 10,
 *     stddevInputTokens: 0, meanOutputTokens: 20, stddevOutputTokens: 0,
 *     numConcurrentRequests: 1, rate: null, arrival: null, maxInFlight: null, maxRequests: 1,
 *     warmup: 0, timeoutS: 60, requestTimeoutS: null, additionalSamplingParams: {},
 *     userMetadata: {},
 *   },
 * });
 * if (!/\| openai \(simulated\) \| m +\| +0\.25 \|/.test(report.tables)) throw new Error(report.tables);
 * ```
 */
export function runReport(input: RunReportInput): RunReport {
  const { records, wallTimeMs, startEpochMs, metadata } = input;
  const measured = records.filter((r) => r.phase === "measure");
  const summary = summarizeRun(records, { wallTimeMs });
  const ok = measured.filter((r) => r.status === "ok");
  const framework = frameworkLabel(metadata);
  const ttftS = ok.flatMap((r) => r.ttftMs === null ? [] : [r.ttftMs / 1000]);
  const throughput = ok.flatMap((r) =>
    r.outputThroughputTokPerS === null ? [] : [r.outputThroughputTokPerS]
  );
  const label = { framework, model: metadata.model, digits: 2 };
  const tables = [
    renderMarkdownTable([tableRow(ttftS, label)], {
      title: "Time to First Token (seconds)",
      digits: 2,
    }),
    renderMarkdownTable([tableRow(throughput, label)], {
      title: "Output Tokens Throughput (tokens/s)",
      digits: 2,
    }),
  ].join("\n");
  const individual = measured.map(toLlmperfIndividual);
  const llmperfMetadata: Record<string, unknown> = {
    ...metadata.userMetadata,
    tokenbench_version: TOOL_VERSION,
    llm_api: metadata.llmApi,
    simulated: metadata.simulated,
    tokenizer: metadata.tokenizer,
  };
  return {
    summary: {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: "tokenbench", version: TOOL_VERSION },
      kind: "run-summary",
      startedAt: new Date(startEpochMs).toISOString(),
      metadata,
      summary,
    },
    csv: recordsToCsv(measured),
    tables,
    llmperf: {
      stem: llmperfFileStem(metadata.model, metadata),
      individual,
      summary: llmperfSummary(individual, {
        model: metadata.model,
        meanInputTokens: metadata.meanInputTokens,
        stddevInputTokens: metadata.stddevInputTokens,
        meanOutputTokens: metadata.meanOutputTokens,
        stddevOutputTokens: metadata.stddevOutputTokens,
        numConcurrentRequests: metadata.numConcurrentRequests,
        additionalSamplingParams: metadata.additionalSamplingParams,
        metadata: llmperfMetadata,
        wallTimeS: wallTimeMs / 1000,
        timestamp: Math.floor((startEpochMs + wallTimeMs) / 1000),
      }),
    },
  };
}
