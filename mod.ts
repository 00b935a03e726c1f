/**
 * tokenbench: an LLM inference benchmark toolkit for Deno scripts and Jupyter notebooks.
 *
 * The one-stop import: every layer's face, re-exported. Each layer is also its own subpath, which
 * loads only what it needs (docs/architecture.md): `tokenbench/core` (records, timer, prompts,
 * statistics), `tokenbench/wire` (providers' wire formats), `tokenbench/clients`,
 * `tokenbench/sim` (the simulator), `tokenbench/run` (load shapes and the run pipeline
 * `benchmark`), `tokenbench/report` (files and tables), `tokenbench/plot`, `tokenbench/cli`.
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

export * from "./lib/core/mod.ts";
export * from "./lib/wire/mod.ts";
export * from "./lib/clients/mod.ts";
export * from "./lib/sim/mod.ts";
export * from "./lib/run/mod.ts";
export * from "./lib/report/mod.ts";
export * from "./lib/plot/mod.ts";
export * from "./lib/cli/mod.ts";
