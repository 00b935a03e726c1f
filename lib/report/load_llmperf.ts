/**
 * Pure parsing of benchmark result files: LLMPerf's `*_individual_responses.json` and
 * `*_summary.json` (every shape LLMPerf has written: bare `NaN`, token min/max as strings,
 * extra fields such as `GEN_TEXT`), tokenbench's per-request JSONL, and pairing of individual
 * and summary files into runs. Reading files and folders is {@link readResults}'s job.
 *
 * @module
 */

import {
  LLMPERF_NUMERIC_FIELDS,
  type LlmperfIndividualRecord,
  toLlmperfIndividual,
} from "./llmperf_individual.ts";
import type { LlmperfSummary } from "./llmperf_summary.ts";
import type { RequestRecord } from "../core/request_record.ts";

/**
 * What a parsed file holds. `other` is one of tokenbench's own JSON documents (its
 * `summary.json`): recognised, and left out of the runs.
 */
export type LlmperfFileKind = "individual" | "summary" | "jsonl" | "other";

/** A file that could not be loaded, as data. */
export interface LlmperfLoadError {
  /** The file. */
  path: string;
  /**
   * 0-based index of the offending record in a JSON array, or 0-based line index in a JSONL
   * file; `null` when the whole file is at fault.
   */
  index: number | null;
  /** One line naming the file, the record or line, and the problem. */
  message: string;
}

/** A successfully parsed file. */
export interface ParsedLlmperfFile {
  path: string;
  kind: LlmperfFileKind;
  /** The per-request records (JSONL records converted with `toLlmperfIndividual`). */
  individual: LlmperfIndividualRecord[] | null;
  /** The summary, with LLMPerf's bare `NaN` read as `null`. */
  summary: LlmperfSummary | null;
  /** JSONL only: fields of the lines that are not request records (a run header). */
  metadata: Record<string, unknown>;
}

/** The outcome of {@link parseLlmperfFile}: the file, or an error record. */
export type ParseLlmperfFileResult =
  | { status: "ok"; file: ParsedLlmperfFile }
  | { status: "error"; error: LlmperfLoadError };

/** One run: its individual records and/or its summary, paired by name or folder layout. */
export interface LlmperfRun {
  /** The run's name: the file name without `_individual_responses.json`/`.json`/`.jsonl`. */
  name: string;
  /** The individual-responses (or JSONL) file, if any. */
  individualPath: string | null;
  /** The summary file, if any. */
  summaryPath: string | null;
  /** Per-request records; `null` when only a summary was found. */
  individual: LlmperfIndividualRecord[] | null;
  /** The summary; `null` when none was found. */
  summary: LlmperfSummary | null;
  /** Run metadata from a JSONL header (empty for LLMPerf files). */
  metadata: Record<string, unknown>;
  /** `"llmperf"` for LLMPerf JSON files, `"tokenbench"` for tokenbench JSONL. */
  source: "llmperf" | "tokenbench";
}

/** Runs and the files that failed. */
export interface LlmperfLoadResult {
  runs: LlmperfRun[];
  errors: LlmperfLoadError[];
}

const _NAN = "\u0000tokenbench:NaN";
const _POS_INF = "\u0000tokenbench:Infinity";
const _NEG_INF = "\u0000tokenbench:-Infinity";

/**
 * Parses one result file. `.jsonl` files are tokenbench JSONL (one `RequestRecord` per line;
 * warm-up records skipped; lines without `status` are run metadata). `.json` files are LLMPerf
 * files: a JSON array is an individual-responses file, an object a summary (a name ending in
 * `_individual_responses.json` or `_summary.json`, or a parent folder `individual/` or `summary/`,
 * must agree with the content); tokenbench's own `summary.json` is recognised as kind `other`
 * and left out of runs. Python's bare `NaN`/`Infinity` are accepted; in a summary `NaN`
 * becomes `null`; in a record it is an error. Malformed input gives an error record naming the
 * file and the record, never an exception.
 *
 * @example A two-record individual file, one of them a 429
 * ```ts
 * import { parseLlmperfFile } from "./load_llmperf.ts";
 * const rec = (code: number | null) => ({
 *   error_code: code, error_msg: "", inter_token_latency_s: 0, ttft_s: 0,
 *   end_to_end_latency_s: 0, request_output_throughput_token_per_s: 0,
 *   number_total_tokens: 551, number_output_tokens: 1, number_input_tokens: 550,
 * });
 * const result = parseLlmperfFile("x/groq_70b.json", JSON.stringify([rec(null), rec(429)]));
 * if (result.status !== "ok" || result.file.individual?.length !== 2) throw new Error("parse");
 * const bad = parseLlmperfFile("bad.json", '[{"error_code": null}]');
 * if (bad.status !== "error" || bad.error.index !== 0) throw new Error("error record");
 * ```
 */
