/**
 * Everything derived from a run's records, as data: our summary document, the per-request CSV,
 * LLMPerf's two files and the seed-format tables. Pure; {@link writeRunFiles} writes it.
 *
 * @module
 */
import type { ServerMetricsSummary } from "../core/summarize_server_metrics.ts";
import type { RequestRecord } from "../core/request_record.ts";
import { type RunMetadata, SCHEMA_VERSION, TOOL_VERSION } from "./run_metadata.ts";
import { workloadTables } from "./workload_tables.ts";
import { type RunSummary, summarizeRun } from "../core/summarize_run.ts";
import { recordsToCsv } from "./records_csv.ts";
import { type LlmperfIndividualRecord, toLlmperfIndividual } from "./llmperf_individual.ts";
import { type LlmperfSummary, llmperfSummary } from "./llmperf_summary.ts";
import { llmperfFileStem } from "./llmperf_file_stem.ts";
import { tableRow } from "../core/table_row.ts";
import { renderMarkdownTable } from "./markdown_table.ts";
import { type CiQuantile, type ConfidenceInterval, summarizeWithCi } from "../core/bootstrap.ts";
import { goodput, type GoodputResult } from "../core/goodput.ts";
import { applyLens, checkLensName, lensRequestValues, type LensResult } from "../core/lenses.ts";
import type { ClientHealth } from "../core/client_health.ts";

/** The per-request metrics that get bootstrap confidence intervals in `summary.json`. */
export const CI_METRICS = [
  "ttftMs",
  "e2eMs",
  "interTokenLatencyMs",
  "outputThroughputTokPerS",
] as const;

/** One of {@link CI_METRICS}. */
export type CiMetric = typeof CI_METRICS[number];

