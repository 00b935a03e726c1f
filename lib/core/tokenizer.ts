/**
 * Tokenizers that count prompt and output tokens: OpenAI's `cl100k_base` and `o200k_base`
 * (through the `tiktoken` WASM package) and the Llama-2 SentencePiece tokenizer LLMPerf counts
 * with (through `llama-tokenizer-js`). Conventions (BOS, special tokens) are in
 * `docs/tokenizers.md`.
 *
 * @module
 */
import { get_encoding, type Tiktoken } from "tiktoken";
import llamaTokenizer from "llama-tokenizer-js";

/**
 * Names accepted by {@linkcode createTokenizer}, as typed data.
 *
 * @example Every tokenizer counts the same text differently
 * ```ts
 * import { createTokenizer, TOKENIZER_NAMES } from "./tokenizer.ts";
 * for (const name of TOKENIZER_NAMES) {
 *   const tokenizer = createTokenizer(name);
 *   if (tokenizer.countTokens("Hello world") < 2) throw new Error(name);
 *   tokenizer.free();
 * }
 * ```
 */
export const TOKENIZER_NAMES = ["cl100k_base", "o200k_base", "llama2"] as const;

/** One of {@linkcode TOKENIZER_NAMES}. */
export type TokenizerName = typeof TOKENIZER_NAMES[number];

/**
 * A text tokenizer. `countTokens(text) === encode(text).length` always holds, and
 * `decode(encode(text)) === text` for well-formed text.
 *
 * - `cl100k_base`, `o200k_base`: all text is ordinary text (tiktoken's `encode_ordinary`); a
 *   literal `<|endoftext|>` in the input is encoded as plain characters, never as a special
 *   token, and never throws.
 * - `llama2`: `encode` puts the BOS token (id 1) first and adds SentencePiece's leading space,
 *   like Hugging Face `LlamaTokenizer.encode` and LLMPerf, so `countTokens` includes BOS
 *   (`countTokens("") === 1`).
 * - `decode` skips special-token ids (BOS, EOS, `<unk>`, `<|endoftext|>` …) and ids reserved but
 *   unused inside `[0, vocabSize)`; it throws a `RangeError` for ids outside that range.
 */
export interface Tokenizer {
  /** Which tokenizer this is. */
  readonly name: TokenizerName;
  /** Token ids of `text` (with BOS first for `llama2`). */
  encode(text: string): number[];
  /** Text of token ids; special ids are skipped, invalid UTF-8 becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string;
  /** Number of tokens of `text`, `encode(text).length` (includes BOS for `llama2`). */
  countTokens(text: string): number;
  /** Size of the id space: every id in `[0, vocabSize)` is accepted by `decode`. */
  readonly vocabSize: number;
  /** Releases the tokenizer (WASM memory for tiktoken); later calls throw. Idempotent. */
  free(): void;
}

/**
 * Creates a tokenizer by name. Encoders are built here, not at import time. Measured on a
 * 2-core machine: `cl100k_base` about 200 ms the first time in a process (50 ms after),
 * `o200k_base` 120 to 190 ms, `llama2` about 60 ms (an id-pair merge table; the vocabulary
 * itself is decoded by `llama-tokenizer-js` when it is imported). Call `free()` when done to
 * release tiktoken's WASM memory.
 *
 * @example Count tokens
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * const tokenizer = createTokenizer("cl100k_base");
 * const ids = tokenizer.encode("Hello world");
 * if (ids.length !== 2 || tokenizer.countTokens("Hello world") !== 2) throw new Error("count");
 * if (tokenizer.decode(ids) !== "Hello world") throw new Error("round trip");
 * tokenizer.free();
 * ```
 *
 * @example Llama 2 counts include BOS
 * ```ts
 * import { createTokenizer } from "./tokenizer.ts";
 * const llama = createTokenizer("llama2");
 * const ids = llama.encode("grabbed");
 * if (ids[0] !== 1 || llama.countTokens("grabbed") !== ids.length) throw new Error("bos");
 * if (llama.decode(ids) !== "grabbed") throw new Error("round trip");
 * ```
 */
export function createTokenizer(name: TokenizerName = "cl100k_base"): Tokenizer {
  switch (name) {
    case "cl100k_base":
      return _tiktokenTokenizer(name, { ordinaryCount: 100_256, vocabSize: 100_277 });
    case "o200k_base":
      return _tiktokenTokenizer(name, { ordinaryCount: 199_998, vocabSize: 200_019 });
    case "llama2":
      return _llamaTokenizer();
    default:
      throw new RangeError(
        `Cannot create tokenizer: 'name' must be one of ${TOKENIZER_NAMES.join(", ")}, got ${
          JSON.stringify(name)
        }`,
      );
  }
}

function _checkIds(name: string, ids: ArrayLike<number>, vocabSize: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) {
      throw new RangeError(
        `Cannot decode with ${name}: token id must be an integer in [0, ${vocabSize}), got ${id} at index ${i}`,
      );
    }
  }
}

function _tiktokenTokenizer(
  name: "cl100k_base" | "o200k_base",
  sizes: { ordinaryCount: number; vocabSize: number },
): Tokenizer {
  const { ordinaryCount, vocabSize } = sizes;
  let encoder: Tiktoken | null = get_encoding(name);
  const textDecoder = new TextDecoder();
  const live = (): Tiktoken => {
    if (encoder === null) throw new Error(`Tokenizer ${name} was freed`);
    return encoder;
  };
  return {
    name,
    vocabSize,
    encode: (text) => Array.from(live().encode_ordinary(text)),
    countTokens: (text) => live().encode_ordinary(text).length,
    decode(ids) {
      const enc = live();
      _checkIds(name, ids, vocabSize);
      // Special and reserved ids are dropped here: the WASM decoder panics on reserved ids and a
      // panic leaves the encoder unusable.
      const ordinary = new Uint32Array(ids.length);
      let n = 0;
      for (let i = 0; i < ids.length; i++) if (ids[i] < ordinaryCount) ordinary[n++] = ids[i];
      return textDecoder.decode(enc.decode(ordinary.subarray(0, n)));
    },
    free() {
      encoder?.free();
      encoder = null;
    },
  };
}

