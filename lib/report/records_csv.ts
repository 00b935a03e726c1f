/**
 * Per-request records as CSV: one row per request with the scalar fields, and back.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { parse } from "csv-parse/sync";
import type { ErrorRecord, OkRecord } from "../core/request_record.ts";

/**
 * The CSV columns, in order: every scalar field of `RequestRecord` except `outputText` (long
 * free text stays in the JSONL, as do the per-chunk arrays).
 *
 * @example Header line
 * ```ts
 * import { RECORD_CSV_COLUMNS } from "./records_csv.ts";
 * if (RECORD_CSV_COLUMNS[0] !== "requestId" || !RECORD_CSV_COLUMNS.includes("ttftMs")) {
 *   throw new Error("columns");
 * }
 * ```
 */
export const RECORD_CSV_COLUMNS = [
  "requestId",
  "phase",
  "status",
  "errorCode",
  "errorMessage",
  "intendedSendMs",
  "actualSendMs",
  "startEpochMs",
  "inputTokens",
  "maxOutputTokens",
  "outputTokens",
  "reasoningTokens",
  "serverInputTokens",
  "serverOutputTokens",
  "serverLatencyMs",
  "serverFirstByteLatencyMs",
  "headersMs",
  "firstMessageMs",
  "ttftMs",
  "firstReasoningMs",
  "lastContentMs",
  "e2eMs",
  "interTokenLatencyMs",
  "llmperfInterTokenLatencyS",
  "outputThroughputTokPerS",
  "chunkCount",
  "messageCount",
  "lastMessageMs",
  "bodyEndMs",
  "retries",
  "requestSentMs",
  "coldStart",
  "cachedInputTokens",
  "cacheWriteInputTokens",
  "refusal",
  "retryAfterMs",
  "sessionId",
  "turn",
  "historyTokens",
] as const satisfies readonly (keyof OkRecord & keyof ErrorRecord)[];

/** Columns that records may lack (stamps newer than some files): an empty cell, or no column. */
const _OPTIONAL: ReadonlySet<string> = new Set([
  "requestSentMs",
  "coldStart",
  "bodyEndMs",
  "cachedInputTokens",
  "cacheWriteInputTokens",
  "refusal",
  "retryAfterMs",
  "sessionId",
  "turn",
  "historyTokens",
]);

/** One of {@link RECORD_CSV_COLUMNS}. */
export type RecordCsvColumn = typeof RECORD_CSV_COLUMNS[number];

/** A record as a CSV row holds it: the scalar fields only, still discriminated on `status`. */
export type RecordCsvRow = Pick<OkRecord, RecordCsvColumn> | Pick<ErrorRecord, RecordCsvColumn>;

/**
 * One CSV row per record (RFC 4180 quoting, `\n` line ends, header from
 * {@link RECORD_CSV_COLUMNS}); `null` is an empty cell, numbers keep full precision. Extra fields
 * (arrays, `outputText`) are left out.
 *
 * @example Header of an empty file
 * ```ts
 * import { recordsToCsv } from "./records_csv.ts";
 * const csv = recordsToCsv([]);
 * if (!csv.startsWith("requestId,phase,status,")) throw new Error("header");
 * ```
 */
export function recordsToCsv(records: readonly RecordCsvRow[]): string {
  if (!Array.isArray(records)) {
    throw new TypeError(
      `Cannot write records CSV: 'records' must be an array, got ${typeof records}`,
    );
  }
  return stringify(records as RecordCsvRow[], {
    header: true,
    columns: [...RECORD_CSV_COLUMNS],
    cast: { boolean: (value) => String(value) },
  });
}

type _Kind =
  | "number"
  | "nullableNumber"
  | "optionalNumber"
  | "optionalBoolean"
  | "phase"
  | "status"
  | "message";

const _NULLABLE: ReadonlySet<RecordCsvColumn> = new Set<RecordCsvColumn>([
  "errorCode",
  "lastMessageMs",
  "serverInputTokens",
  "serverOutputTokens",
  "serverLatencyMs",
  "serverFirstByteLatencyMs",
  "headersMs",
  "firstMessageMs",
  "ttftMs",
  "firstReasoningMs",
  "lastContentMs",
  "interTokenLatencyMs",
  "llmperfInterTokenLatencyS",
  "outputThroughputTokPerS",
]);

