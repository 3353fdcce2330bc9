import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type AnyStateModel,
  aggregation,
  association,
  backref,
  composition,
  dynamic,
  isConsteliteError,
  ModelRegistry,
  type Ref,
  type RefTo,
  ref,
  resolveRef,
  resolveState,
  type StateOf,
  stateModel,
  type TimeSeries,
} from './index.js';

const Human = stateModel('CoreHuman', { name: z.string(), cats: backref((): AnyStateModel => Cat, 'carer') });
const Cat = stateModel('CoreCat', {
  name: z.string().optional(),
  lives: z.number().int(),
  carer: association(() => Human),
});
const Kitten = Cat.extend('CoreKitten', { age: z.number().int() });
const Page = stateModel('CorePage', { index: z.number().int() });
const Book = stateModel('CoreBook', {
  title: z.string(),
  pages: composition(() => Page),
  readers: aggregation(() => Human),
});
const Sensor = stateModel('CoreSensor', { temperature: dynamic(z.number()) });

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('stateModel', () => {
  it('builds a validated state that carries model_name', () => {
    expect(Cat({ name: 'Snowball' })).toEqual({ model_name: 'CoreCat', name: 'Snowball' });
  });

  it('treats null as "not given" and makes every field optional', () => {
    expect(Cat({ name: null, lives: 9 })).toEqual({ model_name: 'CoreCat', lives: 9 });
    expect(Human({})).toEqual({ model_name: 'CoreHuman' });
  });

  it('rejects a value of the wrong type with VALIDATION_FAILED naming the model and field', () => {
    const error = captureError(() => Cat({ lives: 'nine' as unknown as number }));
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/CoreCat/);
    expect((error as Error).message).toMatch(/lives/);
  });

  it('rejects unknown fields and a foreign model_name', () => {
    expect(
      isConsteliteError(
        captureError(() => Cat.parse({ colour: 'white' })),
        'VALIDATION_FAILED',
      ),
    ).toBe(true);
    expect(() => Cat.parse({ model_name: 'CoreBook', name: 'x' })).toThrow(/expected 'CoreCat'/);
  });

  it('extends a model: the sub-model has the parent fields and is a sub-model of it', () => {
    const kitten = Kitten({ name: 'Tom', age: 1 });
    expect(kitten).toEqual({ model_name: 'CoreKitten', name: 'Tom', age: 1 });
    expect(Kitten.isSubModelOf(Cat)).toBe(true);
    expect(Cat.isSubModelOf(Kitten)).toBe(false);
    expect(Kitten.fields.carer?.kind).toBe('association');
  });

  it('records the kind of each field', () => {
    expect(Object.fromEntries(Object.entries(Book.fields).map(([k, v]) => [k, v.kind]))).toEqual({
      title: 'static',
      pages: 'composition',
      readers: 'aggregation',
    });
    expect(Human.fields.cats).toMatchObject({ kind: 'backref', field: 'carer' });
    expect(Sensor.fields.temperature?.kind).toBe('dynamic');
  });

  it('turns relationship JSON into refs and checks the target model', () => {
    const book = Book.parse({
      title: 'T',
      pages: [
        {
          record: null,
          guid: null,
          state: { model_name: 'CorePage', index: 1 },
          state_model_name: 'CorePage',
          model_name: 'Ref',
        },
      ],
    });
    const page = book.pages?.[0];
    expect(page?.state).toEqual({ model_name: 'CorePage', index: 1 });
    expect(page?.index).toBe(1);
    // @ts-expect-error a Cat ref is not a page: a compile error too, and the run-time check stays for untyped input
    expect(() => Book({ pages: [ref(Cat({ name: 'x' }))] })).toThrow(/not a CorePage/);
  });

  it('accepts a sub-model wherever its parent is expected', () => {
    const Owner = stateModel('CoreOwner', { pets: aggregation(() => Cat) });
    expect(Owner({ pets: [ref(Kitten({ age: 1 }))] }).pets?.[0]?.state_model_name).toBe('CoreKitten');
  });

  it('validates dynamic fields as time series', () => {
    const sensor = Sensor({ temperature: { points: [{ timestamp: 1, value: 20.5 }] } });
    expect(sensor.temperature?.points).toHaveLength(1);
    expect(() =>
      Sensor({ temperature: { points: [{ timestamp: 1, value: 'hot' as unknown as number }] } }),
    ).toThrow(/temperature/);
  });

  it('uses a nested state model as a plain value', () => {
    const Address = stateModel('CoreAddress', { city: z.string() });
    const Person = stateModel('CorePerson', { address: Address.schema });
    expect(Person({ address: { city: 'Oslo' } }).address).toEqual({
      model_name: 'CoreAddress',
      city: 'Oslo',
    });
  });
});

describe('registry', () => {
  it('resolves JSON to the model its model_name names, sub-models included', () => {
    const state = resolveState({ model_name: 'CoreKitten', name: 'Tom', age: 2 });
    expect(state).toEqual({ model_name: 'CoreKitten', name: 'Tom', age: 2 });
  });

  it('fails with UNKNOWN_MODEL naming the model, unless forced', () => {
    const error = captureError(() => resolveState({ model_name: 'Dragon' }));
    expect(isConsteliteError(error, 'UNKNOWN_MODEL')).toBe(true);
    expect((error as Error).message).toContain("'Dragon'");
    expect(resolveState({ model_name: 'Dragon', wings: 2 }, { force: true })).toEqual({
      model_name: 'Dragon',
      wings: 2,
    });
  });

  it('lists a model and its sub-models', () => {
    expect(Cat.registry.subModelNames(Cat).sort()).toEqual(['CoreCat', 'CoreKitten']);
  });

  it('keeps separate registries apart', () => {
    const registry = new ModelRegistry();
    const Dog = stateModel('Dog', { name: z.string() }, { registry });
    expect(registry.get('Dog')).toBe(Dog);
    expect(() => resolveState({ model_name: 'Dog' })).toThrow(/Unknown model 'Dog'/);
  });
});

