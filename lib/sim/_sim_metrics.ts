/**
 * The simulator's server-side metrics, served at `GET /metrics` in the Prometheus text format
 * with vLLM's names (so a scraper set up for vLLM reads the simulator unchanged): running and
 * waiting requests, KV-cache usage, request and token counters.
 *
 * @module
 */
import { formatPrometheusText, type PrometheusFamilyOut } from "../wire/prometheus_text.ts";
import type { SimRequestLog } from "./_sim_request_log.ts";
import type { SimSlots } from "./_sim_slots.ts";

/** The model name label of every series (the id `GET /v1/models` lists). */
export const SIM_METRICS_MODEL = "tokenbench-sim";

/** Counters and the running set of one simulator. */
export interface SimMetrics {
  /** A request reached a wire format. */
  received(): void;
  /** A request started being answered (it holds a slot). */
  started(entry: SimRequestLog): void;
  /** A request is over (answered, failed, refused or gone): counted once. */
  finished(entry: SimRequestLog): void;
  /** The exposition at this moment. */
  text(): string;
}

/**
 * The metrics of one simulator: `vllm:num_requests_running`, `vllm:num_requests_waiting`,
 * `vllm:kv_cache_usage_perc` (prompt plus sent tokens of the running requests over
 * `kvCacheTokens`), `vllm:request_success_total{finished_reason}`, `vllm:prompt_tokens_total`
 * (counted when a request starts) and `vllm:generation_tokens_total` (as tokens are sent), and tokenbench's own `tokenbench_sim_requests_received_total`,
 * `tokenbench_sim_request_errors_total{status}` and `tokenbench_sim_requests_disconnected_total`.
 *
 * @example One request through
 * ```ts
 * import { createSimMetrics } from "./_sim_metrics.ts";
 * import { createSimSlots } from "./_sim_slots.ts";
 * const metrics = createSimMetrics(createSimSlots(Infinity), 1000);
 * metrics.received();
 * if (!metrics.text().includes("tokenbench_sim_requests_received_total 1")) throw new Error();
 * ```
 */
export function createSimMetrics(slots: SimSlots, kvCacheTokens: number): SimMetrics {
  const running = new Set<SimRequestLog>();
  const done = new WeakSet<SimRequestLog>();
  let received = 0;
  let promptTokens = 0;
  let generationTokens = 0;
  let disconnected = 0;
  const success = new Map<string, number>();
  const errors = new Map<number, number>();
  const model = { model_name: SIM_METRICS_MODEL };
  return {
    received: () => {
      received++;
    },
    started: (entry) => {
      running.add(entry);
      // Prompt tokens count at prefill, when the request starts (as vLLM counts them).
      promptTokens += entry.inputTokens;
    },
    finished: (entry) => {
      if (done.has(entry)) return;
      done.add(entry);
      if (running.delete(entry)) generationTokens += entry.outputTokens;
      if (entry.error !== null) {
        errors.set(entry.error.status, (errors.get(entry.error.status) ?? 0) + 1);
      } else if (entry.disconnected || entry.finishReason === null) disconnected++;
      else success.set(entry.finishReason, (success.get(entry.finishReason) ?? 0) + 1);
    },
    text: () => {
      // Generated tokens count as they are sent.
      let cached = 0;
      let generating = 0;
      for (const entry of running) {
        cached += entry.inputTokens + entry.outputTokens;
        generating += entry.outputTokens;
      }
      const families: PrometheusFamilyOut[] = [
        {
          name: "vllm:num_requests_running",
          type: "gauge",
          help: "Number of requests in model execution batches.",
          samples: [{ labels: model, value: slots.running }],
        },
        {
          name: "vllm:num_requests_waiting",
          type: "gauge",
          help: "Number of requests waiting to be processed.",
          samples: [{ labels: model, value: slots.waiting }],
        },
        {
          name: "vllm:kv_cache_usage_perc",
          type: "gauge",
          help: "KV-cache usage. 1 means 100 percent usage.",
          samples: [{ labels: model, value: Math.min(1, cached / kvCacheTokens) }],
        },
        {
          name: "vllm:request_success_total",
          type: "counter",
          help: "Count of successfully processed requests.",
          samples: ["stop", "length"].map((reason) => ({
            labels: { ...model, finished_reason: reason },
            value: success.get(reason) ?? 0,
          })),
        },
        {
          name: "vllm:prompt_tokens_total",
          type: "counter",
          help: "Number of prefill tokens processed.",
          samples: [{ labels: model, value: promptTokens }],
        },
        {
          name: "vllm:generation_tokens_total",
          type: "counter",
          help: "Number of generation tokens processed.",
          samples: [{
            labels: model,
            value: generationTokens + generating,
          }],
        },
        {
          name: "tokenbench_sim_requests_received_total",
          type: "counter",
          help: "Requests that reached a wire format.",
          samples: [{ value: received }],
        },
        {
          name: "tokenbench_sim_request_errors_total",
          type: "counter",
          help: "Requests answered with an error (HTTP or in-stream), by status.",
          samples: [...errors].sort(([a], [b]) => a - b).map(([status, value]) => ({
            labels: { status: String(status) },
            value,
          })),
        },
        {
          name: "tokenbench_sim_requests_disconnected_total",
          type: "counter",
          help: "Requests whose client went away before the end.",
          samples: [{ value: disconnected }],
        },
      ];
      return formatPrometheusText(families);
    },
  };
}
