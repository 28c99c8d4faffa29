/**
 * When a run's last group is counted, one worker writes the run's records
 * (run.json, summary.csv, index.html) exactly as `bnviz run` does, from the
 * groups' records on the shared output storage. One worker only: it takes a
 * lock (SET NX with an expiry, in case it dies). A worker that fails half-way
 * gives the lock back, and its job's retry tries again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { removeStale } from '../records/write-atomic.js';
import { finalizeRun } from '../records/finalize-run.js';
import { buildRunRecord, type RunRecord } from '../records/run-record.js';
import { runKeys } from './fleet-keys.js';
import { groupIdsInOrder, readFailures, readRun, readTimings } from './run-store.js';

const LOCK_MS = 10 * 60 * 1000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Writes the run's records when the run is complete and not finalized yet,
 * and this caller wins the lock. Returns the record written, or undefined.
 */
export async function finalizeFleetRun(redis: Redis, prefix: string, runId: string, runDir: string, extra: { backend?: string } = {}): Promise<RunRecord | undefined> {
  const k = runKeys(prefix, runId);
  const token = randomBytes(8).toString('hex');
  if ((await redis.set(k.finalize, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return undefined;
  try {
    const state = await readRun(redis, prefix, runId);
    if (!state?.meta || state.finishedAt || state.done + state.skipped + state.failed < state.total) return undefined;
    const meta = state.meta;
    const finishedAt = new Date().toISOString();
    const startedAt = state.startedAt ?? meta.enqueuedAt;
    const [groupIds, failures, timings] = await Promise.all([groupIdsInOrder(redis, k), readFailures(redis, k), readTimings(redis, k)]);
    const index = new Map(groupIds.map((id, i) => [id, i]));
    const record = buildRunRecord({
      runId,
      root: meta.root,
      status: 'finished',
      startedAt,
      finishedAt,
      options: meta.options,
      groupSize: meta.groupSize,
      counts: { groups: state.total, images: meta.images, done: state.done, skipped: state.skipped, failed: state.failed, partialGroups: meta.partialGroups },
      failures,
      indexOf: (id) => index.get(id),
      timings,
      wallMs: Date.parse(finishedAt) - Date.parse(startedAt),
      backend: extra.backend,
    });
    // Leftovers of killed workers on this host; the run is complete, so nothing of it is in flight.
    // A run whose every group failed before it ran has no folder yet.
    await mkdir(runDir, { recursive: true });
    await removeStale(join(runDir, 'groups'));
    await finalizeRun(runDir, record, groupIds.map((groupId) => ({ groupId })));
    await redis.hset(k.meta, 'finishedAt', finishedAt);
    return record;
  } finally {
    await redis.eval(RELEASE, 1, k.finalize, token);
  }
}
