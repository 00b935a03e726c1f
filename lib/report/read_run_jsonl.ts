/**
 * Parse a run's `requests.jsonl` (header line, one record per line, end line) into what the
 * reports need. Pure: the caller reads the file.
 *
 * @module
 */
import type { RequestRecord } from "../core/request_record.ts";
import type { RunEnd, RunHeader, RunMetadata } from "./run_metadata.ts";
import type { RunReportInput } from "./run_report.ts";

/** Options of {@link readRunJsonl}. */
export interface ReadRunJsonlOptions {
  /** The file's name in error messages. Default `"requests.jsonl"`. */
  path?: string;
}

/** A run as its JSONL file tells it. */
export interface RunJsonl {
  /** The first line. */
  header: RunHeader;
  /** Every record, in file (completion) order, warm-up included. */
  records: RequestRecord[];
  /** The last line's `end`, or null when the run never wrote it (killed, crashed, running). */
  end: RunEnd | null;
  /** `end.finished`; false without an end line. */
  finished: boolean;
  /** Why the run is not finished (its stop reason, or that it never ended), else null. */
  unfinishedReason: string | null;
  /** Records the end line counts (`end.numRecords`) that the file does not hold (torn or
   * lost lines); 0 without an end line. */
  missingRecords: number;
  /** A partial last line (a write cut short by `kill -9`) was left out. */
  tornLastLine: boolean;
  /** Line numbers (1-based) of torn lines left out anywhere in the file: a record cut short
   * by a crash or a full disk (a line that starts like a JSON object, `{"`, but is not one).
   * The last line's is among them when `tornLastLine`. */
  tornLines: number[];
  /**
   * Ready for `runReport`/`writeRunFiles`: the records, the final metadata (with `finished` and
   * `stopReason`), and the wall time and start of the end line; without an end line they are
   * taken from the records (first measured send to last measured completion).
   */
  report: RunReportInput;
}

/** Why a run without an end line is unfinished. */
export const NO_END_LINE_REASON =
  "requests.jsonl has no end line: the run was killed, crashed or is still going";

const _RECORD_NUMBERS = [
  "requestId",
  "startEpochMs",
  "e2eMs",
  "inputTokens",
  "outputTokens",
  "maxOutputTokens",
] as const;

/** Metrics the summary reads that are null when a request has none. */
const _NULLABLE_NUMBERS = ["ttftMs", "interTokenLatencyMs", "outputThroughputTokPerS"] as const;

function _recordProblem(v: Record<string, unknown>): string | null {
  if (v.status !== "ok" && v.status !== "error") {
    return `'status' must be "ok" or "error", got ${JSON.stringify(v.status)}`;
  }
  if (v.phase !== "measure" && v.phase !== "warmup") {
    return `'phase' must be "measure" or "warmup", got ${JSON.stringify(v.phase)}`;
  }
  for (const name of _RECORD_NUMBERS) {
    if (typeof v[name] !== "number" || !Number.isFinite(v[name])) {
      return `'${name}' must be a finite number, got ${JSON.stringify(v[name])}`;
    }
  }
  for (const name of ["e2eMs", "inputTokens", "outputTokens", "maxOutputTokens"] as const) {
    if ((v[name] as number) < 0) return `'${name}' must not be negative, got ${v[name]}`;
  }
  for (const name of _NULLABLE_NUMBERS) {
    const x = v[name];
    if (x === undefined && name !== "ttftMs") continue; // older files may lack them
    if (x !== null && !(typeof x === "number" && Number.isFinite(x) && x >= 0)) {
      return `'${name}' must be a non-negative number or null, got ${JSON.stringify(x)}`;
    }
  }
  if (!Number.isInteger(v.requestId) || (v.requestId as number) < 0) {
    return `'requestId' must be a non-negative integer, got ${v.requestId}`;
  }
  if (v.status === "error" && typeof v.errorCode !== "number") {
    return `an error record needs a numeric 'errorCode', got ${JSON.stringify(v.errorCode)}`;
  }
  if (!Array.isArray(v.chunkArrivalMs)) return "'chunkArrivalMs' must be an array";
  return null;
}

function _isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Parses the text of a run's `requests.jsonl`. The first non-empty line must be the run header
 * (`kind: "run"`), then request records, then optionally the end line (`kind: "run"` with
 * `end`). A last line without its newline that is not valid JSON is a write cut short by a
 * crash or `kill -9`: it is left out and `tornLastLine` says so; a line in the middle that
 * starts like a record (`{"`) but is not valid JSON (a write cut short by a full disk, run on
 * into the next line) is left out too, and `tornLines` counts both. Anything else malformed
 * (other text that is not JSON, a record missing fields, a duplicate `requestId`, a line after the end
 * line) throws a `SyntaxError` whose one-line message names the file and the line.
 *
 * @example A run killed after two records, its third line torn
 * ```ts
 * import { readRunJsonl } from "./read_run_jsonl.ts";
 * const rec = (id: number) => JSON.stringify({
 *   requestId: id, phase: "measure", status: "ok", errorCode: null, errorMessage: null,
 *   startEpochMs: 1000 + id * 100, e2eMs: 500, ttftMs: 200, inputTokens: 5, outputTokens: 10,
 *   maxOutputTokens: 10, chunkArrivalMs: [],
 * });
 * const text = JSON.stringify({ kind: "run", metadata: { model: "m" } }) + "\n" +
 *   rec(0) + "\n" + rec(1) + "\n" + rec(2).slice(0, 30);
 * const run = readRunJsonl(text);
 * if (run.records.length !== 2 || !run.tornLastLine || run.finished) throw new Error("torn");
 * if (run.report.wallTimeMs !== 600 || run.report.metadata.finished !== false) throw new Error("wall");
 * ```
 */
