import { stateModel } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { ConsteliteAPI, protocol } from './index.js';

// The README's usage example, kept runnable so that the README cannot drift from the code.
it('the README usage example runs as written', async () => {
  const Cat = stateModel('ReadmeCat', { name: z.string() });
  const hello_world = protocol({ name: 'Hello world', args: { name: z.string() } }, ({ logger, args }) => {
    logger.info(`Hello, ${args.name}!`);
  });
  const adopt = protocol(
    { name: 'Adopt a cat', args: { name: z.string() }, returns: Cat.schema, description: 'Makes a cat' },
    ({ args }) => Cat({ name: args.name }),
  );
  const lines: string[] = [];
  const store = new MemoryStore({ uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' });
  const api = new ConsteliteAPI({
    name: 'Alpha',
    stores: [store],
    temporaryStore: new MemoryStore({ name: 'Temp' }),
    loggers: {
      default: () => ({ debug: () => {}, info: (m) => lines.push(m), warn: () => {}, error: () => {} }),
    },
  });
  api.discoverModels({ Cat });
  api.discoverProtocols({ hello_world, cats: { adopt } });

  expect(await api.runProtocol('hello_world', { name: 'Steve' })).toBeNull();
  expect(lines).toEqual(['Hello, Steve!']);
  const cat = (await api.runProtocol('cats/adopt', { name: 'Tom' })) as {
    record: unknown;
    model_name: string;
  };
  expect(cat.model_name).toBe('Ref');
  expect(cat.record).not.toBeNull();
  const job = await api.startJob('hello_world', { name: 'Steve' });
  expect(job.status).toBe('submitted');
  expect((await api.fetchJob(job.uid)).uid).toBe(job.uid);
});
