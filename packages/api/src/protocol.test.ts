import {
  isConsteliteError,
  type ProtocolArgs,
  type ProtocolResult,
  protocolSignature,
  type RefTo,
  ref,
  refOf,
  type StateOf,
  stateModel,
} from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConsteliteAPI, isProtocol, type Protocol, protocol } from './index.js';

const Hamster = stateModel('ProtocolTestHamster', { name: z.string(), age: z.number().int().optional() });
const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';

// A contract module's content: core and zod only.
const contract = {
  add: protocolSignature({
    name: 'Add',
    description: 'Adds two numbers',
    args: { a: z.number(), b: z.number() },
    returns: z.number(),
  }),
  rename: protocolSignature({
    name: 'Rename a hamster',
    args: { hamster: refOf(Hamster), name: z.string().min(1) },
    returns: refOf(Hamster),
  }),
  ping: protocolSignature({ name: 'Ping', args: {} }),
};

const add = protocol(contract.add, ({ args }) => args.a + args.b);
const rename = protocol(contract.rename, async ({ api, args }) => {
  const store = api.getStore(args.hamster.record?.store.uid ?? '');
  return store.patch(args.hamster.strip().withState(Hamster({ name: args.name })));
});
const ping = protocol(contract.ping, () => {});
// The same protocol defined inline, to compare with.
const addInline = protocol(
  {
    name: 'Add',
    description: 'Adds two numbers',
    args: { a: z.number(), b: z.number() },
    returns: z.number(),
  },
  ({ args }) => args.a + args.b,
);
// Returns a string although the contract says number (cast past the compiler, caught at run time).
const wrongResult = protocol(contract.add, () => 'seven' as unknown as number);

function makeAPI() {
  const store = new MemoryStore({ uid: STORE_UID, name: 'Memory store' });
  const api = new ConsteliteAPI({ name: 'Contracts', stores: [store] });
  api.discoverModels({ Hamster });
  api.discoverProtocols({ add, add_inline: addInline, rename, ping, wrong_result: wrongResult });
  return { api, store };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('protocol(contract, run)', () => {
  it("takes the contract's name, description and schemas", () => {
    expect(isProtocol(add)).toBe(true);
    expect(add).toMatchObject({ kind: 'protocol', name: 'Add', description: 'Adds two numbers' });
    expect(add.args).toBe(contract.add.args);
    expect(add.returns).toBe(contract.add.returns);
    expect(Object.isFrozen(add)).toBe(true);
    // A contract without `returns` returns nothing, as an inline definition without one does.
    expect(ping.returns).toBeInstanceOf(z.ZodVoid);
    expect(ping.description).toBeUndefined();
  });

  it('validates arguments and results exactly like the same protocol defined inline', async () => {
    const { api } = makeAPI();
    for (const path of ['add', 'add_inline']) {
      expect(await api.runProtocol(path, { a: 2, b: 3 })).toBe(5);
      const error = await failure(api.runProtocol(path, { a: 'two', b: 3 }));
      expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as Error).message).toContain("field 'a'");
    }
    expect(
      isConsteliteError(await failure(api.runProtocol('wrong_result', { a: 1, b: 2 })), 'PROTOCOL_FAILED'),
    ).toBe(true);
    expect(await api.runProtocol('ping', {})).toBeNull();
  });

  it('resolves ref arguments through the models and answers a ref result', async () => {
    const { api, store } = makeAPI();
    const saved = await store.put(ref(Hamster({ name: 'Hammy' })));
    const answer = (await api.runProtocol('rename', { hamster: saved.toJSON(), name: 'Ham' })) as {
      record: { uid: string };
    };
    expect(answer.record.uid).toBe(saved.record?.uid);
    expect((await store.get(saved)).state).toMatchObject({ name: 'Ham' });
    const empty = await failure(api.runProtocol('rename', { hamster: saved.toJSON(), name: '' }));
    expect(isConsteliteError(empty, 'VALIDATION_FAILED')).toBe(true);
    expect((empty as Error).message).toContain("field 'name'");
  });

  it('types the function from the contract, and the protocol carries the contract types', () => {
    expectTypeOf(add).toEqualTypeOf<Protocol<{ a: z.ZodNumber; b: z.ZodNumber }, z.ZodNumber>>();
    expectTypeOf<ProtocolArgs<typeof rename>>().toEqualTypeOf<ProtocolArgs<typeof contract.rename>>();
    expectTypeOf<ProtocolResult<typeof rename>>().toEqualTypeOf<ProtocolResult<typeof contract.rename>>();
    expectTypeOf<ProtocolResult<typeof rename>>().toEqualTypeOf<RefTo<StateOf<typeof Hamster>>>();
    protocol(contract.rename, ({ args }) => {
      expectTypeOf(args.hamster).toEqualTypeOf<RefTo<StateOf<typeof Hamster>>>();
      expectTypeOf(args.name).toEqualTypeOf<string>();
      return args.hamster;
    });
    protocol(contract.add, ({ args }) => {
      // @ts-expect-error a is a number, not a string
      const text: string = args.a;
      return text.length;
    });
    // @ts-expect-error the contract's result is a number
    protocol(contract.add, () => 'seven');
    // @ts-expect-error a contract without `returns` returns nothing
    protocol(contract.ping, () => 42);
    // @ts-expect-error the result is a ref to a hamster, not a string
    protocol(contract.rename, async () => 'Ham');
  });
});
