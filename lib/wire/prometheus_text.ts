/**
 * The Prometheus text exposition format (version 0.0.4, what vLLM, TGI, SGLang and most servers
 * answer at `GET /metrics`; the OpenMetrics text format's `# EOF` and exemplars are accepted too):
 * {@link parsePrometheusText} reads it, {@link formatPrometheusText} writes it (the simulator's
 * `/metrics`), {@link prometheusSeriesKey} names one series.
 *
 * The only npm parser (`parse-prometheus-text-format`, last released years ago) returns values
 * as strings and is not kept up; the format is small and fully specified, so it is parsed here.
 *
 * @module
 */

/** A metric family's type, from its `# TYPE` line (`untyped` without one). */
export type PrometheusType =
  | "counter"
  | "gauge"
  | "histogram"
  | "summary"
  | "untyped"
  | "info"
  | "stateset"
  | "gaugehistogram"
  | "unknown";

/** One sample line. */
export interface PrometheusSample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  name: string;
  /** The family it belongs to (its `# TYPE` name; `name` itself without one). */
  family: string;
  /** Label pairs, unescaped. */
  labels: Record<string, string>;
  /** The value (`NaN`, `±Infinity` allowed). */
  value: number;
  /** The sample's own timestamp, epoch ms, when the line has one. */
  timestampMs?: number;
}

/** What {@link parsePrometheusText} read. */
export interface PrometheusText {
  /** Every sample, in order. */
  samples: PrometheusSample[];
  /** Family name → type, from the `# TYPE` lines. */
  types: Record<string, PrometheusType>;
  /** Family name → help text, from the `# HELP` lines (unescaped). */
  help: Record<string, string>;
  /** Lines that could not be read (`line N: why`); they are skipped, never thrown. */
  errors: string[];
}

const _NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const _LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const _TYPES = new Set<string>([
  "counter",
  "gauge",
  "histogram",
  "summary",
  "untyped",
  "info",
  "stateset",
  "gaugehistogram",
  "unknown",
]);
const _SUFFIXES: Record<string, readonly string[]> = {
  histogram: ["_bucket", "_sum", "_count", "_created"],
  gaugehistogram: ["_bucket", "_gsum", "_gcount"],
  summary: ["_sum", "_count", "_created"],
  counter: ["_total", "_created"],
  info: ["_info"],
};

/** A number of the format: a float, `NaN`, `+Inf`, `-Inf`. */
function _number(text: string): number | null {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/** The family of sample `name`: itself when typed, else a typed family it is a suffix of. */
function _family(name: string, types: Record<string, PrometheusType>): string {
  if (types[name] !== undefined) return name;
  for (const [type, suffixes] of Object.entries(_SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      if (types[base] === type) return base;
    }
  }
  return name;
}

/** Reads `{a="x",b="y"}` at the start of `text`: the labels and the rest, or an error. */
function _labels(text: string): { labels: Record<string, string>; rest: string } | string {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === "}") return { labels, rest: text.slice(i + 1) };
    const name = _LABEL.exec(text.slice(i))?.[0];
    if (name === undefined) return "bad label name";
    i += name.length;
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] !== "=") return `no '=' after label ${name}`;
    i++;
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] !== '"') return `label ${name} has no quoted value`;
    i++;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) return `label ${name} has no closing quote`;
      if (c === '"') break;
      if (c === "\\") {
        const next = text[i + 1];
        value += next === "n" ? "\n" : next === undefined ? "\\" : next;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[name] = value;
    i++;
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") return `expected ',' or '}' after label ${name}`;
  }
}

/**
 * Parses a Prometheus (or OpenMetrics) text exposition. Comment lines other than `# HELP` and
 * `# TYPE` are skipped, as are exemplars (` # {…} v`) and everything after `# EOF`; a sample's
 * timestamp is read as epoch ms (as Prometheus writes it; OpenMetrics' seconds with a fraction
 * are converted). A line that cannot be read is reported in `errors` and skipped: never thrown.
 *
 * @example A gauge with labels and a histogram's count
 * ```ts
 * import { parsePrometheusText } from "./prometheus_text.ts";
 * const parsed = parsePrometheusText([
 *   "# HELP vllm:num_requests_running Number of requests in model execution batches.",
 *   "# TYPE vllm:num_requests_running gauge",
 *   'vllm:num_requests_running{model_name="m"} 3.0',
 *   "# TYPE ttft_seconds histogram",
 *   'ttft_seconds_bucket{le="+Inf"} 12',
 *   "ttft_seconds_count 12",
 * ].join("\n"));
 * const [running, bucket] = parsed.samples;
 * if (running.value !== 3 || running.labels.model_name !== "m") throw new Error("gauge");
 * if (parsed.types["vllm:num_requests_running"] !== "gauge") throw new Error("type");
 * if (bucket.family !== "ttft_seconds" || bucket.labels.le !== "+Inf") throw new Error("bucket");
 * ```
 */
