/**
 * tokenbench/core: the pure heart of tokenbench. Records (`RequestRecord`, discriminated on
 * `status`), the events every client yields (`StreamEvent`) and the client interface (`LlmClient`),
 * the streaming timer (`timeStream`, `toRequestRecord`), prompt synthesis and tokenizers, metric
 * names, statistics (`quantile`, `summarize`, `summarizeRun`, bootstrap intervals), lenses of other
 * tools, goodput, client health and shard plans. Nothing here touches the network, the file system
 * or the clock; heavy dependencies (tokenizers) load when first used.
 *
 * @example
 * ```ts
 * import { quantile, summarize } from "tokenbench/core";
 * if (quantile([1, 2, 3, 4], 0.5) !== 2.5) throw new Error("numpy linear");
 * if (summarize([1, 2, 3]).mean !== 2) throw new Error("mean");
 * ```
 *
 * @module
 */
export * from "./bootstrap.ts";
export * from "./chat_turn.ts";
export * from "./client_health.ts";
export * from "./corpus.ts";
export * from "./correctness.ts";
export * from "./dataset_session_workload.ts";
export * from "./dataset_workload.ts";
export * from "./goodput.ts";
export * from "./lenses.ts";
export * from "./llm_client.ts";
export * from "./load_point.ts";
export * from "./median_request.ts";
export * from "./metric_names.ts";
export * from "./pairwise_sum.ts";
export * from "./parse_trace.ts";
export * from "./parse_dataset.ts";
export * from "./percentile_support.ts";
export * from "./progress_line.ts";
export * from "./quantile.ts";
export * from "./random.ts";
export * from "./redact_secrets.ts";
export * from "./request_record.ts";
export * from "./run_records.ts";
export * from "./server_metric_roles.ts";
export * from "./shard.ts";
export * from "./stream_event.ts";
export * from "./summarize.ts";
export * from "./summarize_run.ts";
export * from "./summarize_server_metrics.ts";
export * from "./synthesize_prompt.ts";
export * from "./table_row.ts";
export * from "./time_stream.ts";
export * from "./to_request_record.ts";
export * from "./tokenizer.ts";
export * from "./trace_workload.ts";
export * from "./workload.ts";
