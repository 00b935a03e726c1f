import { throws } from "node:assert/strict";
import { mean, sampleStandardDeviation } from "simple-statistics";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { createTokenizer, type Tokenizer, TOKENIZER_NAMES } from "../../lib/core/tokenizer.ts";
import { createRandom } from "../../lib/core/random.ts";
import { corpusFromText, defaultCorpus } from "../../lib/core/corpus.ts";
import {
  llmperfPrefix,
  prepareCorpus,
  type PreparedCorpus,
  PROMPT_MODES,
  type PromptPlanOptions,
  synthesizePrompt,
  synthesizePrompts,
} from "../../lib/core/synthesize_prompt.ts";

/** `fn` throws an instance of `ErrorClass` whose message includes `includes`. */
function assertThrows(fn: () => unknown, ErrorClass: typeof Error, includes: string): void {
  throws(fn, (err: unknown) => {
    assert(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err}`);
    assert(err.message.includes(includes), `message: ${err.message}`);
    return true;
  });
}

// One tokenizer and prepared default corpus per name for the whole file (building them is the
// slow part); freed by the last test.
const tokenizers = new Map<string, Tokenizer>();
const prepared = new Map<string, PreparedCorpus>();
for (const name of TOKENIZER_NAMES) {
  const tokenizer = createTokenizer(name);
  tokenizers.set(name, tokenizer);
  prepared.set(name, prepareCorpus(tokenizer));
}
const cl100k = tokenizers.get("cl100k_base")!;

/** Every length in the first 40 above the minimum, then every 13th, then 2048. */
function targetLengths(minimum: number): number[] {
  const lengths: number[] = [];
  for (let n = minimum; n < minimum + 40; n++) lengths.push(n);
  for (let n = minimum + 40; n < 2048; n += 13) lengths.push(n);
  lengths.push(2048);
  return lengths;
}

for (const name of TOKENIZER_NAMES) {
  for (const mode of PROMPT_MODES) {
    Deno.test(`synthesizePrompt() hits every target exactly with ${name} in ${mode} mode`, () => {
      const tokenizer = tokenizers.get(name)!;
      const maxOutputTokens = 150;
      const minimum = mode === "llmperf"
        ? tokenizer.countTokens(llmperfPrefix(maxOutputTokens))
        : tokenizer.countTokens("") + 1;
      for (const inputTokens of targetLengths(minimum)) {
        const p = synthesizePrompt({
          tokenizer,
          inputTokens,
          maxOutputTokens,
          random: createRandom(inputTokens),
          mode,
          corpus: prepared.get(name),
        });
        assertEquals(tokenizer.countTokens(p.prompt), inputTokens, `target ${inputTokens}`);
        assertEquals(p.inputTokens, inputTokens);
        assertEquals(p.maxOutputTokens, maxOutputTokens);
        if (mode === "llmperf") assert(p.prompt.startsWith(llmperfPrefix(maxOutputTokens)));
      }
      // One below the minimum is rejected by name (0 is not even a positive integer).
      const expected = minimum > 1
        ? `'inputTokens' must be at least ${minimum} with ${name}`
        : "'inputTokens' must be a positive integer, got 0";
      assertThrows(
        () =>
          synthesizePrompt({
            tokenizer,
            inputTokens: minimum - 1,
            maxOutputTokens,
            random: createRandom(1),
            mode,
          }),
        RangeError,
        expected,
      );
    });
  }
}

Deno.test("synthesizePrompt() in llmperf mode appends whole corpus lines and cuts only the last", () => {
  const lines = new Set(defaultCorpus());
  const p = synthesizePrompt({
    tokenizer: cl100k,
    inputTokens: 700,
    maxOutputTokens: 64,
    random: createRandom(3),
    corpus: prepared.get("cl100k_base"),
  });
  const body = p.prompt.slice(llmperfPrefix(64).length).split("\n");
  const last = body.pop()!;
  assert(body.length > 10);
  for (const line of body) assert(lines.has(line), `not a corpus line: ${line}`);
  assert(last === "" || [...lines].some((line) => line.startsWith(last)), `cut line: ${last}`);
});

Deno.test("synthesizePrompt() uses the user's corpus, raw or prepared", () => {
  const corpus = corpusFromText(
    "Zebras graze on quartz meadows.\n\nOtters juggle violet pebbles.\n",
  );
  for (const given of [corpus, prepareCorpus(cl100k, corpus)]) {
    const p = synthesizePrompt({
      tokenizer: cl100k,
      inputTokens: 300,
      maxOutputTokens: 10,
      random: createRandom(4),
      corpus: given,
    });
    const body = p.prompt.slice(llmperfPrefix(10).length);
    assert(body.includes("Zebras graze") && body.includes("Otters juggle"));
    assert(!defaultCorpus().some((line) => body.includes(line)));
    assertEquals(cl100k.countTokens(p.prompt), 300);
  }
});

Deno.test("synthesizePrompt() stays exact on a corpus of emoji, CJK and special-token text", () => {
  const corpus = [
    "🦙🦙 llamas 🚀 launch, 日本語の文章もあります。",
    "<|endoftext|> is only text here",
    "Ꙋ🦙Ꙋ mixed    spacing\tand tabs",
    "数字 12345678 and punctuation!!!???",
  ];
  for (const name of TOKENIZER_NAMES) {
    const tokenizer = tokenizers.get(name)!;
    const corpusOfName = prepareCorpus(tokenizer, corpus);
    const minimum = tokenizer.countTokens(llmperfPrefix(20));
    for (let inputTokens = minimum; inputTokens < minimum + 120; inputTokens += 3) {
      const p = synthesizePrompt({
        tokenizer,
        inputTokens,
        maxOutputTokens: 20,
        random: createRandom(inputTokens),
        corpus: corpusOfName,
      });
      assertEquals(tokenizer.countTokens(p.prompt), inputTokens, `${name} target ${inputTokens}`);
    }
  }
});

/**
 * cl100k_base with two quirks no real tokenizer has, to drive the general search: one extra
 * token per five newlines anywhere in the text (so line counts stop adding up), and a decoder
 * that appends " ~~" (so the decode/re-encode loop never settles).
 */
function quirkyTokenizer(base: Tokenizer): Tokenizer {
  const extra = (text: string) => Math.floor((text.match(/\n/g)?.length ?? 0) / 5);
  return {
    name: base.name,
    vocabSize: base.vocabSize,
    encode: (text) => [...base.encode(text), ...new Array<number>(extra(text)).fill(100_257)],
    countTokens: (text) => base.countTokens(text) + extra(text),
    decode: (ids) => base.decode(ids) + " ~~",
    free: () => {},
  };
}

Deno.test("synthesizePrompt() falls back to a search on the whole text when counts do not add up", () => {
  const tokenizer = quirkyTokenizer(cl100k);
  const corpus = prepareCorpus(tokenizer);
  for (const mode of PROMPT_MODES) {
    for (const inputTokens of [25, 26, 27, 64, 300, 301, 1024]) {
      const p = synthesizePrompt({
        tokenizer,
        inputTokens,
        maxOutputTokens: 8,
        random: createRandom(inputTokens),
        mode,
        corpus,
      });
      assertEquals(tokenizer.countTokens(p.prompt), inputTokens, `${mode} target ${inputTokens}`);
    }
  }
});

Deno.test("synthesizePrompt() throws a RangeError naming a target no text can reach", () => {
  // Each 🦙 is four Llama byte tokens and each newline one, so one token past the instruction
  // cannot be reached with this corpus.
  const tokenizer = tokenizers.get("llama2")!;
  const minimum = tokenizer.countTokens(llmperfPrefix(8));
  assertThrows(
    () =>
      synthesizePrompt({
        tokenizer,
        inputTokens: minimum + 1,
        maxOutputTokens: 8,
        random: createRandom(1),
        corpus: ["🦙", "🦙🦙"],
      }),
    RangeError,
    `no text found with exactly 'inputTokens' ${minimum + 1} tokens for llama2`,
  );
  const reachable = synthesizePrompt({
    tokenizer,
    inputTokens: minimum + 4,
    maxOutputTokens: 8,
    random: createRandom(1),
    corpus: ["🦙", "🦙🦙"],
  });
  assertEquals(tokenizer.countTokens(reachable.prompt), minimum + 4);
});

Deno.test("synthesizePrompt() is pure: the same random sequence gives the same prompt", () => {
  for (const mode of PROMPT_MODES) {
    const make = (seed: number) =>
      synthesizePrompt({
        tokenizer: cl100k,
        inputTokens: 256,
        maxOutputTokens: 32,
        random: createRandom(seed),
        mode,
      }).prompt;
    assertEquals(make(1), make(1));
    assert(make(1) !== make(2), `${mode}: seeds 1 and 2 differ`);
  }
});

const plan: PromptPlanOptions = {
  tokenizer: cl100k,
  count: 400,
  meanInputTokens: 500,
  stddevInputTokens: 100,
  meanOutputTokens: 150,
  stddevOutputTokens: 0,
  seed: 42,
};

Deno.test("synthesizePrompts() draws lengths around the requested means, each hit exactly", () => {
  const prompts = synthesizePrompts({ ...plan, corpus: prepared.get("cl100k_base") });
  assertEquals(prompts.length, 400);
  const inputs = prompts.map((p) => p.inputTokens);
  // Standard errors 5 (mean) and about 3.5 (stddev); allow about 4 of them.
  assertAlmostEquals(mean(inputs), 500, 20);
  assertAlmostEquals(sampleStandardDeviation(inputs), 100, 15);
  for (const p of prompts) {
    assertEquals(cl100k.countTokens(p.prompt), p.inputTokens);
    assertEquals(p.maxOutputTokens, 150, "stddev 0 gives the mean exactly");
  }
});

Deno.test("synthesizePrompts() draws output lengths as positive integers around their mean", () => {
  const prompts = synthesizePrompts({
    ...plan,
    count: 300,
    meanInputTokens: 100,
    stddevInputTokens: 0,
    meanOutputTokens: 20,
    stddevOutputTokens: 15,
    mode: "random-tokens",
  });
  const outputs = prompts.map((p) => p.maxOutputTokens);
  assert(outputs.every((n) => Number.isInteger(n) && n >= 1));
  assert(new Set(outputs).size > 10);
  assert(prompts.every((p) => p.inputTokens === 100));
});

Deno.test("synthesizePrompts() gives the same prompts for the same seed and others for another", () => {
  const small = { ...plan, count: 20 };
  const a = synthesizePrompts(small);
  assertEquals(a, synthesizePrompts(small));
  const b = synthesizePrompts({ ...small, seed: 43 });
  assert(a.every((p, i) => p.prompt !== b[i].prompt));
  assert(a.some((p, i) => p.inputTokens !== b[i].inputTokens));
});

Deno.test("synthesizePrompts() draws again input lengths shorter than the instruction", () => {
  const minimum = cl100k.countTokens(llmperfPrefix(16));
  const prompts = synthesizePrompts({
    ...plan,
    count: 200,
    meanInputTokens: minimum,
    stddevInputTokens: 10,
    meanOutputTokens: 16,
  });
  assert(prompts.every((p) => p.inputTokens >= minimum));
  assert(prompts.some((p) => p.inputTokens === minimum));
});

Deno.test("synthesizePrompts() with a mean below the instruction and no spread throws", () => {
  assertThrows(
    () => synthesizePrompts({ ...plan, meanInputTokens: 5, stddevInputTokens: 0 }),
    RangeError,
    "'meanInputTokens' 5 with 'stddevInputTokens' 0 gives no length of at least",
  );
  assertEquals(synthesizePrompts({ ...plan, count: 0 }), []);
});

Deno.test("synthesizePrompt() rejects bad options, naming the value", () => {
  const base = {
    tokenizer: cl100k,
    inputTokens: 100,
    maxOutputTokens: 10,
    random: createRandom(1),
  };
  const cases: [Record<string, unknown>, typeof Error, string][] = [
    [{ inputTokens: 0 }, RangeError, "'inputTokens' must be a positive integer, got 0"],
    [{ inputTokens: 10.5 }, RangeError, "'inputTokens' must be a positive integer, got 10.5"],
    [{ maxOutputTokens: -1 }, RangeError, "'maxOutputTokens' must be a positive integer, got -1"],
    [{ mode: "sonnet" }, RangeError, `'mode' must be one of llmperf, random-tokens, got "sonnet"`],
    [{ random: 7 }, TypeError, "'random' must be a function, got 7"],
    [{ tokenizer: {} }, TypeError, "'tokenizer' must be a Tokenizer"],
    [{ corpus: [] }, TypeError, "'lines' must be a non-empty array of strings, got an empty array"],
    [
      { corpus: ["ok", "two\nlines"] },
      TypeError,
      `line 1 must be a non-blank string without line breaks, got "two\\nlines"`,
    ],
    [{ corpus: ["  "] }, TypeError, `line 0 must be a non-blank string`],
    [
      { corpus: "text" },
      TypeError,
      "'corpus' must be an array of lines or a PreparedCorpus, got text",
    ],
    [
      { corpus: prepared.get("llama2") },
      TypeError,
      "'corpus' was prepared for tokenizer llama2, not for this cl100k_base tokenizer",
    ],
  ];
  for (const [override, ErrorClass, message] of cases) {
    assertThrows(
      () => synthesizePrompt({ ...base, ...override } as Parameters<typeof synthesizePrompt>[0]),
      ErrorClass,
      message,
    );
  }
});

Deno.test("synthesizePrompts() rejects bad plan options, naming the value", () => {
  const cases: [Partial<PromptPlanOptions>, string][] = [
    [{ count: -1 }, "'count' must be a non-negative integer, got -1"],
    [{ meanInputTokens: 0 }, "'meanInputTokens' must be a number >= 1, got 0"],
    [{ meanOutputTokens: NaN }, "'meanOutputTokens' must be a number >= 1, got NaN"],
    [{ stddevInputTokens: -5 }, "'stddevInputTokens' must be a number >= 0, got -5"],
    [{ stddevOutputTokens: Infinity }, "'stddevOutputTokens' must be a number >= 0, got Infinity"],
    [{ seed: 0.5 }, "'seed' must be a safe integer, got 0.5"],
  ];
  for (const [override, message] of cases) {
    assertThrows(() => synthesizePrompts({ ...plan, ...override }), RangeError, message);
  }
});

Deno.test("corpusFromText() throws a TypeError when the text has no usable line", () => {
  assertThrows(
    () => corpusFromText(" \n\t\r\n"),
    TypeError,
    "'text' has no non-blank line (5 characters)",
  );
  assertThrows(
    () => corpusFromText(42 as unknown as string),
    TypeError,
    "'text' must be a string, got number",
  );
});

Deno.test("defaultCorpus() is deterministic generated text of 8 to 14 words a line", () => {
  const lines = defaultCorpus();
  assertEquals(lines, defaultCorpus());
  assertEquals(new Set(lines).size, lines.length);
  for (const line of lines) {
    const words = line.split(" ").length;
    assert(words >= 8 && words <= 14, line);
    assert(/^[A-Z]/.test(line) && !line.includes("\n"), line);
  }
});

Deno.test("tokenizers of this file are freed", () => {
  for (const tokenizer of tokenizers.values()) tokenizer.free();
  assertThrows(() => cl100k.countTokens("x"), Error, "was freed");
});
