/**
 * tokenbench: an LLM inference benchmark toolkit for Deno scripts and Jupyter notebooks.
 *
 * Small composable pieces: prompt synthesis (`synthesizePrompts`), clients that stream
 * (`createOpenAiClient`, `createBedrockClient`), a streaming timer (`timeStream`), load shapes
 * (`runLoad`), the runner (`runBenchmark`), statistics (`summarizeRun`), reporters (LLMPerf's
 * files, CSV, seed-format tables), the built-in simulator (`startSimulator`) and plots.
 *
 * @example A benchmark of the built-in simulator
 * ```ts
 * import { createOpenAiClient, runBenchmark, startSimulator, summarizeRun } from "tokenbench";
 * const sim = await startSimulator({ ttftMs: 20, itlMs: 2 });
 * try {
 *   const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
 *   const run = await runBenchmark(client, {
 *     model: "sim", maxRequests: 4, concurrency: 2,
 *     prompt: () => ({ prompt: "Say something.", inputTokens: 3, maxOutputTokens: 8 }),
 *   });
 *   const summary = summarizeRun(run.records, { wallTimeMs: run.wallTimeMs });
 *   if (summary.numCompleted !== 4) throw new Error("all four complete");
 * } finally {
 *   await sim.close();
 * }
 * ```
 *
 * @module
 */

export * from "./lib/anthropic_client.ts";
export * from "./lib/bedrock_bodies.ts";
export * from "./lib/bedrock_client.ts";
export * from "./lib/bedrock_errors.ts";
export * from "./lib/bootstrap.ts";
export * from "./lib/calibrate.ts";
export * from "./lib/client_health.ts";
export * from "./lib/compare_published.ts";
export * from "./lib/compare_tables.ts";
export * from "./lib/corpus.ts";
export * from "./lib/correctness.ts";
export * from "./lib/create_client.ts";
export * from "./lib/display_plot.ts";
export * from "./lib/eventstream_frames.ts";
export * from "./lib/goodput.ts";
export * from "./lib/http1_fetch.ts";
export * from "./lib/jsonl_writer.ts";
export * from "./lib/lenses.ts";
export * from "./lib/llm_client.ts";
export * from "./lib/llmperf_file_stem.ts";
export * from "./lib/llmperf_individual.ts";
export * from "./lib/llmperf_summary.ts";
export * from "./lib/load_llmperf.ts";
export * from "./lib/load_point.ts";
export * from "./lib/loop_lag.ts";
export * from "./lib/markdown_table.ts";
export * from "./lib/median_request.ts";
export * from "./lib/merge_shards.ts";
export * from "./lib/metric_names.ts";
export * from "./lib/openai_client.ts";
export * from "./lib/openai_sim_format.ts";
export * from "./lib/percentile_support.ts";
export * from "./lib/plot_errors.ts";
export * from "./lib/plot_load_curve.ts";
export * from "./lib/plot_throughput_boxplot.ts";
export * from "./lib/plot_token_timeline.ts";
export * from "./lib/plot_ttft_distribution.ts";
export * from "./lib/precise_sleep.ts";
export * from "./lib/progress_line.ts";
export * from "./lib/quantile.ts";
export * from "./lib/quick_benchmark.ts";
export * from "./lib/random.ts";
export * from "./lib/read_results.ts";
export * from "./lib/read_run_jsonl.ts";
export * from "./lib/rebuild_run_files.ts";
export * from "./lib/records_csv.ts";
export * from "./lib/redact_secrets.ts";
export * from "./lib/render_svg.ts";
export * from "./lib/reproduce_tables.ts";
export * from "./lib/request_record.ts";
export * from "./lib/request_worker.ts";
export * from "./lib/run_benchmark.ts";
export * from "./lib/run_load.ts";
export * from "./lib/run_metadata.ts";
export * from "./lib/run_records.ts";
export * from "./lib/run_report.ts";
export * from "./lib/sagemaker_client.ts";
export * from "./lib/shard.ts";
export * from "./lib/sim_anthropic.ts";
export * from "./lib/sim_bedrock.ts";
export * from "./lib/sim_correctness.ts";
export * from "./lib/sim_faults.ts";
export * from "./lib/sim_plan.ts";
export * from "./lib/sim_profiles.ts";
export * from "./lib/sim_raw_http.ts";
export * from "./lib/sim_sagemaker.ts";
export * from "./lib/sim_tcp_front.ts";
export * from "./lib/sim_vertex.ts";
export * from "./lib/sim_vocabulary.ts";
export * from "./lib/sim_wire_format.ts";
export * from "./lib/simulator.ts";
export * from "./lib/stream_event.ts";
export * from "./lib/summarize.ts";
export * from "./lib/summarize_run.ts";
export * from "./lib/sweep.ts";
export * from "./lib/synthesize_prompt.ts";
export * from "./lib/table_row.ts";
export * from "./lib/time_stream.ts";
export * from "./lib/to_png.ts";
export * from "./lib/to_request_record.ts";
export * from "./lib/tokenizer.ts";
export * from "./lib/vertex_client.ts";
export * from "./lib/worker_pool.ts";
export * from "./lib/write_llmperf_files.ts";
export * from "./lib/write_run_files.ts";
