import { protocol } from '@constelite/api';
import { stateModel } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { HonoAPI } from './index.js';
import { run } from './node.js';

// The README's usage example, kept runnable so that the README cannot drift from the code.
it('the README usage example runs as written (on an ephemeral port)', async () => {
  const Cat = stateModel('Cat', { name: z.string() });
  const hello_world = protocol({ name: 'Hello world', args: { name: z.string() } }, ({ logger, args }) => {
    logger.info(`Hello, ${args.name}!`);
  });
  const store = new MemoryStore({ uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' });
  const api = new HonoAPI({ name: 'Alpha', stores: [store], loggers: { default: () => console } });
  api.discoverProtocols({ hello_world });
  api.discoverModels({ Cat });
  const app = api.generateApp();
  const server = await run(api, 'localhost', 0);
  try {
    const response = await app.request('/protocols/hello_world', {
      method: 'POST',
      body: JSON.stringify({ args: { name: 'Steve' }, logger: null }),
    });
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('null');
    const overHttp = await fetch(`${server.url}/protocols/hello_world`, {
      method: 'POST',
      body: JSON.stringify({ args: { name: 'Steve' }, logger: null }),
    });
    expect(overHttp.status).toBe(201);
  } finally {
    await server.close();
  }
});