function _kind(column: RecordCsvColumn): _Kind {
  if (column === "phase" || column === "status") return column;
  if (column === "errorMessage") return "message";
  if (column === "coldStart" || column === "refusal") return "optionalBoolean";
  if (_OPTIONAL.has(column)) return "optionalNumber";
  return _NULLABLE.has(column) ? "nullableNumber" : "number";
}

/**
 * Parse CSV written by {@link recordsToCsv} back into rows: numbers from their text, empty cells
 * as `null`, `errorMessage` `null` for ok rows. Columns may come in any order; unknown columns
 * are ignored; `requestSentMs`, `coldStart`, `bodyEndMs`, `cachedInputTokens`,
 * `cacheWriteInputTokens`, `refusal`, `retryAfterMs`, `sessionId`, `turn` and `historyTokens`
 * may be missing (files written before them, endpoints that do not say) and
 * are left out of the row when empty. A missing column or a bad cell throws a `TypeError` naming the data row
 * (1-based) and the column.
 *
 * @example Round trip of an empty file
 * ```ts
 * import { parseRecordsCsv, recordsToCsv } from "./records_csv.ts";
 * if (parseRecordsCsv(recordsToCsv([])).length !== 0) throw new Error("empty");
 * ```
 */
export function parseRecordsCsv(text: string): RecordCsvRow[] {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot parse records CSV: 'text' must be a string, got ${typeof text}`);
  }
  let sawHeader = false;
  const rows: Record<string, string>[] = parse(text, {
    columns: (header: string[]) => {
      sawHeader = true;
      const missing = RECORD_CSV_COLUMNS.filter((c) => !header.includes(c) && !_OPTIONAL.has(c));
      if (missing.length > 0) {
        throw new TypeError(
          `Cannot parse records CSV: header lacks column(s) ${missing.join(", ")}`,
        );
      }
      return header;
    },
    skip_empty_lines: true,
  });
  if (!sawHeader) throw new TypeError("Cannot parse records CSV: no header line");
  return rows.map((row, i) => _parseRow(row, i + 1));
}

function _parseRow(row: Record<string, string>, index: number): RecordCsvRow {
  const bad = (column: string, what: string): never => {
    throw new TypeError(
      `Cannot parse records CSV: data row ${index}, column '${column}' must be ${what}, ` +
        `got ${JSON.stringify(row[column])}`,
    );
  };
  const out: Record<string, unknown> = {};
  for (const column of RECORD_CSV_COLUMNS) {
    const cell = row[column];
    switch (_kind(column)) {
      case "phase":
        if (cell !== "warmup" && cell !== "measure") bad(column, `"warmup" or "measure"`);
        out[column] = cell;
        break;
      case "status":
        if (cell !== "ok" && cell !== "error") bad(column, `"ok" or "error"`);
        out[column] = cell;
        break;
      case "message":
        out[column] = cell;
        break;
      case "optionalBoolean":
        if (cell === undefined || cell.trim() === "") break;
        if (cell !== "true" && cell !== "false") bad(column, `"true", "false" or empty`);
        out[column] = cell === "true";
        break;
      case "optionalNumber": {
        if (cell === undefined || cell.trim() === "") break;
        const n = Number(cell);
        if (!Number.isFinite(n)) bad(column, "a finite number or empty");
        out[column] = n;
        break;
      }
      case "nullableNumber":
      case "number": {
        if (cell.trim() === "") {
          if (_kind(column) === "number") bad(column, "a number");
          out[column] = null;
          break;
        }
        const n = Number(cell);
        if (!Number.isFinite(n)) bad(column, "a finite number");
        out[column] = n;
        break;
      }
    }
  }
  if (out.status === "ok") {
    if (out.errorCode !== null) bad("errorCode", "empty when status is ok");
    out.errorMessage = null;
  } else if (out.errorCode === null) {
    bad("errorCode", "a number when status is error");
  }
  return out as unknown as RecordCsvRow;
}
