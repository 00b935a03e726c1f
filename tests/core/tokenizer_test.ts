import { throws } from "node:assert/strict";
import { assert, assertEquals } from "../_assert.ts";
import llamaTokenizer from "llama-tokenizer-js";
import { createTokenizer, TOKENIZER_NAMES, type TokenizerName } from "../../lib/core/tokenizer.ts";
import { defaultCorpus } from "../../lib/core/corpus.ts";
import { createRandom, randomInt } from "../../lib/core/random.ts";

/** `fn` throws an instance of `ErrorClass` whose message includes `includes`. */
function assertThrows(fn: () => unknown, ErrorClass: typeof Error, includes: string): void {
  throws(fn, (err: unknown) => {
    assert(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err}`);
    assert(err.message.includes(includes), `message: ${err.message}`);
    return true;
  });
}

const SAMPLES = [
  "Hello world",
  "  leading spaces and trailing  ",
  "tabs\tand\nnew\n\nlines\r\nhere",
  "Unicode: café, naïve, 日本語のテキスト, emoji 🦙🚀, Ꙋ",
  "<|endoftext|> is plain text here <|endofprompt|>",
  defaultCorpus().slice(0, 40).join("\n"),
];

function withTokenizer(name: TokenizerName, fn: (t: ReturnType<typeof createTokenizer>) => void) {
  const tokenizer = createTokenizer(name);
  try {
    fn(tokenizer);
  } finally {
    tokenizer.free();
  }
}

Deno.test("TOKENIZER_NAMES lists the three tokenizers and cl100k_base is the default", () => {
  assertEquals([...TOKENIZER_NAMES], ["cl100k_base", "o200k_base", "llama2"]);
  withTokenizer("cl100k_base", () => {});
  const tokenizer = createTokenizer();
  assertEquals(tokenizer.name, "cl100k_base");
  tokenizer.free();
});

Deno.test("createTokenizer() rejects an unknown name with a RangeError naming it", () => {
  assertThrows(
    () => createTokenizer("gpt2" as TokenizerName),
    RangeError,
    `'name' must be one of cl100k_base, o200k_base, llama2, got "gpt2"`,
  );
});

Deno.test("encode() gives the published ids for reference strings", () => {
  // Ids from tiktoken's cl100k_base table and llama-tokenizer-js's own test cases.
  withTokenizer("cl100k_base", (t) => assertEquals(t.encode("hello world"), [15339, 1917]));
  withTokenizer("llama2", (t) => {
    assertEquals(t.encode("grabbed"), [1, 2646, 1327, 287]);
    assertEquals(t.encode(" grabbed"), [1, 29871, 2646, 1327, 287]);
    assertEquals(t.encode("\n"), [1, 29871, 13]);
    assertEquals(t.encode("🦙"), [1, 29871, 243, 162, 169, 156]);
    assertEquals(t.encode("ax\n####\nboo"), [1, 4853, 13, 4136, 13, 833, 29877]);
  });
});

Deno.test("every tokenizer round-trips text and counts what it encodes", () => {
  for (const name of TOKENIZER_NAMES) {
    withTokenizer(name, (t) => {
      for (const text of SAMPLES) {
        const ids = t.encode(text);
        assertEquals(t.countTokens(text), ids.length, `${name} count of ${text.slice(0, 20)}`);
        assertEquals(t.decode(ids), text, `${name} round trip of ${text.slice(0, 20)}`);
      }
    });
  }
});

Deno.test("llama2 counts include BOS, even for empty text", () => {
  withTokenizer("llama2", (t) => {
    assertEquals(t.encode(""), [1]);
    assertEquals(t.countTokens(""), 1);
    assertEquals(t.countTokens("grabbed"), llamaTokenizer.encode("grabbed").length);
    assertEquals(t.decode([1]), "");
  });
  for (const name of ["cl100k_base", "o200k_base"] as const) {
    withTokenizer(name, (t) => assertEquals(t.countTokens(""), 0));
  }
});

Deno.test("tiktoken tokenizers treat special-token text as ordinary characters", () => {
  for (const [name, firstSpecial] of [["cl100k_base", 100_256], ["o200k_base", 199_998]] as const) {
    withTokenizer(name, (t) => {
      const ids = t.encode("a <|endoftext|> b");
      assert(ids.length > 3, `${name} splits the marker into ordinary tokens`);
      assert(ids.every((id) => id < firstSpecial), `${name} uses no special id`);
    });
  }
});

Deno.test("decode() skips special and reserved ids and rejects ids outside the vocabulary", () => {
  withTokenizer("cl100k_base", (t) => {
    const ids = t.encode("Hello world");
    // 100257 is <|endoftext|>, 100256 and 100261 are reserved gaps the WASM decoder panics on.
    assertEquals(t.decode([100_257, ...ids, 100_256, 100_261, 100_276]), "Hello world");
    assertEquals(t.decode([100_255]).length > 0, true); // the last ordinary id
    assertThrows(() => t.decode([t.vocabSize]), RangeError, `got ${t.vocabSize} at index 0`);
    assertThrows(() => t.decode([1, -1]), RangeError, "got -1 at index 1");
    assertThrows(() => t.decode([1.5]), RangeError, "got 1.5");
    assertEquals(t.decode(ids), "Hello world", "still usable after a rejected id");
  });
  withTokenizer("o200k_base", (t) => {
    assertEquals(t.decode([199_999, ...t.encode("Hi"), 200_018, 199_998]), "Hi");
  });
  withTokenizer("llama2", (t) => {
    assertEquals(t.decode([1, ...t.encode("Hi there").slice(1), 2, 0]), "Hi there");
    assertThrows(() => t.decode([32_000]), RangeError, "[0, 32000), got 32000");
  });
});

Deno.test("every id below vocabSize decodes without error", () => {
  const expected = { cl100k_base: 100_277, o200k_base: 200_019, llama2: 32_000 };
  for (const name of TOKENIZER_NAMES) {
    withTokenizer(name, (t) => {
      assertEquals(t.vocabSize, expected[name]);
      const ids = Array.from({ length: t.vocabSize }, (_, i) => i);
      for (let start = 0; start < ids.length; start += 4096) {
        assertEquals(typeof t.decode(ids.slice(start, start + 4096)), "string");
      }
    });
  }
});

Deno.test("llama2 encode() matches llama-tokenizer-js on corpus, unicode and random text", () => {
  withTokenizer("llama2", (t) => {
    const texts = [
      ...SAMPLES,
      "           grabbed",
      " \n",
      "\ttabs\t\t\t\tout here",
      "a  b   c    d\n\n  e\r\n f",
      "x".repeat(300) + " then words",
      "\u2581literal \u2581\u2581 marks\u2581",
      "日本語のテキストです。".repeat(12),
    ];
    const random = createRandom(11);
    for (let i = 0; i < 150; i++) {
      const ids = Array.from(
        { length: randomInt(random, 1, 300) },
        () => randomInt(random, 0, 31_999),
      );
      texts.push(t.decode(ids));
    }
    for (const text of texts) {
      assertEquals(t.encode(text), llamaTokenizer.encode(text), JSON.stringify(text.slice(0, 40)));
    }
  });
});

Deno.test("free() is idempotent and later calls throw", () => {
  for (const name of TOKENIZER_NAMES) {
    const t = createTokenizer(name);
    t.free();
    t.free();
    assertThrows(() => t.countTokens("x"), Error, `Tokenizer ${name} was freed`);
    assertThrows(() => t.decode([5]), Error, "was freed");
  }
});

Deno.test("counting chunks separately differs from counting the whole text", () => {
  const chunks = ["The quick br", "own fox jum", "ps over the lazy dog."];
  for (const name of TOKENIZER_NAMES) {
    withTokenizer(name, (t) => {
      const whole = t.countTokens(chunks.join(""));
      const summed = chunks.reduce((sum, chunk) => sum + t.countTokens(chunk), 0);
      assert(summed > whole, `${name}: ${summed} summed vs ${whole} whole`);
    });
  }
});
