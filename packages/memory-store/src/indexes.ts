import type {
  Condition,
  CountPlan,
  JsonValue,
  QueryPlan,
  RecordKey,
  Scalar,
  SortEntry,
} from '@constelite/store';
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
// per-field indexes of every model, built by the first query that needs one and then kept by
// the driver's writes (and undone with them), so that an equality or range query looks up its
// records instead of reading every record, and a page in uid order starts at its position. The
// index narrows the candidates, and each is then checked against the whole condition with the
// store's own `matches`, so the answers are those of `Store`'s evaluation; only when the
// lookup is the whole condition (one field, an operator the index answers exactly) and no sort
// value is needed are the records not read at all. At 100,000 records that read, a random
// access into the record map for each candidate, cost more than the rest of the query.

/** What the index reads from the driver's maps. */
export interface MemorySource {
  /** The stored fields of a record (not copied: read only). */
  fields(uid: string): Readonly<Record<string, JsonValue>> | undefined;
  /** The uids of a model's records. */
  uidsOf(model: string): Iterable<string>;
  /** The records whose `field` links to `target`. */
  sourcesOf(target: string, field: string): Iterable<RecordKey>;
}

/** The most entries a leaf of a `SortedTree` holds, and the most children of an inner node. */
const LEAF_MAX = 64;
const INNER_MAX = 64;

interface Leaf<V> {
  readonly leaf: true;
  values: V[];
  uids: string[];
  prev: Leaf<V> | null;
  next: Leaf<V> | null;
}

interface Inner<V> {
  readonly leaf: false;
  children: TreeNode<V>[];
  /**
   * A lower bound of each child's entries (that of child 0 is not used): every entry of child
   * `i` is at or after bound `i` and before bound `i + 1`. A bound is the first entry of its
   * child when the child is made, and stays a valid bound when that entry is removed.
   */
  values: V[];
  uids: string[];
}

type TreeNode<V> = Leaf<V> | Inner<V>;

/** Whether an entry (value, uid) is at or past a position; false then true along the order. */
type Seek<V> = (value: V, uid: string) => boolean;

/**
 * The (value, uid) entries of one field kept in order: a B+ tree whose leaves are linked in
 * order, so that an insert or a removal costs O(log n) and a range is a seek and a walk.
 * Values and uids are kept in parallel arrays (no object per entry).
 */
class SortedTree<V extends string | number> {
  #root: TreeNode<V> = SortedTree.#leaf<V>([], []);

  constructor(private readonly compareValues: (a: V, b: V) => number) {}

