import { assertEquals, assertRejects } from "../_assert.ts";
import { medianRequest } from "../../lib/core/median_request.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

function rec(requestId: number, e2eMs: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId,
    phase: "measure",
    status: "ok",
    e2eMs,
    chunkArrivalMs: [e2eMs / 2],
    ...extra,
  } as RequestRecord;
}

Deno.test("medianRequest() picks the completed request with the median end-to-end latency", () => {
  assertEquals(medianRequest([rec(0, 500), rec(1, 100), rec(2, 300)])?.requestId, 2);
  assertEquals(
    medianRequest([rec(0, 400), rec(1, 100), rec(2, 300), rec(3, 200)])?.requestId,
    3,
    "the lower middle of an even count",
  );
});

Deno.test("medianRequest() leaves out warm-up, failed and chunkless requests", () => {
  const picked = medianRequest([
    rec(0, 1, { phase: "warmup" }),
    rec(1, 2, { status: "error" } as Partial<RequestRecord>),
    rec(2, 3, { chunkArrivalMs: [] }),
    rec(3, 900),
  ]);
  assertEquals(picked?.requestId, 3);
  assertEquals(medianRequest([rec(0, 5, { phase: "warmup" })]), undefined);
  assertEquals(medianRequest([]), undefined);
});

Deno.test("medianRequest() breaks ties by request id", () => {
  assertEquals(medianRequest([rec(7, 100), rec(3, 100), rec(5, 100)])?.requestId, 5);
});

Deno.test("medianRequest() rejects a non-array", async () => {
  await assertRejects(
    () => medianRequest(null as unknown as RequestRecord[]),
    TypeError,
    "Cannot pick median request: 'records' must be an array",
  );
});
