// Fire-and-forget protocol calls and the raw `client.call`, against node:http servers of our own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelRegistry } from '@constelite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsteliteClient } from '../src/index.js';

const registry = new ModelRegistry();

interface Received {
  url: string;
  body: unknown;
  answer: (status: number, body: unknown) => void;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A server that records each request once its whole body has arrived and answers only when told to. */
async function holdingServer() {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        url: request.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        answer: (status, body) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        },
      });
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received };
}

describe('protocol calls with waitForResponse: false', () => {
  it('resolve once the request is sent, while the protocol has not answered', async () => {
    const api = await holdingServer();
    const client = new ConsteliteClient({ url: api.url, registry, token: 't0k3n' });
    const name = 'x'.repeat(2 * 1024 * 1024); // larger than a socket buffer
    const answered = await client.protocols.slow?.({ name }, { waitForResponse: false, logger: 'default' });
    expect(answered).toBeUndefined();
    await expect.poll(() => api.received.length).toBe(1);
    expect(api.received[0]).toMatchObject({
      url: '/protocols/slow',
      body: { args: { name }, logger: { logger_name: 'default', logger_kwargs: {} } },
    });
    // The answer, when it comes, is discarded: nothing is left pending or unhandled.
    api.received[0]?.answer(201, null);
  });

  it('a later error answer is discarded too', async () => {
    const api = await holdingServer();
    const client = new ConsteliteClient({ url: api.url, registry, token: null });
    await client.runProtocol('failing', {}, { waitForResponse: false });
    await expect.poll(() => api.received.length).toBe(1);
    api.received[0]?.answer(500, { detail: 'Protocol failed', code: 'PROTOCOL_FAILED' });
  });

  it('an API that cannot be reached is still a NETWORK_ERROR', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    await new Promise((done) => server.close(done));
    const client = new ConsteliteClient({ url: `http://127.0.0.1:${port}`, registry, token: null });
    await expect(client.runProtocol('p', {}, { waitForResponse: false })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
  });

  it('an error the API answers before the request counts as sent is thrown typed', async () => {
    // An in-process fetch that refuses without reading the body, as a proxy rejecting a token would.
    const fetch = async () =>
      new Response(JSON.stringify({ detail: 'Unauthorized', code: 'UNAUTHORIZED' }), { status: 401 });
    const client = new ConsteliteClient({ url: 'http://api.test', fetch, registry, token: 'wrong' });
    await expect(client.runProtocol('p', {}, { waitForResponse: false })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
    });
  });
});

describe('client.call(path, body)', () => {
  it('posts body to the path and answers the JSON unchecked and unresolved', async () => {
    const api = await holdingServer();
    const client = new ConsteliteClient({ url: `${api.url}/api`, registry, token: null });
    const refJSON = { record: null, guid: null, state: null, state_model_name: 'Unknown', model_name: 'Ref' };
    const answer = client.call('/jobs/cancel', { job: { uid: 'u1' } });
    await expect.poll(() => api.received.length).toBe(1);
    expect(api.received[0]).toMatchObject({ url: '/api/jobs/cancel', body: { job: { uid: 'u1' } } });
    api.received[0]?.answer(201, refJSON);
    // A model the registry does not know would fail a resolved answer; the raw call leaves it be.
    await expect(answer).resolves.toEqual(refJSON);
  });

  it('counts as a write: a 503 is not retried unless the call asks for it', async () => {
    let calls = 0;
    const fetch = async () => {
      calls++;
      return new Response(JSON.stringify({ detail: 'busy' }), { status: calls === 1 ? 503 : 201 });
    };
    const client = new ConsteliteClient({ url: 'http://api.test', fetch, registry, token: null });
    await expect(client.call('custom/endpoint', {})).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      client.call('custom/endpoint', {}, { retry: { limit: 1, delay: () => 0 } }),
    ).resolves.toEqual({
      detail: 'busy',
    });
    expect(calls).toBe(2);
  });

  it('errors are the typed errors of every call; a path leaving the API is VALIDATION_FAILED', async () => {
    const fetch = async () =>
      new Response(JSON.stringify({ detail: 'Unknown job', code: 'UNKNOWN_JOB', extra: {} }), {
        status: 400,
      });
    const client = new ConsteliteClient({ url: 'http://api.test', fetch, registry, token: null });
    await expect(client.call('jobs/cancel', {})).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });
    await expect(client.call('../admin', {})).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { path: '../admin' },
    });
    await expect(client.call('', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('an empty answer names the path it came from', async () => {
    const fetch = async () => new Response('', { status: 201 });
    const client = new ConsteliteClient({ url: 'http://api.test', fetch, registry, token: null });
    const error = await client.call('custom/thing').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', extra: { endpoint: 'custom/thing' } });
  });
});
