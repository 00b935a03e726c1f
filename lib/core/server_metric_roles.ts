/**
 * Which server metric tells what, across servers: the names vLLM, SGLang and TGI give the
 * running and waiting requests, the KV-cache usage and the prefix-cache hits, as data.
 *
 * @module
 */

/**
 * The roles a server metric can play, in report order.
 *
 * @example
 * ```ts
 * import { SERVER_METRIC_ROLE_NAMES } from "./server_metric_roles.ts";
 * if (SERVER_METRIC_ROLE_NAMES[0] !== "running") throw new Error();
 * ```
 */
export const SERVER_METRIC_ROLE_NAMES = [
  "running",
  "waiting",
  "kvCacheUsage",
  "prefixCacheHitRate",
] as const;

/** One of {@link SERVER_METRIC_ROLE_NAMES}. */
export type ServerMetricRole = typeof SERVER_METRIC_ROLE_NAMES[number];

/** How a role is read from a server's samples. */
export type ServerMetricRoleSpec =
  | {
    /** A gauge: the sum of every series of the first name present, per scrape. */
    kind: "gauge";
    /** What it is, with its unit. */
    title: string;
    /** Sample names, most specific first (the first one present wins). */
    names: readonly string[];
  }
  | {
    /** A ratio of two counters' increases over the run (hits / queries), or a gauge of it. */
    kind: "ratio";
    title: string;
    /** Pairs of counter names `[hits, queries]`, first present wins. */
    counters: readonly (readonly [string, string])[];
    /** Gauges that already are the ratio (used when no counter pair is present). */
    names: readonly string[];
  };

/**
 * The role table: vLLM (V1 names first, then V0's), SGLang and TGI.
 *
 * @example The running requests of vLLM and SGLang
 * ```ts
 * import { SERVER_METRIC_ROLES } from "./server_metric_roles.ts";
 * const running = SERVER_METRIC_ROLES.running;
 * if (!running.names.includes("vllm:num_requests_running")) throw new Error("vllm");
 * if (!running.names.includes("sglang:num_running_reqs")) throw new Error("sglang");
 * ```
 */
export const SERVER_METRIC_ROLES = {
  running: {
    kind: "gauge",
    title: "Running requests",
    names: ["vllm:num_requests_running", "sglang:num_running_reqs", "tgi_batch_current_size"],
  },
  waiting: {
    kind: "gauge",
    title: "Waiting requests",
    names: ["vllm:num_requests_waiting", "sglang:num_queue_reqs", "tgi_queue_size"],
  },
  kvCacheUsage: {
    kind: "gauge",
    title: "KV-cache usage (fraction)",
    names: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage"],
  },
  prefixCacheHitRate: {
    kind: "ratio",
    title: "Prefix-cache hit rate (fraction of queried tokens)",
    counters: [
      ["vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total"],
      ["vllm:gpu_prefix_cache_hits_total", "vllm:gpu_prefix_cache_queries_total"],
    ],
    names: ["vllm:gpu_prefix_cache_hit_rate", "sglang:cache_hit_rate"],
  },
} as const satisfies Record<ServerMetricRole, ServerMetricRoleSpec>;