describe('Ref', () => {
  it('carries a state and no record until stored', () => {
    const rCat = ref(Cat({ name: 'Snowball' }));
    expect(rCat.record).toBeNull();
    expect(rCat.state_model_name).toBe('CoreCat');
    expect(rCat.model_name).toBe('Ref');
    expect(() => rCat.uid).toThrow(/no record/);
  });

  it('reads and writes state fields through the ref', () => {
    const rCat = ref(Cat({ name: 'Snowball' }));
    expect(rCat.name).toBe('Snowball');
    rCat.name = 'Snowball II';
    expect(rCat.state?.name).toBe('Snowball II');
  });

  it('creates an empty partial state when writing through a ref without state', () => {
    const stripped = resolveRef({
      record: { store: { uid: 's', name: 'S' }, uid: 'r1', url: null },
      state_model_name: 'CoreCat',
    });
    expect(stripped.state).toBeNull();
    (stripped as RefTo<StateOf<typeof Cat>>).name = 'Tom';
    expect(stripped.state).toEqual({ model_name: 'CoreCat', name: 'Tom' });
    expect(stripped.uid).toBe('r1');
  });

  it('round-trips through JSON in the wire shape', () => {
    const rCat = ref(Cat({ name: 'Snowball' }));
    rCat.record = {
      store: { uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' },
      uid: 'abc',
      url: null,
    };
    const json = JSON.parse(JSON.stringify(rCat));
    expect(json).toEqual({
      record: {
        store: { uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' },
        uid: 'abc',
        url: null,
      },
      guid: null,
      state: { model_name: 'CoreCat', name: 'Snowball' },
      state_model_name: 'CoreCat',
      model_name: 'Ref',
    });
    const back = resolveRef(json);
    expect(JSON.parse(JSON.stringify(back))).toEqual(json);
    expect(back.state?.name).toBe('Snowball');
  });

  it('strip() returns a copy without state', () => {
    const rCat = ref(Cat({ name: 'Snowball' }));
    const stripped = rCat.strip();
    expect(stripped.state).toBeNull();
    expect(rCat.state).not.toBeNull();
  });

  it('prints all five parts readably', () => {
    const text = String(ref(Cat({ name: 'Snowball' })));
    expect(text).toBe(
      "record=null\nguid=null\nstate=CoreCat(model_name='CoreCat', name='Snowball')\nstate_model_name='CoreCat'\nmodel_name='Ref'",
    );
  });

  it('rejects a JSON ref of an unknown model', () => {
    expect(() => resolveRef({ record: null, state_model_name: 'Dragon' })).toThrow(/Dragon/);
  });
});

describe('types', () => {
  it('infers each field of a state', () => {
    type CatState = StateOf<typeof Cat>;
    expectTypeOf<CatState['model_name']>().toEqualTypeOf<'CoreCat'>();
    expectTypeOf<CatState['name']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<CatState['lives']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<StateOf<typeof Kitten>['age']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<StateOf<typeof Sensor>['temperature']>().toEqualTypeOf<TimeSeries<number> | undefined>();
  });

  it('types relationship fields as arrays of refs to the target model', () => {
    type BookState = StateOf<typeof Book>;
    expectTypeOf<NonNullable<BookState['pages']>[number]>().toEqualTypeOf<RefTo<StateOf<typeof Page>>>();
    const book = Book({ title: 'T' });
    const first = book.pages?.[0];
    expectTypeOf(first?.index).toEqualTypeOf<number | undefined>();
  });

  it('types field access through a ref', () => {
    const rCat = ref(Cat({ name: 'Snowball' }));
    expectTypeOf(rCat.name).toEqualTypeOf<string | undefined>();
    const asRef: Ref = rCat;
    expect(asRef).toBe(rCat);
    // Compile-time only: each line below must be a type error.
    const compileOnly = () => {
      // @ts-expect-error a cat's name is a string
      rCat.name = 3;
      // @ts-expect-error CoreCat has no colour field
      Cat({ colour: 'white' });
      // @ts-expect-error lives is a number
      Cat({ lives: 'nine' });
      // @ts-expect-error a book's pages are refs, not strings
      Book({ pages: ['page one'] });
    };
    expect(compileOnly).toBeTypeOf('function');
  });
});

describe('unknown fields', () => {
  it('are a VALIDATION_FAILED error by default and dropped with unknownFields: strip', () => {
    const json = { model_name: 'CoreCat', name: 'Tom', whiskers: 12 };
    expect(() => resolveState(json)).toThrow(/whiskers/);
    expect(resolveState(json, { unknownFields: 'strip' })).toEqual({ model_name: 'CoreCat', name: 'Tom' });
    expect(Cat.parse(json, { unknownFields: 'strip' })).toEqual({ model_name: 'CoreCat', name: 'Tom' });
  });
});
