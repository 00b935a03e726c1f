import { throws } from "node:assert/strict";
import { assert, assertEquals } from "../_assert.ts";
import { plotTtftBy } from "../../lib/plot/plot_ttft_by.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const rec = (fields: Partial<RequestRecord>) =>
  ({ status: "ok", phase: "measure", ttftMs: 100, ...fields }) as RequestRecord;

type Spec = {
  data: { values: { group: string; ttftMs: number }[] };
  encoding: { x: { sort: string[] } };
};

Deno.test("plotTtftBy() puts each completed measured request in its turn, in turn order", async () => {
  const records = [
    rec({ turn: 2, ttftMs: 300 }),
    rec({ turn: 0, ttftMs: 100 }),
    rec({ turn: 10, ttftMs: 900 }),
    rec({ turn: 1, ttftMs: 200 }),
    rec({ turn: 1, ttftMs: 250, phase: "warmup" }), // left out
    { ...rec({ turn: 1 }), status: "error", ttftMs: null } as unknown as RequestRecord, // left out
    rec({ ttftMs: 50 }), // no turn: left out
  ];
  const spec = plotTtftBy(records, "turn") as unknown as Spec;
  assertEquals(spec.encoding.x.sort, ["turn 0", "turn 1", "turn 2", "turn 10"]);
  assertEquals(spec.data.values.map((v) => v.ttftMs).sort((a, b) => a - b), [100, 200, 300, 900]);
  assert((await renderSvg(spec as never)).includes("<svg"));
});

Deno.test("plotTtftBy() splits requests into cached and uncached by their cached tokens", () => {
  const spec = plotTtftBy([
    rec({ cachedInputTokens: 0, ttftMs: 400 }),
    rec({ cachedInputTokens: 512, ttftMs: 90 }),
    rec({ ttftMs: 10 }), // the endpoint did not say: left out
  ], "cache") as unknown as Spec;
  assertEquals(spec.encoding.x.sort, ["cached", "uncached"]);
  assertEquals(spec.data.values.map((v) => [v.group, v.ttftMs]), [["uncached", 400], [
    "cached",
    90,
  ]]);
  const empty = JSON.stringify(plotTtftBy([rec({})], "cache"));
  assert(empty.includes("no completed request reports cached tokens"));
  throws(() => plotTtftBy([], "speed" as "turn"), /'by' must be one of turn, cache/);
});
