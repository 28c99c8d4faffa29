/**
 * A worker's heartbeat: a key with its state that it rewrites every few
 * seconds with an expiry a few beats long, so a worker that dies (even
 * SIGKILLed) drops out of `bnviz status` by itself; and its id in the
 * fleet's registry (a sorted set by the time of its last beat), so readers
 * find the workers alive in O(workers), never by scanning the keyspace.
 */
import type { RedisClient } from './redis-options.js';
import { workerKey, workersKey } from './fleet-keys.js';

export interface WorkerBeat {
  host: string;
  pid: number;
  queue: string;
  threads: number;
  /** Jobs in hand now. */
  active: number;
  /** Jobs finished since start (done, skipped or failed). */
  processed: number;
  failed: number;
  startedAt: string;
  /** ISO time of this beat. */
  lastSeen: string;
  /** What it is doing now: each job in hand (at most its threads x 3: two running, one waiting for its thread), as of this beat. */
  jobs?: JobInHand[];
}

/** A job a worker holds: its run and group (or slice of a first pass), and the stage its group is in. */
export interface JobInHand {
  runId: string;
  /** The group's id; absent for a slice of a first pass. */
  groupId?: string;
  slice?: number;
  /** decode, normalize, density, figure, write; 'checking' before its thread takes it; 'counting' for a slice. */
  stage: string;
  /** ISO time it was taken. */
  since: string;
}

export interface Heartbeat {
  /** Writes a beat now (also on a timer). */
  beat(): Promise<void>;
  /** Stops the timer and removes the key. */
  stop(): Promise<void>;
}

/** Seconds a beat lives: three periods. */
export function beatTtl(everyMs: number): number {
  return Math.ceil((everyMs * 3) / 1000);
}

/** @param everyMs beat period (default 5 s); the key expires after three periods */
export function startHeartbeat(redis: RedisClient, prefix: string, id: string, state: () => Omit<WorkerBeat, 'lastSeen'>, everyMs = 5000): Heartbeat {
  const ttl = beatTtl(everyMs);
  const key = workerKey(prefix, id);
  const beat = async () => {
    const now = Date.now();
    // The registry forgets workers whose beats have lapsed (a killed worker's entry goes with the next beat of any).
    await redis.multi()
      .set(key, JSON.stringify({ ...state(), lastSeen: new Date(now).toISOString() }), 'EX', ttl)
      .zadd(workersKey(prefix), now, id)
      .zremrangebyscore(workersKey(prefix), '-inf', now - ttl * 1000)
      .exec();
  };
  // A missed beat is not an error: the key simply expires later than it would.
  const timer = setInterval(() => beat().catch(() => {}), everyMs);
  timer.unref();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await redis.multi().del(key).zrem(workersKey(prefix), id).exec();
    },
  };
}
