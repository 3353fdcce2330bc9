// What the Python client sends, byte for byte in spirit: JSON without a Content-Type,
// `Authorization: Bearer None`, every unset field as null. A job started on one API instance
// is fetched, finished, from the other.
import { request } from 'node:http';
import { serveNode } from '@constelite/server/node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { application } from './helpers.js';

const redisUrl = inject('redisUrl');
let app: ReturnType<typeof application> | null = null;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await app?.close();
  app = null;
});

/** POSTs `body` as the Python client does (requests' `data=json.dumps(...)`: no Content-Type). */
function pythonPost(url: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const bytes = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const sent = request(
      `${url}${path}`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer None', 'content-length': String(bytes.length), accept: '*/*' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, json: text ? JSON.parse(text) : null });
        });
      },
    );
    sent.on('error', reject);
    sent.end(bytes);
  });
}

describe('the Python client against two API instances on one BullMQ queue', () => {
  it('starts a job on one instance and fetches it, finished, from the other', async () => {
    app = application(redisUrl);
    const alpha = app.api('Alpha').api;
    const beta = app.api('Beta').api;
    await app.worker();
    const first = await serveNode(alpha.app, '127.0.0.1', 0);
    const second = await serveNode(beta.app, '127.0.0.1', 0);
    servers.push(first, second);

    const started = await pythonPost(first.url, '/jobs/add', { args: { a: 20, b: 22 }, logger: null });
    expect(started.status).toBe(201);
    const job = started.json as Record<string, unknown>;
    expect(job).toMatchObject({ model_name: 'Job', status: 'submitted', result: null, error: null });
    expect(job.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // The Python client's fetch: the whole Job model it holds, unset fields as null.
    const body = {
      job: { model_name: 'Job', uid: job.uid, status: 'submitted', result: null, error: null },
    };
    let finished: Record<string, unknown> | null = null;
    for (let i = 0; i < 200 && !finished; i++) {
      const answer = await pythonPost(second.url, '/jobs/fetch', body);
      expect(answer.status).toBe(201);
      const current = answer.json as Record<string, unknown>;
      if (current.status !== 'submitted') finished = current;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(finished).toMatchObject({
      model_name: 'Job',
      uid: job.uid,
      status: 'success',
      result: 42,
      error: null,
      state: 'success',
      error_code: null,
    });
    // The members a Python client parses keep their types; the new ones are extra.
    expect(['submitted', 'success', 'failed']).toContain(finished?.status);

    // A failed job reads what a Python client shows: status failed and an error string.
    const failing = await pythonPost(first.url, '/jobs/lost_record', { args: {}, logger: null });
    const failedBody = { job: { ...(failing.json as object), result: null, error: null } };
    let failed: Record<string, unknown> | null = null;
    for (let i = 0; i < 200 && !failed; i++) {
      const current = (await pythonPost(second.url, '/jobs/fetch', failedBody)).json as Record<
        string,
        unknown
      >;
      if (current.status !== 'submitted') failed = current;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(failed).toMatchObject({ status: 'failed', result: null, error_code: 'PROTOCOL_FAILED' });
    expect(typeof failed?.error).toBe('string');
  });
});
