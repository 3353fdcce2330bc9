import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { RefTo, StateOf } from './index.js';
import { stateModel } from './model.js';
import type { ProtocolArgs, ProtocolResult, ProtocolSignature } from './protocol.js';
import { isProtocolContract, protocolSignature } from './signature.js';

const Mouse = stateModel('SignatureMouse', { name: z.string().optional() });

const hello_world = protocolSignature({ name: 'Hello world', args: { name: z.string() } });
const adopt = protocolSignature({
  name: 'Adopt',
  description: 'Adopts a mouse.',
  args: { name: z.string(), age: z.number().int().optional() },
  returns: Mouse.schema,
});

describe('protocolSignature', () => {
  it('holds the argument and result schemas, so a contract module needs only core and zod', () => {
    expect(hello_world).toMatchObject({ kind: 'protocol', name: 'Hello world', description: undefined });
    expect(hello_world.args.parse({ name: 'Steve' })).toEqual({ name: 'Steve' });
    expect(() => hello_world.args.parse({ name: 42 })).toThrow();
    expect(hello_world.returns.parse(undefined)).toBeUndefined();
    expect(adopt.description).toBe('Adopts a mouse.');
    expect(Object.isFrozen(adopt)).toBe(true);
    expect(isProtocolContract(adopt)).toBe(true);
    expect(isProtocolContract({ kind: 'protocol', name: 'x' })).toBe(false);
  });

  it('carries the types a client reads: args as written, results as received (states as refs)', () => {
    expectTypeOf(hello_world).toExtend<ProtocolSignature>();
    expectTypeOf<ProtocolArgs<typeof hello_world>>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<ProtocolResult<typeof hello_world>>().toEqualTypeOf<void>();
    expectTypeOf<ProtocolArgs<typeof adopt>>().toEqualTypeOf<{ name: string; age?: number | undefined }>();
    expectTypeOf<ProtocolResult<typeof adopt>>().toEqualTypeOf<RefTo<StateOf<typeof Mouse>>>();
  });
});
