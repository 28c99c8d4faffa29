/**
 * A worker's heartbeat: a key with its state that it rewrites every few
 * seconds with an expiry a few beats long, so a worker that dies (even
 * SIGKILLed) drops out of `bnviz status` by itself.
 */
import type { RedisClient } from './redis-options.js';

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
}

export interface Heartbeat {
  /** Writes a beat now (also on a timer). */
  beat(): Promise<void>;
  /** Stops the timer and removes the key. */
  stop(): Promise<void>;
}

/** @param everyMs beat period (default 5 s); the key expires after three periods */
export function startHeartbeat(redis: RedisClient, key: string, state: () => Omit<WorkerBeat, 'lastSeen'>, everyMs = 5000): Heartbeat {
  const ttl = Math.ceil((everyMs * 3) / 1000);
  const beat = async () => {
    await redis.set(key, JSON.stringify({ ...state(), lastSeen: new Date().toISOString() }), 'EX', ttl);
  };
  // A missed beat is not an error: the key simply expires later than it would.
  const timer = setInterval(() => beat().catch(() => {}), everyMs);
  timer.unref();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await redis.del(key);
    },
  };
}
