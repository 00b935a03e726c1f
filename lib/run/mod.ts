/**
 * tokenbench/run: running a benchmark. Load shapes (`runLoad`: closed loop, open loop), the
 * per-request timer wherever the client runs (`timeRequest`), Worker pools, and the one run pipeline
 * `benchmark` (prompts → load → client → timer → records → files) that the CLI, sweeps
 * (`runSweep`), `quickBenchmark` and notebooks all use; calibration against the simulator, and
 * the simulator in a child process (`spawnSimulator`).
 *
 * @example
 * ```ts
 * import { benchmark } from "tokenbench/run";
 * import { startSimulator } from "tokenbench/sim";
 * import { createOpenAiClient } from "tokenbench/clients";
 * await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
 * const run = await benchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
 *   model: "sim", maxRequests: 4, concurrency: 2, meanInputTokens: 20, stddevInputTokens: 0,
 *   meanOutputTokens: 8, stddevOutputTokens: 0, simulator: sim,
 * });
 * if (run.report.summary.summary.numCompleted !== 4) throw new Error("4 completed");
 * ```
 *
 * @module
 */
export * from "./benchmark.ts";
export * from "./calibrate.ts";
export * from "./find_max_load.ts";
export * from "./loop_lag.ts";
export * from "./open_sender.ts";
export * from "./precise_sleep.ts";
export * from "./quick_benchmark.ts";
export * from "./request_worker.ts";
export * from "./run_benchmark.ts";
export * from "./run_load.ts";
export * from "./run_sweep.ts";
export * from "./scrape_server_metrics.ts";
export * from "./spawn_simulator.ts";
export * from "./time_request.ts";
export * from "./worker_pool.ts";
export * from "./workload_buffer.ts";
