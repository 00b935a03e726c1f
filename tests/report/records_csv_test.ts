import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  parseRecordsCsv,
  RECORD_CSV_COLUMNS,
  type RecordCsvColumn,
  recordsToCsv,
} from "../../lib/report/records_csv.ts";
import type {
  ErrorRecord,
  OkRecord,
  RequestRecord,
  RequestRecordBase,
} from "../../lib/core/request_record.ts";
import { recordBase } from "../_record.ts";

const BASE: RequestRecordBase = recordBase({
  intendedSendMs: 12.345678901234,
  actualSendMs: 13.000000000000002,
  startEpochMs: 1_717_171_717_171.123,
  inputTokens: 550,
  maxOutputTokens: 150,
  outputTokens: 148,
  serverInputTokens: 551,
  headersMs: 40.5,
  firstMessageMs: 41,
  ttftMs: 0.1 + 0.2,
  lastContentMs: 2000,
  e2eMs: 2001.25,
  interTokenLatencyMs: 13.6,
  llmperfInterTokenLatencyS: 1e-7,
  outputThroughputTokPerS: 73.953,
  chunkCount: 3,
  chunkArrivalMs: [0.3, 900, 2000],
  chunkTokens: [50, 50, 48],
  chunkSentEpochMs: [1, 2, 3],
  outputText: 'an answer, with "quotes"\nand a newline',
  retries: 1,
});

const RECORDS: RequestRecord[] = [
  { ...BASE, requestId: 0, phase: "warmup", status: "ok", errorCode: null, errorMessage: null },
  { ...BASE, requestId: 1, status: "ok", errorCode: null, errorMessage: null },
  {
    ...BASE,
    requestId: 2,
    status: "error",
    errorCode: 429,
    errorMessage: 'Too many requests, "slow down"\nretry later',
    ttftMs: null,
    lastContentMs: null,
    interTokenLatencyMs: null,
    outputThroughputTokPerS: null,
    serverInputTokens: null,
  },
  { ...BASE, requestId: 3, status: "error", errorCode: 599, errorMessage: "" },
];

/** The record restricted to the CSV columns: what a round trip must give back. */
function project(r: RequestRecord) {
  return Object.fromEntries(
    RECORD_CSV_COLUMNS.filter((c) => r[c] !== undefined).map((c) => [c, r[c]]),
  );
}

type ScalarKeys<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? never : K;
}[keyof T];
type Expected = Exclude<ScalarKeys<OkRecord> | ScalarKeys<ErrorRecord>, "outputText">;

Deno.test("RECORD_CSV_COLUMNS lists every scalar record field except outputText", () => {
  // Fails to type-check when a scalar field is added to RequestRecord but not to the columns.
  const covers: [Expected] extends [RecordCsvColumn]
    ? [RecordCsvColumn] extends [Expected] ? true : false
    : false = true;
  ok(covers);
  strictEqual(new Set(RECORD_CSV_COLUMNS).size, RECORD_CSV_COLUMNS.length, "no duplicates");
});

Deno.test("recordsToCsv() writes a header and one row per request, without arrays or text", () => {
  const csv = recordsToCsv(RECORDS);
  const parsedRows = parseRecordsCsv(csv);
  strictEqual(parsedRows.length, RECORDS.length);
  strictEqual(csv.split("\n")[0], RECORD_CSV_COLUMNS.join(","));
  ok(!csv.includes("an answer"), "outputText left out");
  ok(!csv.includes("900"), "chunk arrays left out");
  ok(csv.includes('"Too many requests, ""slow down""\nretry later"'), "RFC 4180 quoting");
});

Deno.test("parseRecordsCsv() round-trips recordsToCsv() exactly", () => {
  const back = parseRecordsCsv(recordsToCsv(RECORDS));
  deepStrictEqual(back, RECORDS.map(project));
  strictEqual(back[1].ttftMs, 0.1 + 0.2, "full float precision");
  strictEqual(back[2].errorMessage, 'Too many requests, "slow down"\nretry later');
  strictEqual(back[3].errorMessage, "", "an empty error message stays a string");
  strictEqual(back[1].errorMessage, null);
});

Deno.test("parseRecordsCsv() accepts reordered and extra columns", () => {
  const csv = recordsToCsv(RECORDS.slice(1, 2));
  const [header, row] = csv.trimEnd().split("\n");
  const cells = row.split(",");
  const names = header.split(",");
  const order = names.map((_, i) => i).reverse();
  const text = [
    "extra," + order.map((i) => names[i]).join(","),
    "x," + order.map((i) => cells[i]).join(","),
  ].join("\n");
  deepStrictEqual(parseRecordsCsv(text), [project(RECORDS[1])]);
});

