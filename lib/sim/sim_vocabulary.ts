/**
 * Words the simulator can emit so that a tokenizer count of the generated text equals the number
 * of words exactly.
 *
 * @module
 */

/** A list of words that are each exactly one token of some tokenizer, first word alone and every
 * later word with a leading space. */
export interface SimVocabulary {
  /** Lower-case words; text is `words` joined by single spaces. */
  readonly words: readonly string[];
  /** Tokens the tokenizer adds to any text on its own (e.g. a BOS token): the count of a text of
   * `n` words is `n + overheadTokens`. */
  readonly overheadTokens: number;
}

/** The part of a tokenizer {@link createSimVocabulary} uses. */
export interface SimVocabularyTokenizer {
  /** Token count of a text. */
  countTokens(text: string): number;
  /** Text of a list of token ids; may throw for ids outside the vocabulary. */
  decode(tokens: number[]): string;
}

/** Options of {@link createSimVocabulary}. */
export interface SimVocabularyOptions {
  /** Stop after this many words. Default 1024. */
  maxWords?: number;
  /** Token ids scanned for candidate words are `0 … maxTokenId - 1`. Default 32000. */
  maxTokenId?: number;
  /** Words of this many letters or more. Default 3. */
  minLetters?: number;
  /** Words in the start-up round-trip check. Default 1000. */
  checkWords?: number;
  /** Candidate words matching this are skipped. Default: a short list of crude words, so that
   * demo output stays presentable. */
  exclude?: RegExp;
}

const _CRUDE =
  /porn|sex|fuck|shit|cunt|bitch|slut|rape|nigg|fag|whore|dick|cock|^(ass|anal|tit|tits|cum|kill|nazi|hell|damn|piss)$/;

/**
 * Builds a vocabulary of words that are single tokens of `tokenizer` both at the start of a text
 * and after a space, so that `n` random words joined by spaces count as `n` tokens (plus the
 * tokenizer's fixed overhead). Candidates are the tokenizer's own tokens that decode to plain
 * lower-case ASCII words; the result is checked on a long sample text and a `RangeError` is
 * thrown if the count does not match.
 *
 * @example A toy tokenizer that counts words
 * ```ts
 * import { createSimVocabulary } from "./sim_vocabulary.ts";
 * const toy = ["alpha", "beta", "gamma"];
 * const vocabulary = createSimVocabulary({
 *   countTokens: (text) => text.split(" ").filter((w) => w !== "").length,
 *   decode: ([id]) => {
 *     if (id >= toy.length) throw new RangeError("unknown id");
 *     return " " + toy[id];
 *   },
 * });
 * if (vocabulary.words.join() !== "alpha,beta,gamma") throw new Error(vocabulary.words.join());
 * ```
 */
export function createSimVocabulary(
  tokenizer: SimVocabularyTokenizer,
  options: SimVocabularyOptions = {},
): SimVocabulary {
  const maxWords = options.maxWords ?? 1024;
  const maxTokenId = options.maxTokenId ?? 32000;
  const minLetters = options.minLetters ?? 3;
  const checkWords = options.checkWords ?? 1000;
  const exclude = options.exclude ?? _CRUDE;
  const pattern = new RegExp(`^[a-z]{${minLetters},12}$`);
  const seen = new Set<string>();
  const candidates: { word: string; alone: number }[] = [];
  for (let id = 0; id < maxTokenId && candidates.length < maxWords * 2; id++) {
    let text: string;
    try {
      text = tokenizer.decode([id]);
    } catch {
      break;
    }
    const word = text.trim();
    if (!pattern.test(word) || seen.has(word) || exclude.test(word)) continue;
    seen.add(word);
    const alone = tokenizer.countTokens(word);
    const twice = tokenizer.countTokens(word + " " + word);
    if (twice - alone === 1) candidates.push({ word, alone });
  }
  // The fixed overhead is the most common `alone - 1` (0 for tiktoken, 1 with a BOS token).
  const tally = new Map<number, number>();
  for (const { alone } of candidates) tally.set(alone - 1, (tally.get(alone - 1) ?? 0) + 1);
  let overheadTokens = 0;
  let best = -1;
  for (const [overhead, count] of tally) {
    if (count > best) [overheadTokens, best] = [overhead, count];
  }
  const words = candidates.filter((c) => c.alone - 1 === overheadTokens).slice(0, maxWords)
    .map((c) => c.word);
  if (words.length === 0) {
    throw new RangeError("Cannot build simulator vocabulary: no single-token words found");
  }
  // Round-trip check on a deterministic sample that visits every word.
  const sample: string[] = [];
  for (let i = 0; i < Math.max(checkWords, words.length); i++) {
    sample.push(words[(i * 7919) % words.length]);
  }
  const counted = tokenizer.countTokens(sample.join(" "));
  if (counted !== sample.length + overheadTokens) {
    throw new RangeError(
      `Cannot build simulator vocabulary: ${sample.length} words counted as ${counted} tokens`,
    );
  }
  return { words, overheadTokens };
}
