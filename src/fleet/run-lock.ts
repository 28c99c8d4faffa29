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
import { fleetCommands } from './fleet-commands.js';

/** Runs `work` holding the lock `key`; undefined, without running it, when another holds it. */
export async function withLock<T>(connection: RedisClient, key: string, lockMs: number, work: () => Promise<T>): Promise<T | undefined> {
  const redis = fleetCommands(connection);
  const token = `${hostname()}:${process.pid}:${randomBytes(8).toString('hex')}`;
  if ((await redis.set(key, token, 'PX', lockMs, 'NX')) !== 'OK') return undefined;
  const renew = setInterval(() => {
    redis.bnvizLockRenew(key, token, lockMs).catch(() => {});
  }, Math.max(250, Math.floor(lockMs / 3)));
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await redis.bnvizLockRelease(key, token).catch(() => {});
  }
}
