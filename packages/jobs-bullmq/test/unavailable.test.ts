import { isConsteliteError, ref } from '@constelite/core';
import { freePort } from '@constelite/test-services';
import { type RedisServer, startRedis } from '@constelite/test-services/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMQJobQueue, startWorker } from '../src/index.js';
import { Tally } from './fixtures/app.js';
import { application, failure, STORE_UID, settle, until } from './helpers.js';

let redis: RedisServer | null = null;
let app: ReturnType<typeof application> | null = null;
afterEach(async () => {
  await app?.close();
  await redis?.stop();
  app = null;
  redis = null;
});

function post(api: ReturnType<ReturnType<typeof application>['api']>['api'], path: string, body: unknown) {
  return api.app.request(`http://alpha.test${path}`, {
    method: 'POST',
    body: new TextEncoder().encode(JSON.stringify(body)),
    headers: { authorization: 'Bearer None' },
  });
}

describe('Redis unavailable', () => {
  it('at start-up, opening the queue or starting a worker is JOBS_UNAVAILABLE (503) naming host:port', async () => {
    const port = await freePort();
    const queue = new BullMQJobQueue({ url: `redis://127.0.0.1:${port}`, timeoutMs: 1000 });
    const refused = await failure(queue.open());
    expect(isConsteliteError(refused, 'JOBS_UNAVAILABLE')).toBe(true);
    expect((refused as { status: number }).status).toBe(503);
    expect((refused as Error).message).toContain(`127.0.0.1:${port}`);
    const { api } = application(`redis://127.0.0.1:${port}`, { timeoutMs: 1000 }).api();
    const noWorker = await failure(startWorker({ api, queue }));
    expect(isConsteliteError(noWorker, 'JOBS_UNAVAILABLE')).toBe(true);
    expect((noWorker as Error).message).toContain(`127.0.0.1:${port}`);
    await queue.close();
  });

  it('while Redis is down, job calls answer 503 JOBS_UNAVAILABLE naming host:port, store calls go on; jobs work again once it is back', async () => {
    redis = await startRedis();
    app = application(redis.url, { timeoutMs: 1000 });
    const { api, queue } = app.api();
    await queue.open();
    await app.worker();
    expect((await settle(api, await api.startJob('add', { a: 1, b: 1 }))).result).toBe(2);
    const saved = await app.store.put(ref(Tally({ n: 1 })));

    await redis.kill();
    const submit = await post(api, '/jobs/add', { args: { a: 2, b: 2 }, logger: null });
    expect(submit.status).toBe(503);
    const body = (await submit.json()) as { code: string; extra: { error_message: string } };
    expect(body.code).toBe('JOBS_UNAVAILABLE');
    expect(body.extra.error_message).toContain(`127.0.0.1:${redis.port}`);
    const fetched = await post(api, '/jobs/fetch', { job: '00000000-0000-4000-8000-000000000000' });
    expect(fetched.status).toBe(503);
    const read = await post(api, '/store/get', { ref: saved.toJSON(), store: { uid: STORE_UID } });
    expect(read.status).toBe(201);
    expect(app.lines).toContainEqual({
      level: 'error',
      fields: expect.objectContaining({ code: 'JOBS_UNAVAILABLE', address: `127.0.0.1:${redis.port}` }),
    });

    await redis.start();
    await until(
      async () => (await post(api, '/jobs/add', { args: { a: 3, b: 3 }, logger: null })).status === 201,
    );
    expect((await settle(api, await api.startJob('add', { a: 4, b: 4 }))).result).toBe(8);
  });
});
