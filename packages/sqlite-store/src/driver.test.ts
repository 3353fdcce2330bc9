import { isConsteliteError } from '@constelite/core';
import type { StorageTransaction } from '@constelite/store';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from './driver.js';

const drivers: SqliteDriver[] = [];

function openDriver(): SqliteDriver {
  const driver = new SqliteDriver({ path: ':memory:' });
  drivers.push(driver);
  return driver;
}

afterEach(async () => {
  for (const driver of drivers.splice(0)) await driver.close();
});

async function storeFault(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isConsteliteError(error, 'STORE_FAULT')).toBe(true);
  return (error as Error).message;
}

const record = (uid: string) => ({ uid, model: 'Cat', fields: { name: uid } });

describe('SqliteDriver transactions', () => {
  it('refuse a transaction object kept past its commit, for reads and writes alike', async () => {
    const driver = openDriver();
    let kept: StorageTransaction | null = null;
    await driver.transaction('write', async (tx) => {
      kept = tx;
      await tx.createRecord(record('a'));
    });
    expect(await storeFault(kept!.readRecord('a'))).toMatch(/transaction has ended/);
    expect(await storeFault(kept!.createRecord(record('b')))).toMatch(/transaction has ended/);
    // The next transaction gets a working object of its own, and the stale one wrote nothing.
    await driver.transaction('read', async (tx) => {
      expect((await tx.readRecord('a'))?.fields).toEqual({ name: 'a' });
      expect(await tx.readRecord('b')).toBeNull();
    });
  });

  it('refuse a transaction object kept past a rollback', async () => {
    const driver = openDriver();
    let kept: StorageTransaction | null = null;
    await expect(
      driver.transaction('write', async (tx) => {
        kept = tx;
        await tx.createRecord(record('a'));
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await storeFault(kept!.createRecord(record('b')))).toMatch(/transaction has ended/);
    await driver.transaction('read', async (tx) => {
      expect(await tx.readRecord('a')).toBeNull();
      expect(await tx.readRecord('b')).toBeNull();
    });
  });

  it('refuse a write in a read transaction', async () => {
    const driver = openDriver();
    const message = await storeFault(driver.transaction('read', (tx) => tx.createRecord(record('a'))));
    expect(message).toMatch(/write in a read transaction/);
  });

  it('run one at a time in the order asked, also after one that failed', async () => {
    const driver = openDriver();
    const order: string[] = [];
    const first = driver.transaction('write', async (tx) => {
      order.push('first starts');
      await tx.createRecord(record('a'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('first ends');
      throw new Error('first failed');
    });
    const second = driver.transaction('write', async (tx) => {
      order.push('second starts');
      return (await tx.readRecord('a')) === null;
    });
    const third = driver.transaction('read', async (tx) => {
      order.push('third starts');
      return (await tx.getModels(['a'])).size;
    });
    await expect(first).rejects.toThrow('first failed');
    expect(await second).toBe(true);
    expect(await third).toBe(0);
    expect(order).toEqual(['first starts', 'first ends', 'second starts', 'third starts']);
  });
});
