/**
 * When a run's last group is counted, one worker writes the run's records
 * (run.json, summary.csv, index.html) exactly as `bnviz run` does, from the
 * groups' records on the shared output storage, streaming the run's groups
 * from Redis in dataset order a chunk at a time (time linear in the run,
 * memory bounded). One worker only: it holds a lock that lives one lock
 * period and is renewed while it writes, so if the writer dies, the lock
 * lapses and the next worker that looks (the reconciliation every worker
 * runs) writes them instead. Temporaries the dead writer left are removed
 * then (finalizeRun).
 */
import { join } from 'node:path';
import type { RedisClient } from './redis-options.js';
import { finalizeRun } from '../records/finalize-run.js';
import { buildRunRecord, type RunRecord } from '../records/run-record.js';
import { removeStale } from '../records/write-atomic.js';
import { advanceDrawPhase } from './draw-phase.js';
import { withLock } from './run-lock.js';
import { RunStore } from './run-store.js';
import type { RunKeys } from './fleet-keys.js';
import type { GroupOptions } from '../config/rules.js';
import { datasetShares } from '../fit/dataset-shares.js';
import { LevelCounts } from '../fit/level-counts.js';
import type { DatasetShares } from '../types.js';

/**
 * How long a complete run's records wait for level counts still due (a
 * worker sends its within FLUSH_MS; one killed first never does): from its
 * last group counted. The reconciliation, which every worker runs once a
 * lock period, writes them after that, over the groups whose counts came.
 */
export const LEVELS_WAIT_MS = 10_000;

export interface FinalizeOptions {
  /** How long the lock lives unless renewed (the queue's lock time). */
  lockMs: number;
  /** Seconds a finished run's records stay in Redis; 0 keeps them. */
  retentionSeconds?: number;
  backend?: string;
}

/**
 * Writes the run's records when the run is complete and not finalized yet,
 * and this caller wins the lock. Returns the record written, or undefined.
 */
export async function finalizeFleetRun(redis: RedisClient, prefix: string, runId: string, runDir: string, options: FinalizeOptions): Promise<RunRecord | undefined> {
  const store = new RunStore(redis, prefix, runId);
  return withLock(redis, store.k.finalize, options.lockMs, async (lockLost) => {
    const state = await store.read();
    if (!state?.meta || state.finishedAt || state.done + state.skipped + state.failed < state.total) return undefined;
    const meta = state.meta;
    // --draw worst:K, sample:K: the picked groups are drawn first (their jobs call this again as they end)
    if ((await advanceDrawPhase(redis, prefix, runId, store.k, meta)) === 'drawing') return undefined;
    // --stats batch: the workers' level counts of the groups (level-sink.ts) are awaited a while (their sends call this again)
    const shares = await datasetSharesOf(redis, store.k, meta.options, state.lastAt);
    if (shares === 'waiting') return undefined;
    const finishedAt = new Date().toISOString();
    const startedAt = state.startedAt ?? meta.enqueuedAt;
    const record = buildRunRecord({
      runId,
      root: meta.root,
      status: 'finished',
      startedAt,
      finishedAt,
      options: meta.options,
      groupSize: meta.groupSize,
      ...(meta.grouping ? { grouping: meta.grouping } : {}),
      counts: { groups: state.total, images: meta.images, done: state.done, skipped: state.skipped, failed: state.failed, partialGroups: meta.partialGroups },
      // the groups bring their failures, in dataset order (finalizeRun lists the first ones in run.json)
      failures: [],
      indexOf: () => undefined,
      timings: await store.timings(),
      wallMs: Date.parse(finishedAt) - Date.parse(startedAt),
      backend: options.backend,
    });
    // Leftovers of killed workers on this host; the run is complete, so nothing of it is in flight.
    await removeStale(join(runDir, 'groups'));
    let written: RunRecord;
    try {
      written = await finalizeRun(runDir, record, store.countedInOrder(), shares ? { datasetShares: shares } : {});
    } catch (err) {
      // with the lock lost, another writer may have removed this one's temporaries: the run is its now
      if (lockLost.aborted) return undefined;
      throw err;
    }
    // the lock lost while writing: the run is marked finished by the writer that holds it
    if (lockLost.aborted) return undefined;
    // Finished only if no retry reopened it meanwhile (its counts would have changed).
    const after = await store.read();
    if (!after || after.done !== state.done || after.skipped !== state.skipped || after.failed !== state.failed) return undefined;
    await redis.hset(store.k.meta, 'finishedAt', finishedAt);
    if (options.retentionSeconds) await store.expire(options.retentionSeconds);
    return written;
  });
}


/**
 * The shares under the dataset's statistics from the run's summed level
 * counts, for a run that normalized each batch by its own; 'waiting' while
 * some are due and LEVELS_WAIT_MS has not passed since its last count.
 */
async function datasetSharesOf(redis: RedisClient, k: RunKeys, options: GroupOptions, lastAt = 0): Promise<DatasetShares | 'waiting' | undefined> {
  if (options.method !== 'batch' || options.normStats) return undefined;
  const [due, held, images] = (await redis.hmget(k.meta, 'levelsDue', 'levelGroups', 'levelImages')).map(Number);
  if (held! < due! && Date.now() - lastAt < LEVELS_WAIT_MS) return 'waiting';
  if (!(held! > 0)) return undefined;
  return datasetShares(LevelCounts.fromFields(await redis.hgetall(k.levels), images!), held!, options);
}
