/**
 * The server side of the benchmark, run in its own process so that the load generator does not
 * share its event loop: the Constelite API and a bare Hono app doing the same Map work with JSON
 * in and out, behind one Node server.
 */
import { randomUUID } from 'node:crypto';
import { ref, stateModel } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import { HonoAPI } from '../src/index.js';

export const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
const Cat = stateModel('Cat', { name: z.string(), age: z.number().int() });

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const store = new MemoryStore({ uid: STORE_UID, name: 'Memory store' });
const api = new HonoAPI({ name: 'Bench', stores: [store], loggers: { default: () => quiet } });
api.discoverModels({ Cat });
const saved = await store.put(ref(Cat({ name: 'Snowball', age: 3 })));

type Body = {
  ref: { record: { uid: string } | null; state: Record<string, unknown>; state_model_name: string };
  store?: unknown;
};
const records = new Map<string, Record<string, unknown>>();
records.set(saved.uid, { model_name: 'Cat', name: 'Snowball', age: 3 });
const bare = new Hono();
bare.post('/bare/get', async (c) => {
  const body = JSON.parse(await c.req.text()) as Body;
  const uid = body.ref.record?.uid ?? '';
  return c.json({ ...body.ref, state: records.get(uid) ?? null }, 201);
});
bare.post('/bare/put', async (c) => {
  const body = JSON.parse(await c.req.text()) as Body;
  const uid = randomUUID();
  records.set(uid, body.ref.state);
  return c.json(
    {
      record: { store: body.store, uid, url: null },
      guid: null,
      state: null,
      state_model_name: body.ref.state_model_name,
      model_name: 'Ref',
    },
    201,
  );
});

bare.post('/bare/patch', async (c) => {
  const body = JSON.parse(await c.req.text()) as Body;
  const uid = body.ref.record?.uid ?? '';
  const current = records.get(uid);
  if (!current) return c.json({ code: 'RECORD_NOT_FOUND' }, 404);
  records.set(uid, { ...current, ...body.ref.state });
  return c.json(
    {
      record: { store: { uid: STORE_UID, name: 'Memory store' }, uid, url: null },
      guid: null,
      state: null,
      state_model_name: body.ref.state_model_name,
      model_name: 'Ref',
    },
    201,
  );
});

const app = api.generateApp();
const server = serve(
  {
    fetch: (request, env) =>
      request.url.includes('/bare/') ? bare.fetch(request, env) : app.fetch(request, env),
    hostname: '127.0.0.1',
    port: 0,
  },
  (info) => process.send?.({ url: `http://127.0.0.1:${info.port}`, saved: saved.toJSON() }),
);
// The bench asks for the server's CPU time around each run, to print CPU time per request.
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  }
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