  static #leaf<V>(values: V[], uids: string[]): Leaf<V> {
    return { leaf: true, values, uids, prev: null, next: null };
  }

  #compare(value: V, uid: string, otherValue: V, otherUid: string): number {
    return this.compareValues(value, otherValue) || compareStrings(uid, otherUid);
  }

  /** The index of the child of `node` whose range holds the entry (value, uid). */
  #route(node: Inner<V>, value: V, uid: string): number {
    // The last child whose bound is not after the entry (child 0 when there is none).
    let low = 1;
    let high = node.children.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#compare(node.values[middle]!, node.uids[middle]!, value, uid) <= 0) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  /** The position of the first entry of `leaf` not before (value, uid). */
  #position(leaf: Leaf<V>, value: V, uid: string): number {
    let low = 0;
    let high = leaf.values.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#compare(leaf.values[middle]!, leaf.uids[middle]!, value, uid) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Fills an empty tree from entries already in order (the first build of an index). */
  load(values: V[], uids: string[]): void {
    if (values.length === 0) return;
    let level: TreeNode<V>[] = [];
    const firstValues: V[] = [];
    const firstUids: string[] = [];
    // Leaves three-quarters full, so that the first inserts do not split them all.
    const per = (LEAF_MAX * 3) >> 2;
    let previous: Leaf<V> | null = null;
    for (let start = 0; start < values.length; start += per) {
      const leaf = SortedTree.#leaf(values.slice(start, start + per), uids.slice(start, start + per));
      leaf.prev = previous;
      if (previous) previous.next = leaf;
      previous = leaf;
      level.push(leaf);
      firstValues.push(values[start]!);
      firstUids.push(uids[start]!);
    }
    let levelValues = firstValues;
    let levelUids = firstUids;
    const fan = (INNER_MAX * 3) >> 2;
    while (level.length > 1) {
      const up: TreeNode<V>[] = [];
      const upValues: V[] = [];
      const upUids: string[] = [];
      for (let start = 0; start < level.length; start += fan) {
        up.push({
          leaf: false,
          children: level.slice(start, start + fan),
          values: levelValues.slice(start, start + fan),
          uids: levelUids.slice(start, start + fan),
        });
        upValues.push(levelValues[start]!);
        upUids.push(levelUids[start]!);
      }
      level = up;
      levelValues = upValues;
      levelUids = upUids;
    }
    this.#root = level[0]!;
  }

  add(value: V, uid: string): void {
    const path: Inner<V>[] = [];
    const slots: number[] = [];
    let node = this.#root;
    while (!node.leaf) {
      const slot = this.#route(node, value, uid);
      path.push(node);
      slots.push(slot);
      node = node.children[slot]!;
    }
    const position = this.#position(node, value, uid);
    if (
      position < node.values.length &&
      this.#compare(node.values[position]!, node.uids[position]!, value, uid) === 0
    )
      return;
    node.values.splice(position, 0, value);
    node.uids.splice(position, 0, uid);
    if (node.values.length <= LEAF_MAX) return;
    // Split the leaf, then every inner node that overflows, up to a new root.
    const half = node.values.length >> 1;
    const right = SortedTree.#leaf(node.values.splice(half), node.uids.splice(half));
    right.next = node.next;
    right.prev = node;
    if (node.next) node.next.prev = right;
    node.next = right;
    let split: { node: TreeNode<V>; value: V; uid: string } | null = {
      node: right,
      value: right.values[0]!,
      uid: right.uids[0]!,
    };
    let left: TreeNode<V> = node;
    for (let depth = path.length - 1; depth >= 0 && split; depth--) {
      const parent = path[depth]!;
      const slot = slots[depth]! + 1;
      parent.children.splice(slot, 0, split.node);
      parent.values.splice(slot, 0, split.value);
      parent.uids.splice(slot, 0, split.uid);
      left = parent;
      if (parent.children.length <= INNER_MAX) {
        split = null;
        break;
      }
      const middle = parent.children.length >> 1;
      const sibling: Inner<V> = {
        leaf: false,
        children: parent.children.splice(middle),
        values: parent.values.splice(middle),
        uids: parent.uids.splice(middle),
      };
      split = { node: sibling, value: sibling.values[0]!, uid: sibling.uids[0]! };
    }
    if (split) {
      const first = this.#first(left);
      this.#root = {
        leaf: false,
        children: [left, split.node],
        values: [first.value, split.value],
        uids: [first.uid, split.uid],
      };
    }
  }

  /** The first bound of a node (the bound of its first entry at the time it was made). */
  #first(node: TreeNode<V>): { value: V; uid: string } {
    return { value: node.values[0]!, uid: node.uids[0]! };
  }

  remove(value: V, uid: string): void {
    const path: Inner<V>[] = [];
    const slots: number[] = [];
    let node = this.#root;
    while (!node.leaf) {
      const slot = this.#route(node, value, uid);
      path.push(node);
      slots.push(slot);
      node = node.children[slot]!;
    }
    const position = this.#position(node, value, uid);
    if (
      position >= node.values.length ||
      this.#compare(node.values[position]!, node.uids[position]!, value, uid) !== 0
    )
      return;
    node.values.splice(position, 1);
    node.uids.splice(position, 1);
    if (path.length === 0) return;
    const parent = path[path.length - 1]!;
    const slot = slots[slots.length - 1]!;
    // A leaf that falls to a quarter joins its right sibling of the same parent when both fit
    // in one leaf; an empty leaf goes.
    const sibling = parent.children[slot + 1] as Leaf<V> | undefined;
    if (node.values.length > 0) {
      if (
        !sibling ||
        node.values.length > LEAF_MAX >> 2 ||
        node.values.length + sibling.values.length > LEAF_MAX
      )
        return;
      node.values.push(...sibling.values);
      node.uids.push(...sibling.uids);
      this.#unlink(sibling);
      this.#drop(path, slots, path.length - 1, slot + 1);
      return;
    }
    this.#unlink(node);
    this.#drop(path, slots, path.length - 1, slot);
  }

  #unlink(leaf: Leaf<V>): void {
    if (leaf.prev) leaf.prev.next = leaf.next;
    if (leaf.next) leaf.next.prev = leaf.prev;
  }

  /** Removes child `slot` of `path[depth]`, and the inner nodes left empty above it. */
  #drop(path: Inner<V>[], slots: number[], depth: number, slot: number): void {
    for (; depth >= 0; depth--) {
      const parent = path[depth]!;
      parent.children.splice(slot, 1);
      parent.values.splice(slot, 1);
      parent.uids.splice(slot, 1);
      if (parent.children.length > 0) break;
      slot = slots[depth - 1]!;
    }
    if (depth < 0) {
      this.#root = SortedTree.#leaf<V>([], []);
      return;
    }
    // A root with one child hands over to it.
    while (!this.#root.leaf && this.#root.children.length === 1) this.#root = this.#root.children[0]!;
  }

  /** The leaf and position of the first entry for which `past` is true (monotonic in the order). */
  #seek(past: Seek<V>): { leaf: Leaf<V>; position: number } {
    let node = this.#root;
    while (!node.leaf) {
      // The last child whose bound is not past: the children after it hold only entries past.
      let low = 1;
      let high = node.children.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (!past(node.values[middle]!, node.uids[middle]!)) low = middle + 1;
        else high = middle;
      }
      node = node.children[low - 1]!;
    }
    let low = 0;
    let high = node.values.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (!past(node.values[middle]!, node.uids[middle]!)) low = middle + 1;
      else high = middle;
    }
    return { leaf: node, position: low };
  }

  /**
   * The uids of the entries from `low` (inclusive unless open) to `high` (inclusive unless
   * open), in ascending order, or descending when `descending`. A bound with a uid is a keyset
   * position: the entries of its value are in range only strictly beyond that uid.
   */
  *range(bounds: {
    low?: { value: V; open: boolean; uid?: string };
    high?: { value: V; open: boolean; uid?: string };
    descending: boolean;
  }): Generator<string> {
    const compareValues = this.compareValues;
    const { low, high } = bounds;
    /** Whether an entry is at or past the low bound. */
    const inLow = (value: V, uid: string): boolean => {
      if (!low) return true;
      const order = compareValues(value, low.value);
      if (order !== 0) return order > 0;
      if (low.uid !== undefined) return compareStrings(uid, low.uid) > 0;
      return !low.open;
    };
    /** Whether an entry is past the high bound. */
    const pastHigh = (value: V, uid: string): boolean => {
      if (!high) return false;
      const order = compareValues(value, high.value);
      if (order !== 0) return order > 0;
      if (high.uid !== undefined) return compareStrings(uid, high.uid) >= 0;
      return high.open;
    };
    if (!bounds.descending) {
      let { leaf, position } = this.#seek(inLow);
      for (let at: Leaf<V> | null = leaf; at; at = at.next, position = 0) {
        for (; position < at.values.length; position++) {
          if (pastHigh(at.values[position]!, at.uids[position]!)) return;
          yield at.uids[position]!;
        }
      }
    } else {
      const { leaf, position: end } = this.#seek(pastHigh);
      let position = end - 1;
      for (let at: Leaf<V> | null = leaf; at; at = at.prev, position = at ? at.values.length - 1 : 0) {
        for (; position >= 0; position--) {
          if (!inLow(at.values[position]!, at.uids[position]!)) return;
          yield at.uids[position]!;
        }
      }
    }
  }
}

