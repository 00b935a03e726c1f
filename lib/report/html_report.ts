/**
 * A run's (or several runs') results as one self-contained HTML page: context, the seed card's
 * tables, every metric's statistics with confidence intervals, the plots pre-rendered to SVG,
 * errors with example messages, client health, and for several runs their comparison and load
 * curve. Nothing in the page fetches anything.
 *
 * @module
 */
import type { RequestRecord } from "../core/request_record.ts";
import { REQUEST_METRIC_UNITS, REQUEST_METRICS } from "../core/metric_names.ts";
import { STATS_FIELDS } from "../core/summarize.ts";
import { redactSecrets } from "../core/redact_secrets.ts";
import { medianRequest } from "../core/median_request.ts";
import { loadPoint } from "../core/load_point.ts";
import { summarizeRun } from "../core/summarize_run.ts";
import { type PlotSpec, renderSvg } from "../plot/render_svg.ts";
import { plotTtftDistribution } from "../plot/plot_ttft_distribution.ts";
import { plotTokenTimeline } from "../plot/plot_token_timeline.ts";
import { plotErrors } from "../plot/plot_errors.ts";
import { plotThroughputBoxplot } from "../plot/plot_throughput_boxplot.ts";
import { plotLoadCurve } from "../plot/plot_load_curve.ts";
import { plotServerMetrics } from "../plot/plot_server_metrics.ts";
import { plotRunTimeline } from "../plot/plot_run_timeline.ts";
import { sweepServerFigures } from "./sweep.ts";
import type { ServerMetricsRun } from "../core/summarize_server_metrics.ts";
import { SERVER_METRIC_ROLES } from "../core/server_metric_roles.ts";
import {
  CI_METRICS,
  type RunReport,
  runReport,
  type RunReportInput,
  type RunSummaryDocument,
} from "./run_report.ts";
import { TOOL_VERSION } from "./run_metadata.ts";
import {
  COMPARE_STATISTICS,
  compareRuns,
  type CompareRunsOptions,
  type RunComparison,
} from "./compare_runs.ts";

/** One run of a report: its label and what the runner left (`readRunJsonl(...).report`). */
export interface HtmlReportRun {
  /** What the page calls the run (unique among the runs): its folder name, say. */
  label: string;
  /** Records, wall time, start and metadata (and `serverMetrics`, their summary, when the run
   * scraped the server). */
  run: RunReportInput;
  /** The server metrics scraped during the run (`readServerMetricsJsonl` of its
   * `server_metrics.jsonl`), drawn over the run beside the client's requests in flight. Default
   * none: only their summary (`run.serverMetrics`) is shown, when there is one. */
  serverMetrics?: ServerMetricsRun;
  /** The run's reports, `runReport(run)`, when the caller has them already (`writeRunFiles`
   * does): they are not derived again, which at 10⁵ records saves seconds. They must be of this
   * very `run`. Default: derived here. */
  report?: RunReport;
}

/** Options of {@link htmlReport}. */
export interface HtmlReportOptions {
  /** The page's title. Default `tokenbench report: <label>` (one run) or `… <n> runs`. */
  title?: string;
  /** Options of the comparison of several runs ({@link compareRuns}). Default its defaults
   * (95% confidence, 1,000 resamples, seed 0). */
  compare?: CompareRunsOptions;
  /** Example messages shown per error code. Default `3`. */
  errorExamples?: number;
  /**
   * The TTFT distribution and throughput plots of a run with more measured requests than this
   * draw an evenly spaced sample of this many (by request id, so the same records give the same
   * page), which the page states; statistics, tables, the error plot and the comparison use every
   * request. Bounds the page's rendering time and size (bench/report_speed.ts). Default
   * `20000`.
   */
  plotRecords?: number;
}

/** The measured records a distribution plot draws: all, or `max` evenly spaced by request id. */
function _plotSample(
  records: readonly RequestRecord[],
  max: number,
): { records: RequestRecord[]; of: number } {
  const measured = records.filter((r) => r.phase === "measure");
  if (measured.length <= max) return { records: measured, of: measured.length };
  const sorted = [...measured].sort((a, b) => a.requestId - b.requestId);
  const step = sorted.length / max;
  return {
    records: Array.from({ length: max }, (_, i) => sorted[Math.floor(i * step)]),
    of: sorted.length,
  };
}

/**
 * The ids of the plots a report draws, in the `data-plot` attribute of each figure.
 *
 * @example
 * ```ts
 * import { HTML_REPORT_PLOTS } from "./html_report.ts";
 * if (!HTML_REPORT_PLOTS.includes("load_curve")) throw new Error("load curve");
 * ```
 */
export const HTML_REPORT_PLOTS = [
  "ttft_distribution",
  "token_timeline",
  "run_timeline",
  "throughput_boxplot",
  "errors",
  "load_curve",
  "server_metrics",
] as const;

