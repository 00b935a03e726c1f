import { throws } from "node:assert/strict";
import { mean } from "simple-statistics";
import { assert, assertEquals } from "../_assert.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { llmperfPrefix, requestSeed, synthesizePrompts } from "../../lib/core/synthesize_prompt.ts";
import { syntheticWorkload } from "../../lib/core/workload.ts";

const tokenizer = createTokenizer("cl100k_base");
const LENGTHS = {
  meanInputTokens: 120,
  stddevInputTokens: 30,
  meanOutputTokens: 40,
  stddevOutputTokens: 10,
} as const;

Deno.test("syntheticWorkload() makes request i from the seed and i alone, in any order", () => {
  const a = syntheticWorkload({ tokenizer, ...LENGTHS, seed: 5 });
  const b = syntheticWorkload({ tokenizer, ...LENGTHS, seed: 5 });
  const forward = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => a.request(i));
  const backward = [7, 6, 5, 4, 3, 2, 1, 0].map((i) => b.request(i)).reverse();
  assertEquals(forward, backward);
  // Far requests need none of the ones before them, and differ from their neighbours.
  assertEquals(a.request(999_999), b.request(999_999));
  assert(a.request(999_999).prompt !== a.request(999_998).prompt);
  const other = syntheticWorkload({ tokenizer, ...LENGTHS, seed: 6 });
  assert(forward.some((r, i) => r.prompt !== other.request(i).prompt));
  assertEquals(a.size, Infinity);
  assertEquals(a.kind, "synthetic");
});

Deno.test("syntheticWorkload() gives each request exactly its drawn length, drawn around the means", () => {
  const w = syntheticWorkload({ tokenizer, ...LENGTHS, seed: 1 });
  const requests = Array.from({ length: 300 }, (_, i) => w.request(i));
  for (const r of requests) assertEquals(tokenizer.countTokens(r.prompt), r.inputTokens);
  const inputMean = mean(requests.map((r) => r.inputTokens));
  const outputMean = mean(requests.map((r) => r.maxOutputTokens));
  // 300 draws: the mean's standard error is 30 / sqrt(300) ≈ 1.7 tokens (input), 0.6 (output).
  assert(Math.abs(inputMean - 120) < 7, `input mean ${inputMean}`);
  assert(Math.abs(outputMean - 40) < 3, `output mean ${outputMean}`);
  assert(new Set(requests.map((r) => r.inputTokens)).size > 20, "lengths vary");
});

Deno.test("synthesizePrompts() is the workload's requests 0 … count − 1", () => {
  const options = { tokenizer, ...LENGTHS, seed: 9 };
  const eager = synthesizePrompts({ ...options, count: 6 });
  const w = syntheticWorkload(options);
  assertEquals(eager, eager.map((_, i) => w.request(i)));
});

Deno.test("requestSeed() mixes seed and index into distinct safe integers", () => {
  const seen = new Set<number>();
  for (const seed of [0, 1, 2, 2 ** 40]) {
    for (let i = 0; i < 1000; i++) {
      const s = requestSeed(seed, i);
      assert(Number.isSafeInteger(s) && s >= 0, String(s));
      seen.add(s);
    }
  }
  assertEquals(seen.size, 4000);
  throws(() => requestSeed(0.5, 1), RangeError);
  throws(() => requestSeed(1, -0.5), RangeError);
});

Deno.test("syntheticWorkload() rejects bad options and bad indices, naming the value", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ meanInputTokens: 0 }, "'meanInputTokens' must be a number >= 1, got 0"],
    [{ stddevOutputTokens: -1 }, "'stddevOutputTokens' must be a number >= 0, got -1"],
    [{ seed: 1.5 }, "'seed' must be a safe integer, got 1.5"],
    [{ mode: "nope" }, `'mode' must be one of llmperf, random-tokens, got "nope"`],
  ];
  for (const [override, message] of cases) {
    throws(() => syntheticWorkload({ tokenizer, ...LENGTHS, ...override }), (error: Error) => {
      assert(error instanceof RangeError && error.message.includes(message), error.message);
      return true;
    });
  }
  const w = syntheticWorkload({ tokenizer, ...LENGTHS });
  throws(() => w.request(-1), /'i' must be a non-negative integer, got -1/);
  // A mean below the llmperf instruction with no spread cannot be met: said at the request.
  const short = syntheticWorkload({
    tokenizer,
    ...LENGTHS,
    meanInputTokens: 5,
    stddevInputTokens: 0,
  });
  throws(() => short.request(0), /'meanInputTokens' 5 with 'stddevInputTokens' 0 gives no length/);
});

