import type { ProtocolSignature, Ref, RefTo } from '@constelite/core';
import { describe, expectTypeOf, it } from 'vitest';
import { ConsteliteClient } from './client.js';
import type { Job, StoreRef } from './types.js';

type Cat = { model_name: 'Cat'; name?: string };

/** What `typeof import('./protocols.js')` looks like to the client: protocols, nested namespaces, other exports. */
declare const protocols: {
  hello_world: ProtocolSignature<{ name: string }, void>;
  adopt: ProtocolSignature<{ name: string; age?: number }, RefTo<Cat>>;
  count: ProtocolSignature<{}, number>;
  maybe: ProtocolSignature<{ id: string }, string | undefined>;
  cats: { herd_a_cat: ProtocolSignature<{ cat: string }, string[]> };
  helper: (x: number) => number;
  VERSION: string;
};

/** What a call resolves to when it waits for the answer (the last overload). */
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

const client = new ConsteliteClient<typeof protocols>({
  url: 'http://localhost:8001',
  fetch: async () => new Response('null'),
});

describe('typed protocol calls', () => {
  it('argument and result types come from the protocol signatures', () => {
    expectTypeOf(client.protocols.hello_world).parameter(0).toEqualTypeOf<{ name: string }>();
    expectTypeOf<Answer<typeof client.protocols.hello_world>>().toEqualTypeOf<null>();
    expectTypeOf<Answer<typeof client.protocols.adopt>>().toEqualTypeOf<RefTo<Cat>>();
    expectTypeOf<Answer<typeof client.protocols.count>>().toEqualTypeOf<number>();
    expectTypeOf<Answer<typeof client.protocols.maybe>>().toEqualTypeOf<string | null>();
    expectTypeOf<Answer<typeof client.protocols.cats.herd_a_cat>>().toEqualTypeOf<string[]>();
  });

  it('a call with waitForResponse: false answers nothing, with or without arguments', async () => {
    expectTypeOf(
      await client.protocols.adopt({ name: 'Tom' }, { waitForResponse: false }),
    ).toEqualTypeOf<void>();
    expectTypeOf(await client.protocols.count(undefined, { waitForResponse: false })).toEqualTypeOf<void>();
    expectTypeOf(await client.protocols.adopt({ name: 'Tom' }, { logger: 'default' })).toEqualTypeOf<
      RefTo<Cat>
    >();
    const typeOnly = () => {
      // @ts-expect-error the arguments are checked the same way
      void client.protocols.adopt({ name: 3 }, { waitForResponse: false });
    };
    expectTypeOf(typeOnly).toBeFunction();
  });

  it('client.call reaches any path and answers unknown', () => {
    expectTypeOf(client.call).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(client.call).returns.resolves.toBeUnknown();
  });

  it('a protocol without arguments can be called without an args object', () => {
    expectTypeOf(client.protocols.count).toBeCallableWith();
    expectTypeOf(client.protocols.count).toBeCallableWith({}, { logger: 'default' });
  });

  it('wrong arguments, unknown protocols and non-protocol exports do not compile', () => {
    const typeOnly = () => {
      // @ts-expect-error name must be a string
      void client.protocols.hello_world({ name: 42 });
      // @ts-expect-error name is required
      void client.protocols.hello_world({});
      // @ts-expect-error unknown argument
      void client.protocols.adopt({ name: 'Tom', colour: 'grey' });
      // @ts-expect-error no such protocol
      void client.protocols.goodbye_world({ name: 'Steve' });
      // @ts-expect-error a function that is not a protocol is not served
      void client.protocols.helper;
      // @ts-expect-error a constant is not served
      void client.protocols.VERSION;
    };
    expectTypeOf(typeOnly).toBeFunction();
  });

  it('jobs are typed like protocols and carry the result type', () => {
    expectTypeOf(client.jobs.adopt).parameter(0).toEqualTypeOf<{ name: string; age?: number }>();
    expectTypeOf(client.jobs.adopt).returns.resolves.toEqualTypeOf<Job<RefTo<Cat>>>();
    expectTypeOf(client.jobs.cats.herd_a_cat).returns.resolves.toEqualTypeOf<Job<string[]>>();
    expectTypeOf(client.jobs.wait<RefTo<Cat>>).returns.resolves.toEqualTypeOf<Job<RefTo<Cat>>>();
    expectTypeOf(client.jobs.fetch<string[]>).returns.resolves.toEqualTypeOf<Job<string[]>>();
  });

  it('store methods keep the state type of the ref', () => {
    expectTypeOf(client.store.get<Cat>).returns.resolves.toEqualTypeOf<RefTo<Cat>>();
    expectTypeOf<RefTo<Cat>['name']>().toEqualTypeOf<string | undefined>();
    expectTypeOf(client.store.delete).parameter(0).toEqualTypeOf<{ ref: Ref; store?: StoreRef | null }>();
  });

  it('an untyped client accepts any protocol path and answers unknown', () => {
    const untyped = new ConsteliteClient({ url: 'http://localhost:8001' });
    expectTypeOf(untyped.runProtocol).returns.resolves.toBeUnknown();
    expectTypeOf(untyped.startJob).returns.resolves.toEqualTypeOf<Job>();
  });
});
