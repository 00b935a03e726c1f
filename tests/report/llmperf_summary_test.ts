import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  LLMPERF_QUANTILES,
  LLMPERF_RUN_RESULT_KEYS,
  LLMPERF_SUMMARY_METRICS,
  llmperfSummary,
  type LlmperfSummaryOptions,
  llmperfSummaryOptionsOf,
  llmperfWallTimeS,
} from "../../lib/report/llmperf_summary.ts";
import type { LlmperfIndividualRecord } from "../../lib/report/llmperf_individual.ts";
import { parseLlmperfFile } from "../../lib/report/load_llmperf.ts";

const REFERENCE = new URL("../../raw_data/llmperf-leaderboard/", import.meta.url);

function rec(over: Partial<LlmperfIndividualRecord> = {}): LlmperfIndividualRecord {
  return {
    error_code: null,
    error_msg: "",
    inter_token_latency_s: 0.03,
    ttft_s: 0.2,
    end_to_end_latency_s: 4,
    request_output_throughput_token_per_s: 37.5,
    number_total_tokens: 700,
    number_output_tokens: 150,
    number_input_tokens: 550,
    ...over,
  };
}

const OPTIONS: LlmperfSummaryOptions = {
  model: "meta-llama/Llama-2-70b-chat-hf",
  meanInputTokens: 550,
  stddevInputTokens: 0,
  meanOutputTokens: 150,
  stddevOutputTokens: 0,
  numConcurrentRequests: 5,
  wallTimeS: 60,
  timestamp: 1703136129,
};

function load(dir: string, name: string) {
  const path = new URL(`${dir}/${name}`, REFERENCE).pathname;
  const r = parseLlmperfFile(path, Deno.readTextFileSync(path));
  if (r.status !== "ok") throw new Error(r.error.message);
  return r.file;
}

const SUMMARY_NAMES = [...Deno.readDirSync(new URL("summary/", REFERENCE))]
  .map((e) => e.name).sort();

Deno.test("llmperfSummary() recomputes all 19 shipped leaderboard summaries to 1e-9 relative", () => {
  assert(SUMMARY_NAMES.length === 19, `expected 19 summaries, found ${SUMMARY_NAMES.length}`);
  let compared = 0;
  for (const name of SUMMARY_NAMES) {
    const shipped = load("summary", name).summary!;
    const individual = load("individual", name).individual!;
    const mine = llmperfSummary(individual, llmperfSummaryOptionsOf(shipped));
    assertEquals(Object.keys(mine), Object.keys(shipped), `${name}: key set and order`);
    for (const [key, expected] of Object.entries(shipped)) {
      const actual = mine[key];
      if (typeof expected === "number") {
        assert(typeof actual === "number", `${name} ${key}: expected a number, got ${actual}`);
        const rel = expected === actual
          ? 0
          : Math.abs(expected - actual) / Math.max(Math.abs(expected), Math.abs(actual));
        assert(rel <= 1e-9, `${name} ${key}: ${actual} vs shipped ${expected} (rel ${rel})`);
      } else {
        assertEquals(actual, expected, `${name} ${key}`);
      }
      compared++;
    }
  }
  assert(compared > 19 * 70, `compared only ${compared} values`);
});

Deno.test("llmperfSummary() matches the shipped statistics bit for bit (numpy pairwise sums)", () => {
  // Means, stddevs and quantiles do not depend on the run's wall time, which LLMPerf does not
  // store; those agree exactly with pandas/numpy, not just to 1e-9.
  for (const name of SUMMARY_NAMES) {
    const shipped = load("summary", name).summary!;
    const mine = llmperfSummary(
      load("individual", name).individual!,
      llmperfSummaryOptionsOf(shipped),
    );
    for (const metric of LLMPERF_SUMMARY_METRICS) {
      for (
        const stat of [
          "mean",
          "stddev",
          "min",
          "max",
          ...LLMPERF_QUANTILES.map(([k]) => `quantiles_${k}`),
        ]
      ) {
        const key = `results_${metric}_${stat}`;
        assert(mine[key] === shipped[key], `${name} ${key}: ${mine[key]} !== ${shipped[key]}`);
      }
    }
  }
});

