import { ConsteliteClient } from '@constelite/client';
import { ref } from '@constelite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Cat } from '../src/models.js';
import { inProcessClient, type Protocols, store, testApi } from './helpers.js';

describe('auth through the client', () => {
  afterEach(() => {
    delete process.env.CONSTELITE_TOKEN;
  });

  it('with auth on, the right token is let in; none or a wrong one is UNAUTHORIZED (401)', async () => {
    const { api } = testApi({ auth: { token: 's3cret' } });
    const put = { ref: ref(Cat({ name: 'Snowball' })), store };
    await expect(inProcessClient(api, { token: 's3cret' }).store.put(put)).resolves.toMatchObject({
      state_model_name: 'Cat',
    });
    await expect(inProcessClient(api).store.put(put)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
    });
    await expect(
      inProcessClient(api, { token: 'guess' }).protocols.hello_world({ name: 'x' }),
    ).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
    });
  });

  it('the client reads its token from CONSTELITE_TOKEN by default', async () => {
    const { api } = testApi({ auth: { token: 's3cret' } });
    process.env.CONSTELITE_TOKEN = 's3cret';
    const client = new ConsteliteClient<Protocols>({
      url: 'http://alpha.test',
      fetch: (request) => api.app.request(request),
    });
    await expect(client.protocols.test.add({ a: 1, b: 1 })).resolves.toBe(2);
  });

  it('with auth off, a token is ignored', async () => {
    const { api } = testApi();
    await expect(
      inProcessClient(api, { token: 'anything' }).protocols.test.add({ a: 1, b: 2 }),
    ).resolves.toBe(3);
  });
});
