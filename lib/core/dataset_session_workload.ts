/**
 * A workload of conversations from a dataset whose rows carry `session_id` and `turn`: each
 * session's rows in turn order, replayed as a multi-turn session.
 *
 * @module
 */
import type { DatasetEntry } from "./parse_dataset.ts";
import type { Workload, WorkloadRequest } from "./workload.ts";
import type { DatasetWorkloadOptions } from "./dataset_workload.ts";
import { checkDatasetOptions, countEntry, outputLength, passOrder } from "./_dataset_shared.ts";

/** Options of {@link datasetSessionWorkload}: those of `datasetWorkload`, and `turns`. */
export interface DatasetSessionWorkloadOptions extends DatasetWorkloadOptions {
  /** Send at most this many turns of each session (its first ones). Default: the longest
   * session's turn count. */
  turns?: number;
}

/** A workload of sessions: request `s × turns + t` is turn `t` of session `s`. */
export interface SessionWorkload extends Workload {
  /** The id stride: request `s × turns + t` is turn `t` of session `s` (`t < turnsOf(s)`). */
  readonly turns: number;
  /** Sessions in one pass (kept by the filters). */
  readonly sessionCount: number;
  /** Turns of session `s` (at most `turns`). */
  turnsOf(session: number): number;
}

/**
 * The sessions of `entries`: rows grouped by `sessionId` (first appearance order), each group
 * in `turn` order (rows without one, or with equal ones, in file order); a row without
 * `sessionId` is a session of its own.
 *
 * @example Rows of two sessions, interleaved in the file
 * ```ts
 * import { parseDataset } from "./parse_dataset.ts";
 * import { groupDatasetSessions } from "./dataset_session_workload.ts";
 * const entries = parseDataset([
 *   '{"session_id":1,"turn":1,"prompt":"1b"}',
 *   '{"session_id":2,"turn":0,"prompt":"2a"}',
 *   '{"session_id":1,"turn":0,"prompt":"1a"}',
 * ].join("\n"));
 * const groups = groupDatasetSessions(entries).map((g) => g.map((e) => e.prompt).join());
 * if (groups.join("|") !== "1a,1b|2a") throw new Error(groups.join("|"));
 * ```
 */
export function groupDatasetSessions(entries: readonly DatasetEntry[]): DatasetEntry[][] {
  const groups = new Map<string, DatasetEntry[]>();
  const out: DatasetEntry[][] = [];
  for (const entry of entries) {
    if (entry.sessionId === undefined) {
      out.push([entry]);
      continue;
    }
    let group = groups.get(entry.sessionId);
    if (group === undefined) {
      group = [];
      groups.set(entry.sessionId, group);
      out.push(group);
    }
    group.push(entry);
  }
  for (const group of out) {
    if (group.length > 1) {
      const index = new Map(group.map((e, k) => [e, k]));
      group.sort((a, b) =>
        (a.turn ?? Infinity) - (b.turn ?? Infinity) || index.get(a)! - index.get(b)!
      );
    }
  }
  return out;
}

const _WHAT = "Cannot make dataset session workload";

/**
 * The conversations of `entries` ({@link groupDatasetSessions}) as a workload: session `s` of
 * pass `p` is a seeded shuffle of the sessions (`requestSeed(seed, −1 − p)`, or file order with
 * `order: "sequential"`); request `s × turns + t` is its row `t`, the prompt counted by the
 * run's tokenizer, the output length the row's own or drawn (`requestSeed(seed, i)`). A
 * session is left out whole when any of its rows is outside the length filters (a conversation
 * does not skip a turn); a `RangeError` when none is left. The history each turn carries (the
 * earlier rows and the answers received) is the run's: `runBenchmark`'s `sessions`.
 *
 * @example Two conversations, turns in order
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * import { parseDataset } from "./parse_dataset.ts";
 * import { datasetSessionWorkload } from "./dataset_session_workload.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const entries = parseDataset([
 *   '{"session_id":"a","turn":1,"prompt":"a second"}',
 *   '{"session_id":"a","turn":0,"prompt":"a first"}',
 *   '{"session_id":"b","turn":0,"prompt":"b only"}',
 * ].join("\n"));
 * const w = datasetSessionWorkload(entries, { tokenizer, order: "sequential" });
 * if (w.turns !== 2 || w.turnsOf(0) !== 2 || w.turnsOf(1) !== 1) throw new Error("turns");
 * if (w.request(1).prompt !== "a second" || w.request(2).prompt !== "b only") throw new Error();
 * tokenizer.free();
 * ```
 */
export function datasetSessionWorkload(
  entries: readonly DatasetEntry[],
  options: DatasetSessionWorkloadOptions,
): SessionWorkload {
  const o = options ?? ({} as DatasetSessionWorkloadOptions);
  const { tokenizer, seed, order, minInput, maxInput, maxOutput, meanOutput, stddevOutput } =
    checkDatasetOptions(_WHAT, entries, o);
  const groups = groupDatasetSessions(entries);
  const longest = Math.max(...groups.map((g) => g.length));
  const turns = o.turns ?? longest;
  if (!(Number.isSafeInteger(turns) && turns >= 1)) {
    throw new RangeError(`${_WHAT}: 'turns' must be a positive integer, got ${turns}`);
  }
  const baseline = tokenizer.countTokens("");
  // Counted once: each row's prompt tokens and output tokens given or counted (0: drawn).
  type Row = { entry: DatasetEntry; inputTokens: number; outputTokens: number };
  const sessions: Row[][] = [];
  for (const group of groups) {
    const rows = group.slice(0, turns).map((entry) => ({
      entry,
      ...countEntry(tokenizer, baseline, entry),
    }));
    const fits = rows.every((r) =>
      r.inputTokens >= minInput && r.inputTokens <= maxInput && r.outputTokens <= maxOutput
    );
    if (fits) sessions.push(rows);
  }
  if (sessions.length === 0) {
    throw new RangeError(
      `${_WHAT}: no session of ${groups.length} has every prompt of ${minInput}–${maxInput} tokens and every output of at most ${maxOutput} tokens`,
    );
  }
  const n = sessions.length;
  const permutation = passOrder(n, seed, order);
  const sessionAt = (s: number): Row[] => sessions[permutation(Math.floor(s / n))[s % n]];
  const check = (name: string, value: number) => {
    if (!(Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(
        `Cannot make workload request: '${name}' must be a non-negative integer, got ${value}`,
      );
    }
  };
  return {
    kind: "dataset",
    size: Infinity,
    turns,
    sessionCount: n,
    turnsOf(session: number): number {
      check("session", session);
      return sessionAt(session).length;
    },
    request(i: number): WorkloadRequest {
      check("i", i);
      const rows = sessionAt(Math.floor(i / turns));
      const t = i % turns;
      if (t >= rows.length) {
        throw new RangeError(
          `Cannot make workload request: request ${i} is turn ${t} of a session of ${rows.length} turns`,
        );
      }
      const row = rows[t];
      const maxOutputTokens = outputLength(row.outputTokens, seed, i, meanOutput, stddevOutput);
      return {
        prompt: row.entry.prompt,
        inputTokens: row.inputTokens,
        maxOutputTokens,
        source: row.entry.source,
      };
    },
  };
}
