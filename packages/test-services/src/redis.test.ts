import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ping, type RedisServer, redisCommand, startRedis } from './redis.js';

const servers: RedisServer[] = [];
const start = async (options?: Parameters<typeof startRedis>[0]) => {
  const server = await startRedis(options);
  servers.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('startRedis', () => {
  it('answers PING on a free port of 127.0.0.1 and listens nowhere else', async () => {
    const redis = await start();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await ping(redis.port)).toBe(true);
    expect(await redisCommand(redis.port, ['CONFIG', 'GET', 'bind'])).toContain('127.0.0.1');
  });

  it('two servers get two ports and separate data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    await redisCommand(a.port, ['SET', 'cat', 'Snowball']);
    expect(await redisCommand(a.port, ['GET', 'cat'])).toBe('$8\r\nSnowball\r\n');
    expect(await redisCommand(b.port, ['GET', 'cat'])).toBe('$-1\r\n');
  });

  it('by default writes nothing to disk, so a restart starts empty', async () => {
    const redis = await start();
    expect(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendonly'])).toContain('no');
    await redisCommand(redis.port, ['SET', 'cat', 'Snowball']);
    await redis.restart();
    expect(await redisCommand(redis.port, ['GET', 'cat'])).toBe('$-1\r\n');
    expect(readdirSync(redis.dir)).toEqual([]);
  });

  it('persistent: the data survives a restart, also after SIGKILL, on the same port', async () => {
    const redis = await start({ persistent: true });
    const port = redis.port;
    await redisCommand(port, ['SET', 'cat', 'Snowball']);
    await redis.restart('SIGKILL');
    expect(redis.port).toBe(port);
    expect(await redisCommand(port, ['GET', 'cat'])).toBe('$8\r\nSnowball\r\n');
    await redisCommand(port, ['SET', 'dog', 'Santa']);
    await redis.restart('SIGTERM');
    expect(await redisCommand(port, ['GET', 'dog'])).toBe('$5\r\nSanta\r\n');
  });

  it('kill() leaves the port unanswered until start()', async () => {
    const redis = await start();
    await redis.kill();
    expect(redis.running).toBe(false);
    expect(await ping(redis.port)).toBe(false);
    await redis.start();
    expect(redis.running).toBe(true);
    expect(await ping(redis.port)).toBe(true);
  });

  it('stop() ends the server and removes its data directory', async () => {
    const redis = await start({ persistent: true });
    await redisCommand(redis.port, ['SET', 'cat', 'Snowball']);
    await redis.stop();
    expect(await ping(redis.port)).toBe(false);
    expect(existsSync(redis.dir)).toBe(false);
    await expect(redis.start()).rejects.toThrow(/stopped for good/);
  });

  it('extra arguments reach redis-server', async () => {
    const redis = await start({ args: ['--maxmemory', '64mb'] });
    expect(await redisCommand(redis.port, ['CONFIG', 'GET', 'maxmemory'])).toContain('67108864');
  });

  it('a server that cannot start fails with its own output', async () => {
    await expect(startRedis({ args: ['--no-such-option', 'x'] })).rejects.toThrow(/no-such-option/i);
  });
});