export function parseLlmperfFile(path: string, text: string): ParseLlmperfFileResult {
  const parser = _incrementalParser(path);
  return parser.push(text) ?? parser.end();
}

/**
 * {@link parseLlmperfFile} over a file's text in pieces (e.g. a file stream through
 * `TextDecoderStream`), so that files larger than the largest JavaScript string (about 512 MiB)
 * load, and the whole text is never held at once. Records are parsed as their pieces arrive; the
 * first malformed record ends the parse (the iterator is closed).
 *
 * @example Pieces split anywhere, even inside a record
 * ```ts
 * import { parseLlmperfStream } from "./load_llmperf.ts";
 * const rec = { error_code: null, error_msg: "}", inter_token_latency_s: 0.02, ttft_s: 0.2,
 *   end_to_end_latency_s: 3, request_output_throughput_token_per_s: 50,
 *   number_total_tokens: 700, number_output_tokens: 150, number_input_tokens: 550 };
 * const text = JSON.stringify([rec, rec, rec], null, 4);
 * const pieces = text.match(/[^]{1,7}/g)!;
 * const result = await parseLlmperfStream("m_550_150_individual_responses.json", pieces);
 * if (result.status !== "ok" || result.file.individual?.length !== 3) throw new Error("stream");
 * ```
 */
export async function parseLlmperfStream(
  path: string,
  chunks: AsyncIterable<string> | Iterable<string>,
): Promise<ParseLlmperfFileResult> {
  const parser = _incrementalParser(path);
  for await (const chunk of chunks) {
    const error = parser.push(chunk);
    if (error) return error;
  }
  return parser.end();
}

/** Parse text pieces: `push` returns an error result as soon as one is certain. */
interface _Parser {
  push(chunk: string): ParseLlmperfFileResult | null;
  end(): ParseLlmperfFileResult;
}

/** Text gathered before trying to parse a batch of array elements. */
const _BATCH_CHARS = 1 << 20;

