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

export * from "./lib/clients/anthropic_client.ts";
export * from "./lib/wire/bedrock_bodies.ts";
export * from "./lib/clients/bedrock_client.ts";
export * from "./lib/wire/bedrock_errors.ts";
export * from "./lib/core/bootstrap.ts";
export * from "./lib/run/calibrate.ts";
export * from "./lib/core/client_health.ts";
export * from "./lib/report/compare_published.ts";
export * from "./lib/report/compare_tables.ts";
export * from "./lib/core/corpus.ts";
export * from "./lib/core/correctness.ts";
export * from "./lib/clients/create_client.ts";
export * from "./lib/plot/display_plot.ts";
export * from "./lib/wire/eventstream_frames.ts";
export * from "./lib/core/goodput.ts";
export * from "./lib/clients/http1_fetch.ts";
export * from "./lib/report/jsonl_writer.ts";
export * from "./lib/core/lenses.ts";
export * from "./lib/core/llm_client.ts";
export * from "./lib/report/llmperf_file_stem.ts";
export * from "./lib/report/llmperf_individual.ts";
export * from "./lib/report/llmperf_summary.ts";
export * from "./lib/report/load_llmperf.ts";
export * from "./lib/core/load_point.ts";
export * from "./lib/run/loop_lag.ts";
export * from "./lib/report/markdown_table.ts";
export * from "./lib/core/median_request.ts";
export * from "./lib/report/merge_shards.ts";
export * from "./lib/core/metric_names.ts";
export * from "./lib/clients/openai_client.ts";
export * from "./lib/sim/openai_sim_format.ts";
export * from "./lib/core/percentile_support.ts";
export * from "./lib/plot/plot_errors.ts";
export * from "./lib/plot/plot_load_curve.ts";
export * from "./lib/plot/plot_throughput_boxplot.ts";
export * from "./lib/plot/plot_token_timeline.ts";
export * from "./lib/plot/plot_ttft_distribution.ts";
export * from "./lib/run/precise_sleep.ts";
export * from "./lib/core/progress_line.ts";
export * from "./lib/core/quantile.ts";
export * from "./lib/run/quick_benchmark.ts";
export * from "./lib/core/random.ts";
export * from "./lib/report/read_results.ts";
export * from "./lib/report/read_run_jsonl.ts";
export * from "./lib/report/rebuild_run_files.ts";
export * from "./lib/report/records_csv.ts";
export * from "./lib/core/redact_secrets.ts";
export * from "./lib/plot/render_svg.ts";
export * from "./lib/report/reproduce_tables.ts";
export * from "./lib/core/request_record.ts";
export * from "./lib/run/request_worker.ts";
export * from "./lib/run/run_benchmark.ts";
export * from "./lib/run/run_load.ts";
export * from "./lib/report/run_metadata.ts";
export * from "./lib/core/run_records.ts";
export * from "./lib/report/run_report.ts";
export * from "./lib/clients/sagemaker_client.ts";
export * from "./lib/core/shard.ts";
export * from "./lib/sim/sim_anthropic.ts";
export * from "./lib/sim/sim_bedrock.ts";
export * from "./lib/sim/sim_correctness.ts";
export * from "./lib/sim/sim_faults.ts";
export * from "./lib/sim/sim_plan.ts";
export * from "./lib/sim/sim_profiles.ts";
export * from "./lib/sim/sim_raw_http.ts";
export * from "./lib/sim/sim_sagemaker.ts";
export * from "./lib/sim/sim_tcp_front.ts";
export * from "./lib/sim/sim_vertex.ts";
export * from "./lib/sim/sim_vocabulary.ts";
export * from "./lib/sim/sim_wire_format.ts";
export * from "./lib/sim/simulator.ts";
export * from "./lib/core/stream_event.ts";
export * from "./lib/core/summarize.ts";
export * from "./lib/core/summarize_run.ts";
export * from "./lib/report/sweep.ts";
export * from "./lib/core/synthesize_prompt.ts";
export * from "./lib/core/table_row.ts";
export * from "./lib/core/time_stream.ts";
export * from "./lib/plot/to_png.ts";
export * from "./lib/core/to_request_record.ts";
export * from "./lib/core/tokenizer.ts";
export * from "./lib/clients/vertex_client.ts";
export * from "./lib/run/worker_pool.ts";
export * from "./lib/report/write_llmperf_files.ts";
export * from "./lib/report/write_run_files.ts";
