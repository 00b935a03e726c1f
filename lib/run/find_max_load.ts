/**
 * The search for the highest load that meets an SLO: probe a rate (open loop) or a concurrency
 * (closed loop) with whole {@link benchmark} runs, bracket the answer by doubling or halving,
 * then bisect to a stated precision. The answer is the highest tested load whose goodput (the
 * share of requests meeting every SLO) reaches the target.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import { goodput, type Slo } from "../core/goodput.ts";
import { newRunDir } from "../report/new_run_dir.ts";
import { gridTable } from "../report/grid_table.ts";
import { sweepLoadPoints, type SweepSummary, sweepSummary } from "../report/sweep.ts";
import { plotLoadCurve } from "../plot/plot_load_curve.ts";
import { renderSvg } from "../plot/render_svg.ts";
import {
  benchmark,
  type BenchmarkRunOptions,
  type BenchmarkRunResult,
  checkBenchmarkOptions,
} from "./benchmark.ts";

/** Options of {@link findMaxLoad}: those of {@link benchmark} for every probe, and the search. */
export interface FindMaxLoadOptions
  extends Omit<BenchmarkRunOptions, "context" | "rate" | "concurrency" | "resultsDir" | "slo"> {
  /** `rate` (open loop, requests/s) or `concurrency` (closed loop). Required. */
  variable: "rate" | "concurrency";
  /** The SLOs a request must meet (`parseSlo("ttft:500,tpot:50")`). Required. */
  slo: Slo;
  /** Share of a probe's requests that must meet every SLO. Default 0.95. */
  goodput?: number;
  /** The first probe. Default 1 (rate: 1 request/s). */
  start?: number;
  /** The search goes no higher. Default 1024 (concurrency) or 10000 requests/s. */
  maxLoad?: number;
  /** Concurrency: the lowest probe (default 1). Rate: the search goes no lower (default
   * `start / 1024`). */
  minLoad?: number;
  /** Rate: stop when `(high − low) / low` is at most this (default 0.05). Concurrency always
   * stops at neighbours (`high − low = 1`). */
  precision?: number;
  /** Probes at most. Default 20. */
  maxProbes?: number;
  /**
   * Write the search into a new folder `<resultsDir>/<UTC time>_<model>-find-max-<variable>`:
   * one run folder per probe (`probe01-c8/…`, `probe02-rate2.5/…`), `search.md` (the probes
   * and the answer), `search.json`, `search.svg` (latency and throughput at each probe).
   * Default: nothing is written.
   */
  resultsDir?: string;
  /** Called after each probe. Default none. */
  onProbe?: (probe: LoadProbe, run: BenchmarkRunResult) => void | Promise<void>;
}

/** One probe of the search. */
export interface LoadProbe {
  /** 1-based, in the order run. */
  probe: number;
  /** The rate or concurrency probed. */
  load: number;
  /** Measured requests started. */
  requests: number;
  /** Errors among them. */
  errors: number;
  /** Share of started requests meeting every SLO (null when none started). */
  goodputShare: number | null;
  /** Whether the share reached the target. */
  meets: boolean;
  /** Why the probe's verdict is weak (too few requests for the target share), or null. */
  note: string | null;
  /** Its results folder, or null. */
  dir: string | null;
}

/** What {@link findMaxLoad} returns. */
export interface FindMaxLoadResult {
  /** What was searched. */
  variable: "rate" | "concurrency";
  /** The highest probed load that met the target, or null when none did. */
  answer: number | null;
  /** The lowest probed load that did not (the answer's upper bracket), or null. */
  failedAt: number | null;
  /** The SLOs and the target share. */
  slo: Slo;
  goodput: number;
  /** Why the search ended: `converged`, `max-load` (even the highest load met the target),
   * `min-load` (even the lowest failed), `max-probes` or `stopped`. */
  ended: "converged" | "max-load" | "min-load" | "max-probes" | "stopped";
  /** Every probe, in order. */
  probes: LoadProbe[];
  /** Latency and throughput at each probe, by load (the sweep summary of the probes). */
  summary: SweepSummary;
  /** The probes and the answer as markdown (`search.md`). */
  table: string;
  /** The search's folder, or null. */
  dir: string | null;
  /** Files of the search itself; empty when nothing was written. */
  paths: string[];
  /** What could not be done (the plot not rendered, say). */
  notes: string[];
}

const _WHAT = "Cannot find max load";

