/**
 * Isolated Redis for the fleet tests: each test gets its own key prefix and
 * queue name on the shared Redis and removes exactly the keys under its
 * prefix afterwards (never a flush). Tests that kill connections start a
 * throwaway redis-server of their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.BNVIZ_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RedisScope {
  url: string;
  prefix: string;
  queue: string;
  /** A connection for the test's own reads and writes. */
  redis: Redis;
  /** The environment that points a bnviz command at this scope. */
  env: Record<string, string>;
  /** Removes every key under the prefix and closes the connection. */
  cleanup(): Promise<void>;
}

export async function redisScope(url = REDIS_URL): Promise<RedisScope> {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const prefix = `bnviz-test-${tag}`;
  const queue = `groups-${tag}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  return {
    url, prefix, queue, redis,
    env: { BNVIZ_REDIS_URL: url, BNVIZ_REDIS_PREFIX: prefix, BNVIZ_QUEUE: queue },
    async cleanup() {
      await deleteUnder(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Deletes the keys under `${prefix}:` (SCAN MATCH, so only those). */
export async function deleteUnder(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) n += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  return n;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server of the test's own (nothing kept on disk); `stop()` ends it. */
export async function startRedisServer(): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return {
    url, port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

/** Polls `check` until it returns a truthy value, or throws with `what` after the deadline. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
