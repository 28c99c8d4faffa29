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
import { Job, Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import type { BnvizConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';
import { runKeys } from './fleet-keys.js';
import { jobIdOf, makeJobDocument } from './job-document.js';
import { failedGroupIds, persistRunRecords, readFailures, readRun, uncountFailed } from './run-store.js';

export interface RetryResult {
  runId: string;
  /** Groups put back in the queue. */
  retried: string[];
  /** Asked for but not counted failed (done, unknown, or still running). */
  notFailed: string[];
}

/**
 * @example
 * const { retried } = await retryRun(redis, config, 'photos'); // every failed group back in the queue
 */
export async function retryRun(redis: RedisClient, config: Readonly<BnvizConfig>, runId: string, groupIds: string[] = []): Promise<RetryResult> {
  const prefix = config.redis.prefix;
  const k = runKeys(prefix, runId);
  const state = await readRun(redis, prefix, runId);
  if (!state?.meta) throw new UsageError(`no run ${runId} under prefix ${prefix} (bnviz status lists the runs)`);
  const meta = state.meta;
  const failed = new Set(await failedGroupIds(redis, k));
  const asked = groupIds.length ? groupIds : [...failed];
  // a group id the run does not have is a typo: say so before retrying anything
  const named = [...new Set(groupIds)];
  const scores = named.length ? await redis.zmscore(k.groups, ...named) : [];
  const typos = named.filter((_, i) => scores[i] === null);
  if (typos.length) throw new UsageError(`run ${runId} has no group ${typos.join(', ')} (bnviz status ${runId} lists its failed groups)`);
  const wanted = asked.filter((id) => failed.has(id));
  const notFailed = asked.filter((id) => !failed.has(id));
  if (wanted.length === 0) return { runId, retried: [], notFailed };
  const files = new Map((await readFailures(redis, k)).map((f) => [f.groupId, f.files]));
  const queue = new Queue(meta.queue, { connection: redis, prefix });
  queue.on('error', () => {});
  try {
    // A reopened run must not expire under retention while it runs again.
    await persistRunRecords(redis, k);
    const taken = await uncountFailed(redis, k, wanted);
    const retried: string[] = [];
    for (const groupId of taken) {
      const jobId = jobIdOf(runId, groupId);
      const job = await Job.fromId(queue, jobId);
      if (job && (await job.isFailed())) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } else {
        if (job) await job.remove().catch(() => {});
        const jobFiles = files.get(groupId) ?? [];
        if (jobFiles.length === 0) continue; // nothing to rebuild it from: bnviz enqueue adds it again
        await queue.add('group', makeJobDocument(runId, groupId, meta.root, jobFiles, meta.options, true), {
          jobId, attempts: config.queue.attempts, backoff: { type: 'exponential', delay: config.queue.backoffMs },
        });
      }
      retried.push(groupId);
    }
    return { runId, retried, notFailed };
  } finally {
    await queue.close();
  }
}