function _incrementalParser(path: string): _Parser {
  const role = _pairKey(path).role;
  const jsonl = path.toLowerCase().endsWith(".jsonl");
  let mode: "detect" | "array" | "whole" | "jsonl" = jsonl ? "jsonl" : "detect";
  let pending: string[] = [];
  let pendingChars = 0;
  let buffer = ""; // array mode: unparsed text after the last complete element
  let failedAt = -1; // array mode: buffer length at the last batch that did not parse
  const records: LlmperfIndividualRecord[] = [];
  // JSONL state
  const metadata: Record<string, unknown> = {};
  let line = 0;
  let header = false; // a tokenbench run header line was read
  let sawLine = false; // a line parsed
  let tornLines = 0;
  const fail = (index: number | null, problem: string, unit = "record") =>
    ({ status: "error", error: _error(path, index, problem, unit) }) as ParseLlmperfFileResult;

  /** Parses complete elements of `text` (starts between elements); returns unparsed rest. */
  const elements = (text: string, final: boolean): ParseLlmperfFileResult | string => {
    let body = text;
    let rest = "";
    if (!final) {
      const end = body.lastIndexOf("}");
      if (end < 0) return text;
      body = text.slice(0, end + 1);
      rest = text.slice(end + 1);
    }
    const trimmed = body.replace(/^\s*,?/, "");
    if (final && /^\s*\]\s*$/.test(trimmed)) return "";
    let data: unknown;
    try {
      data = _parseJsonLenient(final ? `[${trimmed}` : `[${trimmed}]`);
    } catch (e) {
      // Either the cut fell inside a string, or the JSON is malformed: find the real element
      // boundaries and parse element by element to tell which, and where.
      return _pinpoint(text, final, e as Error);
    }
    return add(data as unknown[]) ?? rest;
  };

  const add = (data: unknown[]): ParseLlmperfFileResult | null => {
    for (let i = 0; i < data.length; i++) {
      const problem = _checkRecord(data[i]);
      if (problem !== null) return fail(records.length + i, problem);
    }
    for (const r of data) records.push(r as LlmperfIndividualRecord);
    return null;
  };

  const _pinpoint = (
    text: string,
    final: boolean,
    cause: Error,
  ): ParseLlmperfFileResult | string => {
    const ends = _topLevelEnds(text);
    let start = 0;
    for (const end of ends) {
      const piece = text.slice(start, end).replace(/^\s*,?\s*/, "");
      start = end;
      let value: unknown;
      try {
        value = _parseJsonLenient(piece);
      } catch (e) {
        return fail(records.length, `not valid JSON (${_oneLine((e as Error).message)})`);
      }
      const bad = add([value]);
      if (bad) return bad;
    }
    const rest = text.slice(start);
    if (!final) return rest;
    if (/^\s*\]\s*$/.test(rest)) return "";
    let problem = cause.message;
    try {
      _parseJsonLenient(`[${rest.replace(/^\s*,?/, "")}`);
    } catch (e) {
      problem = (e as Error).message;
    }
    return fail(records.length, `not valid JSON (${_oneLine(problem)})`);
  };

  const jsonlLines = (text: string, final = false): ParseLlmperfFileResult | null => {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      const raw = text.slice(start, end).trim();
      const lastPiece = final && end === text.length;
      start = end + 1;
      const index = line++;
      if (raw === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        // A record cut short (a kill, a full disk): left out, as `summarize` leaves it out.
        if (sawLine && (lastPiece || raw.startsWith('{"'))) {
          tornLines++;
          continue;
        }
        return fail(index, `not valid JSON (${_oneLine((e as Error).message)})`, "line");
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return fail(index, `expected a JSON object, got ${_typeName(value)}`, "line");
      }
      sawLine = true;
      const v = value as Record<string, unknown>;
      if (!("status" in v)) {
        // tokenbench's header line {kind: "run", schemaVersion, tool, metadata: RunMetadata}
        // contributes its metadata; any other non-record line its own fields.
        if (v.kind === "run" && v.metadata !== null && typeof v.metadata === "object") {
          header = true;
          Object.assign(metadata, v.metadata, { schemaVersion: v.schemaVersion, tool: v.tool });
        } else {
          Object.assign(metadata, v);
        }
        continue;
      }
      const problem = _checkRequestRecord(v);
      if (problem !== null) return fail(index, problem, "line");
      if (v.phase === "warmup") continue;
      records.push(toLlmperfIndividual(v as unknown as RequestRecord));
    }
    return null;
  };

  const push = (chunk: string): ParseLlmperfFileResult | null => {
    try {
      if (mode === "jsonl") {
        buffer += chunk;
        const cut = buffer.lastIndexOf("\n");
        if (cut < 0) return null;
        const complete = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        return jsonlLines(complete);
      }
      if (mode === "detect") {
        pending.push(chunk);
        const text = pending.join("");
        const first = text.search(/\S/);
        if (first < 0) {
          pending = [text];
          return null;
        }
        pending = [];
        if (text[first] === "[") {
          if (role === "summary") {
            return fail(null, "expected an LLMPerf summary (a JSON object), got an array");
          }
          mode = "array";
          return push(text.slice(first + 1));
        }
        mode = "whole";
        return push(text);
      }
      if (mode === "whole") {
        pending.push(chunk);
        return null;
      }
      // array mode
      pending.push(chunk);
      pendingChars += chunk.length;
      if (pendingChars < _BATCH_CHARS) return null;
      buffer += pending.join("");
      pending = [];
      pendingChars = 0;
      if (failedAt >= 0 && buffer.length < 2 * failedAt) return null;
      const out = elements(buffer, false);
      if (typeof out !== "string") return out;
      failedAt = out.length === buffer.length ? buffer.length : -1;
      buffer = out;
      return null;
    } catch (e) {
      // e.g. a piece of text beyond the largest string V8 can hold
      return fail(null, _oneLine(String((e as Error)?.message ?? e)));
    }
  };

  const end = (): ParseLlmperfFileResult => {
    try {
      if (mode === "jsonl") {
        const bad = jsonlLines(buffer, true);
        if (bad) return bad;
        if (!sawLine) return fail(null, "is empty (no JSON line)");
        if (!header && records.length === 0) {
          return fail(
            null,
            "not a tokenbench requests.jsonl: no request record and no run header " +
              `({"kind":"run",…}) in ${line} line${line === 1 ? "" : "s"}`,
          );
        }
        if (tornLines > 0) metadata.tornLines = tornLines;
        return _ok({ path, kind: "jsonl", individual: records, summary: null, metadata });
      }
      if (mode === "array") {
        const out = elements(buffer + pending.join(""), true);
        if (typeof out !== "string") return out;
        if (role === "summary") {
          return fail(null, "expected an LLMPerf summary (a JSON object), got an array");
        }
        return _ok({ path, kind: "individual", individual: records, summary: null, metadata: {} });
      }
      const text = pending.join("");
      let data: unknown;
      try {
        data = _parseJsonLenient(text);
      } catch (e) {
        return fail(null, `not valid JSON (${_oneLine((e as Error).message)})`);
      }
      if (data === null || typeof data !== "object" || Array.isArray(data)) {
        return fail(null, `expected a JSON array or object, got ${_typeName(data)}`);
      }
      if (role === "individual") {
        return fail(null, "expected an array of LLMPerf records, got an object");
      }
      if (_isTokenbenchDocument(data as Record<string, unknown>)) {
        return _ok({ path, kind: "other", individual: null, summary: null, metadata: {} });
      }
      const summary = _checkSummary(path, data as Record<string, unknown>);
      if ("error" in summary) return { status: "error", error: summary.error };
      return _ok({
        path,
        kind: "summary",
        individual: null,
        summary: summary.summary,
        metadata: {},
      });
    } catch (e) {
      return fail(null, _oneLine(String((e as Error)?.message ?? e)));
    }
  };

  return { push, end };
}

