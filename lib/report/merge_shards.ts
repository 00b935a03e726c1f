/**
 * Put the shards of one run back together: records, totals, wall-clock span, client health.
 *
 * @module
 */
import type { ClientHealth } from "../core/client_health.ts";
import type { RequestRecord } from "../core/request_record.ts";
import type { RunMetadata } from "./run_metadata.ts";
import type { RunReportInput } from "./run_report.ts";

/** One shard's run, as `readRunJsonl` reads it. */
export interface ShardRunInput {
  /** Where it came from (its folder), recorded in the merged metadata. */
  source: string;
  /** Its records, wall time, start and final metadata (`RunJsonl.report`). */
  report: RunReportInput;
  /** Whether it finished (`RunJsonl.finished`). */
  finished: boolean;
}

/** Options of {@link mergeShards}. */
export interface MergeShardsOptions {
  /** Merge even when some shards of the run are missing (the result says which). Default false. */
  allowMissing?: boolean;
}

/** A merged run: ready for `writeRunFiles`, plus what the merge found. */
export interface MergedShards extends RunReportInput {
  /** Shard indexes merged, ascending. */
  shards: number[];
  /** Shard indexes of the run that were not given. */
  missing: number[];
  /** All shards finished. */
  finished: boolean;
}

/** Metadata fields that must agree across shards: the same run, the same prompts. */
const _SAME = [
  "llmApi",
  "model",
  "endpoint",
  "tokenizer",
  "promptMode",
  "seed",
  "meanInputTokens",
  "stddevInputTokens",
  "meanOutputTokens",
  "stddevOutputTokens",
  "arrival",
  "additionalSamplingParams",
  "timeoutS",
  "requestTimeoutS",
  "firstTokenTimeoutS",
] as const;

function _load(of: NonNullable<NonNullable<RunMetadata["shard"]>["of"]>): string {
  return `${of.maxRequests} requests, ${of.warmup} warm-up, ` +
    (of.rate === null ? `concurrency ${of.concurrency}` : `rate ${of.rate}/s`);
}

/**
 * Merge the shard runs of one sharded run (`--shard I/N`, every shard against the same
 * endpoint). Records are combined and sorted by `requestId` (a duplicate id throws). Totals
 * add up: concurrency, rate, requests and warm-up are summed over shards. The wall-clock span
 * is epoch-based: from the earliest measured send of any shard to the latest measured
 * completion of any shard. Each shard's `intendedSendMs`/`actualSendMs` are moved onto the
 * merged run's start. Client health is the worst shard's, its warnings prefixed with the
 * shard. Throws a `RangeError` naming the reason when the runs are not shards of one run
 * (different model, seed, prompts, sampling parameters, timeouts or shard count; a closed and
 * an open loop; shards of runs of different sizes (`shard.of`); a shard given twice; a
 * missing shard unless `allowMissing`).
 *
 * @example Two shards of a two-request run
 * ```ts
 * import { mergeShards } from "./merge_shards.ts";
 * import type { RequestRecord } from "../core/request_record.ts";
 * import type { RunMetadata } from "./run_metadata.ts";
 * const meta = (index: number) => ({ model: "m", seed: 0, numConcurrentRequests: 1, rate: null,
 *   maxRequests: 1, warmup: 0, shard: { index, count: 2 } }) as unknown as RunMetadata;
 * const rec = (requestId: number, startEpochMs: number) => ({ requestId, phase: "measure",
 *   status: "ok", startEpochMs, e2eMs: 100, intendedSendMs: 0, actualSendMs: 0 }) as RequestRecord;
 * const merged = mergeShards([
 *   { source: "a", finished: true, report: { records: [rec(1, 1050)], wallTimeMs: 100, startEpochMs: 1050, metadata: meta(1) } },
 *   { source: "b", finished: true, report: { records: [rec(0, 1000)], wallTimeMs: 100, startEpochMs: 1000, metadata: meta(0) } },
 * ]);
 * if (merged.records.map((r) => r.requestId).join() !== "0,1") throw new Error("order");
 * if (merged.wallTimeMs !== 150 || merged.metadata.maxRequests !== 2) throw new Error("totals");
 * ```
 */
