import { ValidationError } from '@constelite/core';
import type { KeysetPosition, Scalar, SortKey } from './plan.js';

// Cursors of `queryPage` (docs/queries.md, "Limits and pages"): base64url of
// `{"v":1,"q":<hash of the query>,"k":[<sort values>],"u":<uid>}`, where the sort values and
// uid are those of the last record of the page. The next page is the records strictly after
// that position, so records added or removed meanwhile never shift it (keyset pagination).
// The hash ties a cursor to its query: model, where and orderBy (not the page size).

const VERSION = 1;

/** A short, stable hash of a query's canonical text (53-bit, as hex). Not a secret: it only tells queries apart. */
export function queryHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

/** The cursor for the position after `position` in the query of hash `hash`. */
export function encodeCursor(hash: string, position: KeysetPosition): string {
  const json = JSON.stringify({ v: VERSION, q: hash, k: position.values, u: position.uid });
  const bytes = new TextEncoder().encode(json);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The position a cursor names, checked against the query it is used with. A malformed cursor,
 * or one made by another query, is `VALIDATION_FAILED`.
 */
export function decodeCursor(
  cursor: unknown,
  hash: string,
  orderBy: readonly SortKey[],
  modelName: string,
): KeysetPosition {
  const fail = (why: string) =>
    new ValidationError(`queryPage of ${modelName}: the cursor ${why}`, {
      extra: { model: modelName, field: 'cursor' },
    });
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > 1_000_000)
    throw fail('is not a cursor returned by queryPage');
  let parsed: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw fail('is not a cursor returned by queryPage');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw fail('is not a cursor returned by queryPage');
  const { v, q, k, u } = parsed as Record<string, unknown>;
  if (v !== VERSION || typeof q !== 'string' || typeof u !== 'string' || !Array.isArray(k))
    throw fail('is not a cursor returned by queryPage');
  if (q !== hash) throw fail('belongs to another query (model, where or orderBy differ)');
  if (k.length !== orderBy.length) throw fail('belongs to another query (orderBy differs)');
  const values = k.map((value, index): Scalar | null => {
    if (value === null || typeof value === orderBy[index]!.kind) return value as Scalar | null;
    throw fail('is not a cursor returned by queryPage');
  });
  return { values, uid: u };
}
