/**
 * Scraping a server's Prometheus endpoint (vLLM, TGI, SGLang `/metrics`, the simulator's) at a
 * fixed interval while a run goes: {@link startServerMetricsScraper}.
 *
 * @module
 */
import { parsePrometheusText, prometheusSeriesKey } from "../wire/prometheus_text.ts";
import {
  SERVER_METRICS_SCHEMA_VERSION,
  type ServerMetricsFailure,
  type ServerMetricsHeader,
  type ServerMetricsLine,
  type ServerMetricsRun,
  type ServerMetricsScrape,
} from "../core/summarize_server_metrics.ts";
import { TOOL_VERSION } from "../report/run_metadata.ts";

/** Options of {@link startServerMetricsScraper}. */
export interface ServerMetricsScraperOptions {
  /** Time between scrape starts, ms (a scrape that overruns skips the starts it missed).
   * Default 1000. */
  intervalMs?: number;
  /** Sample or family names kept besides every counter, gauge and untyped series, whatever
   * their type (a histogram's buckets, sum and count; a summary's quantiles). Default none. */
  names?: readonly string[];
  /** Each scrape is abandoned after this long, ms (a failed scrape). Default `intervalMs`,
   * at least 1000. */
  timeoutMs?: number;
  /** Request headers (e.g. `Authorization`). Default none. */
  headers?: Record<string, string>;
  /** Called with each line as it is made (the header first): `benchmark` appends them to
   * `server_metrics.jsonl`. Default none. */
  onLine?: (line: ServerMetricsLine) => void | Promise<void>;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** A running scraper. */
export interface ServerMetricsScraper {
  /** The header line (URL without credentials, interval, start). */
  readonly header: ServerMetricsHeader;
  /** Stops the timer, waits for a scrape in flight, takes one last scrape (the final counters)
   * and resolves with everything scraped. Calling it again returns the same promise. */
  stop(): Promise<ServerMetricsRun>;
}

const _WHAT = "Cannot scrape server metrics";

/**
 * Starts scraping `url` now and every `intervalMs` after, until `stop()`. Each scrape keeps the
 * counter, gauge and untyped series (and those of the `names` asked for) as `{ seriesKey: value }`, stamped
 * with the epoch time its answer arrived; a failed scrape (network error, HTTP error status,
 * timeout, a body with no sample) is a `scrape-error` line, never an exception. Throws a
 * `TypeError`/`RangeError` for a bad URL or option before anything is sent.
 *
 * @example Scrape the simulator twice
 * ```ts
 * import { startServerMetricsScraper } from "./scrape_server_metrics.ts";
 * import { startSimulator } from "../sim/simulator.ts";
 * await using sim = await startSimulator();
 * const scraper = startServerMetricsScraper(`${sim.url}/metrics`, { intervalMs: 50 });
 * const run = await scraper.stop();
 * const running = run.scrapes[0].values['vllm:num_requests_running{model_name="tokenbench-sim"}'];
 * if (run.scrapes.length < 2 || running !== 0) throw new Error(JSON.stringify(run.scrapes[0]));
 * if (run.types["vllm:num_requests_running"] !== "gauge") throw new Error("types");
 * ```
 */
export function startServerMetricsScraper(
  url: string,
  options: ServerMetricsScraperOptions = {},
): ServerMetricsScraper {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`${_WHAT}: 'url' must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new TypeError(`${_WHAT}: 'url' must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const intervalMs = options.intervalMs ?? 1000;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 10) {
    throw new RangeError(`${_WHAT}: 'intervalMs' must be a number >= 10, got ${intervalMs}`);
  }
  const timeoutMs = options.timeoutMs ?? Math.max(1000, intervalMs);
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) {
    throw new RangeError(`${_WHAT}: 'timeoutMs' must be a positive number, got ${timeoutMs}`);
  }
  const names = new Set(options.names ?? []);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  // Credentials in the URL go as a Basic header, never into the files.
  const headers: Record<string, string> = { accept: "text/plain", ...options.headers };
  if (target.username !== "" || target.password !== "") {
    const pair = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    headers.authorization = `Basic ${btoa(pair)}`;
    target.username = "";
    target.password = "";
  }
  const href = target.href;
  const secrets = [target.password, headers.authorization].filter((s) => s && s.length >= 4);
  const startMs = performance.now();
  const header: ServerMetricsHeader = {
    kind: "server-metrics",
    schemaVersion: SERVER_METRICS_SCHEMA_VERSION,
    tool: { name: "tokenbench", version: TOOL_VERSION },
    url: href,
    intervalMs,
    startEpochMs: performance.timeOrigin + startMs,
    names: [...names],
  };
  const run: ServerMetricsRun = { header, scrapes: [], failures: [], types: {} };
  let chain: Promise<void> = Promise.resolve();
  const emit = (line: ServerMetricsLine) => {
    const callback = options.onLine;
    if (callback) chain = chain.then(() => callback(line)).catch(() => {});
  };
  emit(header);

  const scrapeOnce = async (): Promise<void> => {
    const sentMs = performance.now();
    const stamp = () => {
      const now = performance.now();
      return { tMs: now - startMs, epochMs: performance.timeOrigin + now, now };
    };
    const fail = (message: string) => {
      let clean = message.split("\n")[0];
      for (const secret of secrets) clean = clean.split(secret).join("[redacted]");
      const { tMs, epochMs } = stamp();
      const failure: ServerMetricsFailure = { kind: "scrape-error", tMs, epochMs, message: clean };
      run.failures.push(failure);
      emit(failure);
    };
    let text: string;
    try {
      const response = await fetchImpl(href, { headers, signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
      if (!response.ok) return fail(`HTTP ${response.status} from ${href}`);
    } catch (error) {
      const name = error instanceof DOMException && error.name === "TimeoutError"
        ? `timed out after ${timeoutMs} ms`
        : error instanceof Error
        ? error.message
        : String(error);
      return fail(`cannot scrape ${href}: ${name}`);
    }
    const { tMs, epochMs, now } = stamp();
    const parsed = parsePrometheusText(text);
    if (parsed.samples.length === 0) {
      return fail(
        `no Prometheus samples from ${href}${parsed.errors[0] ? `: ${parsed.errors[0]}` : ""}`,
      );
    }
    const values: Record<string, number | null> = {};
    const fresh: Record<string, string> = {};
    for (const sample of parsed.samples) {
      const type = parsed.types[sample.family] ?? "untyped";
      const kept = type === "counter" || type === "gauge" || type === "untyped" ||
        type === "unknown" || names.has(sample.name) || names.has(sample.family);
      if (!kept) continue;
      values[prometheusSeriesKey(sample)] = Number.isFinite(sample.value) ? sample.value : null;
      if (run.types[sample.name] === undefined) run.types[sample.name] = fresh[sample.name] = type;
    }
    const scrape: ServerMetricsScrape = {
      kind: "scrape",
      tMs,
      epochMs,
      scrapeMs: now - sentMs,
      values,
    };
    if (Object.keys(fresh).length > 0) scrape.types = fresh;
    run.scrapes.push(scrape);
    emit(scrape);
  };

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let next = 0;
  const tick = () => {
    if (stopped) return;
    inFlight = scrapeOnce().then(() => {
      if (stopped) return;
      // The next start on the grid, skipping the ones a slow scrape missed.
      const elapsed = performance.now() - startMs;
      next = Math.max(next + 1, Math.floor(elapsed / intervalMs) + 1);
      timer = setTimeout(tick, Math.max(0, next * intervalMs - elapsed));
    });
  };
  tick();
  let result: Promise<ServerMetricsRun> | undefined;
  return {
    header,
    stop() {
      result ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await inFlight;
        await scrapeOnce();
        await chain;
        return run;
      })();
      return result;
    },
  };
}