/** Bootstrap confidence intervals of a run's percentiles, and the ones to distrust. */
export interface RunConfidence {
  /** Coverage of every interval (0.95). */
  confidence: number;
  /** Bootstrap resamples per metric. */
  resamples: number;
  /** Per metric: completed requests with a value, and the p50/p95/p99 intervals. */
  metrics: Record<CiMetric, { count: number; ci: Record<CiQuantile, ConfidenceInterval | null> }>;
  /**
   * Percentiles resting on too few samples (`p99 of 57 values rests on too few samples …`),
   * each with the metrics it concerns.
   */
  warnings: string[];
}

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
  /** The server's own metrics over the run (`--server-metrics`), summarized. Default none. */
  serverMetrics?: ServerMetricsSummary;
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
  /** Percentile-bootstrap 95% intervals of p50/p95/p99 and small-sample warnings. */
  confidence: RunConfidence;
  /** Share and rate of requests meeting the run's SLOs (`metadata.slo`), when it has any. */
  goodput?: GoodputResult;
  /** The statistics under the run's lens (`metadata.lens`), when it is not `tokenbench`. */
  lens?: Omit<LensResult, "requests">;
  /** Whether the client kept up (event-loop and dispatch lag), when the run recorded it. */
  clientHealth?: ClientHealth;
  /** The server's own metrics over the run (`--server-metrics`, `server_metrics.jsonl`). */
  serverMetrics?: ServerMetricsSummary;
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
 * import type { RequestRecord } from "../core/request_record.ts";
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
  const lensName = metadata.lens === undefined ? "tokenbench" : checkLensName(metadata.lens);
  // The tables read the records through the run's lens (ours by default). LLMPerf tokenizes an
  // empty answer too: Llama-2 counts its BOS token.
  const lensOptions = { emptyTextTokens: metadata.tokenizer === "llama2" ? 1 : 0 };
  const lensed = lensName === "tokenbench"
    ? ok.map((r) => ({ ttftMs: r.ttftMs, outputThroughputTokPerS: r.outputThroughputTokPerS }))
    : ok.map((r) => lensRequestValues(lensName, r, lensOptions)).filter((v) => v.ok);
  const ttftS = lensed.flatMap((v) => v.ttftMs === null ? [] : [v.ttftMs / 1000]);
  const throughput = lensed.flatMap((v) =>
    v.outputThroughputTokPerS === null ? [] : [v.outputThroughputTokPerS]
  );
  const label = { framework, model: metadata.model, digits: 2 };
  const lensNote = lensName === "tokenbench" ? "" : `, ${lensName} lens`;
  const extra = workloadTables(summary);
  const tables = [
    renderMarkdownTable([tableRow(ttftS, label)], {
      title: `Time to First Token (seconds${lensNote})`,
      digits: 2,
    }),
    renderMarkdownTable([tableRow(throughput, label)], {
      title: `Output Tokens Throughput (tokens/s${lensNote})`,
      digits: 2,
    }),
    // Prompt caching and sessions, when the run has them (nothing otherwise).
    ...(extra === "" ? [] : [extra]),
  ].join("\n");
  const individual = measured.map(toLlmperfIndividual);
  const llmperfMetadata: Record<string, unknown> = {
    ...metadata.userMetadata,
    tokenbench_version: TOOL_VERSION,
    llm_api: metadata.llmApi,
    simulated: metadata.simulated,
    tokenizer: metadata.tokenizer,
  };
  const { clientHealth, ...documentMetadata } = metadata;
  const document: RunSummaryDocument = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    kind: "run-summary",
    startedAt: new Date(startEpochMs).toISOString(),
    metadata: documentMetadata,
    summary,
    confidence: runConfidence(ok),
  };
  if (metadata.slo !== undefined && Object.keys(metadata.slo).length > 0) {
    document.goodput = goodput(records, metadata.slo, { wallTimeMs, lens: lensName });
  }
  if (lensName !== "tokenbench") {
    const { requests: _requests, ...lensStats } = applyLens(lensName, records, {
      ...lensOptions,
      wallTimeMs,
    });
    document.lens = lensStats;
  }
  if (clientHealth !== undefined) document.clientHealth = clientHealth;
  if (input.serverMetrics !== undefined) document.serverMetrics = input.serverMetrics;
  return {
    summary: document,
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

/**
 * Bootstrap 95% intervals (1,000 resamples, seed 0, so the same records give the same
 * intervals) of p50/p95/p99 of each of {@link CI_METRICS} over completed requests, and the
 * percentiles that rest on too few samples.
 *
 * @example A small run gets a p99 warning
 * ```ts
 * import { runConfidence } from "./run_report.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const records = Array.from({ length: 57 }, (_, i) => ({
 *   ttftMs: 100 + i, e2eMs: 1000 + i, interTokenLatencyMs: 20, outputThroughputTokPerS: 50,
 * })) as unknown as RequestRecord[];
 * const c = runConfidence(records);
 * const [lo, hi] = c.metrics.ttftMs.ci.p50!;
 * if (!(lo <= 128 && 128 <= hi)) throw new Error(`${lo} ${hi}`);
 * if (!c.warnings.some((w) => w.startsWith("p99 of 57 values"))) throw new Error(c.warnings.join());
 * ```
 */
export function runConfidence(completed: readonly RequestRecord[]): RunConfidence {
  const metrics = {} as RunConfidence["metrics"];
  const byWarning = new Map<string, string[]>();
  let confidence = 0.95;
  let resamples = 1000;
  for (const metric of CI_METRICS) {
    const values: number[] = [];
    for (const r of completed) {
      const v = r[metric];
      if (v !== null && v !== undefined) values.push(v);
    }
    const s = summarizeWithCi(values, { seed: 0 });
    confidence = s.confidence;
    resamples = s.resamples;
    metrics[metric] = { count: s.count, ci: s.ci };
    for (const w of s.warnings) {
      if (!/^p(50|95|99) /.test(w)) continue;
      byWarning.set(w, [...(byWarning.get(w) ?? []), metric]);
    }
  }
  const warnings = [...byWarning].map(([w, ms]) => `${w} (${ms.join(", ")})`);
  return { confidence, resamples, metrics, warnings };
}
