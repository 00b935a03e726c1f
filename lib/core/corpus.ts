/**
 * Text lines that prompts are built from. The default corpus is generated: English-like lines
 * from small word lists written for this project, so no copied literature ships with it
 * (LLMPerf samples Shakespeare's sonnets instead). Users can bring their own text file.
 *
 * @module
 */
import { createRandom, type Random } from "./random.ts";

const _NOUNS = (
  "river lantern harbor meadow orchard engine letter window garden signal ladder kettle compass " +
  "bridge valley tower market library pebble feather candle shadow island ferry lighthouse " +
  "village teacher baker sailor gardener traveler student painter clockmaker fox heron beetle " +
  "sparrow tortoise map journal basket mirror staircase blanket chimney harvest storm morning " +
  "evening winter summer circuit server packet queue thread lamp forest canyon glacier meteor " +
  "violin drummer kitten puzzle notebook carpet workshop engineer courier umbrella spoon " +
  "telescope planet rumor melody ribbon wagon barrel pocket"
).split(" ");

const _ADJECTIVES = (
  "quiet silver patient crooked gentle narrow bright hollow ancient careful distant golden " +
  "restless sleepy tidy curious humble brave frozen velvet copper windy tiny enormous faithful " +
  "clever crimson pale steady wooden busy lonely merry modest honest dusty polished hidden " +
  "northern forgotten shimmering sturdy woolen rusty electric cheerful solemn"
).split(" ");

/** Regular verbs only (no doubled consonants), so the third person and past are computed. */
const _TRANSITIVE = (
  "carry gather follow paint repair count remember borrow polish measure design guard discover " +
  "fold lift sort greet watch answer copy sketch mend deliver collect describe balance explore " +
  "visit carve wash open unlock notice record weigh pack rescue invite"
).split(" ");

const _INTRANSITIVE = (
  "wander wait listen rest glow hum drift travel return linger settle sparkle whisper arrive " +
  "vanish tremble glimmer rattle"
).split(" ");

const _ADVERBS = (
  "slowly softly quietly carefully gladly rarely always often gently boldly patiently " +
  "suddenly calmly briskly"
).split(" ");

const _PREPOSITIONS = (
  "across beneath beside behind toward through along around over under near past beyond into"
).split(" ");

const _SINGULAR_DETERMINERS = "the the the a every each this that our their my".split(" ");
const _PLURAL_DETERMINERS = "the the some many our their these those".split(" ");
const _CONJUNCTIONS = "and but while because until as so yet".split(" ");
const _OPENERS = [
  "At dawn",
  "By evening",
  "In the spring",
  "Once again",
  "Long after midnight",
  "Every morning",
  "Later that week",
  "Without a word",
  "For a moment",
  "Before the rain",
];

/** Seed of the default corpus; changing it changes every default prompt. */
const _DEFAULT_SEED = 20_240_611;
/** Number of lines of the default corpus. */
const _DEFAULT_LINES = 500;

function _pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function _plural(noun: string): string {
  if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + "ies";
  if (/(s|x|ch|sh)$/.test(noun)) return noun + "es";
  return noun + "s";
}

function _thirdPerson(verb: string): string {
  if (/[^aeiou]y$/.test(verb)) return verb.slice(0, -1) + "ies";
  if (/(s|x|ch|sh|o)$/.test(verb)) return verb + "es";
  return verb + "s";
}

function _past(verb: string): string {
  if (/[^aeiou]y$/.test(verb)) return verb.slice(0, -1) + "ied";
  if (verb.endsWith("e")) return verb + "d";
  return verb + "ed";
}

function _nounPhrase(random: Random, plural: boolean): string {
  const noun = _pick(random, _NOUNS);
  const words: string[] = [];
  let determiner = _pick(random, plural ? _PLURAL_DETERMINERS : _SINGULAR_DETERMINERS);
  if (random() < 0.7) words.push(_pick(random, _ADJECTIVES));
  words.push(plural ? _plural(noun) : noun);
  if (determiner === "a" && /^[aeiou]/.test(words[0])) determiner = "an";
  return `${determiner} ${words.join(" ")}`;
}

function _prepositionalPhrase(random: Random): string {
  return `${_pick(random, _PREPOSITIONS)} ${_nounPhrase(random, random() < 0.3)}`;
}

function _clause(random: Random): string {
  const plural = random() < 0.35;
  const subject = _nounPhrase(random, plural);
  const kind = random();
  let predicate: string;
  if (kind < 0.45) {
    const verb = _pick(random, _TRANSITIVE);
    const tense = random() < 0.5 ? _past(verb) : plural ? verb : _thirdPerson(verb);
    predicate = `${tense} ${_nounPhrase(random, random() < 0.3)}`;
  } else {
    const verb = _pick(random, _INTRANSITIVE);
    const tense = random() < 0.5 ? _past(verb) : plural ? verb : _thirdPerson(verb);
    predicate = random() < 0.5 ? `${tense} ${_pick(random, _ADVERBS)}` : tense;
  }
  if (random() < 0.6) predicate += ` ${_prepositionalPhrase(random)}`;
  return `${subject} ${predicate}`;
}

function _line(random: Random): string {
  const form = random();
  let text: string;
  if (form < 0.08) {
    const verb = _past(_pick(random, _TRANSITIVE));
    text = `who ${verb} ${_nounPhrase(random, false)} ${_prepositionalPhrase(random)}?`;
  } else {
    text = _clause(random);
    if (form < 0.3) text = `${_pick(random, _OPENERS)}, ${text}`;
    else if (form < 0.75) text += `, ${_pick(random, _CONJUNCTIONS)} ${_clause(random)}`;
    const end = random();
    text += end < 0.6 ? "." : end < 0.8 ? "," : end < 0.9 ? ";" : "!";
  }
  return text[0].toUpperCase() + text.slice(1);
}

/**
 * The default corpus: 500 generated English-like lines of 8 to 14 words (no copied text), the
 * same on every call. Lines carry no trailing newline.
 *
 * @example Deterministic lines
 * ```ts
 * import { defaultCorpus } from "./corpus.ts";
 * const lines = defaultCorpus();
 * if (lines.length !== 500 || lines.join("\n") !== defaultCorpus().join("\n")) {
 *   throw new Error("not deterministic");
 * }
 * ```
 */
export function defaultCorpus(): string[] {
  const random = createRandom(_DEFAULT_SEED);
  const seen = new Set<string>();
  const lines: string[] = [];
  while (lines.length < _DEFAULT_LINES) {
    const line = _line(random);
    const words = line.split(" ").length;
    if (words < 8 || words > 14 || seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines;
}

/**
 * Lines of a user's text file: split on `\n`, `\r\n` or `\r`, trailing whitespace removed,
 * blank lines dropped (leading indentation is kept). Throws a `TypeError` when nothing is left.
 *
 * @example Blank lines are dropped
 * ```ts
 * import { corpusFromText } from "./corpus.ts";
 * const lines = corpusFromText("first line\r\n\n  second line  \n");
 * if (lines.join("|") !== "first line|  second line") throw new Error("lines");
 * ```
 */
export function corpusFromText(text: string): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot read corpus: 'text' must be a string, got ${typeof text}`);
  }
  const lines = text.split(/\r\n|\n|\r/).map((line) => line.trimEnd()).filter((line) =>
    line.length > 0
  );
  if (lines.length === 0) {
    throw new TypeError(
      `Cannot read corpus: 'text' has no non-blank line (${text.length} characters)`,
    );
  }
  return lines;
}
