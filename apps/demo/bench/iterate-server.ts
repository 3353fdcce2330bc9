/**
 * The API side of `iterate.bench.ts`, in its own process: a memory store holding
 * BENCH_RECORDS (default 100,000) Page records, served over HTTP. It tells the parent its URL
 * and answers `rss` messages with its resident set size, so that the bench can watch it.
 */
import { MemoryStore } from '@constelite/memory-store';
import { HonoAPI } from '@constelite/server';
import { serveNode } from '@constelite/server/node';
import * as models from '../src/models.js';
import { MEMORY_STORE_NAME, MEMORY_STORE_UID } from '../src/store.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const store = new MemoryStore({ uid: MEMORY_STORE_UID, name: MEMORY_STORE_NAME });
const api = new HonoAPI({ name: 'Iterate bench', stores: [store], loggers: { default: () => quiet } });
api.discoverModels(models);
for (let index = 0; index < RECORDS; index++) {
  await store.put(api.registry.resolveRef({ state: models.Page({ index }), state_model_name: 'Page' }));
}
globalThis.gc?.();
const server = await serveNode(api.app, '127.0.0.1', 0);
process.on('message', (message) => {
  if (message === 'rss' && process.connected) process.send?.({ rss: process.memoryUsage().rss });
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
process.send?.({ url: server.url, records: RECORDS, rss: process.memoryUsage().rss });
