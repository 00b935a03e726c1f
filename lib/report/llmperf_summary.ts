/**
 * LLMPerf's run summary (`{stem}_summary.json`), computed exactly as LLMPerf's
 * `metrics_summary()` + `LLMPerfResults.to_dict()` compute it.
 *
 * @module
 */

import type { LlmperfIndividualRecord } from "./llmperf_individual.ts";
import { llmperfFileStem } from "./llmperf_file_stem.ts";
import { quantileSorted } from "../core/quantile.ts";
import { pairwiseSum } from "../core/pairwise_sum.ts";

/** The `version` field LLMPerf writes (`RESULTS_VERSION` in `llmperf/utils.py`). */
export const LLMPERF_RESULTS_VERSION = "2023-08-31";

/** The per-request metrics LLMPerf summarises, in the order its summary lists them. */
export const LLMPERF_SUMMARY_METRICS = [
  "inter_token_latency_s",
  "ttft_s",
  "end_to_end_latency_s",
  "request_output_throughput_token_per_s",
  "number_input_tokens",
  "number_output_tokens",
] as const;

/** One of {@link LLMPERF_SUMMARY_METRICS}. */
export type LlmperfSummaryMetric = typeof LLMPERF_SUMMARY_METRICS[number];

/** The quantiles LLMPerf writes, as `[key suffix, q]`. */
export const LLMPERF_QUANTILES = [
  ["p25", 0.25],
  ["p50", 0.5],
  ["p75", 0.75],
  ["p90", 0.9],
  ["p95", 0.95],
  ["p99", 0.99],
] as const;

/** The run-level `results_…` keys that follow the per-metric statistics, in order. */
export const LLMPERF_RUN_RESULT_KEYS = [
  "results_num_requests_started",
  "results_error_rate",
  "results_number_errors",
  "results_error_code_frequency",
  "results_mean_output_throughput_token_per_s",
  "results_num_completed_requests",
  "results_num_completed_requests_per_min",
] as const;

/**
 * A flattened LLMPerf summary: metadata, `results_<metric>_quantiles_p25 … _stddev`, run-level
 * results, user metadata and `timestamp`, in LLMPerf's key order. Statistics that are undefined
 * (no successful request; a stddev of one value; unknown wall time) are `null`.
 */
export type LlmperfSummary = Record<string, unknown>;

/** Options of {@link llmperfSummary}. */
export interface LlmperfSummaryOptions {
  /** Model name as passed to `--model`. Required. */
  model: string;
  /** `--mean-input-tokens`. Required. */
  meanInputTokens: number;
  /** `--stddev-input-tokens`. Required. */
  stddevInputTokens: number;
  /** `--mean-output-tokens`. Required. */
  meanOutputTokens: number;
  /** `--stddev-output-tokens`. Required. */
  stddevOutputTokens: number;
  /** `--num-concurrent-requests`. Required. */
  numConcurrentRequests: number;
  /**
   * `--additional-sampling-params`. Default `{}`. Flattened like LLMPerf does it
   * (`additional_sampling_params_temperature`); an empty object leaves no key at all.
   */
  additionalSamplingParams?: Record<string, unknown>;
  /** `--metadata` entries, placed after the results (and able to replace earlier keys). Default `{}`. */
  metadata?: Record<string, unknown>;
  /** Run start, seconds on any clock; with `endTimeS` gives the wall time. Default unset. */
  startTimeS?: number;
  /** Run end, seconds on the same clock as `startTimeS`. Default unset. */
  endTimeS?: number;
  /**
   * Run wall time in seconds (`end_time - start_time` in LLMPerf); takes precedence over
   * `startTimeS`/`endTimeS`. When neither is given the two rate results are `null`.
   */
  wallTimeS?: number;
  /** Unix time in whole seconds, written as `timestamp`. Required. */
  timestamp: number;
  /** The `name` field. Default `{llmperfFileStem(model, meanIn, meanOut)}_summary`. */
  name?: string;
  /** The `version` field. Default {@link LLMPERF_RESULTS_VERSION}. */
  version?: string;
}

