// The client against servers of our own that misbehave at the HTTP level: headers and then
// silence, answers that inflate without bound, 201 answers that are not what the endpoint answers.
// Each case once left the client pending or threw an untyped error (packages/client/README.md, "Limits of an answer").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { ModelRegistry, Ref, ref, stateModel } from '@constelite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConsteliteClient } from '../src/index.js';

const registry = new ModelRegistry();
const Toy = stateModel('HostileToy', { name: z.string().optional() }, { registry });
const STORE = { uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' };
const record = { store: STORE, uid: 'be4fab6b-98cd-4ed4-b34e-8ae7cf1c93f2', url: null };
const MiB = 1024 * 1024;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** Starts a node:http server on 127.0.0.1 answering with `handler`; answers its base URL. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer((request, response) => {
    // The body is read so that the request counts as sent, then the handler misbehaves.
    request.resume();
    request.on('end', () => handler(request, response));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(url: string, options: object = {}) {
  return new ConsteliteClient({ url, registry, token: null, retry: 0, ...options });
}

const at = { ref: new Ref({ record, state_model_name: 'HostileToy' }) };

describe('the timeout covers the whole call, body included (#12.13)', () => {
  it('a server that sends headers and part of a body, then stalls, is a NETWORK_ERROR naming the URL', async () => {
    const url = await serve((_, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.write('{"record":'); // and nothing more
    });
    const error = await client(url, { timeout: 300 })
      .store.get(at)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'NETWORK_ERROR',
      extra: { url: `${url}/store/get`, timeoutMs: 300 },
    });
    expect((error as Error).message).toMatch(/did not answer within 300 ms/);
  }, 10_000);

  it('a per-call timeout covers a protocol answer that stalls after its headers', async () => {
    const url = await serve((_, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.flushHeaders();
    });
    await expect(client(url).runProtocol('slow', {}, { timeout: 300 })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
  }, 10_000);

  it('an error answer whose body stalls still ends within the timeout, as the HTTP error it is', async () => {
    const url = await serve((_, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.write('{"detail":');
    });
    const error = await client(url, { timeout: 300 })
      .store.put({ ref: ref(Toy({})), store: STORE })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
  }, 10_000);

  it('a read retried after a failure gets the whole timeout again for its own answer', async () => {
    let attempts = 0;
    const url = await serve((_, response) => {
      attempts++;
      if (attempts === 1) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"detail":"busy"}');
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json' });
      response.write('[');
    });
    const c = client(url, { timeout: 300, retry: { limit: 1, delay: () => 0 } });
    await expect(c.store.query({ model: Toy, store: STORE })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
    expect(attempts).toBe(2);
  }, 10_000);
});

/**
 * Answers `size` bytes of spaces (valid JSON padding) gzip-compressed, as fast as the client
 * reads, and records whether the client hung up before the end. `Infinity` never ends: a
 * client that buffers whole answers would read it until it runs out of memory.
 */
function gzipBomb(size: number) {
  const sent = { bytes: 0, finished: false, closedEarly: false };
  const handler = (_: IncomingMessage, response: ServerResponse) => {
    response.writeHead(201, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    const gzip = createGzip();
    gzip.on('data', (chunk: Buffer) => {
      sent.bytes += chunk.length;
    });
    gzip.pipe(response);
    response.on('close', () => {
      if (!response.writableFinished) sent.closedEarly = true;
      gzip.destroy();
    });
    const chunk = Buffer.alloc(MiB, 0x20); // spaces: valid JSON padding that inflates ~1000:1
    let written = 0;
    const pump = () => {
      while (written < size && !response.destroyed) {
        written += chunk.length;
        if (!gzip.write(chunk)) {
          gzip.once('drain', pump);
          return;
        }
      }
      if (!response.destroyed) {
        sent.finished = true;
        gzip.end('null');
      }
    };
    pump();
  };
  return { sent, handler };
}

describe('answers are bounded while they are read (#12.14)', () => {
  it('an endless gzip answer is RESPONSE_TOO_LARGE once past maxResponseBytes, and the client hangs up', async () => {
    const bomb = gzipBomb(Number.POSITIVE_INFINITY);
    const url = await serve(bomb.handler);
    const error = await client(url, { maxResponseBytes: 4 * MiB })
      .runProtocol('bomb')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
      name: 'ResponseTooLargeError',
      extra: { url: `${url}/protocols/bomb`, maxResponseBytes: 4 * MiB },
    });
    expect((error as Error).message).toContain('maxResponseBytes');
    await expect.poll(() => bomb.sent.closedEarly).toBe(true);
  }, 20_000);

  it('the default limit (64 MiB) stops a 200 MB gzip bomb with a typed error, and memory stays bounded', async () => {
    const bomb = gzipBomb(200 * MiB);
    const url = await serve(bomb.handler);
    const before = process.memoryUsage().rss;
    await expect(client(url).runProtocol('bomb')).rejects.toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
      extra: { maxResponseBytes: 64 * MiB },
    });
    const grown = (process.memoryUsage().rss - before) / MiB;
    console.log(`RSS grew by ${grown.toFixed(0)} MiB reading a 200 MiB gzip bomb (limit 64 MiB)`);
    // Once buffered whole, the 200 MB answer added 819 MB; read in bounded chunks it stays near the limit.
    expect(grown).toBeLessThan(200);
    // Compressing 200 MB on a busy two-core machine can take most of a minute.
  }, 120_000);

  it('a Content-Length above the limit is refused before the body is read', async () => {
    const url = await serve((_, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'content-length': String(2 * MiB) });
      response.write('['); // the rest never comes: the client must not wait for it
    });
    await expect(
      client(url, { maxResponseBytes: MiB }).store.query({ model: Toy, store: STORE }),
    ).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  }, 10_000);

  it('a compressed answer within the limit is read and resolved', async () => {
    const url = await serve((_, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(response);
      gzip.end(
        JSON.stringify({
          record,
          guid: null,
          state: { model_name: 'HostileToy', name: 'x'.repeat(100_000) },
          state_model_name: 'HostileToy',
          model_name: 'Ref',
        }),
      );
    });
    const got = await client(url, { maxResponseBytes: MiB }).store.get(at);
    expect(got.state?.name).toHaveLength(100_000);
  });
});

