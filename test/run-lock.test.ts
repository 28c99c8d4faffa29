/**
 * withLock (fleet/run-lock.ts) on real Redis: the work hears at once when
 * its lock is lost, whether another took it or this process was paused past
 * the lock's time, and a lock it lost is never released from under its new holder.
 * Serial: one test blocks the event loop, which would starve the others' renewals.
 */
import test from 'ava';
import { withLock } from '../src/fleet/run-lock.js';
import { redisScope, until } from './helpers/redis.js';

test.serial('withLock: a renewal that finds another holder aborts the work\'s signal, and the new holder keeps the lock', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const key = `${s.prefix}:lock`;
  const reason = await withLock(s.redis, key, 1000, async (signal) => {
    t.false(signal.aborted);
    // what another worker does once the lock lapsed: takes it
    await s.redis.set(key, 'another-worker', 'PX', 10_000);
    await until('the lock\'s loss to be heard', () => signal.aborted, { deadlineMs: 30_000 });
    return (signal.reason as Error).message;
  });
  t.regex(reason ?? '', /is held by another/);
  t.is(await s.redis.get(key), 'another-worker', 'not released from under its new holder');
});

test.serial('withLock: work that held the process past the lock\'s time (paused, a blocked event loop) finds its signal aborted', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const key = `${s.prefix}:lock`;
  const reason = await withLock(s.redis, key, 1000, async (signal) => {
    // the event loop blocked for longer than the lock: no renewal could run meanwhile
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    await until('the lapse to be heard', () => signal.aborted, { deadlineMs: 30_000 });
    return (signal.reason as Error).message;
  });
  t.regex(reason ?? '', /lapsed before it could be renewed/);
});

test.serial('withLock: a lock renewed while the work runs is kept past its first lifetime, and released after', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const key = `${s.prefix}:lock`;
  const aborted = await withLock(s.redis, key, 1000, async (signal) => {
    await new Promise((r) => setTimeout(r, 2500));
    t.truthy(await s.redis.get(key), 'held past 1 s');
    return signal.aborted;
  });
  t.false(aborted);
  t.is(await s.redis.get(key), null);
  t.is(await withLock(s.redis, key, 1000, async () => 'free again'), 'free again');
});
