// The demo API's protocol contracts as a client-only project holds them: `protocolSignature`
// from @constelite/core and zod schemas, no @constelite/api. The server implements the same
// signatures (apps/demo/src/protocols.ts); a shared package of such a module types both sides.
import {
  type AnyStateModel,
  association,
  backref,
  protocolSignature,
  refOf,
  stateModel,
} from '@constelite/core';
import { z } from 'zod';

// The demo API's models, as a client application defines them (answers are validated against them).
export const Human = stateModel('Human', {
  name: z.string().optional(),
  cats: backref((): AnyStateModel => Cat, 'carer'),
});
export const Cat = stateModel('Cat', { name: z.string().optional(), carer: association(() => Human) });

export const hello_world = protocolSignature({
  name: 'Hello world',
  description: 'Greets someone in the API log.',
  args: { name: z.string() },
});

export const give_cat_a_carer = protocolSignature({
  name: 'Give a cat a carer',
  args: { cat: refOf(Cat), carer_name: z.string().min(1) },
  returns: refOf(Human),
});
