import {
  aggregation,
  association,
  backref,
  dynamic,
  type Ref,
  type RefTo,
  stateModel,
} from '@constelite/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { OrderBy, QueryPage, QueryWhere, SortableField } from '../index.js';
import { Store } from '../index.js';
import { testDriver } from '../test-driver.js';

const Human = stateModel('TypedQueryHuman', { name: z.string() });
const Cat = stateModel('TypedQueryCat', {
  name: z.string(),
  age: z.number().int(),
  indoor: z.boolean(),
  colour: z.enum(['black', 'white']),
  tags: z.array(z.string()),
  collar: z.object({ size: z.number() }),
  anything: z.unknown(),
  weight: dynamic(z.number()),
  carer: association(() => Human),
  friends: aggregation(() => Human),
  fans: backref(() => Human, 'carer'),
});
const Kitten = Cat.extend('TypedQueryKitten', { months: z.number() });

const human = null as unknown as RefTo<{ model_name: 'TypedQueryHuman'; name?: string }>;
const store = new Store({ driver: testDriver({ contractVersion: 1 }) });

// Type-level tests: `pnpm typecheck` fails when a line marked @ts-expect-error compiles.
describe('QueryWhere is typed from the model', () => {
  it('accepts plain values and the operators of each field type', () => {
    const where: QueryWhere<typeof Cat> = {
      name: 'Snowball',
      age: { $gte: 3, $lt: 10 },
      colour: { $in: ['black', 'white'] },
      indoor: { $ne: true },
      tags: ['a', 'b'],
      collar: { $eq: { size: 2 } },
      anything: { $gt: 'a' },
      carer: { $has: human },
      $or: [{ age: { $lt: 1 } }, { name: { $startsWith: 'T' } }],
      $and: [{ name: { $contains: 'o' } }, { friends: { $has: human } }],
    };
    expectTypeOf(where).toMatchTypeOf<QueryWhere<typeof Cat>>();
    expectTypeOf<QueryWhere<typeof Kitten>>().toHaveProperty('months');
    expectTypeOf<QueryWhere<string>>().toEqualTypeOf<{ readonly [field: string]: unknown }>();
  });

  it('rejects an operator the field type does not allow, a wrong value, or a field that cannot be queried', () => {
    // @ts-expect-error $gt is for numbers and strings
    const a: QueryWhere<typeof Cat> = { indoor: { $gt: true } };
    // @ts-expect-error $contains is for strings
    const b: QueryWhere<typeof Cat> = { age: { $contains: '1' } };
    // @ts-expect-error a number field takes numbers
    const c: QueryWhere<typeof Cat> = { age: '3' };
    // @ts-expect-error $has is for relationship fields
    const d: QueryWhere<typeof Cat> = { name: { $has: human } };
    // @ts-expect-error a relationship field takes $has only
    const e: QueryWhere<typeof Cat> = { carer: [human] };
    // @ts-expect-error dynamic fields cannot be queried
    const f: QueryWhere<typeof Cat> = { weight: { $exists: true } };
    // @ts-expect-error backrefs cannot be queried
    const g: QueryWhere<typeof Cat> = { fans: { $has: human } };
    // @ts-expect-error unknown field
    const h: QueryWhere<typeof Cat> = { nmae: 'x' };
    // @ts-expect-error an enum field takes its values
    const i: QueryWhere<typeof Cat> = { colour: 'red' };
    // @ts-expect-error a sub-model's field is not a field of its parent
    const j: QueryWhere<typeof Cat> = { months: 1 };
    // @ts-expect-error $in takes a list
    const k: QueryWhere<typeof Cat> = { name: { $in: 'a' } };
    void [a, b, c, d, e, f, g, h, i, j, k];
  });
});

describe('OrderBy and the query methods are typed from the model', () => {
  it('sorts by string, number and boolean fields only', () => {
    expectTypeOf<SortableField<typeof Cat>>().toEqualTypeOf<'name' | 'age' | 'indoor' | 'colour'>();
    const orderBy: OrderBy<typeof Cat> = [{ field: 'age', direction: 'desc' }, { field: 'name' }];
    void orderBy;
    // @ts-expect-error relationships cannot be sorted by
    const a: OrderBy<typeof Cat> = [{ field: 'carer' }];
    // @ts-expect-error lists cannot be sorted by
    const b: OrderBy<typeof Cat> = [{ field: 'tags' }];
    // @ts-expect-error direction is asc or desc
    const c: OrderBy<typeof Cat> = [{ field: 'age', direction: 'up' }];
    void [a, b, c];
  });

  it('query, queryPage, count and iterate answer refs of the model', () => {
    const run = async () => {
      expectTypeOf(await store.query({ model: Cat, where: { age: { $gt: 1 } }, limit: 5 })).toEqualTypeOf<
        RefTo<ReturnType<typeof Cat>>[]
      >();
      expectTypeOf(await store.queryPage({ model: Cat, cursor: null })).toEqualTypeOf<
        QueryPage<RefTo<ReturnType<typeof Cat>>>
      >();
      expectTypeOf(await store.count({ model: Cat, where: { name: 'x' } })).toEqualTypeOf<number>();
      for await (const item of store.iterate({ model: Cat, pageSize: 10 }))
        expectTypeOf(item).toMatchTypeOf<Ref>();
      // @ts-expect-error where is checked in every method
      await store.count({ model: Cat, where: { age: 'x' } });
      // @ts-expect-error orderBy is checked too
      await store.queryPage({ model: Cat, orderBy: [{ field: 'friends' }] });
      // A model name (as over HTTP) takes any JSON, checked at run time.
      await store.query({ model: 'TypedQueryCat', where: { whatever: { $gt: 1 } } });
    };
    void run;
  });
});
