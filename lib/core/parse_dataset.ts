/**
 * Reading a prompt dataset from its text: JSONL (one request per line, `prompt` or OpenAI-style
 * `messages`) or ShareGPT JSON (`conversations` of `from`/`value` turns). Every line or entry is
 * checked here, so a bad one is named before any request is sent.
 *
 * @module
 */

/** Dataset formats, as typed data. */
export const DATASET_FORMATS = ["jsonl", "sharegpt"] as const;

/** One of {@link DATASET_FORMATS}. */
export type DatasetFormat = typeof DATASET_FORMATS[number];

/** One request of a dataset, as read. */
export interface DatasetEntry {
  /** The prompt text: `prompt`, or the `messages`' contents joined by blank lines (roles are
   * not sent), or a ShareGPT conversation's first human turn. */
  prompt: string;
  /** Output tokens to ask for: `max_tokens` or `output_tokens` of the line. Absent: the
   * workload draws it (`meanOutputTokens`), or, for ShareGPT, counts `reply`. */
  maxOutputTokens?: number;
  /** ShareGPT: the answer that followed the prompt (its token count is the output length). */
  reply?: string;
  /** `session_id` of the line, when given (kept as text). */
  sessionId?: string;
  /** `turn` of the line, when given. */
  turn?: number;
  /** Where it came from: the 1-based line (JSONL) or 0-based entry index (ShareGPT). */
  source: number;
}

/** Options of {@link parseDataset}. */
export interface ParseDatasetOptions {
  /** The format. Default: `sharegpt` when the text starts with `[`, else `jsonl`. */
  format?: DatasetFormat;
  /** Name of the file in error messages. Default `"dataset"`. */
  name?: string;
}

function _fail(name: string, where: string, why: string): never {
  throw new TypeError(`Cannot read dataset ${name}: ${where}: ${why}`);
}

function _positiveInt(name: string, where: string, field: string, value: unknown): number {
  if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= 1)) {
    _fail(name, where, `'${field}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function _messageText(name: string, where: string, messages: unknown): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    _fail(name, where, "'messages' must be a non-empty array");
  }
  const parts: string[] = [];
  messages.forEach((m, k) => {
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof content === "string") parts.push(content);
    else if (Array.isArray(content)) {
      // OpenAI content parts: the text ones.
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === "string") parts.push(text);
      }
    } else {
      _fail(name, where, `messages[${k}].content must be a string or an array of parts`);
    }
  });
  const text = parts.join("\n\n");
  if (text.trim() === "") _fail(name, where, "'messages' hold no text");
  return text;
}

/**
 * Parse a dataset's text into entries, checking every line. JSONL: one JSON object per line
 * (blank lines skipped) with `prompt` (a non-empty string) or `messages` (OpenAI-style), and
 * optionally `max_tokens` or `output_tokens` (a positive integer), `session_id` (string or
 * number) and `turn` (a non-negative integer). ShareGPT: a JSON array of objects whose
 * `conversations` hold `{from, value}` turns; each conversation gives one entry, its first
 * `human` turn as the prompt and the turn after it as `reply` (conversations without both are
 * skipped, as vLLM does). A `TypeError` names the file and the line (or entry) and what is
 * wrong with it.
 *
 * @example Two JSONL lines
 * ```ts
 * import { parseDataset } from "./parse_dataset.ts";
 * const entries = parseDataset(
 *   '{"prompt": "Hello", "max_tokens": 20}\n{"messages": [{"role": "user", "content": "Hi"}]}\n',
 * );
 * if (entries.length !== 2 || entries[0].maxOutputTokens !== 20 || entries[1].prompt !== "Hi") {
 *   throw new Error(JSON.stringify(entries));
 * }
 * ```
 */
export function parseDataset(text: string, options: ParseDatasetOptions = {}): DatasetEntry[] {
  const name = options.name ?? "dataset";
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot read dataset ${name}: the text must be a string, got ${typeof text}`,
    );
  }
  const format = options.format ?? (text.trimStart().startsWith("[") ? "sharegpt" : "jsonl");
  if (!DATASET_FORMATS.includes(format)) {
    throw new RangeError(
      `Cannot read dataset ${name}: 'format' must be one of ${DATASET_FORMATS.join(", ")}, got ${
        JSON.stringify(format)
      }`,
    );
  }
  const entries = format === "jsonl" ? _jsonl(text, name) : _shareGpt(text, name);
  if (entries.length === 0) {
    throw new TypeError(`Cannot read dataset ${name}: it holds no usable request`);
  }
  return entries;
}

function _jsonl(text: string, name: string): DatasetEntry[] {
  const entries: DatasetEntry[] = [];
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].trim();
    if (line === "") continue;
    const where = `line ${k + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      _fail(name, where, `not JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      _fail(name, where, "expected a JSON object");
    }
    const o = value as Record<string, unknown>;
    let prompt: string;
    if (o.prompt !== undefined) {
      if (typeof o.prompt !== "string" || o.prompt.trim() === "") {
        _fail(name, where, "'prompt' must be a non-empty string");
      }
      prompt = o.prompt;
    } else if (o.messages !== undefined) {
      prompt = _messageText(name, where, o.messages);
    } else {
      _fail(name, where, "needs 'prompt' or 'messages'");
    }
    const entry: DatasetEntry = { prompt, source: k + 1 };
    const max = o.max_tokens ?? o.output_tokens;
    if (max !== undefined && max !== null) {
      entry.maxOutputTokens = _positiveInt(
        name,
        where,
        o.max_tokens !== undefined ? "max_tokens" : "output_tokens",
        max,
      );
    }
    if (o.session_id !== undefined && o.session_id !== null) {
      if (typeof o.session_id !== "string" && typeof o.session_id !== "number") {
        _fail(name, where, "'session_id' must be a string or a number");
      }
      entry.sessionId = String(o.session_id);
    }
    if (o.turn !== undefined && o.turn !== null) {
      if (!(typeof o.turn === "number" && Number.isSafeInteger(o.turn) && o.turn >= 0)) {
        _fail(name, where, `'turn' must be a non-negative integer, got ${JSON.stringify(o.turn)}`);
      }
      entry.turn = o.turn;
    }
    entries.push(entry);
  }
  return entries;
}

function _shareGpt(text: string, name: string): DatasetEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(
      `Cannot read dataset ${name}: not ShareGPT JSON (${(error as Error).message})`,
    );
  }
  if (!Array.isArray(value)) {
    throw new TypeError(`Cannot read dataset ${name}: ShareGPT data must be a JSON array`);
  }
  const entries: DatasetEntry[] = [];
  value.forEach((item, k) => {
    const where = `entry ${k}`;
    const turns = (item as { conversations?: unknown } | null)?.conversations;
    if (!Array.isArray(turns)) _fail(name, where, "'conversations' must be an array");
    turns.forEach((turn, t) => {
      const { from, value } = (turn ?? {}) as { from?: unknown; value?: unknown };
      if (typeof from !== "string" || typeof value !== "string") {
        _fail(name, where, `conversations[${t}] must have string 'from' and 'value'`);
      }
    });
    const first = turns.findIndex((t) => (t as { from: string }).from === "human");
    if (first < 0 || first + 1 >= turns.length) return; // no prompt and answer: skipped
    const prompt = (turns[first] as { value: string }).value;
    const reply = (turns[first + 1] as { value: string }).value;
    if (prompt.trim() === "" || reply.trim() === "") return;
    entries.push({ prompt, reply, source: k });
  });
  return entries;
}