export function mergeShards(
  runs: readonly ShardRunInput[],
  options: MergeShardsOptions = {},
): MergedShards {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw new RangeError("Cannot merge shards: no runs given");
  }
  const fail = (why: string): never => {
    throw new RangeError(`Cannot merge shards: ${why}`);
  };
  const first = runs[0].report.metadata;
  const count = first.shard?.count;
  const seen = new Map<number, string>();
  for (const run of runs) {
    const m = run.report.metadata;
    if (!m.shard) fail(`${run.source} is not a shard (its metadata has no 'shard')`);
    if (m.shard!.count !== count) {
      fail(`${run.source} is shard ${m.shard!.index}/${m.shard!.count}, others are of ${count}`);
    }
    for (const field of _SAME) {
      if (JSON.stringify(m[field]) !== JSON.stringify(first[field])) {
        fail(
          `${run.source} has ${field} ${JSON.stringify(m[field])}, ${runs[0].source} has ${
            JSON.stringify(first[field])
          }`,
        );
      }
    }
    if ((m.rate === null) !== (first.rate === null)) {
      fail(
        `${run.source} is ${m.rate === null ? "a closed loop" : "an open loop"}, ` +
          `${runs[0].source} is ${first.rate === null ? "a closed loop" : "an open loop"}`,
      );
    }
    const whole = m.shard!.of;
    const firstWhole = first.shard?.of;
    if (whole && firstWhole && JSON.stringify(whole) !== JSON.stringify(firstWhole)) {
      fail(
        `${run.source} is a shard of a run of ${_load(whole)}, ${runs[0].source} of ` +
          `${_load(firstWhole)}: not the same run`,
      );
    }
    const other = seen.get(m.shard!.index);
    if (other !== undefined) fail(`shard ${m.shard!.index} given twice (${other}, ${run.source})`);
    seen.set(m.shard!.index, run.source);
  }
  const shards = [...seen.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let i = 0; i < count!; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length > 0 && !options.allowMissing) {
    fail(`shard(s) ${missing.join(", ")} of ${count} missing`);
  }

  // The merged start: the earliest phase start of any shard (epoch ms).
  const phaseStart = runs.map((run) => _phaseStartEpochMs(run.report));
  const known = phaseStart.filter((x): x is number => x !== null);
  const mergedPhaseStart = known.length > 0 ? Math.min(...known) : null;
  const records: RequestRecord[] = [];
  const ids = new Map<number, string>();
  runs.forEach((run, k) => {
    const shift = phaseStart[k] !== null && mergedPhaseStart !== null
      ? phaseStart[k]! - mergedPhaseStart
      : 0;
    for (const r of run.report.records) {
      const other = ids.get(r.requestId);
      if (other !== undefined) {
        fail(`requestId ${r.requestId} is in both ${other} and ${run.source}`);
      }
      ids.set(r.requestId, run.source);
      records.push(
        r.phase === "measure" && shift !== 0
          ? { ...r, intendedSendMs: r.intendedSendMs + shift, actualSendMs: r.actualSendMs + shift }
          : r,
      );
    }
  });
  records.sort((a, b) => a.requestId - b.requestId);

  let firstSend = Infinity;
  let lastDone = -Infinity;
  for (const r of records) {
    if (r.phase !== "measure") continue;
    firstSend = Math.min(firstSend, r.startEpochMs);
    lastDone = Math.max(lastDone, r.startEpochMs + r.e2eMs);
  }
  const measured = Number.isFinite(firstSend);
  const startEpochMs = measured ? firstSend : Math.min(...runs.map((r) => r.report.startEpochMs));
  const wallTimeMs = measured ? Math.max(0, lastDone - firstSend) : 0;

  const metas = runs.map((r) => r.report.metadata);
  const sum = (pick: (m: RunMetadata) => number | null | undefined) =>
    metas.reduce((total, m) => total + (pick(m) ?? 0), 0);
  const rates = metas.map((m) => m.rate);
  const finished = runs.every((r) => r.finished) && missing.length === 0;
  const stopReasons = runs.flatMap((r) =>
    r.report.metadata.stopReason
      ? [`shard ${r.report.metadata.shard!.index}: ${r.report.metadata.stopReason}`]
      : []
  );
  const { shard: _shard, ...rest } = first;
  const metadata: RunMetadata = {
    ...rest,
    numConcurrentRequests: sum((m) => m.numConcurrentRequests),
    rate: rates.every((r) => r === null || r === undefined) ? null : sum((m) => m.rate),
    maxInFlight: metas.every((m) => m.maxInFlight === null) ? null : sum((m) => m.maxInFlight),
    maxRequests: sum((m) => m.maxRequests),
    warmup: sum((m) => m.warmup),
    timeoutS: Math.max(...metas.map((m) => m.timeoutS)),
    workers: metas.some((m) => m.workers !== undefined) ? sum((m) => m.workers) : undefined,
    merged: { shards: count!, sources: runs.map((r) => r.source) },
    finished,
    stopReason: missing.length > 0
      ? `merged without shard(s) ${missing.join(", ")} of ${count}`
      : stopReasons.length > 0
      ? stopReasons.join("; ")
      : null,
  };
  if (metadata.workers === undefined) delete metadata.workers;
  const health = _worstHealth(runs);
  if (health) metadata.clientHealth = health;
  else delete metadata.clientHealth;
  return { records, wallTimeMs, startEpochMs, metadata, shards, missing, finished };
}

/** Epoch ms at which a run's measurement phase started, from its measured records. */
function _phaseStartEpochMs(report: RunReportInput): number | null {
  let start: number | null = null;
  for (const r of report.records) {
    if (r.phase !== "measure") continue;
    const t = r.startEpochMs - r.actualSendMs;
    if (start === null || t < start) start = t;
  }
  return start;
}

/** The worst figures over the shards that recorded their client health. */
function _worstHealth(runs: readonly ShardRunInput[]): ClientHealth | null {
  const healths = runs.flatMap((run) => {
    const h = run.report.metadata.clientHealth;
    return h ? [{ h, index: run.report.metadata.shard!.index }] : [];
  });
  if (healths.length === 0) return null;
  const max = (pick: (h: ClientHealth) => number | null) => {
    const values = healths.map(({ h }) => pick(h)).filter((x): x is number => x !== null);
    return values.length > 0 ? Math.max(...values) : null;
  };
  return {
    workers: healths.reduce((total, { h }) => total + h.workers, 0),
    loopLagMsP99: max((h) => h.loopLagMsP99),
    loopLagMsMax: max((h) => h.loopLagMsMax),
    dispatchLagMsP99: max((h) => h.dispatchLagMsP99),
    dispatchLagMsMax: max((h) => h.dispatchLagMsMax),
    cpuMsPer1kTokens: max((h) => h.cpuMsPer1kTokens),
    limitMs: Math.min(...healths.map(({ h }) => h.limitMs)),
    warnings: healths.flatMap(({ h, index }) => h.warnings.map((w) => `shard ${index}: ${w}`)),
  };
}
