import type { JsonValue } from '@constelite/store';

// PostgreSQL text and jsonb cannot hold every JavaScript string: a NUL character is refused
// ("unsupported Unicode escape sequence", "invalid byte sequence for encoding UTF8: 0x00") and
// a lone surrogate is either refused (in jsonb) or silently replaced by U+FFFD on its way to
// UTF-8. So that every store gives back exactly what it was given (docs/store-authors.md,
// "Values come back exactly"), the driver escapes those characters in every string it sends
// (values, object keys, uids, model and field names) and unescapes what it reads:
//
//   U+0001 (the escape character itself) → U+0001 "e"
//   U+0000                               → U+0001 "0"
//   a lone surrogate U+D800…U+DFFF       → U+0001 "u" and its four lower-case hex digits
//
// The escape is injective and leaves every other string as it is, so equality (and so
// equality queries and the value index) is kept; strings without these characters, which is
// nearly all of them, cost one regular-expression test.

/** The escape character. */
const ESCAPE = '\u0001';
/** A character that must be escaped: U+0000, U+0001 or a surrogate not part of a pair. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and U+0001 are the characters this module escapes
const NEEDS_ESCAPE = /[\u0000\u0001]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The same test without the global flag, so that `test` keeps no state. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and U+0001 are the characters this module escapes
const HAS_ESCAPABLE = /[\u0000\u0001]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and U+0001 are the characters this module escapes
const ESCAPED = /\u0001(e|0|u[0-9a-f]{4})/g;

function escapeChar(char: string): string {
  if (char === ESCAPE) return `${ESCAPE}e`;
  if (char === '\u0000') return `${ESCAPE}0`;
  return `${ESCAPE}u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function unescapeSequence(_match: string, code: string): string {
  if (code === 'e') return ESCAPE;
  if (code === '0') return '\u0000';
  return String.fromCharCode(Number.parseInt(code.slice(1), 16));
}

/** `text` in the form PostgreSQL can hold. */
export function escapeText(text: string): string {
  return HAS_ESCAPABLE.test(text) ? text.replace(NEEDS_ESCAPE, escapeChar) : text;
}

/** The string that `escapeText` turned into `text`. */
export function unescapeText(text: string): string {
  return text.includes(ESCAPE) ? text.replace(ESCAPED, unescapeSequence) : text;
}

/** Applies `map` to every string of a JSON value, object keys included; `__proto__` stays a key. */
function mapStrings(value: JsonValue, map: (text: string) => string): JsonValue {
  if (typeof value === 'string') return map(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, map(key), {
      value: mapStrings(value[key] as JsonValue, map),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * JSON `\u` escapes that may stand for a character `escapeText` changes, in JSON text: NUL,
 * U+0001 and surrogates. `JSON.stringify` writes those characters (and only those of them
 * that need it) this way, so JSON text without a match needs no escaping. A match may be a
 * false alarm (an escaped backslash followed by `u0000`); the slow path is then a no-op.
 */
const JSON_ESCAPABLE = /\\u(?:000[01]|d[89a-f])/i;
/** The escape character as `JSON.stringify` and PostgreSQL's jsonb output both write it. */
const JSON_ESCAPE = /\\u0001/i;

/** The JSON text of `value` in the form PostgreSQL jsonb can hold. */
export function escapedJsonText(value: JsonValue | Record<string, JsonValue>): string {
  const text = JSON.stringify(value);
  return JSON_ESCAPABLE.test(text) ? JSON.stringify(mapStrings(value, escapeText)) : text;
}

/** The value of JSON text read from a jsonb column written with `escapedJsonText`. */
export function parseEscapedJson<T extends JsonValue | Record<string, JsonValue>>(text: string): T {
  const value = JSON.parse(text) as JsonValue;
  return (JSON_ESCAPE.test(text) ? mapStrings(value, unescapeText) : value) as T;
}

/** Whether JSON text read from jsonb holds a string with the escape character (so would change when unescaped). */
export function hasEscapeInJson(text: string): boolean {
  return JSON_ESCAPE.test(text);
}