/** The indexes of one field of one model. */
class FieldIndex {
  /** Deep-equality key (`typeof` + canonical JSON) → the uid holding it, or the uids when several do. */
  readonly equal = new Map<string, string | Set<string>>();
  readonly numbers = new SortedTree<number>(compareNumbers);
  readonly strings = new SortedTree<string>(compareStrings);
  /** The uids that hold a value. */
  readonly present = new Set<string>();

  /** The index of `field` over the records `uids` (read from `source`). */
  static build(field: string, uids: Iterable<string>, source: MemorySource): FieldIndex {
    const index = new FieldIndex();
    const numbers: [number, string][] = [];
    const strings: [string, string][] = [];
    for (const uid of uids) {
      const fields = source.fields(uid);
      if (!fields || !Object.hasOwn(fields, field)) continue;
      const value = fields[field]!;
      if (value === null) continue;
      index.#addEqual(uid, value);
      if (typeof value === 'number') numbers.push([value, uid]);
      else if (typeof value === 'string') strings.push([value, uid]);
    }
    numbers.sort((a, b) => a[0] - b[0] || compareStrings(a[1], b[1]));
    strings.sort((a, b) => compareStrings(a[0], b[0]) || compareStrings(a[1], b[1]));
    index.numbers.load(
      numbers.map((entry) => entry[0]),
      numbers.map((entry) => entry[1]),
    );
    index.strings.load(
      strings.map((entry) => entry[0]),
      strings.map((entry) => entry[1]),
    );
    return index;
  }

