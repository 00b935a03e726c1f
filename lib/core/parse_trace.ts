/**
 * Reading a trace of timestamped arrivals: the Mooncake trace (JSONL: `timestamp` ms,
 * `input_length`, `output_length`, `hash_ids` of 512-token prefix blocks) or the Azure LLM
 * inference trace (CSV: `TIMESTAMP,ContextTokens,GeneratedTokens`). Every line is checked here,
 * so a bad one is named before any request is sent.
 *
 * @module
 */

/** Trace formats, as typed data. */
export const TRACE_FORMATS = ["mooncake", "azure"] as const;

/** One of {@link TRACE_FORMATS}. */
export type TraceFormat = typeof TRACE_FORMATS[number];

/** One arrival of a trace. */
export interface TraceRequest {
  /** Arrival, ms after the trace's first arrival (0 for the first). */
  arrivalMs: number;
  /** Prompt length, tokens. */
  inputTokens: number;
  /** Output length, tokens (`max_tokens` to ask for). */
  outputTokens: number;
  /** Mooncake: ids of the request's 512-token prefix blocks; requests sharing leading ids share
   * that prefix. */
  hashIds?: number[];
  /** Its 1-based line in the file (the header is line 1 of a CSV). */
  line: number;
}

/** Options of {@link parseTrace}. */
export interface ParseTraceOptions {
  /** The format. Default: `azure` when the first line starts with `TIMESTAMP`, else
   * `mooncake`. */
  format?: TraceFormat;
  /** Name of the file in error messages. Default `"trace"`. */
  name?: string;
}

function _fail(name: string, line: number, why: string): never {
  throw new TypeError(`Cannot read trace ${name}: line ${line}: ${why}`);
}

function _count(name: string, line: number, field: string, value: unknown, min: number): number {
  if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= min)) {
    _fail(name, line, `'${field}' must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Parse a trace, checking every line: timestamps must not go back; lengths are integers (an
 * output of 0 is read as 1, since a request must ask for at least one token). Arrivals are made
 * relative to the first one. A `TypeError` names the file, the line and what is wrong.
 *
 * @example A Mooncake trace of two requests sharing a block
 * ```ts
 * import { parseTrace } from "./parse_trace.ts";
 * const trace = parseTrace(
 *   '{"timestamp": 1000, "input_length": 700, "output_length": 20, "hash_ids": [7, 8]}\n' +
 *     '{"timestamp": 1250, "input_length": 600, "output_length": 9, "hash_ids": [7, 9]}\n',
 * );
 * if (trace[1].arrivalMs !== 250 || trace[1].hashIds?.[0] !== 7) throw new Error("trace");
 * ```
 */
export function parseTrace(text: string, options: ParseTraceOptions = {}): TraceRequest[] {
  const name = options.name ?? "trace";
  if (typeof text !== "string") {
    throw new TypeError(`Cannot read trace ${name}: the text must be a string, got ${typeof text}`);
  }
  const format = options.format ??
    (/^\s*"?TIMESTAMP/i.test(text) ? "azure" : "mooncake");
  if (!TRACE_FORMATS.includes(format)) {
    throw new RangeError(
      `Cannot read trace ${name}: 'format' must be one of ${TRACE_FORMATS.join(", ")}, got ${
        JSON.stringify(format)
      }`,
    );
  }
  const raw = format === "mooncake" ? _mooncake(text, name) : _azure(text, name);
  if (raw.length === 0) throw new TypeError(`Cannot read trace ${name}: it holds no request`);
  const first = raw[0].arrivalMs;
  let last = -Infinity;
  for (const r of raw) {
    if (r.arrivalMs < last) {
      _fail(name, r.line, `the timestamp goes back (${r.arrivalMs} after ${last}); sort the trace`);
    }
    last = r.arrivalMs;
  }
  for (const r of raw) r.arrivalMs -= first;
  return raw;
}

function _mooncake(text: string, name: string): TraceRequest[] {
  const out: TraceRequest[] = [];
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].trim();
    if (line === "") continue;
    const n = k + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      _fail(name, n, `not JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      _fail(name, n, "expected a JSON object");
    }
    const o = value as Record<string, unknown>;
    if (!(typeof o.timestamp === "number" && Number.isFinite(o.timestamp))) {
      _fail(name, n, `'timestamp' must be a number of ms, got ${JSON.stringify(o.timestamp)}`);
    }
    const request: TraceRequest = {
      arrivalMs: o.timestamp,
      inputTokens: _count(name, n, "input_length", o.input_length, 1),
      outputTokens: Math.max(1, _count(name, n, "output_length", o.output_length, 0)),
      line: n,
    };
    if (o.hash_ids !== undefined) {
      if (
        !Array.isArray(o.hash_ids) ||
        !o.hash_ids.every((h) => typeof h === "number" && Number.isSafeInteger(h))
      ) {
        _fail(name, n, "'hash_ids' must be an array of integers");
      }
      request.hashIds = o.hash_ids as number[];
    }
    out.push(request);
  }
  return out;
}

/** `2023-11-16 18:15:46.6805900` (the Azure trace's form, UTC) or any `Date.parse` form, ms. */
function _azureTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text.trim(),
  );
  if (!m) return Number.isFinite(Number(text)) && text.trim() !== "" ? Number(text) : NaN;
  const seconds = Date.parse(`${m[1]}T${m[2]}${m[4] ?? "Z"}`);
  const fraction = m[3] ? Number(`0.${m[3]}`) * 1000 : 0;
  return seconds + fraction;
}

function _azure(text: string, name: string): TraceRequest[] {
  // The trace's CSV has no quoted commas: cells split on commas, surrounding quotes dropped.
  const cells = (line: string) => line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  const lines = text.split("\n");
  const rows: { cells: string[]; line: number }[] = [];
  lines.forEach((line, k) => {
    if (line.trim() !== "") rows.push({ cells: cells(line), line: k + 1 });
  });
  const header = rows[0]?.cells.map((h) => h.toLowerCase()) ?? [];
  const col = (wanted: string) => header.indexOf(wanted.toLowerCase());
  const t = col("TIMESTAMP");
  const input = col("ContextTokens");
  const output = col("GeneratedTokens");
  if (t < 0 || input < 0 || output < 0) {
    _fail(
      name,
      rows[0]?.line ?? 1,
      "the header must name TIMESTAMP, ContextTokens and GeneratedTokens",
    );
  }
  const out: TraceRequest[] = [];
  for (let k = 1; k < rows.length; k++) {
    const row = rows[k].cells;
    const n = rows[k].line;
    const arrivalMs = _azureTime(row[t] ?? "");
    if (!Number.isFinite(arrivalMs)) {
      _fail(name, n, `TIMESTAMP must be a date and time, got ${JSON.stringify(row[t])}`);
    }
    // A cell that is not a plain integer is passed on as text, for the error to show it.
    const number = (cell: string | undefined): unknown => {
      const v = cell !== undefined && /^\d+$/.test(cell) ? Number(cell) : NaN;
      return Number.isSafeInteger(v) ? v : cell;
    };
    out.push({
      arrivalMs,
      inputTokens: _count(name, n, "ContextTokens", number(row[input]), 1),
      outputTokens: Math.max(
        1,
        _count(name, n, "GeneratedTokens", number(row[output]), 0),
      ),
      line: n,
    });
  }
  return out;
}
