/**
 * CPU profile of the bench server under load on one endpoint (or several):
 * `tsx --conditions=@constelite/source bench/profile.ts <dir> /store/put [/bare/put …]`.
 * Writes the server process's profile (node --cpu-prof) to <dir>; open it in Chrome DevTools.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const [dir = 'profiles', ...paths] = process.argv.slice(2);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), {
  stdio: 'inherit',
  execArgv: [
    ...process.execArgv,
    '--cpu-prof',
    `--cpu-prof-dir=${resolve(dir)}`,
    `--cpu-prof-interval=${process.env.BENCH_PROFILE_INTERVAL ?? 100}`,
  ],
});
const { url, saved } = await new Promise<{ url: string; saved: Record<string, unknown> }>((done) =>
  child.once('message', (message) => done(message as { url: string; saved: Record<string, unknown> })),
);
const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
const bodies: Record<string, string> = {
  get: JSON.stringify({ ref: saved }),
  put: JSON.stringify({
    ref: {
      record: null,
      guid: null,
      state: { model_name: 'Cat', name: 'Tom', age: 2 },
      state_model_name: 'Cat',
    },
    store: { uid: STORE_UID, name: 'Memory store' },
  }),
  patch: JSON.stringify({ ref: { ...saved, state: { model_name: 'Cat', age: 4 } } }),
};
for (const path of paths.length ? paths : ['/store/put']) {
  const body = bodies[path.split('/').pop() ?? ''];
  const result = await autocannon({
    url: `${url}${path}`,
    method: 'POST',
    body,
    connections: 10,
    duration: seconds,
  });
  console.log(
    `${path}: ${result.requests.total} requests, ${result.requests.average} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`,
  );
}
child.disconnect();
