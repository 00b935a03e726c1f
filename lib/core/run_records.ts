/**
 * A run's per-request records with the label a plot shows for them.
 *
 * @module
 */
import type { RequestRecord } from "./request_record.ts";

/**
 * One run's records and its label (a provider, model or load level: `"sim c=8"`). Plots take
 * one or several of these; labels must be unique among the runs of one plot.
 *
 * @example Label a run
 * ```ts
 * import type { RunRecords } from "./run_records.ts";
 * const run: RunRecords = { label: "sim c=1", records: [] };
 * if (run.records.length !== 0) throw new Error("empty");
 * ```
 */
export interface RunRecords {
  /** What the plot calls this run (legend entry, axis label). */
  label: string;
  /** The run's records, as read from `requests.jsonl`; warm-up records are left out of plots. */
  records: readonly RequestRecord[];
}
