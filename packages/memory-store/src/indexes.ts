import type { Condition, CountPlan, JsonValue, QueryPlan, RecordKey, SortEntry } from '@constelite/store';
import {
  canonicalJson,
  comparator,
  compareStrings,
  isAfter,
  matches,
  prefixUpperBound,
  sortValues,
} from '@constelite/store';

// Query pushdown for the memory store (docs/queries.md, "Pushing queries down to the driver"):
// per-field indexes of every model, kept by the driver's writes (and undone with them), so
// that an equality or range query looks up its records instead of reading every record. The
// index only narrows the candidates: each is then checked against the whole condition with the
// store's own `matches`, so the answers are those of `Store`'s evaluation.

/** What the index reads from the driver's maps. */
export interface MemorySource {
  /** The stored fields of a record (not copied: read only). */
  fields(uid: string): Readonly<Record<string, JsonValue>> | undefined;
  /** The uids of a model's records. */
  uidsOf(model: string): Iterable<string>;
  /** The records whose `field` links to `target`. */
  sourcesOf(target: string, field: string): Iterable<RecordKey>;
}

interface Entry<V> {
  readonly value: V;
  readonly uid: string;
}

const CHUNK = 512;

/**
 * A list of (value, uid) kept sorted, in chunks of at most 2 × CHUNK entries, so that an
 * insert or a removal moves a chunk, not the whole list.
 */
class SortedList<V extends string | number> {
  readonly #chunks: Entry<V>[][] = [];

  constructor(private readonly compareValues: (a: V, b: V) => number) {}