/**
 * LLMPerf's summary of a run's individual records, computed exactly as LLMPerf does: errored
 * records (non-null `error_code`) are excluded from every statistic; quantiles p25…p99 with
 * numpy's `linear` method; mean and sample standard deviation as pandas computes them (numpy
 * pairwise summation); `results_error_rate` = errors / all records;
 * `results_error_code_frequency` = the Python repr of pandas' `value_counts()` dict
 * (`"{429.0: 130}"`; float keys when any record succeeded, as pandas' float column makes them);
 * `results_mean_output_throughput_token_per_s` = output tokens of successful requests / wall
 * time of the whole run; `results_num_completed_requests_per_min` = successful requests / wall
 * time × 60. The min and max of the token counts are strings (`"550"`), as LLMPerf's
 * `json.dump(default=str)` writes numpy integers. Differences from LLMPerf, for valid JSON:
 * undefined statistics are `null` where LLMPerf writes bare `NaN`.
 *
 * @example Two successes and one 429
 * ```ts
 * import { llmperfSummary } from "./llmperf_summary.ts";
 * const ok = (ttft: number) => ({
 *   error_code: null, error_msg: "", inter_token_latency_s: 0.02, ttft_s: ttft,
 *   end_to_end_latency_s: 2, request_output_throughput_token_per_s: 50,
 *   number_total_tokens: 200, number_output_tokens: 100, number_input_tokens: 100,
 * });
 * const failed = { ...ok(0), error_code: 429, error_msg: "rate limited", ttft_s: 0 };
 * const summary = llmperfSummary([ok(0.2), ok(0.4), failed], {
 *   model: "m", meanInputTokens: 100, stddevInputTokens: 0, meanOutputTokens: 100,
 *   stddevOutputTokens: 0, numConcurrentRequests: 1, wallTimeS: 4, timestamp: 1700000000,
 * });
 * if (Math.abs(summary.results_ttft_s_mean as number - 0.3) > 1e-12) throw new Error("mean");
 * if (summary.results_error_code_frequency !== "{429.0: 1}") throw new Error("codes");
 * if (summary.results_mean_output_throughput_token_per_s !== 50) throw new Error("throughput");
 * if (summary.results_number_input_tokens_min !== "100") throw new Error("min as string");
 * ```
 */
export function llmperfSummary(
  individual: readonly LlmperfIndividualRecord[],
  options: LlmperfSummaryOptions,
): LlmperfSummary {
  _checkOptions(options);
  const {
    model,
    meanInputTokens,
    stddevInputTokens,
    meanOutputTokens,
    stddevOutputTokens,
    numConcurrentRequests,
    additionalSamplingParams = {},
    metadata = {},
    timestamp,
  } = options;
  const name = options.name ??
    `${llmperfFileStem(model, { meanInputTokens, meanOutputTokens })}_summary`;
  const wallTimeS = options.wallTimeS ??
    (options.startTimeS !== undefined && options.endTimeS !== undefined
      ? options.endTimeS - options.startTimeS
      : null);

  const columns = _columns(individual);
  const results: Record<string, unknown> = {};
  for (const metric of LLMPERF_SUMMARY_METRICS) {
    const values = columns.values[metric];
    const stats = _pandasStats(values);
    const quantiles: Record<string, number | null> = {};
    for (const [key, q] of LLMPERF_QUANTILES) quantiles[key] = stats.quantile(q);
    // Token counts form an int64 column: numpy integers, written by json's default=str.
    const asString = columns.integers[metric] && values.length > 0;
    results[metric] = {
      quantiles,
      mean: stats.mean,
      min: asString ? String(stats.min) : stats.min,
      max: asString ? String(stats.max) : stats.max,
      stddev: stats.stddev,
    };
  }
  const started = individual.length;
  const errorCodes = columns.errorCodes;
  const completed = started - errorCodes.length;
  results.num_requests_started = started;
  results.error_rate = started ? errorCodes.length / started : 0;
  results.number_errors = errorCodes.length;
  results.error_code_frequency = _errorCodeFrequency(errorCodes, completed > 0);
  const outputTokens = columns.outputTokens;
  const rate = wallTimeS !== null && wallTimeS > 0 && Number.isFinite(wallTimeS);
  results.mean_output_throughput_token_per_s = rate ? outputTokens / wallTimeS : null;
  results.num_completed_requests = completed;
  results.num_completed_requests_per_min = rate ? completed / wallTimeS * 60 : null;

  // LLMPerf: metadata dict, then summary.update(user_metadata), then LLMPerfResults adds
  // `timestamp` and puts version/name first, then flatten_dict.
  const nested: Record<string, unknown> = {
    version: options.version ?? LLMPERF_RESULTS_VERSION,
    name,
    model,
    mean_input_tokens: meanInputTokens,
    stddev_input_tokens: stddevInputTokens,
    mean_output_tokens: meanOutputTokens,
    stddev_output_tokens: stddevOutputTokens,
    num_concurrent_requests: numConcurrentRequests,
    additional_sampling_params: additionalSamplingParams,
    results,
  };
  for (const [k, v] of Object.entries(metadata)) nested[k] = v;
  nested.timestamp = timestamp;
  return _flattenDict(nested, "");
}

