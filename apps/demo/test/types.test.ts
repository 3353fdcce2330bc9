import { ConsteliteClient, type Job } from '@constelite/client';
import type { RefTo } from '@constelite/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { Cat } from '../src/models.js';
import type * as protocols from '../src/protocols.js';
import type { Protocols } from './helpers.js';

const client = new ConsteliteClient<typeof protocols>({ url: 'http://localhost:8001' });
const full = new ConsteliteClient<Protocols>({ url: 'http://localhost:8001' });

describe('a client typed with the protocols of @constelite/api', () => {
  it('types arguments and results from the protocol definitions', () => {
    expectTypeOf(client.protocols.hello_world).parameter(0).toEqualTypeOf<{ name: string }>();
    expectTypeOf<Awaited<ReturnType<typeof client.protocols.hello_world>>>().toEqualTypeOf<null>();
    expectTypeOf<Awaited<ReturnType<typeof full.protocols.test.add>>>().toEqualTypeOf<number>();
    expectTypeOf<Awaited<ReturnType<typeof full.protocols.test.adopt>>>().toEqualTypeOf<RefTo<Cat>>();
    expectTypeOf(full.jobs.test.adopt).returns.resolves.toEqualTypeOf<Job<RefTo<Cat>>>();
  });

  it('rejects wrong arguments and unknown protocols at compile time', () => {
    const typeOnly = () => {
      // @ts-expect-error name must be a string
      void client.protocols.hello_world({ name: 1 });
      // @ts-expect-error b is missing
      void full.protocols.test.add({ a: 1 });
      // @ts-expect-error the demo serves no such protocol
      void client.protocols.goodbye_world({ name: 'Steve' });
      // @ts-expect-error jobs are checked the same way
      void client.jobs.hello_world({});
    };
    expectTypeOf(typeOnly).toBeFunction();
  });
});
