/**
 * Reading untyped JSON safely: the helpers every wire format (clients and simulator formats)
 * uses on parsed bodies.
 *
 * @module
 */

/** A JSON object, fields unknown. */
export type Json = Record<string, unknown>;

/** `value` if it is a plain object, else `{}`. */
export function obj(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? value as Json : {};
}

/** `value` if it is a finite number, else `undefined`. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A message's text: a string as is, or the `text` of each part of an array, joined. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => {
    const text = obj(part).text;
    return typeof text === "string" ? text : "";
  }).join("");
}
