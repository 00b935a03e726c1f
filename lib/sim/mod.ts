/**
 * tokenbench/sim: the built-in simulator, speaking every provider's real wire format on
 * 127.0.0.1 so the real client libraries are exercised: latency profiles, fault injection, a
 * correctness mode, a ground-truth log of every chunk's send time (`startSimulator`).
 *
 * @example
 * ```ts
 * import { startSimulator } from "tokenbench/sim";
 * await using sim = await startSimulator({ ttftMs: 5, itlMs: 1 });
 * if (!sim.url.startsWith("http://127.0.0.1:")) throw new Error(sim.url);
 * ```
 *
 * @module
 */
export * from "./openai_sim_format.ts";
export * from "./sim_anthropic.ts";
export * from "./sim_bedrock.ts";
export * from "./sim_capacity.ts";
export * from "./sim_correctness.ts";
export * from "./sim_faults.ts";
export * from "./sim_openai_responses.ts";
export * from "./sim_plan.ts";
export * from "./sim_prefix_cache.ts";
export * from "./sim_profiles.ts";
export * from "./sim_quota.ts";
export * from "./sim_raw_http.ts";
export * from "./sim_sagemaker.ts";
export * from "./sim_tcp_front.ts";
export * from "./sim_vertex.ts";
export * from "./sim_vocabulary.ts";
export * from "./sim_wire_format.ts";
export * from "./simulator.ts";
