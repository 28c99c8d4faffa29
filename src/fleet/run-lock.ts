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

/**
 * Runs `work` holding the lock `key`; undefined, without running it, when
 * another holds it. `work`'s signal aborts, with the reason, as soon as the
 * lock is known lost: a renewal found another holder, or the lock's time
 * passed with no renewal answered (this process was paused, Redis was away):
 * another worker may be doing the same work, so `work` must not finish it
 * (mark it done) once the signal has aborted.
 */
export async function withLock<T>(connection: RedisClient, key: string, lockMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const redis = fleetCommands(connection);
  const token = `${hostname()}:${process.pid}:${randomBytes(8).toString('hex')}`;
  let heldUntil = Date.now() + lockMs;
  if ((await redis.set(key, token, 'PX', lockMs, 'NX')) !== 'OK') return undefined;
  const lost = new AbortController();
  const renew = setInterval(() => {
    if (lost.signal.aborted) return;
    const at = Date.now();
    if (at >= heldUntil) {
      lost.abort(new Error(`the lock ${key} lapsed before it could be renewed`));
      return;
    }
    redis.bnvizLockRenew(key, token, lockMs).then((held) => {
      if (held === 1) heldUntil = at + lockMs;
      else lost.abort(new Error(`the lock ${key} is held by another (${String(held)})`));
    }, () => { /* Redis away: the lock's time says when it is lost */ });
  }, Math.max(250, Math.floor(lockMs / 3)));
  renew.unref();
  try {
    return await work(lost.signal);
  } finally {
    clearInterval(renew);
    await redis.bnvizLockRelease(key, token).catch(() => {});
  }
}