/**
 * The wall time of an LLMPerf run as its summary implies it:
 * `results_num_completed_requests / results_num_completed_requests_per_min × 60` seconds, or
 * `null` when the summary cannot tell (no completed request). LLMPerf keeps no run start/end
 * times in its files; this is the only record of them.
 *
 * @example
 * ```ts
 * import { llmperfWallTimeS } from "./llmperf_summary.ts";
 * const wall = llmperfWallTimeS({
 *   results_num_completed_requests: 150,
 *   results_num_completed_requests_per_min: 90,
 * });
 * if (wall !== 100) throw new Error(String(wall));
 * ```
 */
export function llmperfWallTimeS(summary: LlmperfSummary): number | null {
  const done = summary.results_num_completed_requests;
  const perMin = summary.results_num_completed_requests_per_min;
  if (typeof done !== "number" || typeof perMin !== "number") return null;
  if (!(done > 0 && perMin > 0)) return null;
  return done / perMin * 60;
}

/**
 * The {@link LlmperfSummaryOptions} a loaded LLMPerf summary was made with, so that
 * `llmperfSummary(individual, llmperfSummaryOptionsOf(summary))` recomputes it: model, token
 * means/stddevs, concurrency, `additional_sampling_params_*` keys, the user metadata found after
 * the results, `name`, `version`, `timestamp`, and the wall time from {@link llmperfWallTimeS}.
 * Throws `TypeError` naming the field when a required field is missing or of the wrong type.
 *
 * @example
 * ```ts
 * import { llmperfSummary, llmperfSummaryOptionsOf } from "./llmperf_summary.ts";
 * const summary = llmperfSummary([], {
 *   model: "m", meanInputTokens: 1, stddevInputTokens: 0, meanOutputTokens: 1,
 *   stddevOutputTokens: 0, numConcurrentRequests: 1, timestamp: 1, metadata: { framework: "x" },
 * });
 * const options = llmperfSummaryOptionsOf(summary);
 * if (options.metadata?.framework !== "x" || options.model !== "m") throw new Error("options");
 * ```
 */