Deno.test("llmperfSummary() writes LLMPerf's key order, token min/max as strings and float error-code keys", () => {
  const summary = llmperfSummary(
    [rec(), rec({ ttft_s: 0.4, number_output_tokens: 94 }), rec({ error_code: 429, ttft_s: 0 })],
    { ...OPTIONS, metadata: { framework: "anyscale", model_size: "70b" } },
  );
  const keys = Object.keys(summary);
  assertEquals(keys.slice(0, 8), [
    "version",
    "name",
    "model",
    "mean_input_tokens",
    "stddev_input_tokens",
    "mean_output_tokens",
    "stddev_output_tokens",
    "num_concurrent_requests",
  ]);
  assertEquals(summary.name, "meta-llama-Llama-2-70b-chat-hf_550_150_summary");
  assertEquals(keys[8], "results_inter_token_latency_s_quantiles_p25");
  assertEquals(keys.slice(-10), [
    ...LLMPERF_RUN_RESULT_KEYS,
    "framework",
    "model_size",
    "timestamp",
  ]);
  assertEquals(summary.results_number_output_tokens_min, "94");
  assertEquals(summary.results_number_output_tokens_max, "150");
  assertEquals(typeof summary.results_ttft_s_min, "number");
  assertEquals(summary.results_error_code_frequency, "{429.0: 1}");
  assertEquals(summary.results_error_rate, 1 / 3);
  assertEquals(summary.results_number_errors, 1);
  assertEquals(summary.results_num_requests_started, 3);
  assertEquals(summary.results_num_completed_requests, 2);
  assertEquals(summary.results_mean_output_throughput_token_per_s, (150 + 94) / 60);
  assertEquals(summary.results_num_completed_requests_per_min, 2);
  // errored rows are excluded: the mean TTFT is over 0.2 and 0.4 only
  assert(Math.abs((summary.results_ttft_s_mean as number) - 0.3) < 1e-15);
});

Deno.test("llmperfSummary() orders error codes by count, then first appearance, like value_counts()", () => {
  const s = llmperfSummary(
    [
      rec({ error_code: -1 }),
      rec({ error_code: 429 }),
      rec({ error_code: 429 }),
      rec({ error_code: 500 }),
      rec(),
    ],
    OPTIONS,
  );
  assertEquals(s.results_error_code_frequency, "{429.0: 2, -1.0: 1, 500.0: 1}");
  const none = llmperfSummary([rec()], OPTIONS);
  assertEquals(none.results_error_code_frequency, "{}");
});

Deno.test("llmperfSummary() of a run where nothing succeeded has nulls, int error-code keys and valid JSON", () => {
  const s = llmperfSummary([rec({ error_code: 429 }), rec({ error_code: 429 })], OPTIONS);
  assertEquals(s.results_error_code_frequency, "{429: 2}");
  assertEquals(s.results_ttft_s_mean, null);
  assertEquals(s.results_number_input_tokens_min, null);
  assertEquals(s.results_ttft_s_quantiles_p50, null);
  assertEquals(s.results_mean_output_throughput_token_per_s, 0);
  assertEquals(s.results_error_rate, 1);
  const text = JSON.stringify(s);
  assert(!text.includes("NaN"));
  assertEquals(JSON.parse(text), s);
});

Deno.test("llmperfSummary() gives a null stddev for one success, as pandas gives NaN", () => {
  const s = llmperfSummary([rec()], OPTIONS);
  assertEquals(s.results_ttft_s_stddev, null);
  assertEquals(s.results_ttft_s_mean, 0.2);
  assertEquals(s.results_ttft_s_quantiles_p99, 0.2);
});

Deno.test("llmperfSummary() takes the wall time from start/end times, and gives null rates without one", () => {
  const fromTimes = llmperfSummary([rec()], {
    ...OPTIONS,
    wallTimeS: undefined,
    startTimeS: 100,
    endTimeS: 130,
  });
  assertEquals(fromTimes.results_num_completed_requests_per_min, 2);
  assertEquals(fromTimes.results_mean_output_throughput_token_per_s, 5);
  const unknown = llmperfSummary([rec()], { ...OPTIONS, wallTimeS: undefined });
  assertEquals(unknown.results_num_completed_requests_per_min, null);
  assertEquals(unknown.results_mean_output_throughput_token_per_s, null);
});

Deno.test("llmperfSummary() flattens additional sampling params like flatten_dict, and drops an empty one", () => {
  const withParams = llmperfSummary([rec()], {
    ...OPTIONS,
    additionalSamplingParams: { temperature: 0.5, stop: ["\n"] },
  });
  const keys = Object.keys(withParams);
  assertEquals(keys.slice(8, 10), [
    "additional_sampling_params_temperature",
    "additional_sampling_params_stop",
  ]);
  assertEquals(withParams.additional_sampling_params_stop, ["\n"]);
  const empty = llmperfSummary([rec()], { ...OPTIONS, additionalSamplingParams: {} });
  assert(!Object.keys(empty).some((k) => k.startsWith("additional_sampling_params")));
  const back = llmperfSummaryOptionsOf(withParams);
  assertEquals(back.additionalSamplingParams, { temperature: 0.5, stop: ["\n"] });
});

Deno.test("llmperfSummary() rejects options that are not numbers, naming them", () => {
  let message = "";
  try {
    llmperfSummary([], { ...OPTIONS, numConcurrentRequests: Number("x") });
  } catch (e) {
    assert(e instanceof TypeError);
    message = e.message;
  }
  assert(message.includes("'numConcurrentRequests'"), message);
});

Deno.test("llmperfWallTimeS() reads the wall time implied by a shipped summary, or null", () => {
  const shipped = load("summary", "anyscale_70b.json").summary!;
  const wall = llmperfWallTimeS(shipped)!;
  assert(Math.abs(wall - 150 / 84.73327721639254 * 60) < 1e-9);
  assertEquals(
    llmperfWallTimeS({
      results_num_completed_requests: 0,
      results_num_completed_requests_per_min: 0,
    }),
    null,
  );
});