describe('a 201 answer that is not what the endpoint answers is INVALID_RESPONSE naming the endpoint (#12.15)', () => {
  const answers = {
    empty: '',
    'not JSON': '<html>proxy</html>',
    'the wrong shape': '{"model_name":"Ref","uid":42}',
  };
  const calls = {
    'store.put': (c: ConsteliteClient) => c.store.put({ ref: ref(Toy({})), store: STORE }),
    'store.get': (c: ConsteliteClient) => c.store.get(at),
    'store.patch': (c: ConsteliteClient) => c.store.patch(at),
    'store.query': (c: ConsteliteClient) => c.store.query({ model: Toy, store: STORE }),
    'protocols.run': (c: ConsteliteClient) => c.runProtocol('hello_world', { name: 'x' }),
    'jobs.start': (c: ConsteliteClient) => c.startJob('hello_world', { name: 'x' }),
  };
  for (const [endpoint, call] of Object.entries(calls)) {
    for (const [what, body] of Object.entries(answers)) {
      // Any JSON is a protocol's answer, so only an empty or non-JSON body is wrong there.
      if (endpoint === 'protocols.run' && what === 'the wrong shape') continue;
      it(`${endpoint}: ${what}`, async () => {
        const url = await serve((_, response) => {
          response.writeHead(201, { 'content-type': 'application/json' });
          response.end(body);
        });
        const error = await call(client(url)).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'INVALID_RESPONSE', status: 502, extra: { endpoint } });
        expect((error as Error).message).toContain(endpoint);
      });
    }
  }
});
