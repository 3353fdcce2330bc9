// The page script of client.browser.test.ts: bundled for the browser with esbuild and run in
// headless Chromium against the demo API on another origin (CORS). It uses the client the way a
// web application would and writes what it observed to the page (#results, #status), where the
// test reads and checks it. It imports nothing but the client, core and the demo's models.
import { ConsteliteClient } from '@constelite/client';
import { isConsteliteError, ref } from '@constelite/core';
import { Cat, Human } from '../../src/models.js';
import type * as protocols from '../../src/protocols.js';

/** The little of the DOM this script touches (the demo's tsconfig has no DOM library). */
interface BrowserGlobals {
  location: { href: string };
  navigator: { userAgent: string };
  document: { getElementById(id: string): { textContent: string | null } | null };
  process?: unknown;
  __constelite?: { done: boolean; results?: unknown; error?: string };
}
const browser = globalThis as unknown as BrowserGlobals;

function show(id: string, text: string): void {
  const element = browser.document.getElementById(id);
  if (element) element.textContent = text;
}

async function run(): Promise<Record<string, unknown>> {
  const params = new URL(browser.location.href).searchParams;
  const store = { uid: params.get('store') ?? '' };
  // No token option: the client's default reads CONSTELITE_TOKEN through globalThis.process, absent here.
  const client = new ConsteliteClient<typeof protocols>({ url: params.get('api') ?? '', timeout: 10_000 });

  const saved = await client.store.put({ ref: ref(Cat({ name: 'Snowball' })), store });
  const got = await client.store.get({ ref: saved });
  const gotName = got.name ?? null;
  got.name = 'Snowball II';
  await client.store.patch({ ref: got });
  const patched = await client.store.get({ ref: saved });
  const found = await client.store.query({
    model: Cat,
    where: { name: 'Snowball II' },
    store,
    includeStates: true,
  });

  const greeted = await client.protocols.hello_world({ name: 'browser' });
  const carer = await client.protocols.give_cat_a_carer({ cat: saved, carer_name: 'Alice' });
  const carerState = await client.store.get({ ref: carer });
  const withCarer = await client.store.get({ ref: saved });
  const sent = await client.protocols.hello_world({ name: 'fire and forget' }, { waitForResponse: false });

  const job = await client.jobs.hello_world({ name: 'job' });
  const done = await client.jobs.wait(job, { timeoutMs: 10_000, intervalMs: 50 });

  await client.store.delete({ ref: saved });
  const gone = await client.store.get({ ref: saved }).then(
    () => 'still there',
    (error: unknown) => (isConsteliteError(error) ? error.code : String(error)),
  );

  return {
    put: { hasRecord: saved.record !== null, hasState: saved.state !== null, model: saved.state_model_name },
    get: { name: gotName },
    patch: { name: patched.name ?? null },
    query: { count: found.length, names: found.map((r) => r.name ?? null), uid: found[0]?.uid === saved.uid },
    protocol: {
      greeted,
      carerModel: carer.state_model_name,
      carerName: carerState.name ?? null,
      catCarer: withCarer.carer?.[0]?.uid === carer.uid,
      carerIsHuman: carerState.state?.model_name === Human.modelName,
    },
    fireAndForget: sent === undefined ? 'sent' : 'waited',
    job: { submitted: job.status, status: done.status, result: done.result },
    afterDelete: gone,
    runtime: { hasProcess: typeof browser.process !== 'undefined', userAgent: browser.navigator.userAgent },
  };
}

run().then(
  (results) => {
    show('results', JSON.stringify(results, null, 2));
    show('status', 'passed');
    browser.__constelite = { done: true, results };
  },
  (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    show('status', `failed: ${message}`);
    browser.__constelite = { done: true, error: message };
  },
);
