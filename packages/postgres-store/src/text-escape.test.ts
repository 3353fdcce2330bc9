import type { JsonValue } from '@constelite/store';
import { describe, expect, it } from 'vitest';
import { escapedJsonText, escapeText, parseEscapedJson, unescapeText } from './text-escape.js';

const awkward = [
  '',
  'plain',
  '\u0000',
  '\u0001',
  '\u0001e',
  '\u0001\u0001',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '\udfff\ud800',
  '😺',
  '\ud83d',
  'x\ud83dy',
  '\\u0000',
  '\u00010',
  '\u0001u0000',
];

describe('text escape (PostgreSQL cannot hold NUL or lone surrogates)', () => {
  it('round-trips every string and leaves strings without NUL, U+0001 or a lone surrogate as they are', () => {
    for (const text of awkward) expect(unescapeText(escapeText(text))).toBe(text);
    for (const text of ['plain', '😺', '\\u0000', 'é\u2028']) expect(escapeText(text)).toBe(text);
  });

  it('never writes a character PostgreSQL refuses or replaces', () => {
    for (const text of awkward) {
      const escaped = escapeText(text);
      expect(escaped.includes('\u0000')).toBe(false);
      expect(escaped).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it('is injective: different strings stay different, so equality queries keep their meaning', () => {
    const escaped = awkward.map(escapeText);
    expect(new Set(escaped).size).toBe(new Set(awkward).size);
  });

  it('escapes object keys too and keeps __proto__ as a key', () => {
    const value = JSON.parse('{"__proto__":{"a\\u0000":"\\ud800"},"\\u0001":["\\u0000"]}');
    const text = escapedJsonText(value);
    expect(text).not.toMatch(/\\u0000|\\ud800/i);
    const back = parseEscapedJson<Record<string, JsonValue>>(text);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(JSON.stringify(back)).toBe(JSON.stringify(value));
  });

  it('sends plain JSON unchanged', () => {
    const value = { name: 'Snowball', tags: ['white'], nested: { n: 1 }, odd: '\\u0000 as text' };
    expect(escapedJsonText(value)).toBe(JSON.stringify(value));
    expect(parseEscapedJson(JSON.stringify(value))).toEqual(value);
  });
});