/**
 * End offsets (exclusive) of the complete top-level values in `text`, which starts between two
 * elements of a JSON array. Tracks strings and nesting; stops at an unmatched `]`.
 */
function _topLevelEnds(text: string): number[] {
  const ends: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) {
        inString = false;
        if (depth === 0) ends.push(i + 1);
      }
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (depth === 0) break; // the array's own closing bracket
      if (--depth === 0) ends.push(i + 1);
    }
  }
  return ends;
}

/**
 * Pairs parsed files into runs: `X_individual_responses.json` with `X_summary.json` in the same
 * folder, `individual/X.json` with `summary/X.json` in sibling folders, and otherwise files of
 * the same name in the same folder. A JSONL file whose folder also holds an LLMPerf individual
 * file is left out (it is the same run, already written in LLMPerf's format), and so are
 * tokenbench's own documents (kind `other`). Runs come sorted
 * by folder and name.
 *
 * @example
 * ```ts
 * import { pairLlmperfFiles } from "./load_llmperf.ts";
 * const runs = pairLlmperfFiles([
 *   { path: "d/individual/groq_70b.json", kind: "individual", individual: [], summary: null, metadata: {} },
 *   { path: "d/summary/groq_70b.json", kind: "summary", individual: null, summary: {}, metadata: {} },
 * ]);
 * if (runs.length !== 1 || runs[0].summaryPath !== "d/summary/groq_70b.json") throw new Error("pair");
 * ```
 */