export function llmperfSummaryOptionsOf(summary: LlmperfSummary): LlmperfSummaryOptions {
  const num = (key: string): number => {
    const v = summary[key];
    if (typeof v !== "number") {
      throw new TypeError(
        `Cannot read LLMPerf summary: '${key}' must be a number, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  const model = summary.model;
  if (typeof model !== "string") {
    throw new TypeError(
      `Cannot read LLMPerf summary: 'model' must be a string, got ${JSON.stringify(model)}`,
    );
  }
  const fixed = new Set([
    "version",
    "name",
    "model",
    "mean_input_tokens",
    "stddev_input_tokens",
    "mean_output_tokens",
    "stddev_output_tokens",
    "num_concurrent_requests",
    "timestamp",
  ]);
  const additionalSamplingParams: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  let afterResults = false;
  for (const [k, v] of Object.entries(summary)) {
    if (k.startsWith("results_")) {
      afterResults = true;
    } else if (k.startsWith("additional_sampling_params_") && !afterResults) {
      additionalSamplingParams[k.slice("additional_sampling_params_".length)] = v;
    } else if (!fixed.has(k)) {
      metadata[k] = v;
    }
  }
  const wallTimeS = llmperfWallTimeS(summary);
  return {
    model,
    meanInputTokens: num("mean_input_tokens"),
    stddevInputTokens: num("stddev_input_tokens"),
    meanOutputTokens: num("mean_output_tokens"),
    stddevOutputTokens: num("stddev_output_tokens"),
    numConcurrentRequests: num("num_concurrent_requests"),
    additionalSamplingParams,
    metadata,
    ...(wallTimeS === null ? {} : { wallTimeS }),
    timestamp: num("timestamp"),
    ...(typeof summary.name === "string" ? { name: summary.name } : {}),
    ...(typeof summary.version === "string" ? { version: summary.version } : {}),
  };
}

interface _Columns {
  /** Each metric's values over successful records, missing/NaN values dropped (pandas dropna). */
  values: Record<LlmperfSummaryMetric, Float64Array>;
  /** Whether a token column holds only integers (pandas int64). */
  integers: Record<LlmperfSummaryMetric, boolean>;
  /** Codes of the errored records, in order. */
  errorCodes: number[];
  /** Sum of number_output_tokens over successful records. */
  outputTokens: number;
}

/** One pass over the records, with named property loads, into per-metric columns. */
function _columns(records: readonly LlmperfIndividualRecord[]): _Columns {
  const n = records.length;
  const itl = new Float64Array(n), ttft = new Float64Array(n), e2e = new Float64Array(n);
  const tput = new Float64Array(n), input = new Float64Array(n), output = new Float64Array(n);
  let ni = 0, nt = 0, ne = 0, np = 0, nin = 0, nout = 0;
  let inputInts = true, outputInts = true, outputTokens = 0;
  const errorCodes: number[] = [];
  const ok = (v: unknown): v is number => typeof v === "number" && !Number.isNaN(v);
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const code = r.error_code;
    if (code !== null && code !== undefined) {
      errorCodes.push(code);
      continue;
    }
    const a = r.inter_token_latency_s, b = r.ttft_s, c = r.end_to_end_latency_s;
    const d = r.request_output_throughput_token_per_s;
    const e = r.number_input_tokens, f = r.number_output_tokens;
    if (ok(a)) itl[ni++] = a;
    if (ok(b)) ttft[nt++] = b;
    if (ok(c)) e2e[ne++] = c;
    if (ok(d)) tput[np++] = d;
    if (ok(e)) {
      input[nin++] = e;
      if (inputInts && !Number.isInteger(e)) inputInts = false;
    }
    if (ok(f)) {
      output[nout++] = f;
      outputTokens += f;
      if (outputInts && !Number.isInteger(f)) outputInts = false;
    }
  }
  return {
    values: {
      inter_token_latency_s: itl.subarray(0, ni),
      ttft_s: ttft.subarray(0, nt),
      end_to_end_latency_s: e2e.subarray(0, ne),
      request_output_throughput_token_per_s: tput.subarray(0, np),
      number_input_tokens: input.subarray(0, nin),
      number_output_tokens: output.subarray(0, nout),
    },
    integers: {
      inter_token_latency_s: false,
      ttft_s: false,
      end_to_end_latency_s: false,
      request_output_throughput_token_per_s: false,
      number_input_tokens: inputInts,
      number_output_tokens: outputInts,
    },
    errorCodes,
    outputTokens,
  };
}

interface _Stats {
  mean: number | null;
  min: number | null;
  max: number | null;
  stddev: number | null;
  quantile(q: number): number | null;
}

/** mean/min/max/sample stddev/quantiles as pandas computes them; `null` where pandas gives NaN. */
function _pandasStats(values: Float64Array): _Stats {
  const n = values.length;
  if (n === 0) {
    return { mean: null, min: null, max: null, stddev: null, quantile: () => null };
  }
  const mean = pairwiseSum(values, 0, n) / n;
  let stddev: number | null = null;
  if (n > 1) {
    const sq = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = mean - values[i];
      sq[i] = d * d;
    }
    stddev = Math.sqrt(pairwiseSum(sq, 0, n) / (n - 1));
  }
  const sorted = values.sort(); // a private column: sort in place
  return {
    mean,
    min: sorted[0],
    max: sorted[n - 1],
    stddev,
    quantile: (q) => quantileSorted(sorted, q),
  };
}

/**
 * `str(dict(error_codes.value_counts()))`: counts in descending order (ties in order of first
 * appearance), keys as Python floats when the error-code column also held nulls.
 */
function _errorCodeFrequency(codes: readonly number[], floatKeys: boolean): string {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  const float = floatKeys || codes.some((c) => !Number.isInteger(c));
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return `{${entries.map(([k, c]) => `${_pythonRepr(k, float)}: ${c}`).join(", ")}}`;
}

/** Python's repr of an int or float value. */
function _pythonRepr(x: number, float: boolean): string {
  if (!float) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const s = String(x);
  // Python pads exponents to two digits: 1e-07, 1e+16.
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** LLMPerf's `flatten_dict`: nested objects joined with `_`; an empty object leaves nothing. */
function _flattenDict(d: Record<string, unknown>, parent: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    const key = parent ? `${parent}_${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      Object.assign(out, _flattenDict(v as Record<string, unknown>, key));
    } else {
      out[key] = typeof v === "number" && !Number.isFinite(v) ? null : v;
    }
  }
  return out;
}

function _checkOptions(options: LlmperfSummaryOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot summarise LLMPerf records: 'options' must be an object`);
  }
  if (typeof options.model !== "string") {
    throw new TypeError(
      `Cannot summarise LLMPerf records: 'model' must be a string, got ${
        JSON.stringify(options.model)
      }`,
    );
  }
  for (
    const key of [
      "meanInputTokens",
      "stddevInputTokens",
      "meanOutputTokens",
      "stddevOutputTokens",
      "numConcurrentRequests",
      "timestamp",
    ] as const
  ) {
    const v = options[key];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(
        `Cannot summarise LLMPerf records: '${key}' must be a finite number, got ${v}`,
      );
    }
  }
  for (const key of ["wallTimeS", "startTimeS", "endTimeS"] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) {
      throw new TypeError(
        `Cannot summarise LLMPerf records: '${key}' must be a finite number, got ${v}`,
      );
    }
  }
}
