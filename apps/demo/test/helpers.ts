import { consoleLogger, type LogLevel, protocol } from '@constelite/api';
import { ConsteliteClient, type ConsteliteClientOptions } from '@constelite/client';
import { MemoryStore } from '@constelite/memory-store';
import type { HonoAPI, HonoAPIOptions } from '@constelite/server';
import { z } from 'zod';
import { createApi } from '../src/api.js';
import { Cat } from '../src/models.js';
import type * as demoProtocols from '../src/protocols.js';
import { MEMORY_STORE_NAME, MEMORY_STORE_UID } from '../src/store.js';

/** Protocols the tests serve next to the demo's, at `/protocols/test/<name>`. */
export const testProtocols = {
  add: protocol(
    { name: 'Add', args: { a: z.number(), b: z.number() }, returns: z.number() },
    ({ args }) => args.a + args.b,
  ),
  adopt: protocol({ name: 'Adopt', args: { name: z.string() }, returns: Cat.schema }, ({ args }) =>
    Cat({ name: args.name }),
  ),
  explode: protocol({ name: 'Explode', args: {} }, () => {
    throw new Error('the cat sat on the keyboard');
  }),
};

/** The protocol namespace a test client is typed with. */
export type Protocols = typeof demoProtocols & { test: typeof testProtocols };

/** A demo API with a fresh memory store, the test protocols and a logger whose lines the test can read. */
export function testApi(options: Partial<HonoAPIOptions> = {}): {
  api: HonoAPI;
  logs: { level: LogLevel; line: string }[];
} {
  const logs: { level: LogLevel; line: string }[] = [];
  const api = createApi({
    stores: [new MemoryStore({ uid: MEMORY_STORE_UID, name: MEMORY_STORE_NAME })],
    loggers: { default: consoleLogger({ write: (line, level) => logs.push({ level, line }) }) },
    production: false,
    ...options,
  });
  api.discoverProtocols(testProtocols, 'test');
  return { api, logs };
}

/** A client that talks to `api` in-process, through its Hono app's `app.request` (no port). */
export function inProcessClient(
  api: HonoAPI,
  options: Partial<ConsteliteClientOptions> = {},
): ConsteliteClient<Protocols> {
  const app = api.app;
  return new ConsteliteClient<Protocols>({
    url: 'http://alpha.test',
    token: null,
    fetch: (request) => app.request(request),
    ...options,
  });
}

/** The seed's memory store, as requests name it. */
export const store = { uid: MEMORY_STORE_UID };