export function pairLlmperfFiles(files: readonly ParsedLlmperfFile[]): LlmperfRun[] {
  const runs = new Map<string, LlmperfRun>();
  const llmperfDirs = new Set<string>();
  for (const f of files) {
    if (f.kind === "individual") llmperfDirs.add(_dirname(f.path));
  }
  for (const f of files) {
    const { key, name } = _pairKey(f.path);
    if (f.kind === "other") continue;
    if (f.kind === "jsonl" && llmperfDirs.has(_dirname(f.path))) continue;
    const runKey = f.kind === "jsonl" ? `${key}\u0000jsonl` : key;
    const run = runs.get(runKey) ?? {
      name,
      individualPath: null,
      summaryPath: null,
      individual: null,
      summary: null,
      metadata: {},
      source: f.kind === "jsonl" ? "tokenbench" : "llmperf",
    };
    if (f.kind === "summary") {
      run.summaryPath = f.path;
      run.summary = f.summary;
    } else {
      run.individualPath = f.path;
      run.individual = f.individual;
      run.metadata = f.metadata;
    }
    runs.set(runKey, run);
  }
  return [...runs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * Parses and pairs in-memory files: {@link parseLlmperfFile} on each, then
 * {@link pairLlmperfFiles}. Files that fail are listed in `errors`; the others still load.
 *
 * @example
 * ```ts
 * import { loadLlmperf } from "./load_llmperf.ts";
 * const { runs, errors } = loadLlmperf([
 *   { path: "a_summary.json", text: '{"model": "m", "results_ttft_s_mean": NaN}' },
 *   { path: "b.json", text: "not json" },
 * ]);
 * if (runs.length !== 1 || runs[0].summary?.results_ttft_s_mean !== null) throw new Error("NaN");
 * if (errors.length !== 1 || !errors[0].message.startsWith("b.json")) throw new Error("errors");
 * ```
 */
export function loadLlmperf(
  files: readonly { path: string; text: string }[],
): LlmperfLoadResult {
  const parsed: ParsedLlmperfFile[] = [];
  const errors: LlmperfLoadError[] = [];
  for (const { path, text } of files) {
    const r = parseLlmperfFile(path, text);
    if (r.status === "ok") parsed.push(r.file);
    else errors.push(r.error);
  }
  return { runs: pairLlmperfFiles(parsed), errors };
}

/**
 * Where a path's partner file would be, for pairing: the summary path of an individual file
 * (`X_individual_responses.json` → `X_summary.json`, `individual/X.json` → `summary/X.json`),
 * or `null` when the name follows neither convention.
 *
 * @example
 * ```ts
 * import { llmperfSummaryPathFor } from "./load_llmperf.ts";
 * if (llmperfSummaryPathFor("r/individual/groq_70b.json") !== "r/summary/groq_70b.json") {
 *   throw new Error("layout");
 * }
 * if (llmperfSummaryPathFor("m_550_150_individual_responses.json") !== "m_550_150_summary.json") {
 *   throw new Error("name");
 * }
 * ```
 */
export function llmperfSummaryPathFor(path: string): string | null {
  const dir = _dirname(path);
  const base = path.slice(dir.length === 0 ? 0 : dir.length + 1);
  if (base.endsWith("_individual_responses.json")) {
    return _join(dir, base.slice(0, -"_individual_responses.json".length) + "_summary.json");
  }
  if (_basename(dir) === "individual" && base.endsWith(".json")) {
    return _join(_join(_dirname(dir), "summary"), base);
  }
  return null;
}

function _pairKey(path: string): {
  key: string;
  name: string;
  role: "individual" | "summary" | "unknown";
} {
  const dir = _dirname(path);
  const base = _basename(path);
  if (base.endsWith("_individual_responses.json")) {
    const name = base.slice(0, -"_individual_responses.json".length);
    return { key: _join(dir, name), name, role: "individual" };
  }
  if (base.endsWith("_summary.json")) {
    const name = base.slice(0, -"_summary.json".length);
    return { key: _join(dir, name), name, role: "summary" };
  }
  const parent = _basename(dir);
  if ((parent === "individual" || parent === "summary") && base.endsWith(".json")) {
    const name = base.slice(0, -".json".length);
    return { key: _join(_dirname(dir), name), name, role: parent };
  }
  const name = base.replace(/\.jsonl?$/i, "");
  return { key: _join(dir, name), name, role: "unknown" };
}

function _dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : i === 0 ? "/" : path.slice(0, i);
}

function _basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function _join(dir: string, name: string): string {
  return dir === "" ? name : dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function _ok(file: ParsedLlmperfFile): ParseLlmperfFileResult {
  return { status: "ok", file };
}

function _err(path: string, index: number | null, problem: string): ParseLlmperfFileResult {
  return { status: "error", error: _error(path, index, problem) };
}

function _error(
  path: string,
  index: number | null,
  problem: string,
  unit = "record",
): LlmperfLoadError {
  const where = index === null ? "" : ` ${unit} ${unit === "line" ? index + 1 : index}:`;
  return { path, index, message: `${path}:${where} ${problem}` };
}

/** JSON.parse, falling back to accepting Python's bare NaN / Infinity / -Infinity tokens. */
function _parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e;
    const replaced = text.replace(
      /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g,
      (m) =>
        m.startsWith('"')
          ? m
          : m === "NaN"
          ? JSON.stringify(_NAN)
          : m === "Infinity"
          ? JSON.stringify(_POS_INF)
          : JSON.stringify(_NEG_INF),
    );
    try {
      return JSON.parse(replaced);
    } catch {
      throw e;
    }
  }
}

function _sentinelName(v: unknown): string | null {
  return v === _NAN ? "NaN" : v === _POS_INF ? "Infinity" : v === _NEG_INF ? "-Infinity" : null;
}

