import { association, defaultRegistry, isConsteliteError, ref, stateModel } from '@constelite/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CompileOptions,
  canonicalJson,
  compareStrings,
  compileQuery,
  prefixUpperBound,
  QUERY_LIMIT_MAX,
  Store,
  valueKindOf,
} from '../index.js';
import { testDriver } from '../test-driver.js';

const Owner = stateModel('QueryUnitOwner', { name: z.string() });
const Item = stateModel('QueryUnitItem', {
  name: z.string(),
  rank: z.number(),
  flag: z.boolean(),
  owner: association(() => Owner),
});

const options: CompileOptions = { method: 'query', defaultLimit: null, paged: false };
const context = {
  registry: defaultRegistry,
  resolveHas: async (target: { uid: string | null }) => target.uid!,
};

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; extra: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isConsteliteError(error)) return { code: error.code, message: error.message, extra: error.extra };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the values of the query language', () => {
  it('compares strings by code point, not by UTF-16 unit', () => {
    const sorted = ['😀', '\uFFFD', 'é', 'z', 'a', 'B', ''].sort(compareStrings);
    expect(sorted).toEqual(['', 'B', 'a', 'z', 'é', '\uFFFD', '😀']);
    expect(['😀', '\uFFFD'].sort()).toEqual(['😀', '\uFFFD']); // what plain sort would do
  });

  it('writes canonical JSON with sorted keys at every depth, lists in order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
    expect(canonicalJson(JSON.parse('{"__proto__": {"y": 1, "x": 2}}'))).toBe('{"__proto__":{"x":2,"y":1}}');
  });

  it('gives the least string above every string with a prefix', () => {
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeNull();
    expect(prefixUpperBound('x\uD7FF')).toBe('x\uE000');
    expect(prefixUpperBound('😀')).toBe('😁');
    expect(prefixUpperBound('')).toBeNull();
  });

  it('reads the kind of a field from its zod schema', () => {
    expect(valueKindOf(z.string().email())).toBe('string');
    expect(valueKindOf(z.number().int().optional())).toBe('number');
    expect(valueKindOf(z.enum(['a', 'b']))).toBe('string');
    expect(valueKindOf(z.literal(3))).toBe('number');
    expect(valueKindOf(z.union([z.string(), z.number()]))).toBe('any');
    expect(valueKindOf(z.array(z.string()))).toBe('array');
    expect(valueKindOf(z.record(z.string(), z.number()))).toBe('object');
    expect(valueKindOf(z.string().transform((value) => value.length))).toBe('any');
    expect(valueKindOf(z.unknown())).toBe('any');
  });
});

describe('compileQuery', () => {
  it('turns JSON conditions into a plan, checking every operand', async () => {
    const { plan } = await compileQuery(
      context,
      Item,
      {
        where: JSON.parse(
          '{"name": {"$in": ["a", null]}, "rank": {"$gte": 1, "$lt": 5}, "$or": [{"flag": true}, {"flag": {"$exists": false}}]}',
        ),
        orderBy: [{ field: 'rank', direction: 'desc' }],
        limit: 10,
      },
      options,
    );
    expect(plan.where).toEqual({
      op: 'and',
      conditions: [
        {
          op: 'or',
          conditions: [
            { op: 'in', field: 'name', values: ['a'] },
            { op: 'exists', field: 'name', exists: false },
          ],
        },
        {
          op: 'and',
          conditions: [
            { op: 'gte', field: 'rank', value: 1 },
            { op: 'lt', field: 'rank', value: 5 },
          ],
        },
        {
          op: 'or',
          conditions: [
            { op: 'eq', field: 'flag', value: true },
            { op: 'exists', field: 'flag', exists: false },
          ],
        },
      ],
    });
    expect(plan.orderBy).toEqual([{ field: 'rank', direction: 'desc', kind: 'number' }]);
    expect(plan.uidDirection).toBe('desc');
    expect(plan.limit).toBe(10);
    expect(plan.models).toEqual(['QueryUnitItem']);
  });

  it('names the model, the field and the operator of a bad condition, in the message and in extra', async () => {
    const error = await failure(
      compileQuery(context, Item, { where: { rank: { $contains: 'x' } } }, options),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain("QueryUnitItem by 'rank' $contains");
    expect(error.extra).toEqual({ model: 'QueryUnitItem', field: 'rank', operator: '$contains' });
  });

  it(`caps limit at ${QUERY_LIMIT_MAX}`, async () => {
    expect((await compileQuery(context, Item, { limit: QUERY_LIMIT_MAX }, options)).plan.limit).toBe(
      QUERY_LIMIT_MAX,
    );
    expect((await failure(compileQuery(context, Item, { limit: QUERY_LIMIT_MAX + 1 }, options))).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('ties a query to its hash: another where or orderBy gives another hash, another limit does not', async () => {
    const paged = { method: 'queryPage', defaultLimit: 100, paged: true } as const;
    const hash = async (input: object) => (await compileQuery(context, Item, input, paged)).hash;
    const base = await hash({ where: { rank: 1 }, orderBy: [{ field: 'name' }] });
    expect(await hash({ where: { rank: 1 }, orderBy: [{ field: 'name' }], limit: 3 })).toBe(base);
    expect(await hash({ where: { rank: 2 }, orderBy: [{ field: 'name' }] })).not.toBe(base);
    expect(await hash({ where: { rank: 1 }, orderBy: [{ field: 'name', direction: 'desc' }] })).not.toBe(
      base,
    );
  });
});

describe('a minimal driver (contract version 1, required primitives only) answers the whole language', () => {
  it('operators, $has, sorting, pages, count and iterate', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: 1 }) });
    const ann = await store.put(ref(Owner({ name: 'Ann' })));
    for (let index = 0; index < 9; index++)
      await store.put(
        ref(
          Item({ name: `i${index}`, rank: index % 3, flag: index % 2 === 0, owner: index < 4 ? [ann] : [] }),
        ),
      );
    const where = { rank: { $gte: 1 }, $or: [{ flag: true }, { owner: { $has: ann } }] };
    const all = await store.query({ model: Item, where, orderBy: [{ field: 'rank' }, { field: 'name' }] });
    expect(all.map((item) => item.record?.uid)).toHaveLength(4);
    const names = (
      await store.query({ model: Item, where, orderBy: [{ field: 'name' }], includeStates: true })
    ).map((item) => item.state?.name);
    expect(names).toEqual(['i1', 'i2', 'i4', 'i8']);
    const first = await store.queryPage({ model: Item, where, orderBy: [{ field: 'name' }], limit: 3 });
    const second = await store.queryPage({
      model: Item,
      where,
      orderBy: [{ field: 'name' }],
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.nextCursor).toBeNull();
    expect([...first.refs, ...second.refs].map((item) => item.record?.uid)).toEqual(
      (await store.query({ model: Item, where, orderBy: [{ field: 'name' }] })).map(
        (item) => item.record?.uid,
      ),
    );
    expect(await store.count({ model: Item, where })).toBe(4);
    const iterated: string[] = [];
    for await (const item of store.iterate({ model: Item, where, orderBy: [{ field: 'name' }], pageSize: 2 }))
      iterated.push(item.record!.uid);
    expect(iterated).toEqual(
      (await store.query({ model: Item, where, orderBy: [{ field: 'name' }] })).map(
        (item) => item.record!.uid,
      ),
    );
  });
});
