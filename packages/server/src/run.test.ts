import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, run } from './node.js';
import { Cat, makeAPI, newRef, STORE_UID } from './test-fixtures.js';

let running: RunningServer | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

async function start() {
  const made = makeAPI();
  running = await run(made.api, '127.0.0.1', 0);
  return { ...made, url: running.url, server: running };
}

describe('run(host, port) on Node', () => {
  it('serves the app on an ephemeral port', async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/store/put`, {
      method: 'POST',
      body: JSON.stringify({
        ref: newRef({ model_name: 'Cat', name: 'Snowball' }),
        store: { uid: STORE_UID },
      }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const saved = await response.json();
    const got = await fetch(`${url}/store/get`, { method: 'POST', body: JSON.stringify({ ref: saved }) });
    expect(((await got.json()) as { state: { name: string } }).state.name).toBe('Snowball');
  });

  it('a request whose client disconnects at once is still carried out completely', async () => {
    const { url, store } = await start();
    const { hostname, port } = new URL(url);
    const body = JSON.stringify({
      ref: newRef({ model_name: 'Cat', name: 'Fire and forget' }),
      store: { uid: STORE_UID },
    });
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /store/put HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAuthorization: Bearer None\r\n\r\n${body}`,
          () => {
            socket.destroy();
            resolve();
          },
        );
      });
      socket.on('error', reject);
    });
    let found = 0;
    for (let i = 0; i < 200 && found === 0; i++) {
      found = (await store.query({ model: Cat, where: { name: 'Fire and forget' } })).length;
      if (found === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(found).toBe(1);
  });

  it('close() lets an in-flight request finish, then refuses new connections', async () => {
    const { url, server } = await start();
    const inFlight = fetch(`${url}/protocols/slow`, {
      method: 'POST',
      body: JSON.stringify({ args: { ms: 300 } }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = server.close();
    const response = await inFlight;
    expect(response.status).toBe(201);
    expect(await response.json()).toBe('done');
    await closed;
    await expect(fetch(`${url}/store/get`, { method: 'POST', body: '{}' })).rejects.toThrow();
    running = null;
  });

  it('SIGINT and SIGTERM listeners are removed once the server is closed', async () => {
    const before = process.listenerCount('SIGTERM');
    const { server } = await start();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    await server.close();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    running = null;
  });
});