  #compare(a: Entry<V>, b: Entry<V>): number {
    return this.compareValues(a.value, b.value) || compareStrings(a.uid, b.uid);
  }

  /** The index of the first chunk whose last entry is not before `entry`. */
  #chunkOf(entry: Entry<V>): number {
    let low = 0;
    let high = this.#chunks.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      const chunk = this.#chunks[middle]!;
      if (this.#compare(chunk[chunk.length - 1]!, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #position(chunk: Entry<V>[], entry: Entry<V>): number {
    let low = 0;
    let high = chunk.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#compare(chunk[middle]!, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  add(value: V, uid: string): void {
    const entry = { value, uid };
    if (this.#chunks.length === 0) {
      this.#chunks.push([entry]);
      return;
    }
    const index = this.#chunkOf(entry);
    const chunk = this.#chunks[index]!;
    chunk.splice(this.#position(chunk, entry), 0, entry);
    if (chunk.length > 2 * CHUNK) this.#chunks.splice(index, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  remove(value: V, uid: string): void {
    if (this.#chunks.length === 0) return;
    const entry = { value, uid };
    const index = this.#chunkOf(entry);
    const chunk = this.#chunks[index]!;
    const position = this.#position(chunk, entry);
    if (position < chunk.length && this.#compare(chunk[position]!, entry) === 0) chunk.splice(position, 1);
    if (chunk.length === 0) this.#chunks.splice(index, 1);
  }

  /**
   * The entries from `from` (inclusive unless `after`) to `to` (inclusive unless `before`), in
   * ascending order, or descending when `descending`.
   */
  *range(bounds: {
    low?: { value: V; open: boolean; uid?: string };
    high?: { value: V; open: boolean; uid?: string };
    descending: boolean;
  }): Generator<Entry<V>> {
    const inLow = (entry: Entry<V>) => {
      const low = bounds.low;
      if (!low) return true;
      const order = this.compareValues(entry.value, low.value);
      if (order !== 0) return order > 0;
      if (low.uid !== undefined) return compareStrings(entry.uid, low.uid) > 0;
      return !low.open;
    };
    const inHigh = (entry: Entry<V>) => {
      const high = bounds.high;
      if (!high) return true;
      const order = this.compareValues(entry.value, high.value);
      if (order !== 0) return order < 0;
      if (high.uid !== undefined) return compareStrings(entry.uid, high.uid) < 0;
      return !high.open;
    };
    const chunks = this.#chunks;
    if (chunks.length === 0) return;
    if (!bounds.descending) {
      let chunkIndex = 0;
      let position = 0;
      if (bounds.low) {
        const probe = { value: bounds.low.value, uid: '' };
        chunkIndex = this.#chunkOf(probe);
        position = this.#position(chunks[chunkIndex]!, probe);
      }
      for (; chunkIndex < chunks.length; chunkIndex++, position = 0) {
        const chunk = chunks[chunkIndex]!;
        for (; position < chunk.length; position++) {
          const entry = chunk[position]!;
          if (!inLow(entry)) continue;
          if (!inHigh(entry)) return;
          yield entry;
        }
      }
    } else {
      let chunkIndex = chunks.length - 1;
      let position = chunks[chunkIndex]!.length - 1;
      if (bounds.high) {
        // Start after the last entry of the high value (uids sort after '').
        const probe = { value: bounds.high.value, uid: '\u{10FFFF}' };
        chunkIndex = Math.min(this.#chunkOf(probe), chunks.length - 1);
        position = Math.min(this.#position(chunks[chunkIndex]!, probe), chunks[chunkIndex]!.length - 1);
      }
      for (; chunkIndex >= 0; chunkIndex--, position = chunkIndex >= 0 ? chunks[chunkIndex]!.length - 1 : 0) {
        const chunk = chunks[chunkIndex]!;
        for (; position >= 0; position--) {
          const entry = chunk[position]!;
          if (!inHigh(entry)) continue;
          if (!inLow(entry)) return;
          yield entry;
        }
      }
    }
  }
}

/** The indexes of one field of one model. */
class FieldIndex {
  /** Deep-equality key (`typeof` + canonical JSON) → uids. */
  readonly equal = new Map<string, Set<string>>();
  readonly numbers = new SortedList<number>((a, b) => a - b);
  readonly strings = new SortedList<string>(compareStrings);
  /** The uids that hold a value. */
  readonly present = new Set<string>();

  add(uid: string, value: JsonValue): void {
    if (value === null) return;
    let set = this.equal.get(equalKey(value));
    if (!set) {
      set = new Set();
      this.equal.set(equalKey(value), set);
    }
    set.add(uid);
    this.present.add(uid);
    if (typeof value === 'number') this.numbers.add(value, uid);
    else if (typeof value === 'string') this.strings.add(value, uid);
  }

  remove(uid: string, value: JsonValue): void {
    if (value === null) return;
    const key = equalKey(value);
    const set = this.equal.get(key);
    set?.delete(uid);
    if (set?.size === 0) this.equal.delete(key);
    this.present.delete(uid);
    if (typeof value === 'number') this.numbers.remove(value, uid);
    else if (typeof value === 'string') this.strings.remove(value, uid);
  }
}

/** The key of a value in the equality index: its JSON type and its canonical text. */
function equalKey(value: JsonValue): string {
  return typeof value === 'string' ? `s${value}` : `j${canonicalJson(value)}`;
}

/** The per-field indexes of every model of one memory driver. */
export class MemoryIndexes {
  /** model → field → index. */
  readonly #models = new Map<string, Map<string, FieldIndex>>();

  #field(model: string, field: string, create: boolean): FieldIndex | undefined {
    let fields = this.#models.get(model);
    if (!fields) {
      if (!create) return undefined;
      fields = new Map();
      this.#models.set(model, fields);
    }
    let index = fields.get(field);
    if (!index && create) {
      index = new FieldIndex();
      fields.set(field, index);
    }
    return index;
  }

  /** Indexes the values of `fields` of record `uid`. */
  add(uid: string, model: string, fields: Readonly<Record<string, JsonValue>>): void {
    for (const field of Object.keys(fields)) this.#field(model, field, true)!.add(uid, fields[field]!);
  }

  /** Drops the values of `fields` of record `uid`. */
  remove(uid: string, model: string, fields: Readonly<Record<string, JsonValue>>): void {
    for (const field of Object.keys(fields)) this.#field(model, field, false)?.remove(uid, fields[field]!);
  }

  /** Moves record `uid` from the values `before` to `after` (only the fields that differ). */
  replace(
    uid: string,
    model: string,
    before: Readonly<Record<string, JsonValue>>,
    after: Readonly<Record<string, JsonValue>>,
  ): void {
    for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const old = Object.hasOwn(before, field) ? before[field]! : null;
      const next = Object.hasOwn(after, field) ? after[field]! : null;
      if (old === next) continue;
      const index = this.#field(model, field, true)!;
      if (old !== null) index.remove(uid, old);
      if (next !== null) index.add(uid, next);
    }
  }

  /** The keys a plan selects, in its order. */
  query(plan: QueryPlan, source: MemorySource): RecordKey[] {
    const compare = comparator(plan);
    const hasLink = this.#hasLink(source);
    const ordered = this.#orderedScan(plan);
    const out: (SortEntry & { model: string })[] = [];
    if (ordered) {
      // The index gives the records in the plan's order: stop at the limit.
      for (const uid of ordered) {
        const fields = source.fields(uid);
        if (!fields || !matches(plan.where, uid, fields, hasLink)) continue;
        out.push({ values: sortValues(fields, plan.orderBy), uid, model: plan.models[0]! });
        if (plan.limit !== null && out.length >= plan.limit) break;
      }
      return out.map(({ uid, model }) => ({ uid, model }));
    }
    for (const [model, uids] of this.#candidates(plan, source)) {
      for (const uid of uids) {
        const fields = source.fields(uid);
        if (!fields || !matches(plan.where, uid, fields, hasLink)) continue;
        const entry = { values: sortValues(fields, plan.orderBy), uid, model };
        if (isAfter(compare, entry, plan.after)) out.push(entry);
      }
    }
    out.sort(compare);
    const kept = plan.limit === null ? out : out.slice(0, plan.limit);
    return kept.map(({ uid, model }) => ({ uid, model }));
  }

  /** The number of records a plan selects. */
  count(plan: CountPlan, source: MemorySource): number {
    const hasLink = this.#hasLink(source);
    let count = 0;
    for (const [, uids] of this.#candidates(plan, source)) {
      for (const uid of uids) {
        const fields = source.fields(uid);
        if (fields && matches(plan.where, uid, fields, hasLink)) count++;
      }
    }
    return count;
  }

  #hasLink(source: MemorySource) {
    const sets = new Map<string, Set<string>>();
    return (field: string, target: string, uid: string) => {
      const key = `${field}\0${target}`;
      let set = sets.get(key);
      if (!set) {
        set = new Set([...source.sourcesOf(target, field)].map((key) => key.uid));
        sets.set(key, set);
      }
      return set.has(uid);
    };
  }

  /**
   * The uids of a single model's records in the plan's order, from the sorted index of the
   * only sort key, when a top-level condition on that key rules out records without it.
   */
  #orderedScan(plan: QueryPlan): Iterable<string> | null {
    const key = plan.orderBy[0];
    if (!key || plan.orderBy.length !== 1 || plan.models.length !== 1) return null;
    if (key.kind !== 'number' && key.kind !== 'string') return null;
    const leaf = topLevel(plan.where).find(
      (condition) =>
        'field' in condition &&
        condition.field === key.field &&
        'value' in condition &&
        typeof condition.value === key.kind &&
        ['eq', 'gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op),
    );
    if (!leaf) return null;
    const index = this.#field(plan.models[0]!, key.field, false);
    if (!index) return [];
    const bounds = rangeOf(leaf) as { low?: Bound<string | number>; high?: Bound<string | number> };
    const after = plan.after;
    if (after) {
      const value = after.values[0];
      // A position past every value (a missing one, in ascending order) leaves nothing.
      if (value === null || typeof value !== key.kind) {
        if (key.direction === 'asc') return [];
      } else {
        const position = { value: value as string | number, open: true, uid: after.uid };
        if (key.direction === 'asc') bounds.low = tighter(bounds.low, position, 'low', key.kind);
        else bounds.high = tighter(bounds.high, position, 'high', key.kind);
      }
    }
    const list = (key.kind === 'number' ? index.numbers : index.strings) as SortedList<string | number>;
    return mapUids(list.range({ ...bounds, descending: key.direction === 'desc' }));
  }

  /** Candidate uids per model: from an index lookup of a top-level condition, else every record. */
  #candidates(plan: CountPlan, source: MemorySource): [string, Iterable<string>][] {
    const top = topLevel(plan.where);
    const has = top.find((condition) => condition.op === 'has');
    if (has && has.op === 'has') {
      const byModel = new Map<string, string[]>(plan.models.map((model) => [model, []]));
      for (const key of source.sourcesOf(has.target, has.field)) byModel.get(key.model)?.push(key.uid);
      return [...byModel];
    }
    const leaf =
      top.find((condition) => condition.op === 'eq') ??
      top.find((condition) => condition.op === 'in') ??
      top.find((condition) => condition.op === 'exists' && condition.exists) ??
      top.find(
        (condition) =>
          ['gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op) &&
          'value' in condition &&
          (typeof condition.value === 'number' || typeof condition.value === 'string'),
      );
    return plan.models.map((model): [string, Iterable<string>] => {
      if (!leaf || !('field' in leaf)) return [model, source.uidsOf(model)];
      const index = this.#field(model, leaf.field, false);
      if (!index) return [model, []];
      switch (leaf.op) {
        case 'eq':
          return [model, index.equal.get(equalKey(leaf.value)) ?? []];
        case 'in':
          return [
            model,
            new Set(leaf.values.flatMap((value) => [...(index.equal.get(equalKey(value)) ?? [])])),
          ];
        case 'exists':
          return [model, index.present];
        default: {
          const bounds = rangeOf(leaf);
          const list = (
            typeof (leaf as { value: unknown }).value === 'number' ? index.numbers : index.strings
          ) as SortedList<string | number>;
          return [model, mapUids(list.range({ ...bounds, descending: false }))];
        }
      }
    });
  }
}

interface Bound<V> {
  value: V;
  open: boolean;
  uid?: string;
}

/** The range of values a comparison or prefix condition admits. */
function rangeOf(condition: Condition): { low?: Bound<string | number>; high?: Bound<string | number> } {
  switch (condition.op) {
    case 'eq':
      return {
        low: { value: condition.value as string | number, open: false },
        high: { value: condition.value as string | number, open: false },
      };
    case 'gt':
      return { low: { value: condition.value, open: true } };
    case 'gte':
      return { low: { value: condition.value, open: false } };
    case 'lt':
      return { high: { value: condition.value, open: true } };
    case 'lte':
      return { high: { value: condition.value, open: false } };
    case 'startsWith': {
      const upper = prefixUpperBound(condition.value);
      return upper === null
        ? { low: { value: condition.value, open: false } }
        : { low: { value: condition.value, open: false }, high: { value: upper, open: true } };
    }
    default:
      return {};
  }
}

/** The tighter of a range's bound and a keyset position (the position excludes itself). */
function tighter(
  bound: Bound<string | number> | undefined,
  position: Bound<string | number>,
  side: 'low' | 'high',
  kind: 'number' | 'string',
): Bound<string | number> {
  if (!bound) return position;
  const order =
    kind === 'number'
      ? (position.value as number) - (bound.value as number)
      : compareStrings(position.value as string, bound.value as string);
  if (order === 0) return bound.open ? bound : position;
  return (side === 'low' ? order > 0 : order < 0) ? position : bound;
}

function* mapUids(entries: Iterable<Entry<string | number>>): Generator<string> {
  for (const entry of entries) yield entry.uid;
}

function topLevel(where: Condition | null): readonly Condition[] {
  return where === null ? [] : where.op === 'and' ? where.conditions : [where];
}