const _LLAMA_BOS = 1;
/** Ids below this are `<unk>`, `<s>` and `</s>`. */
const _LLAMA_FIRST_ORDINARY = 3;
/** Longer pieces go to `llama-tokenizer-js`'s own encoder, whose cost grows as n log n. */
const _LLAMA_MAX_PIECE = 64;
/** Pieces remembered per tokenizer before the memo is cleared. */
const _LLAMA_MEMO_SIZE = 65_536;

function _llamaTokenizer(): Tokenizer {
  const name = "llama2";
  const vocabSize = llamaTokenizer.vocabById.length;
  const pairs = _llamaPairs();
  let memo: Map<string, readonly number[]> | null = new Map();
  const encode = (text: string): number[] => {
    if (memo === null) throw new Error(`Tokenizer ${name} was freed`);
    if (memo.size > _LLAMA_MEMO_SIZE) memo.clear();
    return _llamaEncode(text, memo, pairs);
  };
  return {
    name,
    vocabSize,
    encode,
    countTokens: (text) => encode(text).length,
    decode(ids) {
      if (memo === null) throw new Error(`Tokenizer ${name} was freed`);
      _checkIds(name, ids, vocabSize);
      const kept: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] >= _LLAMA_FIRST_ORDINARY) kept.push(ids[i]);
      }
      // add_bos_token=false: BOS is already gone; add_preceding_space=true drops the leading
      // space SentencePiece adds, when there is one.
      return llamaTokenizer.decode(kept, false, true);
    },
    free() {
      memo = null;
    },
  };
}

/**
 * Same ids as `llamaTokenizer.encode(text)` (BOS, then SentencePiece BPE over `"▁" + text` with
 * spaces as `▁`), computed piece by piece with a memo: the package's merge queue over the whole
 * text costs about 2.3 µs per character. Pieces are cut only where no Llama token can span the
 * cut: before a `▁` that follows another character (no vocabulary entry has `▁` after another
 * character) and after a newline (byte tokens never merge). `tests/tokenizer_test.ts` checks the
 * result against the package's encoder.
 */
function _llamaEncode(
  text: string,
  memo: Map<string, readonly number[]>,
  pairs: Map<number, number>,
): number[] {
  const ids: number[] = [_LLAMA_BOS];
  if (text.length === 0) return ids;
  const spaced = ("\u2581" + text).replaceAll(" ", "\u2581");
  let start = 0;
  for (let i = 1; i <= spaced.length; i++) {
    if (i < spaced.length) {
      const here = spaced.charCodeAt(i);
      const before = spaced.charCodeAt(i - 1);
      if (!(before === 0x0a || (here === 0x2581 && before !== 0x2581))) continue;
    }
    const piece = spaced.slice(start, i);
    let pieceIds = memo.get(piece);
    if (pieceIds === undefined) {
      pieceIds = piece.length > _LLAMA_MAX_PIECE
        ? llamaTokenizer.encode(piece, false, false)
        : _llamaBpe(piece, pairs);
      memo.set(piece, pieceIds);
    }
    for (const id of pieceIds) ids.push(id);
    start = i;
  }
  return ids;
}

/**
 * The package's merge table keyed by id pair: `pairs.get(left * vocabSize + right)` is
 * `rank * 65536 + mergedId`. Built once per tokenizer (about 20 ms).
 */
function _llamaPairs(): Map<number, number> {
  const { vocabByString, merges } = llamaTokenizer;
  const size = llamaTokenizer.vocabById.length;
  const pairs = new Map<number, number>();
  for (const [key, rank] of merges) {
    const space = key.indexOf(" ");
    const left = vocabByString.get(key.slice(0, space));
    const right = vocabByString.get(key.slice(space + 1));
    const merged = vocabByString.get(key.slice(0, space) + key.slice(space + 1));
    if (left === undefined || right === undefined || merged === undefined) continue;
    pairs.set(left * size + right, rank * 65_536 + merged);
  }
  return pairs;
}

/**
 * BPE of one short piece, as the package does it: characters (or their UTF-8 byte tokens when
 * not in the vocabulary), then repeatedly the adjacent pair of lowest merge rank, leftmost first.
 */
function _llamaBpe(piece: string, pairs: Map<number, number>): number[] {
  const { vocabById, vocabByString } = llamaTokenizer;
  const size = vocabById.length;
  const ids: number[] = [];
  for (const char of piece) {
    const id = vocabByString.get(char);
    if (id !== undefined) {
      ids.push(id);
      continue;
    }
    for (const byte of new TextEncoder().encode(char)) {
      const hex = byte.toString(16).toUpperCase().padStart(2, "0");
      ids.push(vocabByString.get(`<0x${hex}>`) ?? 0);
    }
  }
  for (;;) {
    let bestValue = Infinity;
    let best = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const value = pairs.get(ids[i] * size + ids[i + 1]);
      if (value !== undefined && value < bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (best < 0) return ids;
    ids.splice(best, 2, bestValue % 65_536);
  }
}