/**
 * Search the highest load meeting `slo` for `goodput` of the requests. Bracket: from `start`,
 * double while the probe meets the target (up to `maxLoad`), or halve while it fails (down to
 * `minLoad`); then bisect between the highest load that met it and the lowest that did not,
 * until they are neighbours (concurrency) or within `precision` of each other (rate). Each
 * probe is a whole `benchmark` with the same options (`maxRequests` requests; its own warm-up).
 * A probe whose `maxRequests` is below `10 / (1 − goodput)` cannot tell the share well: its
 * `note` says so. Bad options throw a `RangeError`/`TypeError` before anything is sent.
 *
 * @example The highest concurrency with TPOT at most 35 ms, against the capacity model
 * ```ts
 * import { findMaxLoad } from "./find_max_load.ts";
 * import { startSimulator } from "../sim/simulator.ts";
 * import { createOpenAiClient } from "../clients/openai_client.ts";
 * // ITL = 10 × (1 + 1 × (C − 1)) ms: 30 ms at C = 3, 40 ms at C = 4.
 * await using sim = await startSimulator({ ttftMs: 5, itlMs: 10, capacity: { maxBatch: 64, itlGrowth: 1 } });
 * const found = await findMaxLoad(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
 *   model: "sim", variable: "concurrency", slo: { tpot: 35 }, goodput: 0.9, maxRequests: 12,
 *   meanInputTokens: 20, stddevInputTokens: 0, meanOutputTokens: 5, stddevOutputTokens: 0,
 * });
 * if (found.answer !== 3) throw new Error(found.table);
 * ```
 */
export async function findMaxLoad(
  client: LlmClient,
  options: FindMaxLoadOptions,
): Promise<FindMaxLoadResult> {
  const o = options ?? ({} as FindMaxLoadOptions);
  const { variable, slo, resultsDir, onProbe } = o;
  if (variable !== "rate" && variable !== "concurrency") {
    throw new RangeError(
      `${_WHAT}: 'variable' must be rate or concurrency, got ${JSON.stringify(variable)}`,
    );
  }
  if (typeof slo !== "object" || slo === null || Object.keys(slo).length === 0) {
    throw new TypeError(`${_WHAT}: 'slo' must bound at least one metric (e.g. { ttft: 500 })`);
  }
  const target = o.goodput ?? 0.95;
  if (!(typeof target === "number" && target > 0 && target <= 1)) {
    throw new RangeError(`${_WHAT}: 'goodput' must be a share in (0, 1], got ${target}`);
  }
  const integer = variable === "concurrency";
  const positive = (name: string, value: number) => {
    if (
      !(typeof value === "number" && value > 0 && Number.isFinite(value)) ||
      (integer && !Number.isInteger(value))
    ) {
      throw new RangeError(
        `${_WHAT}: '${name}' must be a positive ${integer ? "integer" : "number"}, got ${value}`,
      );
    }
    return value;
  };
  const start = positive("start", o.start ?? 1);
  const maxLoad = positive("maxLoad", o.maxLoad ?? (integer ? 1024 : 10_000));
  const minLoad = positive("minLoad", o.minLoad ?? (integer ? 1 : start / 1024));
  if (!(minLoad <= start && start <= maxLoad)) {
    throw new RangeError(
      `${_WHAT}: need minLoad <= start <= maxLoad, got ${minLoad}, ${start}, ${maxLoad}`,
    );
  }
  const precision = o.precision ?? 0.05;
  if (!(precision > 0 && precision < 1)) {
    throw new RangeError(`${_WHAT}: 'precision' must be in (0, 1), got ${precision}`);
  }
  const maxProbes = o.maxProbes ?? 20;
  if (!(Number.isSafeInteger(maxProbes) && maxProbes >= 1)) {
    throw new RangeError(`${_WHAT}: 'maxProbes' must be a positive integer, got ${maxProbes}`);
  }
  const {
    variable: _v,
    slo: _s,
    goodput: _g,
    start: _st,
    maxLoad: _mx,
    minLoad: _mn,
    precision: _p,
    maxProbes: _mp,
    resultsDir: _r,
    onProbe: _op,
    ...common
  } = o;
  const probeOptions = (load: number): BenchmarkRunOptions => ({
    ...common,
    slo,
    ...(integer ? { concurrency: load } : { rate: load }),
  });
  checkBenchmarkOptions(client, probeOptions(start));
  const enough = Math.ceil(10 / Math.max(1e-9, 1 - target) - 1e-9);
  const dir = resultsDir === undefined
    ? null
    : await newRunDir(resultsDir, `${o.model}-find-max-${variable}`);
  const probes: LoadProbe[] = [];
  const levelRuns: {
    level: number;
    dir: string;
    summary: BenchmarkRunResult["report"]["summary"];
  }[] = [];
  let stopped = false;
  const tried = new Map<number, boolean>();
  const probe = async (load: number): Promise<boolean> => {
    const known = tried.get(load);
    if (known !== undefined) return known;
    const n = probes.length + 1;
    const name = `probe${String(n).padStart(2, "0")}-${integer ? "c" : "rate"}${load}`;
    const run = await benchmark(client, {
      ...probeOptions(load),
      ...(dir === null ? {} : { resultsDir: `${dir}/${name}` }),
    });
    const g = goodput(run.records, slo, { wallTimeMs: run.wallTimeMs, lens: o.lens });
    const measured = run.records.filter((r) => r.phase === "measure");
    const meets = g.share !== null && g.share >= target;
    const result: LoadProbe = {
      probe: n,
      load,
      requests: measured.length,
      errors: measured.filter((r) => r.status === "error").length,
      goodputShare: g.share,
      meets,
      note: measured.length < enough
        ? `${measured.length} requests cannot tell a share of ${target} well (want ${enough}: ten outside it)`
        : null,
      dir: run.dir,
    };
    probes.push(result);
    levelRuns.push({ level: load, dir: run.dir ?? "(not saved)", summary: run.report.summary });
    tried.set(load, meets);
    await onProbe?.(result, run);
    if (!run.finished) stopped = true;
    return meets;
  };
  const next = (load: number, up: boolean): number => {
    const value = up ? load * 2 : load / 2;
    return integer ? Math.max(1, Math.round(value)) : value;
  };
  let low: number | null = null; // highest load that met the target
  let high: number | null = null; // lowest load that did not
  let ended: FindMaxLoadResult["ended"] = "converged";
  // 1. Bracket.
  let load = start;
  const first = await probe(load);
  if (first) {
    low = load;
    while (!stopped && probes.length < maxProbes) {
      if (load >= maxLoad) {
        ended = "max-load";
        break;
      }
      load = Math.min(maxLoad, next(load, true));
      if (await probe(load)) low = load;
      else {
        high = load;
        break;
      }
    }
  } else {
    high = load;
    while (!stopped && probes.length < maxProbes) {
      if (load <= minLoad) {
        ended = "min-load";
        break;
      }
      load = Math.max(minLoad, next(load, false));
      if (await probe(load)) {
        low = load;
        break;
      } else high = load;
    }
  }
  // 2. Bisect.
  const close = (lo: number, hi: number) => integer ? hi - lo <= 1 : (hi - lo) / lo <= precision;
  while (low !== null && high !== null && !close(low, high) && !stopped) {
    if (probes.length >= maxProbes) {
      ended = "max-probes";
      break;
    }
    const mid = integer ? Math.floor((low + high) / 2) : (low + high) / 2;
    if (await probe(mid)) low = mid;
    else high = mid;
  }
  if (stopped) ended = "stopped";
  else if (ended === "converged" && (low === null || high === null) && probes.length >= maxProbes) {
    ended = "max-probes";
  }
  const summary = sweepSummary(variable, [...levelRuns].sort((a, b) => a.level - b.level));
  const table = _searchTable(variable, probes, { answer: low, failedAt: high, slo, target, ended });
  const paths: string[] = [];
  const notes: string[] = [];
  const result: FindMaxLoadResult = {
    variable,
    answer: low,
    failedAt: high,
    slo,
    goodput: target,
    ended,
    probes,
    summary,
    table,
    dir,
    paths,
    notes,
  };
  if (dir !== null) {
    paths.push(`${dir}/search.md`, `${dir}/search.json`);
    await Deno.writeTextFile(paths[0], table, { createNew: true });
    const { table: _t, paths: _p2, notes: _n, ...json } = result;
    await Deno.writeTextFile(paths[1], JSON.stringify(json, null, 2) + "\n", { createNew: true });
    const loads = probes.map((p) => p.load);
    try {
      const spec = plotLoadCurve(sweepLoadPoints(summary, o.model), {
        loadTitle: integer ? "Concurrency (requests in flight)" : "Request rate (requests/s)",
        logLoad: Math.max(...loads) / Math.min(...loads) >= 8,
        title: `Search for the highest ${variable} meeting the SLO: ${o.model}`,
      });
      await Deno.writeTextFile(`${dir}/search.svg`, await renderSvg(spec), { createNew: true });
      paths.push(`${dir}/search.svg`);
    } catch (error) {
      notes.push(`the plot was not written: ${(error as Error).message}`);
    }
  }
  return result;
}

