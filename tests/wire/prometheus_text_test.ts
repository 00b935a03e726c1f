import { assert, assertEquals } from "../_assert.ts";
import {
  formatPrometheusText,
  parsePrometheusText,
  prometheusSeriesKey,
} from "../../lib/wire/prometheus_text.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../testdata/prometheus/${name}`, import.meta.url));

Deno.test("parsePrometheusText() reads the exposition format's own example", () => {
  const parsed = parsePrometheusText(fixture("exposition_example.txt"));
  assertEquals(parsed.errors, []);
  assertEquals(parsed.samples.length, 2 + 1 + 1 + 1 + 8 + 7);
  const [post200, post400, msdos, minimal, weird] = parsed.samples;
  assertEquals(post200, {
    name: "http_requests_total",
    family: "http_requests_total",
    labels: { method: "post", code: "200" },
    value: 1027,
    timestampMs: 1395066363000,
  });
  assertEquals(post400.value, 3);
  assertEquals(msdos.labels, {
    path: "C:\\DIR\\FILE.TXT",
    error: 'Cannot find file:\n"FILE.TXT"',
  });
  assertEquals(msdos.value, 1458255915);
  assertEquals(minimal, {
    name: "metric_without_timestamp_and_labels",
    family: "metric_without_timestamp_and_labels",
    labels: {},
    value: 12.47,
  });
  assertEquals(weird.value, Infinity);
  assertEquals(weird.timestampMs, -3982045);
  const buckets = parsed.samples.filter((s) => s.name === "http_request_duration_seconds_bucket");
  assertEquals(buckets.map((s) => s.labels.le), ["0.05", "0.1", "0.2", "0.5", "1", "+Inf"]);
  assert(buckets.every((s) => s.family === "http_request_duration_seconds"));
  const summarySum = parsed.samples.find((s) => s.name === "rpc_duration_seconds_sum")!;
  assertEquals(summarySum.family, "rpc_duration_seconds");
  assertEquals(summarySum.value, 17560473);
  assertEquals(parsed.types, {
    http_requests_total: "counter",
    http_request_duration_seconds: "histogram",
    rpc_duration_seconds: "summary",
  });
  assertEquals(parsed.help.rpc_duration_seconds, "A summary of the RPC duration in seconds.");
});

Deno.test("parsePrometheusText() reads vLLM's metric names with colons", () => {
  const parsed = parsePrometheusText(fixture("vllm_metrics.txt"));
  assertEquals(parsed.errors, []);
  const value = (key: string) => parsed.samples.find((s) => prometheusSeriesKey(s) === key)?.value;
  const model = 'model_name="meta-llama/Llama-3.1-8B-Instruct"';
  assertEquals(value(`vllm:num_requests_running{engine="0",${model}}`), 4);
  assertEquals(value(`vllm:num_requests_waiting{engine="0",${model}}`), 2);
  assertEquals(value(`vllm:kv_cache_usage_perc{engine="0",${model}}`), 0.0123);
  assertEquals(
    value(`vllm:request_success_total{engine="0",finished_reason="length",${model}}`),
    3,
  );
  assertEquals(parsed.types["vllm:time_to_first_token_seconds"], "histogram");
  const count = parsed.samples.find((s) => s.name === "vllm:time_to_first_token_seconds_count")!;
  assertEquals(count.family, "vllm:time_to_first_token_seconds");
});

Deno.test("parsePrometheusText() skips bad lines with a reason and reads the rest", () => {
  const parsed = parsePrometheusText([
    "good 1",
    '{"utf8.name"} 2',
    'bad{a="x} 3',
    "bad_value abc",
    "too many 1 2 3",
    "# TYPE t nonsense",
    "nan_value NaN",
    'with_exemplar_total{a="b"} 5 # {trace_id="x"} 1.0',
    "open_metrics 7 1700000000.5",
    "# EOF",
    "after_eof 9",
  ].join("\r\n"));
  assertEquals(parsed.samples.map((s) => s.name), [
    "good",
    "nan_value",
    "with_exemplar_total",
    "open_metrics",
  ]);
  assert(Number.isNaN(parsed.samples[1].value));
  assertEquals(parsed.samples[2].value, 5);
  assertEquals(parsed.samples[3].timestampMs, 1700000000500);
  assertEquals(parsed.errors.length, 5, parsed.errors.join("; "));
  assert(parsed.errors[0].startsWith("line 2:"));
});

Deno.test("formatPrometheusText() writes what parsePrometheusText() reads back", () => {
  const text = formatPrometheusText([
    {
      name: "vllm:num_requests_running",
      type: "gauge",
      help: "Running.\nTwo lines \\ here",
      samples: [{ labels: { model_name: 'a "b"' }, value: 3 }],
    },
    {
      name: "requests",
      type: "counter",
      samples: [
        { name: "requests_total", labels: { code: "200" }, value: 10 },
        { name: "requests_total", labels: { code: "429" }, value: Infinity },
      ],
    },
  ]);
  const parsed = parsePrometheusText(text);
  assertEquals(parsed.errors, []);
  assertEquals(parsed.help["vllm:num_requests_running"], "Running.\nTwo lines \\ here");
  assertEquals(parsed.samples.map((s) => [prometheusSeriesKey(s), s.value, s.family]), [
    ['vllm:num_requests_running{model_name="a \\"b\\""}', 3, "vllm:num_requests_running"],
    ['requests_total{code="200"}', 10, "requests"],
    ['requests_total{code="429"}', Infinity, "requests"],
  ]);
});