/**
 * What a report calls a run from its metadata alone (so a rebuilt report has the same bytes
 * wherever it is written): its `--metadata provider=…` or model, and its load.
 *
 * @example A closed-loop run
 * ```ts
 * import { htmlRunLabel } from "./html_report.ts";
 * import type { RunMetadata } from "./run_metadata.ts";
 * const label = htmlRunLabel({ model: "m", numConcurrentRequests: 8, rate: null, userMetadata: {} } as unknown as RunMetadata);
 * if (label !== "m c=8") throw new Error(label);
 * ```
 */
export function htmlRunLabel(metadata: RunReportInput["metadata"]): string {
  const series = metadata.userMetadata?.provider ?? metadata.model;
  return typeof metadata.rate === "number"
    ? `${series} ${metadata.rate} req/s`
    : `${series} c=${metadata.numConcurrentRequests}`;
}

/** The load of a run: concurrency (closed loop) or rate (open loop). */
function _load(run: RunReportInput): { kind: "rate" | "concurrency"; value: number } {
  const m = run.metadata;
  return typeof m.rate === "number"
    ? { kind: "rate", value: m.rate }
    : { kind: "concurrency", value: m.numConcurrentRequests };
}

/** `&`, `<`, `>`, `"` and `'` escaped for HTML text and attributes. */
function _esc(value: unknown): string {
  return String(value).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A number for a table: 2 decimals, fewer for big values, 3 significant digits for small ones,
 * `–` for none. */
function _num(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const a = Math.abs(value);
  if (a >= 10_000) return value.toFixed(0);
  if (a >= 1_000) return value.toFixed(1);
  // small values keep three significant digits: a KV-cache usage of 0.0012 is not "0.00"
  if (a > 0 && a < 0.1) return value.toPrecision(3);
  return value.toFixed(digits);
}

function _table(head: readonly string[], rows: readonly (readonly string[])[], cls = ""): string {
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<div class="table-wrap"><table class="${cls}"><thead><tr>${th}</tr></thead>` +
    `<tbody>\n${body}\n</tbody></table></div>`;
}

/** The seed card's markdown tables (`### title`, then a `|` table) as HTML. */
function _markdownTablesHtml(markdown: string): string {
  const out: string[] = [];
  let rows: string[][] = [];
  let align: boolean[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    const [head, ...body] = rows;
    const cell = (tag: string, c: string, i: number) =>
      `<${tag}${align[i] ? ' class="num"' : ""}>${_esc(c)}</${tag}>`;
    out.push(
      `<div class="table-wrap"><table><thead><tr>${
        head.map((c, i) => cell("th", c, i)).join("")
      }</tr></thead><tbody>${
        body.map((r) => `<tr>${r.map((c, i) => cell("td", c, i)).join("")}</tr>`).join("")
      }</tbody></table></div>`,
    );
    rows = [];
  };
  for (const line of markdown.split("\n")) {
    const t = line.trim();
    if (t.startsWith("#")) {
      flush();
      out.push(`<h4>${_esc(t.replace(/^#+\s*/, ""))}</h4>`);
    } else if (t.startsWith("|")) {
      const cells = t.slice(1, -1).split("|").map((c) => c.trim());
      if (cells.every((c) => /^:?-+:?$/.test(c))) align = cells.map((c) => c.endsWith(":"));
      else rows.push(cells);
    } else flush();
  }
  flush();
  return out.join("\n");
}

/** The run's context as rows of a two-column table. */
function _contextRows(run: RunReportInput, doc: RunSummaryDocument): [string, string][] {
  const m = run.metadata;
  const load = typeof m.rate === "number"
    ? `open loop, ${m.rate} requests/s (${m.arrival ?? "poisson"} arrivals${
      m.maxInFlight === null ? "" : `, at most ${m.maxInFlight} in flight`
    })`
    : `closed loop, concurrency ${m.numConcurrentRequests}`;
  const rows: [string, string][] = [
    ["Endpoint kind", m.llmApi],
    ["Endpoint", m.endpoint],
    ["Model", m.model],
    ["Simulated", m.simulated ? "yes: the figures come from tokenbench's simulator" : "no"],
    ["Load", load],
    ["Requests", `${m.maxRequests} measured, ${m.warmup} warm-up`],
    [
      "Prompts",
      `${m.promptMode}: input ${m.meanInputTokens} ± ${m.stddevInputTokens} tokens, ` +
      `output ${m.meanOutputTokens} ± ${m.stddevOutputTokens} tokens`,
    ],
    ["Tokenizer", m.tokenizer],
    ["Seed", String(m.seed)],
    ["Started", doc.startedAt],
    ["Wall time", `${_num(run.wallTimeMs / 1000)} s`],
    [
      "Finished",
      m.finished === false ? `no: ${m.stopReason ?? "stopped early"}` : "yes",
    ],
    ["Tool", `tokenbench ${doc.tool.version}`],
  ];
  if (m.workers !== undefined) rows.push(["Workers", String(m.workers)]);
  if (m.transport !== undefined) rows.push(["Transport", m.transport]);
  if (m.lens !== undefined) rows.push(["Lens", m.lens]);
  if (m.sweep !== undefined) {
    rows.push([
      "Sweep",
      `${m.sweep.variable} level ${m.sweep.level} of ${m.sweep.levels.join(", ")}`,
    ]);
  }
  if (m.shard !== undefined) rows.push(["Shard", `${m.shard.index + 1} of ${m.shard.count}`]);
  if (m.merged !== undefined) rows.push(["Merged", `${m.merged.shards} shards`]);
  for (const [k, v] of Object.entries(m.userMetadata ?? {})) rows.push([`metadata ${k}`, v]);
  return rows;
}

/** Every per-request metric's statistics, with the bootstrap intervals where computed. */
function _statsHtml(doc: RunSummaryDocument): string {
  const s = doc.summary;
  const ciOf = (metric: string, q: "p50" | "p95" | "p99") => {
    const c = (doc.confidence.metrics as Record<string, { ci: Record<string, unknown> }>)[metric];
    const ci = c?.ci[q] as [number, number] | null | undefined;
    return ci ? `<span class="ci">[${_num(ci[0])}, ${_num(ci[1])}]</span>` : "";
  };
  const fields = STATS_FIELDS;
  const rows = REQUEST_METRICS.map((metric) => {
    const st = s.stats[metric];
    return [
      `<code>${metric}</code>`,
      REQUEST_METRIC_UNITS[metric],
      ...fields.map((f) => {
        const v = st[f];
        const base = f === "count" ? String(v) : _num(v as number | null);
        return (f === "p50" || f === "p95" || f === "p99") ? `${base} ${ciOf(metric, f)}` : base;
      }),
    ];
  });
  const pct = Math.round(doc.confidence.confidence * 100);
  const notes = doc.confidence.warnings.length === 0
    ? `<p class="note">Every reported percentile rests on enough samples.</p>`
    : `<ul class="warnings">${
      doc.confidence.warnings.map((w) => `<li>${_esc(w)}</li>`).join("")
    }</ul>`;
  const run = [
    ["Requests started", String(s.numRequestsStarted)],
    ["Completed", String(s.numCompleted)],
    ["Errors", `${s.numErrors} (${s.errorRate === null ? "–" : _num(s.errorRate * 100, 1)}%)`],
    ["Output throughput (all requests)", `${_num(s.outputTokensPerS)} tokens/s`],
    ["Completed requests per minute", _num(s.completedRequestsPerMin)],
    ["Output tokens", String(s.totalOutputTokens)],
  ];
  return `${_table(["Run figure", "Value"], run, "kv")}
<p class="note">Per request, over completed measured requests. Brackets: ${pct}% percentile-bootstrap
confidence intervals (${doc.confidence.resamples} resamples) of p50, p95 and p99 for
${CI_METRICS.map((m) => `<code>${m}</code>`).join(", ")}. Quantiles are numpy's
<code>linear</code>.</p>
${_table(["Metric", "Unit", ...fields], rows, "stats")}
${_ttftPartsHtml(doc)}
<h4>Small-sample notes</h4>
${notes}${s.note ? `<p class="note">${_esc(s.note)}</p>` : ""}`;
}

/** TTFT taken apart at the wire send and without cold starts, when the client stamped them. */
function _ttftPartsHtml(doc: RunSummaryDocument): string {
  const parts = doc.summary.ttftParts;
  if (parts === undefined) return "";
  const row = (name: string, st: typeof parts.sendMs) => [
    name,
    String(st.count),
    _num(st.p50),
    _num(st.p90),
    _num(st.p99),
    _num(st.max),
  ];
  return `<h4>TTFT taken apart</h4>
${
    _table(["Part (ms)", "count", "p50", "p90", "p99", "max"], [
      row("T0 to the wire send", parts.sendMs),
      row("TTFT from the wire send", parts.ttftFromSentMs),
      row("TTFT without cold starts", parts.ttftWarmMs),
    ])
  }
<p class="note">${parts.coldStarts} completed request(s) opened a connection (cold starts).</p>`;
}

/** Error codes with their counts and example messages (redacted again on the way out). */
function _errorsHtml(records: readonly RequestRecord[], examples: number): string {
  const byCode = new Map<number, { count: number; messages: string[] }>();
  for (const r of records) {
    if (r.phase !== "measure" || r.status !== "error") continue;
    const entry = byCode.get(r.errorCode) ?? { count: 0, messages: [] };
    entry.count++;
    const message = redactSecrets(String(r.errorMessage ?? "")).slice(0, 300);
    if (entry.messages.length < examples && !entry.messages.includes(message)) {
      entry.messages.push(message);
    }
    byCode.set(r.errorCode, entry);
  }
  if (byCode.size === 0) return `<p class="note">No measured request failed.</p>`;
  const rows = [...byCode].sort((a, b) => b[1].count - a[1].count).map(([code, e]) => [
    String(code),
    String(e.count),
    e.messages.map((m) => `<code class="message">${_esc(m)}</code>`).join("<br>"),
  ]);
  return _table(["Code", "Requests", "Example messages"], rows, "errors");
}

function _healthHtml(doc: RunSummaryDocument): string {
  const h = doc.clientHealth;
  if (h === undefined) return `<p class="note">This run did not record client health.</p>`;
  const rows = [
    ["Workers", String(h.workers)],
    ["Event-loop lag p99 (worst thread)", `${_num(h.loopLagMsP99)} ms`],
    ["Event-loop lag max", `${_num(h.loopLagMsMax)} ms`],
    ["Dispatch lag p99", `${_num(h.dispatchLagMsP99)} ms`],
    ["Dispatch lag max", `${_num(h.dispatchLagMsMax)} ms`],
    ["Client CPU per 1k output tokens", `${_num(h.cpuMsPer1kTokens)} ms`],
    ["Warning limit", `${_num(h.limitMs)} ms`],
  ];
  const verdict = h.warnings.length === 0
    ? `<p class="ok">The client kept up: no lag above the limit.</p>`
    : `<ul class="warnings">${h.warnings.map((w) => `<li>${_esc(w)}</li>`).join("")}</ul>`;
  return _table(["Client health", "Value"], rows, "kv") + verdict;
}

/** The server's own view: what the scrapes found, each role's statistics, the plot over time. */
async function _serverMetricsHtml(r: HtmlReportRun, doc: RunSummaryDocument): Promise<string> {
  const s = doc.serverMetrics;
  if (s === undefined) {
    return `<p class="note">No server metrics were recorded for this run (<code>--server-metrics
URL</code> scrapes a Prometheus endpoint during the run).</p>`;
  }
  const head = `<p class="note">${s.scrapes} scrape(s) of <code>${_esc(s.url)}</code> every
${s.intervalMs} ms${
    s.failedScrapes > 0
      ? `; ${s.failedScrapes} failed (first: ${_esc(s.firstError ?? "unknown")})`
      : ""
  }.</p>`;
  const roles = Object.entries(s.roles).map(([role, v]) => [
    _esc(SERVER_METRIC_ROLES[role as keyof typeof SERVER_METRIC_ROLES]?.title ?? role),
    `<code>${_esc(v!.name)}</code>`,
    String(v!.series),
    _num(v!.stats.mean),
    _num(v!.stats.p50),
    _num(v!.stats.p99),
    _num(v!.stats.max),
    v!.overall === undefined ? "" : _num(v!.overall, 3),
  ]);
  const rolesTable = roles.length === 0
    ? `<p class="note">None of the known running/waiting/KV-cache/prefix-cache metrics was found.</p>`
    : _table(["Role", "Sample", "Series", "mean", "p50", "p99", "max", "Whole run"], roles);
  const plot = r.serverMetrics === undefined || r.serverMetrics.scrapes.length === 0
    ? ""
    : await _figure(
      "server_metrics",
      "The server's running and waiting requests (and KV-cache usage) beside the client's requests in flight",
      plotServerMetrics(r.serverMetrics, { records: r.run.records }),
    );
  const gauges = Object.entries(s.gauges);
  const counters = Object.entries(s.counters);
  const all = gauges.length + counters.length === 0
    ? ""
    : `<details><summary>Every series (${gauges.length} gauges, ${counters.length} counters)</summary>
${
      gauges.length === 0 ? "" : _table(
        ["Gauge", "count", "mean", "min", "max"],
        gauges.map((
          [k, st],
        ) => [
          `<code>${_esc(k)}</code>`,
          String(st.count),
          _num(st.mean),
          _num(st.min),
          _num(st.max),
        ]),
        "series",
      )
    }
${
      counters.length === 0 ? "" : _table(
        ["Counter", "first", "last", "increase", "per s"],
        counters.map((
          [k, c],
        ) => [
          `<code>${_esc(k)}</code>`,
          _num(c.first),
          _num(c.last),
          _num(c.increase),
          _num(c.perS),
        ]),
        "series",
      )
    }
</details>`;
  return head + rolesTable + plot + all;
}

/** What the page says when its distribution plots draw a sample (nothing when they draw all). */
function _sampleNote(
  runs: readonly [string, { records: readonly unknown[]; of: number }][],
  max: number,
): string {
  const sampled = runs.filter(([, s]) => s.records.length < s.of);
  if (sampled.length === 0) return "";
  const which = runs.length === 1
    ? `the run's ${sampled[0][1].of.toLocaleString("en-US")} measured requests`
    : sampled.map(([label, s]) => `${_esc(label)}: ${s.of.toLocaleString("en-US")}`).join(", ");
  return `<p class="note sample">The TTFT distribution and throughput plots draw ${
    max.toLocaleString("en-US")
  } of ${which} (evenly spaced by request id); the statistics, tables, error plot and comparison use every request.</p>`;
}

/** A sweep's server metrics per level (when some level scraped them): mean running and waiting
 * requests, KV-cache usage, prefix-cache hit rate. */
function _sweepServerHtml(levels: readonly [string, RunSummaryDocument][]): string {
  const rows = levels.map(([label, doc]) =>
    [label, sweepServerFigures(doc.serverMetrics)] as const
  );
  if (rows.every(([, f]) => f === null)) return "";
  const pct = (x: number | null | undefined) =>
    x === null || x === undefined ? "–" : `${_num(100 * x, 1)}%`;
  return `<h4>Server metrics per level</h4>
${
    _table(
      [
        "Series",
        "Scrapes",
        "Running (mean)",
        "Waiting (mean)",
        "KV cache (mean)",
        "KV cache (max)",
        "Prefix-cache hit rate",
      ],
      rows.map(([label, f]) =>
        f === null ? [_esc(label), "not scraped", "", "", "", "", ""] : [
          _esc(label),
          String(f.scrapes),
          _num(f.runningMean),
          _num(f.waitingMean),
          pct(f.kvCacheUsageMean),
          pct(f.kvCacheUsageMax),
          pct(f.prefixCacheHitRate),
        ]
      ),
      "sweep-server",
    )
  }`;
}

async function _figure(id: string, caption: string, spec: PlotSpec): Promise<string> {
  const svg = await renderSvg(spec);
  return `<figure class="plot" data-plot="${id}">${svg}<figcaption>${
    _esc(caption)
  }</figcaption></figure>`;
}

function _comparisonHtml(c: RunComparison): string {
  const pct = `${Number((c.confidence * 100).toPrecision(6))}%`;
  const rows: string[][] = [];
  for (const m of c.metrics) {
    for (const [field] of COMPARE_STATISTICS) {
      const [base, ...others] = m.statistics[field];
      for (const cell of others) {
        const verdict = cell.verdict ?? "–";
        const cls = verdict === "faster" ? "faster" : verdict === "slower" ? "slower" : "same";
        rows.push([
          `${_esc(m.name)} (${_esc(m.unit)})`,
          field,
          _num(base.value),
          _esc(cell.label),
          _num(cell.value),
          cell.difference === null
            ? "–"
            : `${cell.difference > 0 ? "+" : ""}${_num(cell.difference)}`,
          cell.ci === null ? "–" : `[${_num(cell.ci[0])}, ${_num(cell.ci[1])}]`,
          `<span class="verdict ${cls}">${_esc(verdict)}</span>`,
        ]);
      }
    }
  }
  const warnings = c.warnings.length === 0
    ? `<p class="ok">The runs measured the same workload.</p>`
    : `<ul class="warnings">${c.warnings.map((w) => `<li>${_esc(w)}</li>`).join("")}</ul>`;
  return `<p class="note">Each run against the first, <b>${_esc(c.baseline)}</b>: difference =
run − ${_esc(c.baseline)}, with its ${pct} percentile-bootstrap confidence interval
(${c.resamples} resamples). The verdict is <i>faster</i> or <i>slower</i> when the interval
excludes 0 (lower latency, higher throughput is faster), else <i>no significant difference</i>.</p>
${
    _table(
      [
        "Metric",
        "Statistic",
        `${_esc(c.baseline)} (baseline)`,
        "Run",
        "Value",
        "Difference",
        `${pct} CI`,
        "Verdict",
      ],
      rows,
      "compare",
    )
  }
${warnings}`;
}

/** The sweep's points when the runs differ only in load (one kind, at least two levels). */
function _sweepPoints(runs: readonly HtmlReportRun[]) {
  const loads = runs.map((r) => _load(r.run));
  const kinds = new Set(loads.map((l) => l.kind));
  if (kinds.size !== 1 || new Set(loads.map((l) => l.value)).size < 2) return null;
  const rows = runs.map((r, i) => {
    const summary = summarizeRun(r.run.records, { wallTimeMs: r.run.wallTimeMs });
    return loadPoint(summary, {
      label: r.run.metadata.userMetadata?.provider ?? r.run.metadata.model,
      load: loads[i].value,
    });
  });
  const loadTitle = kinds.has("rate")
    ? "Request rate (requests/s)"
    : "Concurrency (requests in flight)";
  return { rows, loadTitle };
}

const _STYLE = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Verdana, Helvetica, Arial, sans-serif; margin: 0; color: #222;
  background: #fafafa; font-size: 14px; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; box-sizing: border-box; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 20px; margin: 32px 0 8px;
  border-bottom: 2px solid #ddd; padding-bottom: 4px; } h3 { font-size: 16px; margin: 24px 0 8px; }
h4 { font-size: 14px; margin: 16px 0 6px; }
.banner { background: #fff4d6; border: 1px solid #e8c66a; padding: 6px 10px; border-radius: 4px; }
.note { color: #555; } .ok { color: #1d6b2f; }
.warnings li { color: #8a4b00; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 6px 0 12px; background: white; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
table.kv td:last-child { text-align: left; overflow-wrap: anywhere; }
table.series td:first-child { overflow-wrap: anywhere; max-width: 600px; }
table.errors td:last-child { text-align: left; max-width: 700px; overflow-wrap: anywhere; }
.ci { display: block; color: #666; font-size: 11px; white-space: nowrap; }
table.compare td:nth-child(3), table.compare td:nth-child(5), table.compare td:nth-child(6),
table.compare td:nth-child(7) { white-space: nowrap; }
table.compare th, table.compare td:nth-child(4) { overflow-wrap: anywhere; max-width: 200px; }
table.stats td:first-child { overflow-wrap: anywhere; max-width: 150px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
code.message { white-space: pre-wrap; overflow-wrap: anywhere; }
figure.plot { margin: 12px 0; background: white; border: 1px solid #e4e4e4; padding: 8px;
  max-width: 100%; box-sizing: border-box; overflow-x: auto; }
figure.plot svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 12px; margin-top: 4px; }
.verdict.faster { color: #1d6b2f; font-weight: bold; } .verdict.slower { color: #a1261b;
  font-weight: bold; } .verdict.same { color: #555; }
nav a { margin-right: 12px; }
`;

/** JSON safe inside a `<script type="application/json">` block. */
function _jsonBlock(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026");
}

/**
 * Render one or several runs as a self-contained HTML page: for each run its context (endpoint
 * kind, endpoint, model, load, prompts, tokenizer, seed, simulated or not, tool version), the
 * seed card's two tables, every per-request metric's statistics with bootstrap confidence
 * intervals of p50/p95/p99 and the small-sample notes, the plots (TTFT distribution, token
 * timeline of the median request, throughput, errors) as inline SVG, error codes with example
 * messages (passed through `redactSecrets` again), client health, and the server's metrics when
 * the run scraped them (their summary, and their plot given `serverMetrics`); for several runs first their comparison ({@link compareRuns}), the same plots across
 * runs and, when they differ only in load, the load curve with its peak. The page has no
 * script, loads nothing (a Content-Security-Policy of `default-src 'none'` forbids it) and
 * embeds each run's `summary.json` document (and the comparison) as JSON in
 * `<script type="application/json" id="tokenbench-data">`. Loads vega on first use.
 *
 * @example A one-request run
 * ```ts
 * import { htmlReport } from "./html_report.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * const record: RequestRecord = {
 *   requestId: 0, phase: "measure", intendedSendMs: 0, actualSendMs: 0, startEpochMs: 0,
 *   inputTokens: 10, maxOutputTokens: 3, outputTokens: 3, reasoningTokens: 0,
 *   serverInputTokens: null, serverOutputTokens: null, serverLatencyMs: null,
 *   serverFirstByteLatencyMs: null, headersMs: 5, firstMessageMs: 6, ttftMs: 250,
 *   firstReasoningMs: null, lastContentMs: 400, e2eMs: 400, interTokenLatencyMs: 50,
 *   llmperfInterTokenLatencyS: 0.13, outputThroughputTokPerS: 7.5, chunkCount: 3,
 *   chunkArrivalMs: [250, 300, 400], chunkTokens: [1, 1, 1], reasoningArrivalMs: [],
 *   messageCount: 0, choicesArrivalMs: [], lastMessageMs: null, retries: 0, status: "ok",
 *   errorCode: null, errorMessage: null,
 * };
 * const html = await htmlReport({ label: "run", run: {
 *   records: [record], wallTimeMs: 400, startEpochMs: 0,
 *   metadata: {
 *     llmApi: "openai", model: "m", endpoint: "http://127.0.0.1/", simulated: true,
 *     tokenizer: "cl100k_base", promptMode: "llmperf", seed: 0, meanInputTokens: 10,
 *     stddevInputTokens: 0, meanOutputTokens: 3, stddevOutputTokens: 0,
 *     numConcurrentRequests: 1, rate: null, arrival: null, maxInFlight: null, maxRequests: 1,
 *     warmup: 0, timeoutS: 60, requestTimeoutS: null, additionalSamplingParams: {},
 *     userMetadata: {},
 *   },
 * } });
 * if (!html.startsWith("<!doctype html>") || !html.includes('data-plot="ttft_distribution"')) {
 *   throw new Error(html.slice(0, 200));
 * }
 * ```
 */
export async function htmlReport(
  runs: HtmlReportRun | readonly HtmlReportRun[],
  options: HtmlReportOptions = {},
): Promise<string> {
  const list: readonly HtmlReportRun[] = Array.isArray(runs) ? runs : [runs as HtmlReportRun];
  const what = "Cannot render HTML report";
  if (list.length === 0) {
    throw new RangeError(`${what}: 'runs' must hold at least one run, got none`);
  }
  const seen = new Set<string>();
  for (const r of list) {
    if (typeof r?.label !== "string" || r.label === "" || typeof r.run !== "object") {
      throw new TypeError(
        `${what}: each run must be { label, run }, got ${JSON.stringify(r?.label)}`,
      );
    }
    if (seen.has(r.label)) {
      throw new RangeError(`${what}: labels must be unique, got '${r.label}' twice`);
    }
    seen.add(r.label);
  }
  const examples = options.errorExamples ?? 3;
  if (!(Number.isInteger(examples) && examples >= 0)) {
    throw new RangeError(`${what}: 'errorExamples' must be an integer >= 0, got ${examples}`);
  }
  const plotRecords = options.plotRecords ?? 20_000;
  if (!(Number.isInteger(plotRecords) && plotRecords >= 1)) {
    throw new RangeError(`${what}: 'plotRecords' must be an integer >= 1, got ${plotRecords}`);
  }
  const title = options.title ??
    (list.length === 1
      ? `tokenbench report: ${list[0].label}`
      : `tokenbench report: ${list.length} runs`);
  // Everything shown passes the redaction once more, as every written file does.
  const safe = list.map((r) => ({
    label: r.label,
    report: r.report,
    serverMetrics: r.serverMetrics === undefined ? undefined : redactSecrets(r.serverMetrics),
    run: {
      ...r.run,
      metadata: redactSecrets(r.run.metadata),
      ...(r.run.serverMetrics === undefined
        ? {}
        : { serverMetrics: redactSecrets(r.run.serverMetrics) }),
      records: r.run.records.map((rec) =>
        rec.status === "error" ? { ...rec, errorMessage: redactSecrets(rec.errorMessage) } : rec
      ),
    } as RunReportInput,
  }));
  const reports = safe.map((r) => r.report ?? runReport(r.run));
  // What the distribution plots draw: every measured request, or a stated sample.
  const samples = safe.map((r) => _plotSample(r.run.records, plotRecords));
  const docs = reports.map((r) => r.summary);
  const parts: string[] = [];
  const nav: string[] = [];

  let comparison: RunComparison | undefined;
  if (safe.length > 1) {
    comparison = compareRuns(
      safe.map((r) => ({ label: r.label, records: r.run.records, metadata: r.run.metadata })),
      options.compare,
    );
    const all = safe.map((r) => ({ label: r.label, records: r.run.records }));
    const drawn = safe.map((r, i) => ({ label: r.label, records: samples[i].records }));
    nav.push(`<a href="#comparison">Comparison</a>`);
    const sweep = _sweepPoints(safe);
    let sweepHtml = "";
    if (sweep !== null) {
      const ok = sweep.rows.filter((p) => (p.errorRate ?? 0) === 0 && p.outputTokensPerS !== null);
      const peak = ok.reduce<typeof ok[number] | null>(
        (best, p) => best === null || p.outputTokensPerS! > best.outputTokensPerS! ? p : best,
        null,
      );
      sweepHtml = `<h3>Load curve</h3>
${await _figure(
        "load_curve",
        "Latency and throughput against load",
        plotLoadCurve(sweep.rows, { loadTitle: sweep.loadTitle }),
      )}
${
        _table(
          [
            "Series",
            "Load",
            "TTFT p50 (ms)",
            "TTFT p99 (ms)",
            "E2E p50 (ms)",
            "Output tokens/s",
            "Error rate",
          ],
          sweep.rows.map((p) => [
            _esc(p.label),
            String(p.load),
            _num(p.ttftP50Ms),
            _num(p.ttftP99Ms),
            _num(p.e2eP50Ms),
            _num(p.outputTokensPerS),
            p.errorRate === null || p.errorRate === undefined
              ? "–"
              : `${_num(p.errorRate * 100, 1)}%`,
          ]),
        )
      }
${_sweepServerHtml(safe.map((r, i) => [r.label, docs[i]]))}
<p class="${peak ? "ok" : "note"}">${
        peak
          ? `Chosen point (highest output throughput without errors): ${
            _esc(peak.label)
          } at load ${peak.load}, ${_num(peak.outputTokensPerS)} tokens/s, TTFT p99 ${
            _num(peak.ttftP99Ms)
          } ms.`
          : "No load level ran without errors: no point chosen."
      }</p>`;
    }
    parts.push(`<section id="comparison"><h2>Comparison</h2>
${_comparisonHtml(comparison)}
<h3>All runs</h3>
${_sampleNote(safe.map((r, i) => [r.label, samples[i]]), plotRecords)}
${await _figure("ttft_distribution", "TTFT distribution of every run", plotTtftDistribution(drawn))}
${await _figure(
      "throughput_boxplot",
      "Output throughput per request of every run",
      plotThroughputBoxplot(drawn),
    )}
${await _figure("errors", "Error rate and codes of every run", plotErrors(all))}
${sweepHtml}
</section>`);
  }

  for (const [i, r] of safe.entries()) {
    const doc = docs[i];
    const id = `run-${i + 1}`;
    nav.push(`<a href="#${id}">${_esc(r.label)}</a>`);
    const one = { label: r.label, records: samples[i].records };
    const median = medianRequest(r.run.records);
    const timeline = median === undefined
      ? `<p class="note">No completed request: no token timeline.</p>`
      : await _figure(
        "token_timeline",
        `Tokens against time of request ${median.requestId}, the completed request with the median end-to-end latency`,
        plotTokenTimeline(median),
      );
    const extra: string[] = [];
    if (doc.goodput !== undefined) {
      const g = doc.goodput;
      extra.push(`<h3>Goodput</h3>${
        _table(["Goodput", "Value"], [
          ["SLOs", _esc(JSON.stringify(g.slo))],
          ["Requests meeting every SLO", `${g.requestsMeeting} of ${g.numRequestsStarted}`],
          ["Share", g.share === null ? "–" : `${_num(g.share * 100, 1)}%`],
          ["Rate", `${_num(g.ratePerS)} requests/s`],
        ], "kv")
      }`);
    }
    parts.push(`<section class="run" id="${id}"><h2>Run: ${_esc(r.label)}</h2>
${
      r.run.metadata.simulated
        ? `<p class="banner">Simulated: these figures come from tokenbench's built-in simulator, not a real endpoint.</p>`
        : ""
    }
<h3>Context</h3>
${_table(["Context", "Value"], _contextRows(r.run, doc).map(([k, v]) => [_esc(k), _esc(v)]), "kv")}
<h3>Seed card tables</h3>
${_markdownTablesHtml(reports[i].tables)}
<h3>Statistics</h3>
${_statsHtml(doc)}
<h3>TTFT distribution</h3>
${_sampleNote([[r.label, samples[i]]], plotRecords)}
${await _figure(
      "ttft_distribution",
      "Time to first token: histogram and cumulative distribution",
      plotTtftDistribution(one),
    )}
<h3>Token timeline</h3>
${timeline}
${
      r.run.records.length === 0 ? "" : await _figure(
        "run_timeline",
        r.serverMetrics !== undefined && r.serverMetrics.scrapes.length > 0
          ? "Every request on the run's clock (waiting for its first token, then streaming), and under it, on the same time axis, the server's running and waiting requests and KV-cache usage"
          : "Every request on the run's clock: waiting for its first token, then streaming",
        plotRunTimeline(r.run.records, {
          serverMetrics: r.serverMetrics !== undefined && r.serverMetrics.scrapes.length > 0
            ? r.serverMetrics
            : undefined,
        }),
      )
    }
<h3>Throughput</h3>
${await _figure("throughput_boxplot", "Output throughput per request", plotThroughputBoxplot(one))}
<h3>Errors</h3>
${await _figure("errors", "Error rate and error codes", plotErrors(one))}
${_errorsHtml(r.run.records, examples)}
<h3>Client health</h3>
${_healthHtml(doc)}
${extra.join("\n")}
<section class="server-metrics" id="${id}-server-metrics"><h3>Server metrics</h3>
${await _serverMetricsHtml(r, doc)}</section>
</section>`);
  }

  const data = {
    tool: { name: "tokenbench", version: TOOL_VERSION },
    runs: safe.map((r, i) => ({ label: r.label, summary: docs[i] })),
    comparison,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="tokenbench ${_esc(TOOL_VERSION)}">
<title>${_esc(title)}</title>
<style>${_STYLE}</style>
</head>
<body>
<main>
<h1>${_esc(title)}</h1>
<p class="note">tokenbench ${_esc(TOOL_VERSION)} · ${
    list.length === 1 ? "1 run" : `${list.length} runs`
  } · one self-contained file: the plots are inline SVG, the data is embedded below, nothing is loaded.</p>
<nav>${nav.join("")}</nav>
${parts.join("\n")}
</main>
<script type="application/json" id="tokenbench-data">${_jsonBlock(data)}</script>
</body>
</html>
`;
}
