/**
 * `bnviz retry RUN [--group ID...]`, as a library call: puts a run's failed
 * groups back in the queue. Each is taken out of the run's failed count
 * (the run is running again), and its job is retried by BullMQ's own
 * `Job.retry` when the queue still holds it, or added anew from the run's
 * records when it was removed. When the groups end, the run's counts,
 * failures, run.json, summary.csv and index.html say how. A retry from Bull
 * Board ends in the same state (recordOutcome moves a failed group that
 * ends done).
 */
import { checkWritePermissions } from './check-permissions.js';
import { Job, Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import type { BnvizConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';
import { addJobs } from './add-jobs.js';
import { jobIdOf, jobOpts, makeJobDocument } from './job-document.js';
import { RunStore, type StoredFailure } from './run-store.js';

/** Failed groups uncounted and put back at a time. */
const RETRY_CHUNK = 500;

export interface RetryResult {
  runId: string;
  /** Groups put back in the queue. */
  retried: string[];
  /** Asked for but not counted failed (done, unknown, or still running). */
  notFailed: string[];
}

/** What a retry reads of the config: the prefix, and the attempts and backoff of a job it adds anew. */
export interface RetryConfig {
  redis: Pick<BnvizConfig['redis'], 'prefix'>;
  queue: Pick<BnvizConfig['queue'], 'attempts' | 'backoffMs'>;
}

/**
 * Puts the run's failed groups (or those named) back in the queue, a chunk at a time: O(failed), memory O(chunk) but for the ids returned.
 * @example
 * const { retried } = await retryRun(redis, config, 'photos'); // every failed group back in the queue
 */
export async function retryRun(redis: RedisClient, config: RetryConfig, runId: string, groupIds: string[] = []): Promise<RetryResult> {
  const prefix = config.redis.prefix;
  const store = new RunStore(redis, prefix, runId);
  const state = await store.read();
  if (!state?.meta) throw new UsageError(`no run ${runId} under prefix ${prefix} (bnviz status lists the runs)`);
  await checkWritePermissions(redis, prefix);
  const meta = state.meta;
  // a group id the run does not have is a typo: say so before retrying anything
  const named = [...new Set(groupIds)];
  const known = named.length ? await store.indexesOf(named) : new Map<string, number>();
  const typos = named.filter((id) => !known.has(id));
  if (typos.length) throw new UsageError(`run ${runId} has no group ${typos.join(', ')} (bnviz status ${runId} lists its failed groups)`);
  const queue = new Queue(meta.queue, { connection: redis, prefix });
  const queueKey = `${prefix}:${meta.queue}:`;
  queue.on('error', () => {});
  const retried: string[] = [];
  const notFailed: string[] = [];
  let persisted = false;
  const retryChunk = async (ids: readonly string[]) => {
    const failures = await store.failuresOf(ids);
    const found = failures.filter((f, i): f is StoredFailure & { index: number } => {
      if (f === undefined || typeof f.index !== 'number') notFailed.push(ids[i]!);
      return f !== undefined && typeof f.index === 'number';
    });
    if (found.length === 0) return;
    // A reopened run must not expire under retention while it runs again.
    if (!persisted) await store.persist();
    persisted = true;
    const taken = new Set(await store.uncountFailed(found));
    const back = found.filter((f) => {
      if (!taken.has(f.groupId)) notFailed.push(f.groupId);
      return taken.has(f.groupId);
    });
    // Where each one's job is: still failed in the queue (retried by BullMQ itself), elsewhere, or gone.
    const where = (await redis.pipeline(back.flatMap((f) => [['exists', queueKey + jobIdOf(runId, f.groupId)], ['zscore', `${queueKey}failed`, jobIdOf(runId, f.groupId)]])).exec()) ?? [];
    const anew: typeof back = [];
    for (const [i, f] of back.entries()) {
      const exists = where[2 * i]?.[1] === 1;
      const failed = where[2 * i + 1]?.[1] !== null && where[2 * i + 1]?.[1] !== undefined;
      const job = exists ? await Job.fromId(queue, jobIdOf(runId, f.groupId)) : undefined;
      if (job && failed) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried.push(f.groupId);
        continue;
      }
      if (job) await job.remove().catch(() => {});
      if (f.files.length === 0) continue; // nothing to rebuild it from: bnviz enqueue adds it again
      anew.push(f);
    }
    if (anew.length) {
      await addJobs(queue, anew.map((f) => ({ name: 'group', data: makeJobDocument(runId, f.index, true), opts: jobOpts(config.queue), jobId: jobIdOf(runId, f.groupId) })));
      retried.push(...anew.map((f) => f.groupId));
    }
  };
  try {
    if (groupIds.length) {
      for (let i = 0; i < groupIds.length; i += RETRY_CHUNK) await retryChunk(groupIds.slice(i, i + RETRY_CHUNK));
    } else {
      for await (const ids of store.failedIds(RETRY_CHUNK)) await retryChunk(ids);
    }
    return { runId, retried, notFailed };
  } finally {
    await queue.close();
  }
}
