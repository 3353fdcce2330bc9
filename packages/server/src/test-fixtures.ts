import { protocol } from '@constelite/api';
import {
  type AnyStateModel,
  aggregation,
  association,
  backref,
  composition,
  stateModel,
} from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { z } from 'zod';
import { HonoAPI, type HonoAPIOptions } from './index.js';

export const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
export const OTHER_STORE_UID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

export const Human = stateModel('Human', {
  name: z.string(),
  cats: backref((): AnyStateModel => Cat, 'carer'),
});
export const Cat = stateModel('Cat', {
  name: z.string(),
  age: z.number().int(),
  carer: association(() => Human),
});
export const CatGang = stateModel('CatGang', { name: z.string(), members: aggregation(() => Cat) });
export const Page = stateModel('Page', { index: z.number().int() });
export const Book = stateModel('Book', { title: z.string(), pages: composition(() => Page) });
export const models = { Human, Cat, CatGang, more: { Page, Book } };

export const protocols = {
  hello_world: protocol({ name: 'Hello world', args: { name: z.string() } }, ({ logger, args }) => {
    logger.info(`Hello, ${args.name}!`);
  }),
  add: protocol(
    {
      name: 'Add',
      args: { a: z.number(), b: z.number() },
      returns: z.number(),
      description: 'Adds two numbers',
    },
    ({ args }) => args.a + args.b,
  ),
  make_cat: protocol({ name: 'Make cat', args: { name: z.string() }, returns: Cat.schema }, ({ args }) =>
    Cat({ name: args.name }),
  ),
  explode: protocol({ name: 'Explode', args: {} }, () => {
    throw new Error('the cat sat on the keyboard');
  }),
  slow: protocol(
    { name: 'Slow', args: { ms: z.number().int().max(5000) }, returns: z.string() },
    async ({ args }) => {
      await new Promise((resolve) => setTimeout(resolve, args.ms));
      return 'done';
    },
  ),
  cats: {
    herd_a_cat: protocol(
      { name: 'Herd a cat', args: { cat: Cat.schema }, returns: z.string() },
      ({ args }) => `${args.cat.name ?? 'nobody'} refuses`,
    ),
  },
};

/** A fresh API (memory stores, quiet logger) for one test. */
export function makeAPI(options: Partial<HonoAPIOptions> = {}) {
  const store = new MemoryStore({ uid: STORE_UID, name: 'Memory store' });
  const other = new MemoryStore({ uid: OTHER_STORE_UID, name: 'Other store' });
  const lines: string[] = [];
  const api = new HonoAPI({
    name: 'Alpha',
    stores: [store, other],
    loggers: { default: () => quietLogger(lines) },
    ...options,
  });
  api.discoverModels(models);
  api.discoverProtocols(protocols);
  return { api, app: api.generateApp(), store, other, lines };
}

function quietLogger(lines: string[]) {
  const log = (message: string) => {
    lines.push(message);
  };
  return { debug: log, info: log, warn: log, error: log };
}

/** POSTs `body` (a string is sent as is) without a Content-Type, as the Python client does. */
export function post(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers,
    }),
  );
}

/** A ref in the wire form, with no record. */
export function newRef(state: Record<string, unknown> & { model_name: string }) {
  return { record: null, guid: null, state, state_model_name: state.model_name, model_name: 'Ref' };
}
