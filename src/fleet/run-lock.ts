/**
 * A short lock in Redis for work one worker of the fleet must do alone
 * (writing a run's records, ending its first pass). It lives one lock period
 * and is renewed while the work goes on, so if the holder dies the lock
 * lapses and the next worker that looks takes it. Its value names the holder
 * (`<host>:<pid>:<random>`), so an operator can tell who holds it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from './redis-options.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/** Runs `work` holding the lock `key`; undefined, without running it, when another holds it. */
export async function withLock<T>(redis: RedisClient, key: string, lockMs: number, work: () => Promise<T>): Promise<T | undefined> {
  const token = `${hostname()}:${process.pid}:${randomBytes(8).toString('hex')}`;
  if ((await redis.set(key, token, 'PX', lockMs, 'NX')) !== 'OK') return undefined;
  const renew = setInterval(() => {
    redis.eval(RENEW, 1, key, token, lockMs).catch(() => {});
  }, Math.max(250, Math.floor(lockMs / 3)));
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, key, token).catch(() => {});
  }
}
