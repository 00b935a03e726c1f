/**
 * tokenbench/report: results as files and tables. LLMPerf's two files, tokenbench's JSONL,
 * summary and CSV, the seed card's tables, reading every LLMPerf shape ever written, reproducing
 * published tables cell by cell, merging shards, sweep summaries. Reads and writes files; never
 * sends a request.
 *
 * @example
 * ```ts
 * import { renderMarkdownTable } from "tokenbench/report";
 * const md = renderMarkdownTable([{ framework: "a", model: "m", median: 1, mean: 1, min: 1, max: 1, p25: 1, p75: 1, p95: 1, p99: 1 }], { title: "TTFT" });
 * if (!md.includes("| a ")) throw new Error(md);
 * ```
 *
 * @module
 */
export * from "./compare_published.ts";
export * from "./compare_runs.ts";
export * from "./compare_tables.ts";
export * from "./grid_table.ts";
export * from "./html_report.ts";
export * from "./jsonl_writer.ts";
export * from "./llmperf_file_stem.ts";
export * from "./llmperf_individual.ts";
export * from "./llmperf_summary.ts";
export * from "./load_llmperf.ts";
export * from "./markdown_table.ts";
export * from "./merge_server_metrics.ts";
export * from "./merge_shards.ts";
export * from "./new_run_dir.ts";
export * from "./read_results.ts";
export * from "./read_run_dirs.ts";
export * from "./read_run_jsonl.ts";
export * from "./read_server_metrics.ts";
export * from "./rebuild_run_files.ts";
export * from "./records_csv.ts";
export * from "./reproduce_tables.ts";
export * from "./run_metadata.ts";
export * from "./run_report.ts";
export * from "./sweep.ts";
export * from "./write_llmperf_files.ts";
export * from "./workload_tables.ts";
export * from "./write_run_files.ts";