  #addEqual(uid: string, value: JsonValue): void {
    const key = equalKey(value);
    const held = this.equal.get(key);
    if (held === undefined) this.equal.set(key, uid);
    else if (typeof held === 'string') {
      if (held !== uid) this.equal.set(key, new Set([held, uid]));
    } else held.add(uid);
    this.present.add(uid);
  }

  add(uid: string, value: JsonValue): void {
    if (value === null) return;
    this.#addEqual(uid, value);
    if (typeof value === 'number') this.numbers.add(value, uid);
    else if (typeof value === 'string') this.strings.add(value, uid);
  }

  remove(uid: string, value: JsonValue): void {
    if (value === null) return;
    const key = equalKey(value);
    const held = this.equal.get(key);
    if (held === uid) this.equal.delete(key);
    else if (typeof held === 'object') {
      held.delete(uid);
      if (held.size === 1) this.equal.set(key, held.values().next().value!);
    }
    this.present.delete(uid);
    if (typeof value === 'number') this.numbers.remove(value, uid);
    else if (typeof value === 'string') this.strings.remove(value, uid);
  }

  /** The uids holding a value deep-equal to `value`. */
  holding(value: JsonValue): Iterable<string> {
    const held = this.equal.get(equalKey(value));
    return held === undefined ? [] : typeof held === 'string' ? [held] : held;
  }
}

function compareNumbers(a: number, b: number): number {
  return a - b;
}

/** The key of a value in the equality index: its JSON type and its canonical text. */
function equalKey(value: JsonValue): string {
  return typeof value === 'string' ? `s${value}` : `j${canonicalJson(value)}`;
}

/**
 * The per-field indexes of every model of one memory driver. An index of a field of a model
 * is built on the first query that needs it (one pass over the model's records), and kept by
 * every write from then on, so that records that are never queried by a field cost nothing
 * to write or to hold.
 */
export class MemoryIndexes {
  /** model → field → index, for the indexes built so far. */
  readonly #models = new Map<string, Map<string, FieldIndex>>();
  /** model → its records' uids in order (every value 0), once a query has needed them. */
  readonly #uids = new Map<string, SortedTree<number>>();

