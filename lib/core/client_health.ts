/**
 * Client health: whether the benchmark client itself, not the endpoint, may have limited a
 * run's measurement (a busy event loop stamps chunks late, late dispatch bends the load shape).
 *
 * @module
 */
import { quantile } from "./quantile.ts";

/** A run's client health, recorded in its summary. Times in ms; `null` where not measured. */
export interface ClientHealth {
  /** Deno Workers that sent the requests (0: the main thread). */
  workers: number;
  /** Worst thread's p99 event-loop lag (main thread and every worker). */
  loopLagMsP99: number | null;
  /** Largest event-loop lag seen on any thread. */
  loopLagMsMax: number | null;
  /** p99 over measured requests of `actualSendMs − intendedSendMs`. */
  dispatchLagMsP99: number | null;
  /** Largest dispatch lag. */
  dispatchLagMsMax: number | null;
  /** Client process CPU time (all threads) per 1,000 output tokens. */
  cpuMsPer1kTokens: number | null;
  /** The lag above which a warning is given (see {@link ClientHealthOptions}). */
  limitMs: number;
  /** One line per reason to distrust the timings; empty when the client kept up. */
  warnings: string[];
}

/** What {@link clientHealth} reads. */
export interface ClientHealthInput {
  /** Workers used (0: the main thread). */
  workers: number;
  /** Event-loop lag samples of each thread, ms (main thread first). */
  loopLagMs: readonly (readonly number[])[];
  /** The run's records (warm-up records are skipped). */
  records: readonly {
    phase: string;
    intendedSendMs: number;
    actualSendMs: number;
    outputTokens: number;
    interTokenLatencyMs: number | null;
  }[];
  /** Period of the loop-lag timers, ms (samples per second of run). Default 50. */
  loopLagIntervalMs?: number;
  /** Client process CPU time during the run, ms. Default unknown. */
  cpuMs?: number;
  /**
   * The run capped requests in flight (open loop with `maxInFlight`): waiting for a slot shows
   * as dispatch lag by design, so it gives no warning. Default false.
   */
  capped?: boolean;
}

/** The run's cold start, ms after its start: left out of the warnings when enough follows. */
const _COLD_MS = 1000;
/** Samples after the cold start needed to judge on them alone. */
const _MIN_STEADY = 20;

/** Options of {@link clientHealth}. */
export interface ClientHealthOptions {
  /**
   * Lag that always counts as acceptable, ms. Default 5: an idle Deno event loop already shows
   * timer lateness of p99 ≈ 2 ms on a busy 2-core machine (1 ms timer granularity plus
   * scheduling), which is not the client limiting anything.
   */
  floorMs?: number;
  /** Share of the run's median inter-token latency that a lag may reach. Default 0.25. */
  itlShare?: number;
}

/**
 * Summarize a run's client health and warn when the client is likely limiting the
 * measurement: the worst thread's p99 event-loop lag, or the p99 dispatch lag, above
 * `max(floorMs, itlShare × median inter-token latency)`. At 50 tokens/s (ITL 20 ms) that is
 * 5 ms; for a slow endpoint it grows with the ITL, since a lag then distorts less. The warnings
 * judge the steady state: requests meant to start in the run's first second, and the lag
 * samples of that second, are left out when at least 20 come after it (the reported p99s keep
 * them).
 *
 * @example A busy loop is reported
 * ```ts
 * import { clientHealth } from "./client_health.ts";
 * const records = [{ phase: "measure", intendedSendMs: 0, actualSendMs: 0.2, outputTokens: 100,
 *   interTokenLatencyMs: 20 }];
 * const h = clientHealth({ workers: 0, loopLagMs: [[0.1, 0.2, 9]], records });
 * if (h.loopLagMsMax !== 9 || h.warnings.length !== 1) throw new Error(JSON.stringify(h));
 * ```
 */
export function clientHealth(
  input: ClientHealthInput,
  options: ClientHealthOptions = {},
): ClientHealth {
  const { floorMs = 5, itlShare = 0.25 } = options;
  if (!(floorMs >= 0) || !(itlShare >= 0)) {
    throw new RangeError(
      `Cannot assess client health: 'floorMs' and 'itlShare' must be >= 0, got ${floorMs}, ${itlShare}`,
    );
  }
  const measured = input.records.filter((r) => r.phase === "measure");
  const perThread = input.loopLagMs.map((s) => quantile(s, 0.99));
  const p99s = perThread.filter((x): x is number => x !== null);
  let lagMax: number | null = null;
  for (const samples of input.loopLagMs) {
    for (const s of samples) if (lagMax === null || s > lagMax) lagMax = s;
  }
  const dispatch = measured.map((r) => r.actualSendMs - r.intendedSendMs);
  const itls = measured.flatMap((r) =>
    r.interTokenLatencyMs === null ? [] : [r.interTokenLatencyMs]
  );
  const itlP50 = quantile(itls, 0.5);
  const limitMs = Math.max(floorMs, itlP50 === null ? 0 : itlShare * itlP50);
  const tokens = measured.reduce((sum, r) => sum + r.outputTokens, 0);
  const health: ClientHealth = {
    workers: input.workers,
    loopLagMsP99: p99s.length > 0 ? Math.max(...p99s) : null,
    loopLagMsMax: lagMax,
    dispatchLagMsP99: quantile(dispatch, 0.99),
    dispatchLagMsMax: dispatch.length > 0 ? Math.max(...dispatch) : null,
    cpuMsPer1kTokens: input.cpuMs !== undefined && tokens > 0 ? input.cpuMs / tokens * 1000 : null,
    limitMs,
    warnings: [],
  };
  // The warnings judge the steady state: the run's first second (cold connections, JIT, the
  // first hand-over to each worker) is left out when enough of the run comes after it.
  const steadyDispatch = measured.filter((r) => r.intendedSendMs >= _COLD_MS);
  const warnDispatch = quantile(
    (steadyDispatch.length >= _MIN_STEADY ? steadyDispatch : measured).map((r) =>
      r.actualSendMs - r.intendedSendMs
    ),
    0.99,
  );
  const warnLagP99s = input.loopLagMs.map((samples) => {
    const skip = Math.round(_COLD_MS / (input.loopLagIntervalMs ?? 50));
    return quantile(samples.length - skip >= _MIN_STEADY ? samples.slice(skip) : samples, 0.99);
  }).filter((x): x is number => x !== null);
  const warnLag = warnLagP99s.length > 0 ? Math.max(...warnLagP99s) : null;
  const hint = input.workers === 0
    ? "try --workers 2 or fewer streams per machine (--shard)"
    : "try fewer streams per machine (--shard) or a faster machine";
  if (warnLag !== null && warnLag > limitMs) {
    health.warnings.push(
      `client event-loop lag p99 ${warnLag.toFixed(1)} ms exceeds ${
        limitMs.toFixed(1)
      } ms: the client, not the endpoint, may be limiting the timings (${hint})`,
    );
  }
  if (
    !input.capped && warnDispatch !== null && warnDispatch > limitMs
  ) {
    health.warnings.push(
      `dispatch lag p99 ${warnDispatch.toFixed(1)} ms exceeds ${
        limitMs.toFixed(1)
      } ms: requests were sent later than the load shape meant (${hint})`,
    );
  }
  return health;
}
