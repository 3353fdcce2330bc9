import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ref } from '@constelite/core';
import { SuiteBook } from '@constelite/store-test-suite';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sqlite-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Acknowledged {
  index: number;
  guid: string;
  deleted: boolean;
}

/** Runs the writer child until it has acknowledged `count` writes, then kills it with SIGKILL mid-stream. */
function writeThenKill(path: string, count: number): Promise<Map<string, Acknowledged>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@constelite/source', join(here, 'fixtures/writer.ts'), path],
    { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const acknowledged = new Map<string, Acknowledged>();
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [what, uid, index, guid] = line.split(' ');
        if (what === 'put') acknowledged.set(uid!, { index: Number(index), guid: guid!, deleted: false });
        else acknowledged.get(uid!)!.deleted = true;
      }
      if (acknowledged.size >= count && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited with ${code} before it was killed: ${stderr}`));
    });
  });
}

describe('SqliteStore durability', () => {
  it('keeps every acknowledged write and its guid intact, and the file consistent, after the writer is killed with SIGKILL', async () => {
    const path = join(dir, 'killed.db');
    const acknowledged = await writeThenKill(path, 150);
    expect(acknowledged.size).toBeGreaterThanOrEqual(150);

    const store = new SqliteStore({ path, guids: true });
    try {
      const db = store.sqlite.database;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      let deleted = 0;
      for (const [uid, { index, guid, deleted: gone }] of acknowledged) {
        const byGuid = ref(SuiteBook({}), { guid });
        const byUid = ref(SuiteBook({}), { record: { store: store.info, uid, url: null } });
        // Every third book is deleted again; a delete the writer was killed before acknowledging
        // may have committed or not, and either way the book and its guid go together.
        const unacknowledgedDelete = !gone && index % 3 === 2;
        if (
          gone ||
          (unacknowledgedDelete &&
            (await store.query({ model: SuiteBook, where: { title: `book ${index}` } })).length === 0)
        ) {
          deleted++;
          await expect(store.get(byGuid)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
          await expect(store.get(byUid)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
          continue;
        }
        const book = await store.get(byUid);
        expect(book.state?.title).toBe(`book ${index}`);
        expect(book.guid).toBe(guid);
        expect((await store.get(byGuid)).record?.uid).toBe(uid);
        expect(book.state?.pages).toHaveLength(1);
        const [page] = await store.bulkGet(book.state?.pages ?? []);
        expect(page?.state?.index).toBe(index);
        expect(page?.guid).toBeTypeOf('string');
      }
      expect(deleted).toBeGreaterThan(0);
      // A guid link never outlives its record, and no record lost its guid.
      const links = db
        .prepare<[], { orphans: number; unnamed: number }>(
          `SELECT (SELECT count(*) FROM guids g WHERE NOT EXISTS (SELECT 1 FROM records WHERE uid = g.uid)) AS orphans,
                  (SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM guids WHERE uid = r.uid)) AS unnamed`,
        )
        .get();
      expect(links).toEqual({ orphans: 0, unnamed: 0 });
      // Every write is one transaction: no book without its page, no link to a missing record.
      const dangling = db
        .prepare<[], { n: number }>(
          `SELECT count(*) AS n FROM links l
           WHERE NOT EXISTS (SELECT 1 FROM records WHERE uid = l.source)
              OR NOT EXISTS (SELECT 1 FROM records WHERE uid = l.target)`,
        )
        .get();
      expect(dangling?.n).toBe(0);
      const books = await store.query({ model: SuiteBook });
      const pages = db
        .prepare<[], { n: number }>(`SELECT count(*) AS n FROM records WHERE model = 'SuitePage'`)
        .get();
      expect(pages?.n).toBe(books.length);
      expect(books.length).toBeGreaterThanOrEqual(acknowledged.size - deleted);
    } finally {
      await store.close();
    }
  });
});
