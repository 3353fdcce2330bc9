import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ref } from '@constelite/core';
import { SuiteBook, SuiteHuman, SuitePage } from '@constelite/store-test-suite';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { SHARED_STORE_UID } from './fixtures/constants.js';
import { freshSchema } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const url = inject('pgUrl');
const admin = postgres(url, { max: 1, onnotice: () => undefined });
afterAll(() => admin.end());

interface Summary {
  ok: number;
  notFound: number;
  retries: number;
  exclusive: number;
}

/** A worker process (see fixtures/worker.ts) that has connected and waits for "go". */
async function startWorker(schema: string, args: string[]): Promise<{ go(): Promise<Summary> }> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@constelite/source',
      join(here, 'fixtures/worker.ts'),
      url,
      schema,
      ...args,
    ],
    { cwd: join(here, '..') },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`worker ${args[0]} ended early (exit ${await exited}): ${stderr}`);
    return line.value;
  };
  expect(await next()).toBe('ready');
  return {
    async go() {
      child.stdin.write('go\n');
      const summary = JSON.parse(await next()) as Summary;
      expect(await exited).toBe(0);
      return summary;
    },
  };
}

function sharedStore(schema: string): PostgresStore {
  return new PostgresStore({ url, schema, uid: SHARED_STORE_UID, maxConnections: 2 });
}

describe('PostgresStore shared by several processes', () => {
  it('keeps exactly 200 members after two processes make 200 concurrent aggregation appends between them', async () => {
    const schema = freshSchema();
    const store = sharedStore(schema);
    try {
      const book = await store.put(ref(SuiteBook({ title: 'Shared' })));
      const workers = await Promise.all([
        startWorker(schema, ['append', book.uid, '0', '100']),
        startWorker(schema, ['append', book.uid, '100', '100']),
      ]);
      const summaries = await Promise.all(workers.map((worker) => worker.go()));
      expect(summaries.map((s) => s.ok)).toEqual([100, 100]);

      const readers = (await store.get(book)).state?.readers ?? [];
      expect(readers).toHaveLength(200);
      expect(new Set(readers.map((reader) => reader.uid)).size).toBe(200);
      const names = (await store.bulkGet(readers)).map((reader) => reader.state?.name);
      expect(new Set(names)).toEqual(new Set(Array.from({ length: 200 }, (_, index) => `reader ${index}`)));
    } finally {
      await store.postgres.dropSchema();
      await store.close();
    }
  });

  it('makes one record per guid when two processes put the same 50 new guids at once', async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ url, schema, uid: SHARED_STORE_UID, maxConnections: 2, guids: true });
    try {
      await store.connect();
      const guids = Array.from({ length: 50 }, () => crypto.randomUUID());
      const workers = await Promise.all([
        startWorker(schema, ['guids', 'first', ...guids]),
        startWorker(schema, ['guids', 'second', ...guids]),
      ]);
      const summaries = await Promise.all(workers.map((worker) => worker.go()));
      expect(summaries.map((s) => s.ok)).toEqual([50, 50]);
      const humans = await store.query({ model: SuiteHuman, includeStates: true });
      expect(humans).toHaveLength(50);
      expect(new Set(humans.map((human) => human.guid))).toEqual(new Set(guids));
      for (const guid of guids.slice(0, 5)) {
        const found = await store.get(ref(SuiteHuman({}), { guid }));
        expect(found.state?.name).toMatch(new RegExp(`^(first|second) ${guid}$`));
      }
    } finally {
      await store.postgres.dropSchema();
      await store.close();
    }
  });

  it('never leaves an orphan when composition cascades in one process race patches adding members in another', async () => {
    const schema = freshSchema();
    const store = sharedStore(schema);
    try {
      const books: string[] = [];
      for (let index = 0; index < 40; index++) {
        books.push(
          (await store.put(ref(SuiteBook({ title: `b${index}`, pages: [ref(SuitePage({ index: 0 }))] }))))
            .uid,
        );
      }
      const [extender, deleter] = await Promise.all([
        startWorker(schema, ['extend', ...books]),
        startWorker(schema, ['delete', ...books]),
      ]);
      const [extended, deleted] = await Promise.all([extender.go(), deleter.go()]);
      expect(deleted).toMatchObject({ ok: 40, notFound: 0 });
      // Each patch either ran before the delete of its book (and its page was deleted with it) or after (not found).
      expect(extended.ok + extended.notFound).toBe(40);

      const s = `"${schema}"`;
      const [left] = await admin.unsafe<{ books: string; pages: string; orphans: string; links: string }[]>(
        `SELECT
           (SELECT count(*) FROM ${s}.records WHERE model = 'SuiteBook') books,
           (SELECT count(*) FROM ${s}.records WHERE model = 'SuitePage') pages,
           (SELECT count(*) FROM ${s}.records p WHERE p.model = 'SuitePage' AND NOT EXISTS (
              SELECT 1 FROM ${s}.links l WHERE l.target = p.uid AND l.field = 'pages')) orphans,
           (SELECT count(*) FROM ${s}.links) links`,
      );
      expect(left).toEqual({ books: '0', pages: '0', orphans: '0', links: '0' });
      expect(await store.query({ model: SuitePage })).toEqual([]);
    } finally {
      await store.postgres.dropSchema();
      await store.close();
    }
  });

  it('finishes every put, with no STORE_FAULT, when two processes keep replacing the composition children of one book', async () => {
    const schema = freshSchema();
    const store = sharedStore(schema);
    try {
      const book = await store.put(
        ref(SuiteBook({ title: 'Contended', pages: [ref(SuitePage({ index: 0 }))] })),
      );
      // Bounded: per process, 10 concurrent writers of 10 puts each on one book (200 puts in
      // all). Before the fix some gave up: "could not serialize access … gave up after 30 attempts".
      const writers = 10;
      const puts = 10;
      const args = ['replace', String(puts), String(writers), book.uid];
      const workers = await Promise.all([startWorker(schema, args), startWorker(schema, args)]);
      // A worker exits non-zero on any error other than RECORD_NOT_FOUND (a 500 would be STORE_FAULT).
      const summaries = await Promise.all(workers.map((worker) => worker.go()));
      console.log(
        `replace contention: ${summaries.map((s) => `${s.retries} retries, ${s.exclusive} exclusive runs`).join('; ')}`,
      );
      expect(summaries.map((s) => [s.ok, s.notFound])).toEqual([
        [writers * puts, 0],
        [writers * puts, 0],
      ]);

      // The book ends with exactly the two pages of the put that ran last, and no page is left over.
      expect((await store.get(book)).state?.pages).toHaveLength(2);
      const s = `"${schema}"`;
      const [left] = await admin.unsafe<{ pages: string; orphans: string }[]>(
        `SELECT
           (SELECT count(*) FROM ${s}.records WHERE model = 'SuitePage') pages,
           (SELECT count(*) FROM ${s}.records p WHERE p.model = 'SuitePage' AND NOT EXISTS (
              SELECT 1 FROM ${s}.links l WHERE l.target = p.uid AND l.field = 'pages')) orphans`,
      );
      expect(left).toEqual({ pages: '2', orphans: '0' });
    } finally {
      await store.postgres.dropSchema();
      await store.close();
    }
  }, 120_000);
});
