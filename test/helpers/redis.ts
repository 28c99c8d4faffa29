/**
 * Isolated Redis for the fleet tests: each test gets its own key prefix and
 * queue name on the shared Redis and removes exactly the keys under its
 * prefix afterwards (never a flush). Tests that kill connections start a
 * throwaway redis-server of their own.
 *
 * Which Redis: BNVIZ_TEST_REDIS_URL; else redis://127.0.0.1:6379 when it
 * answers; else a private redis-server on a free port, one for each test
 * file, when the binary is installed; else every test that needs Redis fails
 * at once with one line saying what is needed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { watchChild } from './child-output.js';

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

export const NO_REDIS = 'the fleet tests need Redis: nothing answers on redis://127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server), or set BNVIZ_TEST_REDIS_URL';

let chosen: Promise<string> | undefined;

/** The Redis URL the tests use (see the top of this file); decided once for each test process. */
export function testRedisUrl(): Promise<string> {
  chosen ??= chooseRedis();
  return chosen;
}

async function chooseRedis(): Promise<string> {
  const given = process.env.BNVIZ_TEST_REDIS_URL;
  if (given) return given;
  if (await answersPing(LOCAL_REDIS)) return LOCAL_REDIS;
  const server = await startRedisServer();
  // Ends with this test process; its pipes do not keep the process alive.
  process.once('exit', () => server.kill());
  server.unref();
  return server.url;
}

/** True when a Redis at `url` answers PING; a refused connection is false at once (no retry). */
async function answersPing(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function hasRedisServer(): boolean {
  return !spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error;
}

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

export async function redisScope(url?: string): Promise<RedisScope> {
  url ??= await testRedisUrl();
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

/** A TCP port nothing listens on now (the system's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A redis-server of the test's own (nothing kept on disk unless `dir`); `stop()` ends it (SIGTERM).
 * Ready when it says so on stdout; one that exits first (its port taken, say)
 * fails with what it printed.
 */
export async function startRedisServer(options: { port?: number; dir?: string; args?: string[] } = {}): Promise<{ url: string; port: number; dir?: string; stop(): Promise<void>; kill(): void; unref(): void }> {
  if (!hasRedisServer()) throw new Error(NO_REDIS);
  const port = options.port ?? (await freePort());
  // with `dir`, it keeps its data in an append-only file there, so a restart on the same port and dir finds it again
  const keep = options.dir ? ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  // `args` after the test's own: a deploy file's options, say (which may set --appendonly: give it `dir`)
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...keep, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = watchChild(child);
  // Kept reading for the server's life, so its log never fills the pipe.
  await server.waitForLine(`redis-server on port ${port} to be ready`, (line) => line.includes('Ready to accept connections'));
  const url = `redis://127.0.0.1:${port}`;
  return {
    url, port, dir: options.dir,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
    unref() {
      child.unref();
      for (const stream of [child.stdout, child.stderr]) (stream as { unref?(): void } | null)?.unref?.();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await server.exited;
      }
    },
  };
}

/**
 * How long `until` waits by default: long enough for a machine loaded many
 * times over (a fleet test's wait is seconds when idle), short enough that a
 * wait that can never end fails with its own message before ava's timeout
 * (3 minutes without a result) ends the whole file with none.
 */
export const WAIT_MS = 120_000;

/**
 * The lock time fleet tests give their workers (BNVIZ_LOCK_MS). A worker
 * renews its jobs' locks every half lock time from its event loop; at 1 s a
 * machine loaded ten times over let a lock lapse while its worker still held
 * the job, which was then taken again. 5 s is kept at such loads; a test that
 * waits for a lock to lapse waits that much longer.
 */
export const BUSY_LOCK_MS = 5000;

/**
 * Polls `check` (Redis state, which sends no event) until it returns a truthy
 * value. Wait on states that only move forward (a count at least N, a job's
 * processedBy), so a slow machine that passes through a state is never
 * stuck waiting for it. Fails after `deadlineMs` with a message naming
 * `what` (and `seen()`, what was there instead, when given); `unless`
 * settles with a reason to give up at once (a worker that exited, say).
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { everyMs?: number; unless?: Promise<string>; deadlineMs?: number; seen?: () => Promise<unknown> | unknown } = {},
): Promise<T> {
  const everyMs = options.everyMs ?? 25;
  const deadline = Date.now() + (options.deadlineMs ?? WAIT_MS);
  let gaveUp: string | undefined;
  void options.unless?.then((reason) => { gaveUp = reason; }, (err: unknown) => { gaveUp = String(err); });
  for (;;) {
    const v = await check();
    if (v) return v;
    if (gaveUp !== undefined) throw new Error(`gave up waiting for ${what}: ${gaveUp}`);
    if (Date.now() >= deadline) {
      const seen = options.seen ? `; seen instead: ${JSON.stringify(await options.seen())}` : '';
      throw new Error(`waited ${Math.round((options.deadlineMs ?? WAIT_MS) / 1000)} s for ${what}, in vain${seen}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
