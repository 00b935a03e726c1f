import { throws } from "node:assert/strict";
import { mean } from "simple-statistics";
import { assert, assertEquals } from "../_assert.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { requestSeed, synthesizePrompts } from "../../lib/core/synthesize_prompt.ts";
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