  /** The index of `field` of `model`, built from `source` when it is the first query to need it. */
  #field(model: string, field: string, source: MemorySource): FieldIndex {
    let fields = this.#models.get(model);
    if (!fields) {
      fields = new Map();
      this.#models.set(model, fields);
    }
    let index = fields.get(field);
    if (!index) {
      index = FieldIndex.build(field, source.uidsOf(model), source);
      fields.set(field, index);
    }
    return index;
  }

  /** Indexes the values of `fields` of record `uid`. */
  add(uid: string, model: string, fields: Readonly<Record<string, JsonValue>>): void {
    this.#uids.get(model)?.add(0, uid);
    const built = this.#models.get(model);
    if (!built) return;
    for (const [field, index] of built) if (Object.hasOwn(fields, field)) index.add(uid, fields[field]!);
  }

  /** Drops the values of `fields` of record `uid`. */
  remove(uid: string, model: string, fields: Readonly<Record<string, JsonValue>>): void {
    this.#uids.get(model)?.remove(0, uid);
    const built = this.#models.get(model);
    if (!built) return;
    for (const [field, index] of built) if (Object.hasOwn(fields, field)) index.remove(uid, fields[field]!);
  }

  /** Moves record `uid` from the values `before` to `after` (only the fields that differ). */
  replace(
    uid: string,
    model: string,
    before: Readonly<Record<string, JsonValue>>,
    after: Readonly<Record<string, JsonValue>>,
  ): void {
    const built = this.#models.get(model);
    if (!built) return;
    for (const [field, index] of built) {
      const old = Object.hasOwn(before, field) ? before[field]! : null;
      const next = Object.hasOwn(after, field) ? after[field]! : null;
      if (old === next) continue;
      if (old !== null) index.remove(uid, old);
      if (next !== null) index.add(uid, next);
    }
  }

  /** The keys a plan selects, in its order. */
  query(plan: QueryPlan, source: MemorySource): RecordKey[] {
    const compare = comparator(plan);
    const hasLink = this.#hasLink(source);
    if (plan.orderBy.length === 0 && plan.limit !== null && !this.#narrowed(plan)) {
      // Every record is a candidate and the order is the uids': each model's records in uid
      // order from the position on, until the limit (a page of `iterate` does not sort the model).
      const descending = plan.uidDirection === 'desc';
      const position = plan.after ? { value: 0, open: true, uid: plan.after.uid } : undefined;
      const out: RecordKey[] = [];
      for (const model of plan.models) {
        let taken = 0;
        const uids = this.#uidTree(model, source).range(
          descending ? { high: position, descending } : { low: position, descending },
        );
        for (const uid of uids) {
          const fields = source.fields(uid);
          if (!fields || !matches(plan.where, uid, fields, hasLink)) continue;
          out.push({ uid, model });
          if (++taken >= plan.limit) break;
        }
      }
      if (plan.models.length > 1)
        out.sort((a, b) => (descending ? compareStrings(b.uid, a.uid) : compareStrings(a.uid, b.uid)));
      return out.length > plan.limit ? out.slice(0, plan.limit) : out;
    }
    const ordered = this.#orderedScan(plan, source);
    const out: (SortEntry & { model: string })[] = [];
    if (ordered) {
      // The index gives the records in the plan's order: stop at the limit.
      const model = plan.models[0]!;
      const keys: RecordKey[] = [];
      for (const uid of ordered.uids) {
        if (!ordered.exact) {
          const fields = source.fields(uid);
          if (!fields || !matches(plan.where, uid, fields, hasLink)) continue;
        }
        keys.push({ uid, model });
        if (plan.limit !== null && keys.length >= plan.limit) break;
      }
      return keys;
    }
    const sorted = plan.orderBy.length > 0;
    for (const [model, uids, exact] of this.#candidates(plan, source)) {
      for (const uid of uids) {
        let values: (Scalar | null)[] = [];
        if (!exact || sorted) {
          const fields = source.fields(uid);
          if (!fields || (!exact && !matches(plan.where, uid, fields, hasLink))) continue;
          values = sortValues(fields, plan.orderBy);
        }
        const entry = { values, uid, model };
        if (isAfter(compare, entry, plan.after)) out.push(entry);
      }
    }
    out.sort(compare);
    const kept = plan.limit === null ? out : out.slice(0, plan.limit);
    return kept.map(({ uid, model }) => ({ uid, model }));
  }

  /** Whether an index lookup of a top-level condition narrows the plan's candidates. */
  #narrowed(plan: CountPlan): boolean {
    const top = topLevel(plan.where);
    return top.some((condition) => condition.op === 'has') || indexedLeaf(top) !== undefined;
  }

  /** The uids of a model's records in order, built on the first query that needs them. */
  #uidTree(model: string, source: MemorySource): SortedTree<number> {
    let tree = this.#uids.get(model);
    if (!tree) {
      tree = new SortedTree<number>(compareNumbers);
      const uids = [...source.uidsOf(model)].sort(compareStrings);
      tree.load(
        uids.map(() => 0),
        uids,
      );
      this.#uids.set(model, tree);
    }
    return tree;
  }

  /** The number of records a plan selects. */
  count(plan: CountPlan, source: MemorySource): number {
    const hasLink = this.#hasLink(source);
    let count = 0;
    if (plan.where === null) {
      // Every record of the models: their number, without reading them.
      for (const model of plan.models) {
        const uids = source.uidsOf(model) as Iterable<string> & { size?: number };
        if (typeof uids.size === 'number') count += uids.size;
        else for (const _ of uids) count++;
      }
      return count;
    }
    for (const [, uids, exact] of this.#candidates(plan, source)) {
      if (exact) {
        const held = uids as Iterable<string> & { size?: number; length?: number };
        if (typeof held.size === 'number') count += held.size;
        else if (typeof held.length === 'number') count += held.length;
        else for (const _ of held) count++;
        continue;
      }
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
   * The uids of a single model's records in the plan's order, from a sorted index, and whether
   * the index range is the whole condition (then the records need no check). Either the only
   * sort key has a top-level condition on it that rules out records without it, or there is no
   * sort key and a top-level equality: the entries of one value are in uid order.
   */
  #orderedScan(plan: QueryPlan, source: MemorySource): { uids: Iterable<string>; exact: boolean } | null {
    if (plan.models.length !== 1 || plan.orderBy.length > 1) return null;
    const top = topLevel(plan.where);
    const key = plan.orderBy[0];
    let field: string;
    let kind: 'number' | 'string';
    let descending: boolean;
    /** The value of the equality that decides the order when there is no sort key. */
    let only: string | number | null = null;
    if (key) {
      if (key.kind !== 'number' && key.kind !== 'string') return null;
      field = key.field;
      kind = key.kind;
      descending = key.direction === 'desc';
    } else {
      const equal = top.find(
        (condition) =>
          condition.op === 'eq' &&
          (typeof condition.value === 'number' || typeof condition.value === 'string'),
      );
      if (equal?.op !== 'eq') return null;
      field = equal.field;
      kind = typeof equal.value as 'number' | 'string';
      descending = plan.uidDirection === 'desc';
      only = kind === 'number' ? (equal.value as number) : (equal.value as string);
    }
    const range = rangeOn(top, field, kind);
    if (!range) return null;
    const { bounds } = range;
    const after = plan.after;
    if (after) {
      // Without a sort key the position is a uid among the entries of the one value.
      const value = key ? after.values[0] : only;
      // A position past every value (a missing one, in ascending order) leaves nothing.
      if (value === null || typeof value !== kind) {
        if (!descending) return { uids: [], exact: true };
      } else {
        const position = { value: value as string | number, open: true, uid: after.uid };
        if (!descending) bounds.low = tighter(bounds.low, position, 'low', kind);
        else bounds.high = tighter(bounds.high, position, 'high', kind);
      }
    }
    const index = this.#field(plan.models[0]!, field, source);
    if (only !== null && top.length === 1) {
      // A value held by one record at most (a unique field): the equality index has it without a seek.
      const held = index.equal.get(equalKey(only));
      if (typeof held !== 'object') {
        const beyond =
          held !== undefined &&
          (!after ||
            (descending ? compareStrings(held, after.uid) < 0 : compareStrings(held, after.uid) > 0));
        return { uids: beyond ? [held] : [], exact: true };
      }
    }
    const list = (kind === 'number' ? index.numbers : index.strings) as SortedTree<string | number>;
    return { uids: list.range({ ...bounds, descending }), exact: range.exact };
  }

  /**
   * Candidate uids per model: from an index lookup of a top-level condition, else every record;
   * and whether the lookup is the whole condition, so that every candidate matches.
   */
  #candidates(plan: CountPlan, source: MemorySource): [string, Iterable<string>, boolean][] {
    const top = topLevel(plan.where);
    const has = top.find((condition) => condition.op === 'has');
    if (has && has.op === 'has') {
      const byModel = new Map<string, string[]>(plan.models.map((model) => [model, []]));
      for (const key of source.sourcesOf(has.target, has.field)) byModel.get(key.model)?.push(key.uid);
      return [...byModel].map(([model, uids]) => [model, uids, false]);
    }
    const leaf = indexedLeaf(top);
    const exact = leaf !== undefined && top.length === 1 && answersExactly(leaf);
    return plan.models.map((model): [string, Iterable<string>, boolean] => {
      if (!leaf || !('field' in leaf)) return [model, source.uidsOf(model), false];
      const index = this.#field(model, leaf.field, source);
      switch (leaf.op) {
        case 'eq':
          return [model, index.holding(leaf.value), exact];
        case 'in':
          return [model, new Set(leaf.values.flatMap((value) => [...index.holding(value)])), exact];
        case 'exists':
          return [model, index.present, exact];
        default: {
          const bounds = rangeOf(leaf);
          const list = (
            typeof (leaf as { value: unknown }).value === 'number' ? index.numbers : index.strings
          ) as SortedTree<string | number>;
          return [model, list.range({ ...bounds, descending: false }), exact];
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

/** Whether the index lookup of a condition (`#candidates`) finds exactly the records it matches. */
function answersExactly(condition: Condition): boolean {
  switch (condition.op) {
    case 'eq':
    case 'in':
      // The equality index keys values by their canonical JSON: deep equality exactly.
      return true;
    case 'exists':
      return condition.exists;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      // A sorted list holds the values of one type, compared as the condition compares them.
      return true;
    default:
      return false;
  }
}

/**
 * The range of `kind` values of `field` that the top-level conditions on it admit (their
 * intersection), or null when none is a comparison, equality or prefix of that kind; exact
 * when those conditions are the whole condition and the range admits no more than they do.
 */
function rangeOn(
  top: readonly Condition[],
  field: string,
  kind: 'number' | 'string',
): { bounds: { low?: Bound<string | number>; high?: Bound<string | number> }; exact: boolean } | null {
  let low: Bound<string | number> | undefined;
  let high: Bound<string | number> | undefined;
  let used = 0;
  let exact = true;
  for (const condition of top) {
    if (
      !('field' in condition) ||
      condition.field !== field ||
      !('value' in condition) ||
      typeof condition.value !== kind ||
      !['eq', 'gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op)
    )
      continue;
    used++;
    // A prefix's range is checked on the records rather than trusted.
    if (condition.op === 'startsWith') exact = false;
    const range = rangeOf(condition);
    if (range.low) low = narrower(low, range.low, 'low', kind);
    if (range.high) high = narrower(high, range.high, 'high', kind);
  }
  if (used === 0) return null;
  const bounds: { low?: Bound<string | number>; high?: Bound<string | number> } = {};
  if (low) bounds.low = low;
  if (high) bounds.high = high;
  return { bounds, exact: exact && used === top.length };
}

/** The narrower of two bounds of one side of a range (neither a keyset position). */
function narrower(
  bound: Bound<string | number> | undefined,
  other: Bound<string | number>,
  side: 'low' | 'high',
  kind: 'number' | 'string',
): Bound<string | number> {
  if (!bound) return other;
  const order =
    kind === 'number'
      ? (other.value as number) - (bound.value as number)
      : compareStrings(other.value as string, bound.value as string);
  if (order === 0) return { value: bound.value, open: bound.open || other.open };
  return (side === 'low' ? order > 0 : order < 0) ? other : bound;
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

/** The top-level condition whose index lookup gives the candidates, if one has an index. */
function indexedLeaf(top: readonly Condition[]): Condition | undefined {
  return (
    top.find((condition) => condition.op === 'eq') ??
    top.find((condition) => condition.op === 'in') ??
    top.find((condition) => condition.op === 'exists' && condition.exists) ??
    top.find(
      (condition) =>
        ['gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op) &&
        'value' in condition &&
        (typeof condition.value === 'number' || typeof condition.value === 'string'),
    )
  );
}

/**
 * The conditions that must all hold, with nested `and`s opened: the plan of
 * `{ a: { $gt: 1, $lt: 5 }, b: 2 }` is an `and` holding the `and` of `a`'s two comparisons.
 */
function topLevel(where: Condition | null): readonly Condition[] {
  if (where === null) return [];
  if (where.op !== 'and') return [where];
  if (!where.conditions.some((condition) => condition.op === 'and')) return where.conditions;
  return where.conditions.flatMap((condition) => topLevel(condition));
}
