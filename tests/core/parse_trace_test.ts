import { throws } from "node:assert/strict";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { parseTrace } from "../../lib/core/parse_trace.ts";
import { traceWorkload } from "../../lib/core/trace_workload.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

const DIR = new URL("../testdata/workloads/", import.meta.url);
const read = (name: string) => Deno.readTextFileSync(new URL(name, DIR));

Deno.test("parseTrace() reads a Mooncake trace: arrivals from the first, lengths and hash ids", () => {
  const text = read("mooncake.jsonl");
  const trace = parseTrace(text, { name: "mooncake.jsonl" });
  assertEquals(trace.length, 40);
  const raw = text.trim().split("\n").map((l) => JSON.parse(l));
  trace.forEach((r, i) => {
    assertEquals(r.arrivalMs, raw[i].timestamp - raw[0].timestamp);
    assertEquals([r.inputTokens, r.outputTokens, r.hashIds, r.line], [
      raw[i].input_length,
      raw[i].output_length,
      raw[i].hash_ids,
      i + 1,
    ]);
  });
});

Deno.test("parseTrace() reads an Azure trace CSV: sub-millisecond timestamps, 0 generated tokens as 1", () => {
  const text = read("azure.csv");
  const trace = parseTrace(text, { name: "azure.csv" });
  assertEquals(trace.length, 30);
  const rows = text.trim().split("\n").slice(1).map((l) => l.split(","));
  const seconds = (t: string) => {
    const [, clock] = t.split(" ");
    const [h, m, s] = clock.split(":").map(Number);
    return h * 3600 + m * 60 + s;
  };
  trace.forEach((r, i) => {
    assertAlmostEquals(r.arrivalMs, (seconds(rows[i][0]) - seconds(rows[0][0])) * 1000, 1e-3);
    assertEquals(r.inputTokens, Number(rows[i][1]));
    assertEquals(r.outputTokens, Math.max(1, Number(rows[i][2])));
    assertEquals(r.line, i + 2);
  });
  assert(rows.some((r) => r[2] === "0"), "the fixture has a 0-token answer");
});

Deno.test("parseTrace() names the bad line", () => {
  const cases: [string, RegExp][] = [
    [
      '{"timestamp": 5, "input_length": 10, "output_length": 1}\n{"timestamp": 4, "input_length": 10, "output_length": 1}\n',
      /line 2: the timestamp goes back/,
    ],
    [
      '{"timestamp": 5, "input_length": 0, "output_length": 1}\n',
      /line 1: 'input_length' must be an integer >= 1, got 0/,
    ],
    [
      '{"timestamp": "x", "input_length": 5, "output_length": 1}\n',
      /line 1: 'timestamp' must be a number of ms/,
    ],
    [
      '{"timestamp": 1, "input_length": 5, "output_length": 1, "hash_ids": ["a"]}\n',
      /line 1: 'hash_ids' must be an array of integers/,
    ],
    ["nope\n", /line 1: not JSON/],
    ["TIMESTAMP,Context,Generated\n2023-11-16 18:15:46.1,1,1\n", /line 1: the header must name/],
    [
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,1,1\nyesterday,5,5\n",
      /line 3: TIMESTAMP must be a date and time, got "yesterday"/,
    ],
    [
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,ten,1\n",
      /line 2: 'ContextTokens' must be an integer >= 1, got "ten"/,
    ],
    ["\n", /it holds no request/],
  ];
  for (const [text, message] of cases) {
    throws(() => parseTrace(text, { name: "t" }), (error: Error) => {
      assert(error instanceof TypeError && message.test(error.message), error.message);
      return true;
    });
  }
});

Deno.test("traceWorkload() makes prompts of the trace's lengths; shared hash ids give a shared start", () => {
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const trace = parseTrace(read("mooncake.jsonl"));
    const w = traceWorkload(trace, { tokenizer, seed: 2 });
    assertEquals([w.kind, w.size], ["trace", 40]);
    const requests = trace.map((_, i) => w.request(i));
    requests.forEach((r, i) => {
      assertEquals(tokenizer.countTokens(r.prompt), trace[i].inputTokens, `request ${i}`);
      assertEquals(r.maxOutputTokens, trace[i].outputTokens);
      assertEquals(w.arrivalMs!(i), trace[i].arrivalMs);
    });
    // Requests 0 and 3 both start with blocks [1, 2] when long enough for both, or block 1.
    const common = (a: string, b: string) => {
      let n = 0;
      while (n < a.length && a[n] === b[n]) n++;
      return tokenizer.countTokens(a.slice(0, n));
    };
    for (const [a, b] of [[0, 3], [1, 4], [2, 5]]) {
      const shared = Math.min(trace[a].hashIds!.length, trace[b].hashIds!.length);
      const wholeBlocks = Math.min(
        Math.floor((trace[a].inputTokens - 40) / 512),
        Math.floor((trace[b].inputTokens - 40) / 512),
        shared,
      );
      assert(common(requests[a].prompt, requests[b].prompt) >= 512 * wholeBlocks - 2, `${a}/${b}`);
    }
    // Different leading ids: different starts.
    assert(common(requests[0].prompt, requests[1].prompt) < 50);
    assertEquals(traceWorkload(trace, { tokenizer, seed: 2 }).request(7), requests[7]);
  } finally {
    tokenizer.free();
  }
});
