/**
 * Earlier turns of a conversation, sent before a request's own prompt.
 *
 * @module
 */

/** One earlier message of a conversation: what the user said, or the answer received. */
export interface ChatTurn {
  /** Who said it. */
  role: "user" | "assistant";
  /** Its text, verbatim. */
  text: string;
}

/**
 * A conversation as one text, for endpoints that take a single prompt (completions, native
 * Llama or legacy Anthropic templates, TGI `inputs`): each earlier turn as `User: …` or
 * `Assistant: …`, a blank line after each, then `User: <prompt>`. Without history, the prompt
 * as it is.
 *
 * @example Two earlier turns, then the new message
 * ```ts
 * import { flattenTurns } from "./chat_turn.ts";
 * const text = flattenTurns([
 *   { role: "user", text: "Hi" },
 *   { role: "assistant", text: "Hello!" },
 * ], "How are you?");
 * if (text !== "User: Hi\n\nAssistant: Hello!\n\nUser: How are you?") throw new Error(text);
 * if (flattenTurns(undefined, "Hi") !== "Hi") throw new Error("plain");
 * ```
 */
export function flattenTurns(history: readonly ChatTurn[] | undefined, prompt: string): string {
  if (history === undefined || history.length === 0) return prompt;
  let text = "";
  for (const turn of history) {
    text += `${turn.role === "user" ? "User" : "Assistant"}: ${turn.text}\n\n`;
  }
  return `${text}User: ${prompt}`;
}