Deno.test("parseRecordsCsv() rejects missing columns and bad cells naming them", () => {
  throws(() => parseRecordsCsv(""), { name: "TypeError", message: /no header line/ });
  throws(() => parseRecordsCsv("requestId,phase\n1,measure\n"), {
    name: "TypeError",
    message: /header lacks column\(s\) status, errorCode/,
  });
  const good = recordsToCsv(RECORDS.slice(1, 2));
  const edit = (column: RecordCsvColumn, value: string) => {
    const [header, row] = good.trimEnd().split("\n");
    const cells = row.split(",");
    cells[header.split(",").indexOf(column)] = value;
    return `${header}\n${cells.join(",")}\n`;
  };
  throws(() => parseRecordsCsv(edit("e2eMs", "fast")), {
    name: "TypeError",
    message:
      `Cannot parse records CSV: data row 1, column 'e2eMs' must be a finite number, got "fast"`,
  });
  throws(() => parseRecordsCsv(edit("e2eMs", "")), /column 'e2eMs' must be a number, got ""/);
  throws(() => parseRecordsCsv(edit("status", "done")), /column 'status' must be "ok" or "error"/);
  throws(() => parseRecordsCsv(edit("phase", "x")), /column 'phase'/);
  throws(() => parseRecordsCsv(edit("errorCode", "500")), /'errorCode' must be empty when status/);
  throws(
    () => parseRecordsCsv(edit("status", "error")),
    /'errorCode' must be a number when status is error/,
  );
});

Deno.test("parseRecordsCsv() keeps the send stamp and cold-start flag, and reads files written before them", () => {
  const stamped: RequestRecord = {
    ...RECORDS[1],
    requestSentMs: 0.25,
    coldStart: true,
  } as RequestRecord;
  const [back] = parseRecordsCsv(recordsToCsv([stamped]));
  deepStrictEqual([back.requestSentMs, back.coldStart], [0.25, true]);
  // An older file: no such columns at all.
  const csv = recordsToCsv([RECORDS[1]]);
  const [header, row] = csv.trimEnd().split("\n");
  const keep = header.split(",").map((n, i) => [n, i] as const).filter(([n]) =>
    n !== "requestSentMs" && n !== "coldStart"
  );
  const cells = row.split(",");
  const old = [keep.map(([n]) => n).join(","), keep.map(([, i]) => cells[i]).join(",")].join("\n");
  const [parsed] = parseRecordsCsv(old);
  strictEqual("requestSentMs" in parsed, false);
  throws(
    () => parseRecordsCsv(recordsToCsv([stamped]).replace(/,true,(,*)\n/, ",yes,$1\n")),
    { message: /column 'coldStart' must be "true", "false" or empty/ },
  );
  // A refusal and a Retry-After round-trip too.
  const flagged = { ...RECORDS[2], refusal: true, retryAfterMs: 7000 } as RequestRecord;
  const [again] = parseRecordsCsv(recordsToCsv([flagged]));
  deepStrictEqual([again.refusal, again.retryAfterMs], [true, 7000]);
});

Deno.test("parseRecordsCsv() keeps the body's end and reads files without the column", () => {
  const withEnd = { ...RECORDS[1], bodyEndMs: 321.5 } as RequestRecord;
  const [back] = parseRecordsCsv(recordsToCsv([withEnd]));
  strictEqual(back.bodyEndMs, 321.5);
  const csv = recordsToCsv([RECORDS[1]]);
  const [header, row] = csv.trimEnd().split("\n");
  const keep = header.split(",").map((n, i) => [n, i] as const).filter(([n]) => n !== "bodyEndMs");
  const cells = row.split(",");
  const old = [keep.map(([n]) => n).join(","), keep.map(([, i]) => cells[i]).join(",")].join("\n");
  strictEqual("bodyEndMs" in parseRecordsCsv(old)[0], false);
});

Deno.test("parseRecordsCsv() keeps the cached prompt tokens, and reads rows and files without them", () => {
  const cached = {
    ...RECORDS[1],
    cachedInputTokens: 256,
    cacheWriteInputTokens: 0,
  } as RequestRecord;
  const [back, plain] = parseRecordsCsv(recordsToCsv([cached, RECORDS[1]]));
  deepStrictEqual([back.cachedInputTokens, back.cacheWriteInputTokens], [256, 0]);
  strictEqual("cachedInputTokens" in plain, false);
  const csv = recordsToCsv([RECORDS[1]]);
  const [header, row] = csv.trimEnd().split("\n");
  const keep = header.split(",").map((n, i) => [n, i] as const).filter(([n]) =>
    !n.startsWith("cache")
  );
  const cells = row.split(",");
  const old = [keep.map(([n]) => n).join(","), keep.map(([, i]) => cells[i]).join(",")].join("\n");
  strictEqual("cachedInputTokens" in parseRecordsCsv(old)[0], false);
});
