import { ConsteliteClient } from '@constelite/client';
import { run } from '@constelite/server/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoClient, seedWalkthrough } from '../src/client.js';
import { relationshipsWalkthrough } from '../src/relationships.js';
import { inProcessClient, testApi } from './helpers.js';

describe('the seed walkthrough over HTTP (in-process)', () => {
  it('put answers a record without state, get the state, patch renames, get after delete is RECORD_NOT_FOUND', async () => {
    const { api, logs } = testApi();
    const lines: string[] = [];
    await seedWalkthrough(inProcessClient(api), (line) => lines.push(line));
    const [created, put, got, patched, deleted, afterDelete] = lines;
    expect(created).toContain("state=Cat(model_name='Cat', name='Snowball')");
    expect(created).toContain('record=null');
    expect(put).toMatch(
      /record=StoreRecord\(store=Store\(uid='5ef14649-fd40-40a0-a693-de36c855a181', name='Memory store'\), uid='[0-9a-f-]{36}', url=null\)/,
    );
    expect(put).toContain('state=null');
    expect(got).toContain("name='Snowball'");
    expect(patched).toContain("name='Snowball II'");
    expect(deleted).toContain('deleted');
    expect(afterDelete).toContain('RECORD_NOT_FOUND');
    expect(lines.at(-1)).toMatch(/went from submitted to success/);
    expect(logs.filter(({ line }) => JSON.parse(line).msg === 'Hello, Steve!')).toHaveLength(2);
  });
});

describe('both walkthroughs against a server on an ephemeral port', () => {
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await run(testApi().api, '127.0.0.1', 0);
  });
  afterAll(() => server.close());

  it('relationships: backref, association replace, aggregation append/replace, composition cascade', async () => {
    const client: DemoClient = new ConsteliteClient({ url: server.url, token: null });
    await seedWalkthrough(client, () => {});
    expect(await relationshipsWalkthrough(client, () => {})).toEqual({
      aliceCats: ['Snowball', 'Tom'],
      afterReplace: { alice: ['Snowball'], bob: ['Tom'] },
      gangAfterAppend: ['Snowball', 'Tom'],
      gangAfterSecondAppend: ['Snowball', 'Tom'],
      gangAfterPut: ['Tom'],
      pagesAfterAppend: [1, 2, 3],
      pagesAfterPut: [1],
      pagesInStoreAfterPut: [1],
      pagesInStoreAfterDelete: [],
      afterDeletingTom: { bob: [], gang: [], getTom: 'RECORD_NOT_FOUND' },
    });
  });
});
