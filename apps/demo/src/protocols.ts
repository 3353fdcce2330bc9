import { protocol } from '@constelite/api';
import { ref, refOf } from '@constelite/core';
import { z } from 'zod';
import { Cat, Human } from './models.js';

/** The seed's HelloWorldProtocol, served at `/protocols/hello_world`: logs "Hello, <name>!" and returns nothing. */
export const hello_world = protocol(
  { name: 'Hello world', description: 'Greets someone in the API log.', args: { name: z.string() } },
  ({ logger, args }) => {
    logger.info(`Hello, ${args.name}!`);
  },
);

/**
 * A protocol that takes a ref and answers a ref, the pattern most protocols follow: `cat` is
 * the Ref JSON of a stored Cat (any record of the API's stores), validated by `refOf(Cat)`; the
 * protocol gives it a new carer in the cat's own store and answers the carer's Ref (a
 * `RefTo<Human>` for a typed client). Running it twice with the same arguments leaves the cat
 * with one carer of that name: an association is replaced, not appended.
 */
export const give_cat_a_carer = protocol(
  {
    name: 'Give a cat a carer',
    description: "Creates a Human named `carer_name` in the cat's store and makes them the cat's carer.",
    args: { cat: refOf(Cat), carer_name: z.string().min(1) },
    returns: refOf(Human),
  },
  async ({ api, args, logger }) => {
    // refOf gives a Ref; one without a record (a state to create) has no store to look in.
    const store = api.getStore(args.cat.record?.store.uid ?? '');
    const [existing] = await store.query({ model: Human, where: { name: args.carer_name } });
    const carer = existing ?? (await store.put(ref(Human({ name: args.carer_name }))));
    await store.patch(args.cat.strip().withState(Cat({ carer: [carer] })));
    logger.info(`${args.carer_name} now cares for cat ${args.cat.uid}`);
    return carer;
  },
);
