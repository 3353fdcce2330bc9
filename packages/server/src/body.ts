import { PayloadTooLargeError, ValidationError } from '@constelite/core';
import type { Context } from 'hono';

/** The deepest JSON a request body may nest; deeper bodies are rejected before anything walks them. */
export const MAX_JSON_DEPTH = 128;

/**
 * Reads the body as JSON whatever the Content-Type says (the Python client sends none),
 * refusing more than `limit` bytes and more than `MAX_JSON_DEPTH` levels. Validation against the
 * endpoint's schema is the API's (docs/architecture.md, "The path of a request").
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const text = await readText(c, limit);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      `The body of POST ${c.req.path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { detail: 'Malformed JSON' },
    );
  }
  if (mayExceedDepth(text, MAX_JSON_DEPTH) && exceedsDepth(json, MAX_JSON_DEPTH)) {
    throw new ValidationError(`The body of POST ${c.req.path} nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return json;
}

/**
 * Reads the body as text, refusing more than `limit` bytes. A declared Content-Length is checked
 * before anything is read (and Node holds the body to it); a chunked body is read up to the limit.
 */
async function readText(c: Context, limit: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
    if (Number(declared) > limit) throw tooLarge(c, limit);
    // Hono's node adapter reads a sized body straight from the socket, without a web stream.
    return c.req.text();
  }
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(c, limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(c: Context, limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `The body of ${c.req.method} ${c.req.path} is larger than the limit of ${limit} bytes`,
    { extra: { limit } },
  );
}

/**
 * False when the text holds at most `limit` opening brackets (counted in strings too, so an
 * upper bound), so that its JSON cannot nest deeper than `limit`: most bodies need no walk.
 */
function mayExceedDepth(text: string, limit: number): boolean {
  let brackets = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // '{' and '['
    if ((code === 123 || code === 91) && ++brackets > limit) return true;
  }
  return false;
}

/** Walks the JSON without recursion, so that a hostile body cannot overflow the stack. */
function exceedsDepth(json: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[json, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