function _typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const s = _sentinelName(v);
  if (s !== null) return s;
  if (typeof v === "string") return `the string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

function _oneLine(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Checks (and normalises a null `error_msg` to `""` in) one LLMPerf record. */
function _checkRecord(r: unknown): string | null {
  // Fast path (named loads on one object shape) for the common, valid record.
  const f = r as LlmperfIndividualRecord | null;
  if (
    f !== null && typeof f === "object" &&
    (f.error_code === null || _finite(f.error_code)) && typeof f.error_msg === "string" &&
    _finite(f.inter_token_latency_s) && _finite(f.ttft_s) && _finite(f.end_to_end_latency_s) &&
    _finite(f.request_output_throughput_token_per_s) && _finite(f.number_total_tokens) &&
    _finite(f.number_output_tokens) && _finite(f.number_input_tokens)
  ) {
    return null;
  }
  if (r === null || typeof r !== "object" || Array.isArray(r)) {
    return `expected an object, got ${_typeName(r)}`;
  }
  const rec = r as Record<string, unknown>;
  if (!("error_code" in rec)) return "missing field 'error_code'";
  const code = rec.error_code;
  if (code !== null && (typeof code !== "number" || !Number.isFinite(code))) {
    return `'error_code' must be null or a number, got ${_typeName(code)}`;
  }
  if (!("error_msg" in rec)) return "missing field 'error_msg'";
  if (rec.error_msg === null) rec.error_msg = "";
  else if (typeof rec.error_msg !== "string") {
    return `'error_msg' must be a string, got ${_typeName(rec.error_msg)}`;
  }
  for (const field of LLMPERF_NUMERIC_FIELDS) {
    if (!(field in rec)) return `missing field '${field}'`;
    const v = rec[field];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return `'${field}' must be a finite number, got ${_typeName(v)}`;
    }
  }
  return null;
}

/** tokenbench's own output documents carry `schemaVersion`, a `kind` and `tool.name`. */
function _isTokenbenchDocument(d: Record<string, unknown>): boolean {
  const tool = d.tool as { name?: unknown } | null | undefined;
  return typeof d.kind === "string" && "schemaVersion" in d &&
    typeof tool === "object" && tool !== null && tool.name === "tokenbench";
}

function _finite(v: unknown): boolean {
  return typeof v === "number" && v - v === 0;
}

function _checkSummary(
  path: string,
  data: Record<string, unknown>,
): { summary: LlmperfSummary } | { error: LlmperfLoadError } {
  const keys = Object.keys(data);
  if (!keys.some((k) => k === "model" || k.startsWith("results_"))) {
    return {
      error: _error(path, null, "not an LLMPerf summary (no 'model' or 'results_…' keys)"),
    };
  }
  for (const k of keys) {
    const v = data[k];
    if (v === _NAN) data[k] = null;
    else if (v === _POS_INF) data[k] = Infinity;
    else if (v === _NEG_INF) data[k] = -Infinity;
  }
  if ("model" in data && typeof data.model !== "string") {
    return { error: _error(path, null, `'model' must be a string, got ${_typeName(data.model)}`) };
  }
  return { summary: data };
}

function _checkRequestRecord(v: Record<string, unknown>): string | null {
  if (v.status !== "ok" && v.status !== "error") {
    return `'status' must be "ok" or "error", got ${_typeName(v.status)}`;
  }
  for (const f of ["inputTokens", "outputTokens", "e2eMs"]) {
    if (!(f in v)) return `missing field '${f}'`;
    if (typeof v[f] !== "number" || !Number.isFinite(v[f])) {
      return `'${f}' must be a finite number, got ${_typeName(v[f])}`;
    }
  }
  for (const f of ["ttftMs", "llmperfInterTokenLatencyS"]) {
    const x = v[f];
    if (x !== undefined && x !== null && (typeof x !== "number" || !Number.isFinite(x))) {
      return `'${f}' must be null or a finite number, got ${_typeName(x)}`;
    }
  }
  if (v.status === "error") {
    if (typeof v.errorCode !== "number" || !Number.isFinite(v.errorCode)) {
      return `'errorCode' must be a number for an error record, got ${_typeName(v.errorCode)}`;
    }
    if (typeof v.errorMessage !== "string") {
      return `'errorMessage' must be a string, got ${_typeName(v.errorMessage)}`;
    }
  }
  return null;
}
