/** What `bnviz status` shows, read from Redis: the runs, one run's counts and failures, and the workers alive. */
import type { Redis } from 'ioredis';
import type { RunFailure } from '../records/run-record.js';
import { runKeys, workerPattern } from './fleet-keys.js';
import type { WorkerBeat } from './heartbeat.js';
import { listRunIds, readFailures, readRun, type RunState } from './run-store.js';

export interface RunStatus extends RunState {
  failures: RunFailure[];
  /** Workers whose heartbeat has not expired (on this prefix, any queue). */
  workers: WorkerBeat[];
}

export async function readRuns(redis: Redis, prefix: string, limit = 50): Promise<RunState[]> {
  const ids = await listRunIds(redis, prefix, limit);
  const states = await Promise.all(ids.map((id) => readRun(redis, prefix, id)));
  return states.filter((s): s is RunState => s !== undefined);
}

export async function readRunStatus(redis: Redis, prefix: string, runId: string, failureLimit = 20): Promise<RunStatus | undefined> {
  const state = await readRun(redis, prefix, runId);
  if (!state) return undefined;
  const [failures, workers] = await Promise.all([readFailures(redis, runKeys(prefix, runId), failureLimit), readWorkers(redis, prefix)]);
  return { ...state, failures, workers };
}

/** The heartbeats under the prefix (SCAN, never KEYS: a shared Redis may be large). */
export async function readWorkers(redis: Redis, prefix: string): Promise<WorkerBeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', workerPattern(prefix), 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerBeat).sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
}
