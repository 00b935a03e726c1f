import { assert, assertEquals } from "../_assert.ts";

/** `fn` throws an error of `ErrorClass` whose message includes `includes`. */
function assertThrows(
  fn: () => unknown,
  ErrorClass: new (...args: never[]) => Error,
  includes = "",
): void {
  try {
    fn();
  } catch (error) {
    assert(error instanceof ErrorClass, String(error));
    assert(error.message.includes(includes), error.message);
    return;
  }
  throw new Error("did not throw");
}
import { parseDataset } from "../../lib/core/parse_dataset.ts";
import {
  datasetSessionWorkload,
  groupDatasetSessions,
} from "../../lib/core/dataset_session_workload.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

const text = await Deno.readTextFile(
  new URL("../testdata/workloads/conversations.jsonl", import.meta.url),
);
const entries = parseDataset(text);

Deno.test("groupDatasetSessions() groups rows by session_id in turn order", () => {
  const groups = groupDatasetSessions(entries);
  assertEquals(groups.map((g) => [g[0].sessionId, g.map((e) => e.turn)]), [
    ["trip", [0, 1, 2]],
    ["bread", [0, 1]],
    ["7", [0]],
  ]);
});

Deno.test("datasetSessionWorkload() makes turn t of session s as request s × turns + t, each pass a seeded shuffle of whole sessions", () => {
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const w = datasetSessionWorkload(entries, { tokenizer, seed: 5 });
    assertEquals(w.turns, 3);
    assertEquals(w.sessionCount, 3);
    // Every pass holds each session once, its rows in turn order.
    for (const pass of [0, 1, 2]) {
      const firsts = [0, 1, 2].map((s) => w.request((pass * 3 + s) * 3).prompt).sort();
      assertEquals(firsts, [
        "How do I start a sourdough starter?",
        "I want to plan a trip to Portugal.",
        "Name a prime number.",
      ]);
    }
    for (let s = 0; s < 9; s++) {
      const first = w.request(s * 3);
      const group = groupDatasetSessions(entries).find((g) => g[0].prompt === first.prompt)!;
      assertEquals(w.turnsOf(s), group.length);
      for (let t = 0; t < group.length; t++) {
        const r = w.request(s * 3 + t);
        assertEquals(r.prompt, group[t].prompt);
        assertEquals(r.maxOutputTokens, group[t].maxOutputTokens);
        assertEquals(r.inputTokens, tokenizer.countTokens(group[t].prompt));
      }
      if (group.length < 3) assertThrows(() => w.request(s * 3 + group.length), RangeError);
    }
    // Same seed, same order; `turns` caps each session.
    const again = datasetSessionWorkload(entries, { tokenizer, seed: 5, turns: 2 });
    assertEquals(again.turns, 2);
    assert([0, 1, 2].every((s) => again.turnsOf(s) <= 2));
    // A filter leaves out whole sessions: those with any row longer than the limit.
    const longest = (g: { prompt: string }[]) =>
      Math.max(...g.map((e) => tokenizer.countTokens(e.prompt)));
    const groups = groupDatasetSessions(entries);
    const limit = longest(groups[0]) - 1; // below trip's longest row
    const expected = groups.filter((g) => longest(g) <= limit).map((g) => g[0].prompt);
    assert(expected.length < 3, "trip is left out");
    const short = datasetSessionWorkload(entries, {
      tokenizer,
      order: "sequential",
      maxInputTokens: limit,
    });
    assertEquals(short.sessionCount, expected.length);
    assertEquals(expected.map((_, s) => short.request(s * short.turns).prompt), expected);
    assertThrows(
      () => datasetSessionWorkload(entries, { tokenizer, maxInputTokens: 1 }),
      RangeError,
      "no session of 3",
    );
  } finally {
    tokenizer.free();
  }
});