function _searchTable(
  variable: "rate" | "concurrency",
  probes: readonly LoadProbe[],
  found: {
    answer: number | null;
    failedAt: number | null;
    slo: Slo;
    target: number;
    ended: FindMaxLoadResult["ended"];
  },
): string {
  const unit = variable === "rate" ? " requests/s" : " in flight";
  const slo = Object.entries(found.slo).map(([k, v]) => `${k} ≤ ${v} ms`).join(", ");
  const lines = [
    `# Highest ${variable} meeting ${slo} for ${found.target * 100} % of requests`,
    "",
    found.answer === null
      ? `No probed ${variable} met the target (search ended: ${found.ended}).`
      : `Answer: **${_fmt(found.answer)}${unit}**` +
        (found.failedAt === null
          ? ` (the highest probed; search ended: ${found.ended})`
          : ` (${_fmt(found.failedAt)}${unit} did not meet it; search ended: ${found.ended})`),
    "",
    gridTable(
      [
        "Probe",
        variable === "rate" ? "Rate (req/s)" : "Concurrency",
        "Requests",
        "Errors",
        "Goodput",
        "Meets",
        "Note",
      ],
      probes.map((p) => [
        String(p.probe),
        _fmt(p.load),
        String(p.requests),
        String(p.errors),
        p.goodputShare === null ? "–" : p.goodputShare.toFixed(3),
        p.meets ? "yes" : "no",
        p.note ?? "",
      ]),
    ),
  ];
  return lines.join("\n") + "\n";
}

function _fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
}
