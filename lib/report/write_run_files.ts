/**
 * Write every file derived from a run's records: our summary, the per-request CSV, LLMPerf's
 * two files, the seed-format tables and the HTML report. The I/O edge of {@link runReport} and
 * {@link htmlReport}.
 *
 * @module
 */
import { runReport, type RunReportInput } from "./run_report.ts";
import { writeLlmperfFiles } from "./write_llmperf_files.ts";
import { llmperfFileStem } from "./llmperf_file_stem.ts";
import { redactSecrets } from "../core/redact_secrets.ts";
import { htmlReport, htmlRunLabel } from "./html_report.ts";
import type { ServerMetricsRun } from "../core/summarize_server_metrics.ts";

/** Options of {@link writeRunFiles}. */
export interface WriteRunFilesOptions {
  /** The server metrics scraped during the run, read from its `server_metrics.jsonl`: drawn over
   * the run in `report.html`. Default none (the report shows `input.serverMetrics`, their
   * summary, when there is one). */
  serverMetrics?: ServerMetricsRun;
}

/** What {@link writeRunFiles} wrote. */
export interface RunFilesWritten {
  /** Paths written, in order. */
  paths: string[];
  /** The two seed-format markdown tables (also in `tables.md`). */
  tables: string;
}

/**
 * The names of the files {@link writeRunFiles} writes for a run: `summary.json`,
 * `requests.csv`, `tables.md`, `report.html`, `{stem}_summary.json`,
 * `{stem}_individual_responses.json`.
 *
 * @example
 * ```ts
 * import { runFileNames } from "./write_run_files.ts";
 * import type { RunMetadata } from "./run_metadata.ts";
 * const names = runFileNames({ model: "m", meanInputTokens: 550, meanOutputTokens: 150 } as RunMetadata);
 * if (names.at(-1) !== "m_550_150_individual_responses.json") throw new Error(names.join());
 * ```
 */
export function runFileNames(metadata: RunReportInput["metadata"]): string[] {
  const stem = llmperfFileStem(metadata.model, metadata);
  return [
    "summary.json",
    "requests.csv",
    "tables.md",
    "report.html",
    `${stem}_summary.json`,
    `${stem}_individual_responses.json`,
  ];
}

/**
 * Write `summary.json`, `requests.csv`, `tables.md`, `report.html` (one self-contained page,
 * {@link htmlReport}, the run labelled by {@link htmlRunLabel}) and LLMPerf's
 * `{stem}_summary.json` / `{stem}_individual_responses.json` into `dir` (which must exist).
 * `requests.jsonl` is written by the runner as requests complete; everything here can be
 * rebuilt from it (see `rebuildRunFiles`). Never overwrites a file: if any of them exists,
 * rejects with `Deno.errors.AlreadyExists` before writing anything. Metadata and error
 * messages pass through `redactSecrets` on the way out.
 *
 * @example Writing a run with no requests
 * ```ts
 * import { writeRunFiles } from "./write_run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const out = await writeRunFiles(dir, {
 *   records: [], wallTimeMs: 0, startEpochMs: 0,
 *   metadata: {
 *     llmApi: "openai", model: "m", endpoint: "http://127.0.0.1/", simulated: true,
 *     tokenizer: "cl100k_base", promptMode: "llmperf", seed: 0, meanInputTokens: 10,
 *     stddevInputTokens: 0, meanOutputTokens: 10, stddevOutputTokens: 0,
 *     numConcurrentRequests: 1, rate: null, arrival: null, maxInFlight: null, maxRequests: 0,
 *     warmup: 0, timeoutS: 1, requestTimeoutS: null, additionalSamplingParams: {},
 *     userMetadata: {},
 *   },
 * });
 * await Deno.remove(dir, { recursive: true });
 * if (out.paths.length !== 6) throw new Error("six files");
 * ```
 */
export async function writeRunFiles(
  dir: string,
  input: RunReportInput,
  options: WriteRunFilesOptions = {},
): Promise<RunFilesWritten> {
  const safe: RunReportInput = {
    ...input,
    metadata: redactSecrets(input.metadata),
    records: input.records.map((r) =>
      r.status === "error" ? { ...r, errorMessage: redactSecrets(r.errorMessage) } : r
    ),
  };
  const report = runReport(safe);
  // rendered before anything is written, so a failure leaves no half-written folder
  const html = await htmlReport({
    label: htmlRunLabel(safe.metadata),
    run: safe,
    report,
    serverMetrics: options.serverMetrics,
  });
  for (const name of runFileNames(safe.metadata)) {
    const path = `${dir}/${name}`;
    let exists = true;
    try {
      await Deno.lstat(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      exists = false;
    }
    if (exists) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write run files: ${path} already exists (refusing to overwrite)`,
      );
    }
  }
  const paths: string[] = [];
  const write = async (name: string, text: string) => {
    const path = `${dir}/${name}`;
    await Deno.writeTextFile(path, text, { createNew: true });
    paths.push(path);
  };
  await write("summary.json", JSON.stringify(report.summary, null, 2) + "\n");
  await write("requests.csv", report.csv);
  await write("tables.md", report.tables);
  await write("report.html", html);
  const llmperf = await writeLlmperfFiles(dir, report.llmperf);
  paths.push(llmperf.summaryPath, llmperf.individualPath);
  return { paths, tables: report.tables };
}
