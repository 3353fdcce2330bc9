import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ref } from '@constelite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, run, serveNode } from './node.js';
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

  it('close() with puts in flight on keep-alive connections answers every request it received: no reset, every 201 applied', async () => {
    const { url, server, store } = await start();
    const { hostname, port } = new URL(url);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const outcomes: string[] = [];
    let sent = 0;
    let closing: Promise<void> | null = null;
    const putOnce = (name: string) =>
      new Promise<string>((resolve) => {
        const body = JSON.stringify({ ref: newRef({ model_name: 'Cat', name }), store: { uid: STORE_UID } });
        const call = request(
          {
            host: hostname,
            port,
            path: '/store/put',
            method: 'POST',
            agent,
            headers: { 'content-length': Buffer.byteLength(body) },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(String(response.statusCode)));
            response.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
          },
        );
        call.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        call.end(body);
      });
    const worker = async (id: number) => {
      // Bounded: each worker stops at its first refusal or after 400 puts.
      for (let i = 0; i < 400; i++) {
        sent++;
        if (sent === 200) closing = server.close();
        const outcome = await putOnce(`cat ${id}-${i}`);
        outcomes.push(outcome);
        if (outcome !== '201') break;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
    await closing;
    agent.destroy();
    running = null;
    const answered = outcomes.filter((outcome) => outcome === '201').length;
    const failures = outcomes.filter((outcome) => outcome !== '201');
    expect(answered).toBeGreaterThanOrEqual(190);
    // A request that reached the server is answered; after the close a new connection is refused.
    expect(failures.filter((failure) => failure !== 'ECONNREFUSED')).toEqual([]);
    expect(await store.query({ model: Cat })).toHaveLength(answered);
  });

  it('50 clients that ask for a 20 MB answer and never read it do not pin its memory, and are dropped after stallTimeoutMs', async () => {
    const made = makeAPI();
    const name = 'x'.repeat(5000);
    for (let i = 0; i < 4000; i++) await made.store.put(ref(Cat({ name, age: i })));
    const server = await serveNode(made.api.app, '127.0.0.1', 0, { stallTimeoutMs: 2000 });
    running = server;
    const { port } = new URL(server.url);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const body = JSON.stringify({ model_name: 'Cat', store: { uid: STORE_UID }, include_states: true });
    const request = `POST /store/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const stalled = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<{
            socket: Socket;
            count: (chunk: Buffer) => void;
            received: () => number;
            closed: Promise<void>;
          }>((resolve, reject) => {
            let received = 0;
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.pause(); // never reads the answer
              socket.write(request);
              resolve({
                socket,
                count: (chunk: Buffer) => {
                  received += chunk.length;
                },
                received: () => received,
                closed: new Promise((done) => socket.once('close', () => done())),
              });
            });
            socket.on('error', () => {});
            socket.once('error', reject);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const saved = await made.store.put(ref(Cat({ name: 'small', age: 1 })));
    const started = performance.now();
    const got = await fetch(`${server.url}/store/get`, {
      method: 'POST',
      body: JSON.stringify({ ref: saved.toJSON() }),
    });
    const elapsed = performance.now() - started;
    expect(got.status).toBe(201);
    const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.log(
      `50 stalled readers of a 20 MB answer: a small get answered in ${elapsed.toFixed(0)} ms, RSS grew ${growthMb.toFixed(0)} MB`,
    );
    // The get's latency is printed, not asserted (a wall-clock bound would fail on a busy CI
    // machine): 40–90 ms here, also with three busy processes on the two cores, since the streamed
    // answers encode one chunk per turn of the event loop between them (streaming.test.ts).
    expect(growthMb).toBeLessThan(400);
    // The server drops connections that stopped reading: once they read again, they find the
    // answer cut short and the connection closed.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    // Reading again (and ending our side, so that a connection the server kept closes after its answer).
    for (const { socket, count } of stalled) socket.on('data', count).resume().end();
    await Promise.all(stalled.map(({ closed }) => closed));
    // On a busy machine an answer may start late and not yet count as stalled; nearly all must be cut short.
    const cutShort = stalled.filter(({ received }) => received() < 20_000_000).length;
    expect(cutShort).toBeGreaterThanOrEqual(40);
  }, 180_000);
});