Deno.test("workload tests free their tokenizer", () => {
  tokenizer.free();
});

Deno.test("syntheticWorkload() with a shared prefix starts every prompt with one of K fixed prefixes", () => {
  const t = createTokenizer("cl100k_base");
  try {
    const options = {
      tokenizer: t,
      ...LENGTHS,
      meanInputTokens: 300,
      prefixTokens: 128,
      numPrefixes: 3,
      seed: 4,
    };
    const w = syntheticWorkload(options);
    const requests = Array.from({ length: 60 }, (_, i) => w.request(i));
    const byPrefix = new Map<number, string[]>();
    for (const r of requests) {
      assertEquals(t.countTokens(r.prompt), r.inputTokens);
      assertEquals(r.prefixTokens, 128);
      assert(r.prefixId !== undefined && r.prefixId >= 0 && r.prefixId < 3);
      byPrefix.set(r.prefixId, [...(byPrefix.get(r.prefixId) ?? []), r.prompt]);
    }
    assertEquals(byPrefix.size, 3, "every prefix is used");
    const heads: string[] = [];
    for (const prompts of byPrefix.values()) {
      // The longest common start of the prompts of one prefix holds the whole 128-token prefix.
      let n = 0;
      while (prompts.every((p) => p[n] === prompts[0][n]) && n < prompts[0].length) n++;
      const head = prompts[0].slice(0, n);
      assert(t.countTokens(head) >= 128, `common start of ${t.countTokens(head)} tokens`);
      heads.push(head.slice(0, 40));
    }
    assertEquals(new Set(heads).size, 3, "the prefixes differ");
    // The same options make the same requests; the prefix text of a request is its own part's.
    const again = syntheticWorkload(options);
    assertEquals(again.request(17), w.request(17));
    const plain = syntheticWorkload({ ...options, prefixTokens: 0 });
    assert(!plain.request(17).prompt.startsWith(w.request(17).prompt.slice(0, 100)));
  } finally {
    t.free();
  }
});

Deno.test("syntheticWorkload() draws again lengths that leave too little after the prefix", () => {
  const t = createTokenizer("cl100k_base");
  try {
    // Mean 150 ± 100: many draws are below the 100-token prefix plus the instruction.
    const w = syntheticWorkload({
      tokenizer: t,
      ...LENGTHS,
      meanInputTokens: 150,
      stddevInputTokens: 100,
      prefixTokens: 100,
    });
    let below = 0;
    for (let i = 0; i < 40; i++) {
      const r = w.request(i);
      const minimum = 100 + t.countTokens(llmperfPrefix(r.maxOutputTokens));
      assert(r.inputTokens >= minimum, `${r.inputTokens} < ${minimum}`);
      if (r.inputTokens < 150) below++;
      assertEquals(t.countTokens(r.prompt), r.inputTokens);
    }
    // Lengths just above the minimum are still drawn: the draw is truncated, not shifted.
    assert(below > 0, "some lengths between the minimum and the mean");
    throws(
      () => syntheticWorkload({ tokenizer: t, ...LENGTHS, prefixTokens: -1 }),
      /'prefixTokens' must be a non-negative integer, got -1/,
    );
    throws(
      () => syntheticWorkload({ tokenizer: t, ...LENGTHS, prefixTokens: 10, numPrefixes: 0 }),
      /'numPrefixes' must be a positive integer, got 0/,
    );
  } finally {
    t.free();
  }
});

Deno.test("syntheticWorkload() with random-token prompts after a prefix keeps exact lengths", () => {
  for (const name of ["cl100k_base", "llama2"] as const) {
    const t = createTokenizer(name);
    try {
      const w = syntheticWorkload({
        tokenizer: t,
        ...LENGTHS,
        mode: "random-tokens",
        prefixTokens: 50,
        numPrefixes: 2,
      });
      for (let i = 0; i < 30; i++) {
        const r = w.request(i);
        assertEquals(t.countTokens(r.prompt), r.inputTokens, `${name} request ${i}`);
      }
    } finally {
      t.free();
    }
  }
});