export function parsePrometheusText(text: string): PrometheusText {
  const out: PrometheusText = { samples: [], types: {}, help: {}, errors: [] };
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, "").trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      if (line === "# EOF") break;
      const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (meta === null) continue;
      const [, what, name, rest = ""] = meta;
      if (what === "HELP") {
        out.help[name] = rest.replace(/\\(\\|n)/g, (_m, c) => c === "n" ? "\n" : "\\");
      } else if (_TYPES.has(rest.trim().toLowerCase())) {
        out.types[name] = rest.trim().toLowerCase() as PrometheusType;
      } else {
        out.errors.push(`line ${n + 1}: unknown type '${rest.trim()}'`);
      }
      continue;
    }
    const name = _NAME.exec(line)?.[0];
    if (name === undefined) {
      out.errors.push(`line ${n + 1}: no metric name`);
      continue;
    }
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      const read = _labels(rest);
      if (typeof read === "string") {
        out.errors.push(`line ${n + 1}: ${read}`);
        continue;
      }
      labels = read.labels;
      rest = read.rest;
    }
    // An OpenMetrics exemplar follows " # ".
    const hash = rest.indexOf(" # ");
    if (hash >= 0) rest = rest.slice(0, hash);
    const fields = rest.trim().split(/[ \t]+/);
    const value = fields[0] === undefined ? null : _number(fields[0]);
    if (value === null || fields.length > 2) {
      out.errors.push(`line ${n + 1}: bad value '${rest.trim()}'`);
      continue;
    }
    const sample: PrometheusSample = {
      name,
      family: _family(name, out.types),
      labels,
      value,
    };
    if (fields.length === 2) {
      const stamp = _number(fields[1]);
      if (stamp === null || !Number.isFinite(stamp)) {
        out.errors.push(`line ${n + 1}: bad timestamp '${fields[1]}'`);
        continue;
      }
      // Prometheus writes integer ms; OpenMetrics writes seconds, often with a fraction.
      sample.timestampMs = fields[1].includes(".") || fields[1].includes("e")
        ? stamp * 1000
        : stamp;
    }
    out.samples.push(sample);
  }
  return out;
}

/**
 * The key of one series: its name, then its labels sorted by name, in the format's own syntax
 * (`vllm:num_requests_running{model_name="m"}`; a series without labels is its bare name).
 *
 * @example Labels in name order
 * ```ts
 * import { prometheusSeriesKey } from "./prometheus_text.ts";
 * const key = prometheusSeriesKey({ name: "x", labels: { b: "2", a: 'say "hi"' } });
 * if (key !== 'x{a="say \\"hi\\"",b="2"}') throw new Error(key);
 * ```
 */
export function prometheusSeriesKey(
  sample: Pick<PrometheusSample, "name" | "labels">,
): string {
  const names = Object.keys(sample.labels).sort();
  if (names.length === 0) return sample.name;
  const pairs = names.map((n) => `${n}="${_escapeLabel(sample.labels[n])}"`);
  return `${sample.name}{${pairs.join(",")}}`;
}

function _escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function _formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** One metric family to write with {@link formatPrometheusText}. */
export interface PrometheusFamilyOut {
  /** Family name. */
  name: string;
  /** Its type. */
  type: PrometheusType;
  /** Its help text. Default none. */
  help?: string;
  /** Its samples: `name` defaults to the family's name. */
  samples: { name?: string; labels?: Record<string, string>; value: number }[];
}

/**
 * Writes metric families in the text exposition format (`# HELP`, `# TYPE`, then one line per
 * sample), ending with a newline, as `text/plain; version=0.0.4` wants.
 *
 * @example A gauge, read back
 * ```ts
 * import { formatPrometheusText, parsePrometheusText } from "./prometheus_text.ts";
 * const text = formatPrometheusText([{
 *   name: "queue", type: "gauge", help: "Waiting requests.", samples: [{ value: 2 }],
 * }]);
 * if (text !== "# HELP queue Waiting requests.\n# TYPE queue gauge\nqueue 2\n") throw new Error(text);
 * if (parsePrometheusText(text).samples[0].value !== 2) throw new Error("round trip");
 * ```
 */
export function formatPrometheusText(families: readonly PrometheusFamilyOut[]): string {
  let out = "";
  for (const family of families) {
    if (family.help !== undefined) {
      out += `# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n`;
    }
    out += `# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const key = prometheusSeriesKey({
        name: sample.name ?? family.name,
        labels: sample.labels ?? {},
      });
      out += `${key} ${_formatNumber(sample.value)}\n`;
    }
  }
  return out;
}
