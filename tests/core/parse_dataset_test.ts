import { throws } from "node:assert/strict";
import { assert, assertEquals } from "../_assert.ts";
import { parseDataset } from "../../lib/core/parse_dataset.ts";
import { datasetWorkload } from "../../lib/core/dataset_workload.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

const DIR = new URL("../testdata/workloads/", import.meta.url);
const read = (name: string) => Deno.readTextFileSync(new URL(name, DIR));

Deno.test("parseDataset() reads JSONL prompts, messages, lengths, sessions and turns", () => {
  const entries = parseDataset(read("prompts.jsonl"), { name: "prompts.jsonl" });
  assertEquals(entries.length, 12);
  assertEquals(entries[0], {
    prompt: "Write a short note about the tides.",
    maxOutputTokens: 12,
    source: 1,
  });
  // messages: their contents joined; output_tokens counts as max_tokens.
  assertEquals(entries[1].prompt, "You answer briefly.\n\nTell me about a lighthouse.");
  assertEquals(entries[1].maxOutputTokens, 9);
  assertEquals([entries[2].sessionId, entries[2].turn, entries[2].maxOutputTokens], [
    "s0",
    2,
    undefined,
  ]);
  // The blank line after line 6 is skipped, and later lines keep their own numbers.
  assertEquals(entries[6].source, 8);
});

Deno.test("parseDataset() reads ShareGPT conversations: first human turn and its answer", () => {
  const entries = parseDataset(read("sharegpt.json"), { name: "sharegpt.json" });
  assertEquals(entries.map((e) => e.source), [0, 1, 2, 4, 5, 6, 7]); // entry 3 has no answer
  assertEquals(entries[2].prompt, "What do you know about winter bread?"); // after a system turn
  // Entry 4 has two rounds: only the first is used.
  assert(entries[3].reply!.startsWith("Here is what I know about an old map"));
});

Deno.test("parseDataset() names the bad line and says what is wrong", () => {
  const cases: [string, RegExp][] = [
    [read("bad.jsonl"), /bad\.jsonl: line 3: 'max_tokens' must be a positive integer, got 0/],
    ['{"prompt":"a"}\n{not json\n', /line 2: not JSON/],
    ['{"prompt":"a"}\n[1,2]\n', /line 2: expected a JSON object/],
    ['{"text":"a"}\n', /line 1: needs 'prompt' or 'messages'/],
    ['{"prompt":""}\n', /line 1: 'prompt' must be a non-empty string/],
    ['{"messages":[{"role":"user"}]}\n', /line 1: messages\[0\]\.content must be a string/],
    ['{"prompt":"a","turn":-1}\n', /line 1: 'turn' must be a non-negative integer, got -1/],
    ["\n\n", /it holds no usable request/],
    [
      '[{"conversations":[{"from":"human"}]}]',
      /entry 0: conversations\[0\] must have string 'from' and 'value'/,
    ],
  ];
  for (const [text, message] of cases) {
    throws(() => parseDataset(text, { name: "bad.jsonl" }), (error: Error) => {
      assert(error instanceof TypeError, String(error));
      assert(message.test(error.message), error.message);
      return true;
    });
  }
});

Deno.test("datasetWorkload() samples entries in a seeded order, every entry once per pass", () => {
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const entries = parseDataset(read("prompts.jsonl"));
    const options = { tokenizer, seed: 3, meanOutputTokens: 30, stddevOutputTokens: 5 };
    const w = datasetWorkload(entries, options);
    const firstPass = Array.from({ length: 12 }, (_, i) => w.request(i));
    assertEquals(new Set(firstPass.map((r) => r.source)).size, 12);
    assert(
      firstPass.map((r) => r.source).join() !== entries.map((e) => e.source).join(),
      "shuffled",
    );
    const secondPass = Array.from({ length: 12 }, (_, i) => w.request(12 + i));
    assertEquals(new Set(secondPass.map((r) => r.source)).size, 12);
    // Same seed, same requests, whatever the order they are asked in.
    const again = datasetWorkload(entries, options);
    assertEquals(again.request(17), w.request(17));
    assertEquals(again.request(3), firstPass[3]);
    for (const r of firstPass) {
      const entry = entries.find((e) => e.source === r.source)!;
      assertEquals(r.prompt, entry.prompt);
      assertEquals(r.inputTokens, tokenizer.countTokens(entry.prompt));
      if (entry.maxOutputTokens !== undefined) {
        assertEquals(r.maxOutputTokens, entry.maxOutputTokens);
      } else assert(r.maxOutputTokens >= 1);
    }
  } finally {
    tokenizer.free();
  }
});

Deno.test("datasetWorkload() takes ShareGPT output lengths from the answers and filters by length", () => {
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const entries = parseDataset(read("sharegpt.json"));
    const w = datasetWorkload(entries, { tokenizer, order: "sequential" });
    for (let i = 0; i < entries.length; i++) {
      assertEquals(w.request(i).maxOutputTokens, tokenizer.countTokens(entries[i].reply!));
    }
    const short = datasetWorkload(entries, { tokenizer, order: "sequential", maxOutputTokens: 12 });
    const kept = new Set(Array.from({ length: 20 }, (_, i) => short.request(i).source));
    const expected = entries.filter((e) => tokenizer.countTokens(e.reply!) <= 12).map((e) =>
      e.source
    );
    assertEquals([...kept].sort(), expected.sort());
    assert(expected.length > 0 && expected.length < entries.length);
    throws(
      () => datasetWorkload(entries, { tokenizer, minInputTokens: 1000 }),
      /no entry of 7 has 1000–Infinity prompt tokens/,
    );
    throws(
      () => datasetWorkload(entries, { tokenizer, order: "random" as "shuffle" }),
      /'order' must be/,
    );
  } finally {
    tokenizer.free();
  }
});
