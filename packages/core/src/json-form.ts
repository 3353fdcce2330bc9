import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * The JSON form of state values (docs/concepts.md, "Models and states"). A store keeps every
 * value as JSON and a wire carries JSON, so a field's zod type must have a JSON form: JSON types
 * as they are; `z.date()` (and `z.coerce.date()`) as an ISO 8601 string, given back as a `Date`;
 * a transform's output as it is (it is never run again). Types without a JSON form are refused
 * when the model is defined.
 */

/** zod types that have no JSON form. */
const withoutJSONForm = new Set(['symbol', 'function', 'promise', 'bigint', 'map', 'set', 'nan', 'file']);

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  left?: z.ZodType;
  right?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const wrappers = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** Throws `VALIDATION_FAILED` naming model and field when `schema` holds a type without a JSON form. */
export function assertJSONForm(
  schema: z.ZodType,
  model: string,
  field: string,
  seen = new Set<z.ZodType>(),
): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const def = defOf(schema);
  if (withoutJSONForm.has(def.type)) {
    throw new ValidationError(
      `Model ${model} cannot define field '${field}' with a ${def.type} schema: a state value must have a JSON form (see docs/concepts.md, "Models and states")`,
      { extra: { model, field, type: def.type } },
    );
  }
  for (const child of children(def)) assertJSONForm(child, model, field, seen);
}

function children(def: Def): z.ZodType[] {
  const out: z.ZodType[] = [];
  if (def.shape) out.push(...Object.values(def.shape));
  for (const key of ['element', 'innerType', 'in', 'out', 'keyType', 'valueType', 'left', 'right'] as const) {
    const child = def[key];
    if (child) out.push(child);
  }
  if (def.options) out.push(...def.options);
  if (def.items) out.push(...def.items);
  if (def.rest) out.push(def.rest);
  return out;
}

/** Turns the JSON form of a value back into the value its schema gives. */
export type Decoder = (json: unknown) => unknown;

const decoders = new WeakMap<z.ZodType, Decoder | null>();

/**
 * The decoder of a schema's JSON form, or null when the JSON form is the value itself (the
 * common case, so reads of such fields cost nothing).
 */
export function jsonDecoder(schema: z.ZodType): Decoder | null {
  if (decoders.has(schema)) return decoders.get(schema) ?? null;
  // A recursive (lazy) schema decodes as its JSON form; mark before walking.
  decoders.set(schema, null);
  const decoder = buildDecoder(schema);
  decoders.set(schema, decoder);
  return decoder;
}

function buildDecoder(schema: z.ZodType): Decoder | null {
  const def = defOf(schema);
  if (def.type === 'date') {
    return (json) => (typeof json === 'string' ? new Date(json) : json);
  }
  if (wrappers.has(def.type) && def.innerType) return jsonDecoder(def.innerType);
  if (def.type === 'pipe' && def.out) {
    // What is stored is the pipe's output; a transform at its end leaves it as it is.
    return defOf(def.out).type === 'transform' ? null : jsonDecoder(def.out);
  }
  if (def.type === 'array' && def.element) {
    const element = jsonDecoder(def.element);
    return element ? (json) => (Array.isArray(json) ? json.map(element) : json) : null;
  }
  if (def.type === 'object' && def.shape) {
    const fields = Object.entries(def.shape)
      .map(([key, child]) => [key, jsonDecoder(child)] as const)
      .filter((entry): entry is readonly [string, Decoder] => entry[1] !== null);
    if (fields.length === 0) return null;
    return (json) => {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
      const out: Record<string, unknown> = { ...(json as Record<string, unknown>) };
      for (const [key, decode] of fields) if (Object.hasOwn(out, key)) out[key] = decode(out[key]);
      return out;
    };
  }
  if (def.type === 'record' && def.valueType) {
    const value = jsonDecoder(def.valueType);
    if (!value) return null;
    return (json) => {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(json)) {
        Object.defineProperty(out, key, {
          value: value(item),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    };
  }
  if (def.type === 'tuple' && def.items) {
    const items = def.items.map(jsonDecoder);
    const rest = def.rest ? jsonDecoder(def.rest) : null;
    if (!items.some(Boolean) && !rest) return null;
    return (json) =>
      Array.isArray(json) ? json.map((item, index) => (items[index] ?? rest)?.(item) ?? item) : json;
  }
  if (def.type === 'union' && def.options) {
    // A union decodes a string as a date only when a date is one of its options and no string is.
    const options = def.options.map((option) => defOf(option).type);
    const date = def.options.find((option) => defOf(option).type === 'date');
    if (date && !options.includes('string')) return jsonDecoder(date);
    return null;
  }
  return null;
}