export function readRunJsonl(text: string, options: ReadRunJsonlOptions = {}): RunJsonl {
  const path = options.path ?? "requests.jsonl";
  if (typeof text !== "string") {
    throw new TypeError(`Cannot read run JSONL: 'text' must be a string, got ${typeof text}`);
  }
  const fail = (line: number | null, problem: string): never => {
    throw new SyntaxError(`${path}${line === null ? "" : ` line ${line}`}: ${problem}`);
  };
  const lines = text.split("\n");
  // The part after the last newline: empty when the file ends with one.
  const last = lines.length - 1;
  let header: RunHeader | null = null;
  let endLine: RunHeader | null = null;
  let endLineNo = 0;
  let tornLastLine = false;
  const tornLines: number[] = [];
  const records: RequestRecord[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    const lineNo = i + 1;
    if (raw === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      if (i === last) {
        tornLastLine = true;
        tornLines.push(lineNo);
        break;
      }
      if (raw.startsWith('{"')) {
        // A record cut short (a full disk, a crash), maybe run on into the next one.
        tornLines.push(lineNo);
        continue;
      }
      const why = (error as Error).message.split("\n")[0];
      fail(lineNo, `not valid JSON (${why})`);
    }
    if (!_isObject(value)) fail(lineNo, "expected a JSON object");
    const v = value as Record<string, unknown>;
    if (endLine !== null) fail(lineNo, `a line after the end line (line ${endLineNo})`);
    if (v.kind === "run" && !("status" in v)) {
      if (!_isObject(v.metadata)) fail(lineNo, "the run line has no 'metadata' object");
      if (header === null) {
        if ("end" in v) fail(lineNo, "the end line comes before the header");
        header = v as unknown as RunHeader;
      } else if (_isObject(v.end)) {
        const end = v.end as Record<string, unknown>;
        for (const name of ["wallTimeMs", "startEpochMs"] as const) {
          if (typeof end[name] !== "number" || !Number.isFinite(end[name])) {
            fail(lineNo, `the end line's '${name}' must be a finite number`);
          }
        }
        endLine = v as unknown as RunHeader;
        endLineNo = lineNo;
      } else {
        fail(lineNo, `a second header line (the first is line ${_firstLine(lines)})`);
      }
      continue;
    }
    if (header === null) {
      fail(lineNo, `the first line must be the run header ({"kind":"run",…}), got a record`);
    }
    if ("kind" in v && !("status" in v)) {
      fail(lineNo, `unknown line kind ${JSON.stringify(v.kind)}`);
    }
    const problem = _recordProblem(v);
    if (problem !== null) fail(lineNo, `not a request record: ${problem}`);
    const id = v.requestId as number;
    const before = seen.get(id);
    if (before !== undefined) fail(lineNo, `duplicate requestId ${id} (also on line ${before})`);
    seen.set(id, lineNo);
    records.push(v as unknown as RequestRecord);
  }
  if (header === null) {
    fail(null, tornLastLine ? "no complete header line (the file was cut short)" : "is empty");
  }
  const h = header as RunHeader;
  const end = endLine?.end ?? null;
  const finished = end !== null && end.finished === true;
  let unfinishedReason: string | null = null;
  if (end === null) unfinishedReason = NO_END_LINE_REASON;
  else if (!finished) unfinishedReason = end.stopReason ?? "unfinished";

  let wallTimeMs: number;
  let startEpochMs: number;
  if (end !== null) {
    wallTimeMs = end.wallTimeMs;
    startEpochMs = end.startEpochMs;
  } else {
    let first = Infinity;
    let lastDone = -Infinity;
    for (const r of records) {
      if (r.phase !== "measure") continue;
      first = Math.min(first, r.startEpochMs);
      lastDone = Math.max(lastDone, r.startEpochMs + r.e2eMs);
    }
    const measured = Number.isFinite(first);
    wallTimeMs = measured ? Math.max(0, lastDone - first) : 0;
    startEpochMs = measured ? first : (typeof h.startEpochMs === "number" ? h.startEpochMs : 0);
  }
  const metadata: RunMetadata = end !== null
    ? { ...(endLine as RunHeader).metadata, finished, stopReason: end.stopReason ?? null }
    : { ...h.metadata, finished: false, stopReason: NO_END_LINE_REASON };
  return {
    header: h,
    records,
    end,
    finished,
    unfinishedReason,
    tornLastLine,
    tornLines,
    missingRecords: typeof end?.numRecords === "number"
      ? Math.max(0, end.numRecords - records.length)
      : 0,
    report: { records, wallTimeMs, startEpochMs, metadata },
  };
}

function _firstLine(lines: string[]): number {
  return lines.findIndex((l) => l.trim() !== "") + 1;
}
