/**
 * `pnpm bench`: requests per second of /store/get, /store/put and /store/patch against a bare
 * Hono route doing the same Map work with JSON in and out, on the same Node server (a child
 * process, pinned to one core with `taskset` when there is one, the load generator on another),
 * with the same load generator (autocannon), in the same run. Bare and Constelite runs alternate
 * (A, B, A, B …) for BENCH_ROUNDS rounds (default 5); medians, spreads (min–max) and p99 latencies
 * are printed. Loopback only; nothing is asserted. `BENCH_PROFILE=<dir>` writes a CPU profile of
 * the server process (node --cpu-prof) to <dir>.
 */
import { execFileSync, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 2);
/** Rounds alternate bare and Constelite runs, so that a noisy neighbour hurts both alike; medians are printed. */
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const CONNECTIONS = 10;
const PROFILE_DIR = process.env.BENCH_PROFILE;

const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), {
  stdio: 'inherit',
  execArgv: [
    ...process.execArgv,
    ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE_DIR)}`] : []),
  ],
});
const timeout = setTimeout(() => {
  console.error('bench: the server did not start within 30 s');
  child.kill();
  process.exit(1);
}, 30_000);
const onEarlyExit = (code: number | null) => {
  console.error(`bench: the server exited with code ${code} before it started`);
  process.exit(1);
};
child.once('exit', onEarlyExit);
const { url, saved } = await new Promise<{ url: string; saved: Record<string, unknown> }>((resolve) =>
  child.once('message', (message) => resolve(message as { url: string; saved: Record<string, unknown> })),
);
clearTimeout(timeout);
child.off('exit', onEarlyExit);

/** Pins the server (every thread) to core 0 and this process to core 1, when `taskset` and two cores exist. */
function pin(): string {
  if (availableParallelism() < 2 || child.pid === undefined) return 'not pinned (one core)';
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(child.pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
    return 'server pinned to core 0, load generator to core 1 (taskset)';
  } catch {
    return 'not pinned (no taskset)';
  }
}
const pinning = pin();

const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
const getBody = JSON.stringify({ ref: saved });
const putBody = JSON.stringify({
  ref: {
    record: null,
    guid: null,
    state: { model_name: 'Cat', name: 'Tom', age: 2 },
    state_model_name: 'Cat',
    model_name: 'Ref',
  },
  store: { uid: STORE_UID, name: 'Memory store' },
});
/** Overwrites one static field of the saved record (a different value each request is not needed: the work is the same). */
const patchBody = JSON.stringify({ ref: { ...saved, state: { model_name: 'Cat', age: 4 } } });

interface Measure {
  rps: number;
  p99: number;
  /** CPU time of the server process per answered request, in µs (user + system). */
  cpu: number;
  errors: number;
}

/** The server process's CPU time so far, in µs. */
function serverCpu(): Promise<number> {
  return new Promise((done) => {
    child.once('message', (message) => done((message as { cpu: number }).cpu));
    child.send('cpu');
  });
}

async function measure(path: string, body: string, duration = DURATION_S): Promise<Measure> {
  const cpuBefore = await serverCpu();
  const result = await autocannon({
    url: `${url}${path}`,
    method: 'POST',
    body,
    connections: CONNECTIONS,
    duration,
  });
  const cpu = (await serverCpu()) - cpuBefore;
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    cpu: cpu / Math.max(1, result.requests.total),
    errors,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** `median (min–max)` of `values`. */
function spread(values: number[], digits = 0): string {
  const fixed = (value: number) => value.toFixed(digits);
  return `${fixed(median(values))} (${fixed(Math.min(...values))}–${fixed(Math.max(...values))})`;
}

const cases = [
  ['get', getBody, 0.85],
  ['put', putBody, 0.8],
  ['patch', patchBody, 0.8],
] as const;
type CaseName = (typeof cases)[number][0];

try {
  // Warm up both sides (JIT, caches) before anything is measured.
  for (const [name, body] of cases) {
    await measure(`/store/${name}`, body, 1);
    await measure(`/bare/${name}`, body, 1);
  }
  const runs: Record<CaseName, [Measure, Measure][]> = { get: [], put: [], patch: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, body] of cases) {
      const bare = await measure(`/bare/${name}`, body);
      const constelite = await measure(`/store/${name}`, body);
      runs[name].push([constelite, bare]);
    }
  }
  console.log(
    `\nautocannon, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION_S} s (bare, Constelite, bare, …), one Node ${process.version} server (child process), ${pinning}`,
  );
  console.log('median (min–max) of the rounds; p99 latency in ms\n');
  for (const [name, , target] of cases) {
    const rounds = runs[name];
    const ratios = rounds.map(([c, b]) => c.rps / b.rps);
    const ratio = median(ratios);
    console.log(`/store/${name}  ratio ${spread(ratios, 2)}x  ${ratio >= target ? '>=' : '<'} ${target}x`);
    console.log(
      `  constelite req/s ${spread(rounds.map(([c]) => c.rps))}  p99 ${spread(
        rounds.map(([c]) => c.p99),
        1,
      )}`,
    );
    console.log(
      `  bare Hono  req/s ${spread(rounds.map(([, b]) => b.rps))}  p99 ${spread(
        rounds.map(([, b]) => b.p99),
        1,
      )}`,
    );
    console.log(`  ratio per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    console.log(
      `  server CPU µs/request: constelite ${spread(
        rounds.map(([c]) => c.cpu),
        1,
      )}, bare ${spread(
        rounds.map(([, b]) => b.cpu),
        1,
      )}, ratio bare/constelite ${spread(
        rounds.map(([c, b]) => b.cpu / c.cpu),
        2,
      )}`,
    );
    const errors = rounds.reduce((sum, [c, b]) => sum + c.errors + b.errors, 0);
    if (errors > 0) console.log(`  errors or non-2xx answers: ${errors}`);
  }
} finally {
  child.disconnect();
  if (!PROFILE_DIR) child.kill();
}
