/**
 * The fleet worker's job handler: it checks the job, hands the group to the
 * thread pool (the very task `bnviz run` runs), writes the job's stage
 * progress and the run's records to Redis, and writes the run's files when
 * the run's last group is counted. It computes nothing itself, so the event
 * loop stays free and BullMQ keeps renewing the job locks.
 *
 * Failures: bad input (a corrupt image, an invalid job) fails the job at once
 * with BullMQ's UnrecoverableError, and counts the group as failed; anything
 * else is thrown as it is, so BullMQ retries it with backoff, and the group is
 * counted as failed only when its last attempt fails.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { isBnvizError, messageOf, InputError } from '../errors.js';
import { groupErrorOf } from '../group/failed-result.js';
import { STAGES, type GroupResult, type GroupTask, type Stage } from '../group/group-task.js';
import { resolveInside } from '../dataset/resolve-inside.js';
import type { GroupPool } from '../pool/group-pool.js';
import { runKeys } from './fleet-keys.js';
import { finalizeFleetRun } from './finalize-fleet-run.js';
import { idsOf, jobIdOf, parseJobDocument, type JobDocument } from './job-document.js';
import { mapJobRoot, type AllowedRoots } from './map-root.js';
import { isComplete, markStarted, recordOutcome, type Outcome } from './run-store.js';

export interface JobContext {
  /** Records and progress (not the queue's blocking connection). */
  redis: Redis;
  prefix: string;
  pool: GroupPool;
  roots: AllowedRoots;
  /** Absolute output folder: a run writes only under `<out>/<runId>/`. */
  outRoot: string;
}

/** What a job returns (kept small: BullMQ stores it with the job). */
export interface JobReturn {
  groupId: string;
  status: GroupResult['status'];
  outputs: string[];
  maxUnseen: number;
  totalMs?: number;
}

/** Job progress as `job.progress` holds it. */
export interface JobProgressDoc {
  stage: Stage;
  step: number;
  of: number;
}

export function makeProcessor(ctx: JobContext): (job: Job) => Promise<JobReturn> {
  return async (job) => {
    const { doc, root } = await checkJob(ctx, job);
    const k = runKeys(ctx.prefix, doc.runId);
    await markStarted(ctx.redis, k);
    const task: GroupTask = {
      runId: doc.runId,
      groupId: doc.groupId,
      root,
      files: doc.files,
      runDir: join(ctx.outRoot, doc.runId),
      options: doc.options,
      force: doc.force ?? false,
    };
    const onStage = (stage: Stage) => {
      const progress: JobProgressDoc = { stage, step: STAGES.indexOf(stage) + 1, of: STAGES.length };
      job.updateProgress(progress).catch(() => {}); // progress is advisory; the outcome is what counts
    };
    let result: GroupResult;
    try {
      result = await ctx.pool.run(task, onStage);
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await count(ctx, doc.runId, { groupId: doc.groupId, status: 'failed', files: doc.files, error: groupErrorOf(err) });
      }
      throw err;
    }
    await count(ctx, doc.runId, { groupId: doc.groupId, status: result.status, files: doc.files, error: result.error, timings: result.timings }, result.backend);
    if (result.status === 'failed') throw new UnrecoverableError(result.error?.message ?? 'bad input');
    return { groupId: doc.groupId, status: result.status, outputs: result.outputs, maxUnseen: result.maxUnseen, totalMs: result.timings?.totalMs };
  };
}

/**
 * Trusts nothing in the job: a valid document, a root inside the worker's
 * roots, every file inside that root (symlinks followed), and a run and group
 * that were enqueued under this prefix. Throws UnrecoverableError naming the
 * reason, after counting the group as failed when the job names a real one.
 */
async function checkJob(ctx: JobContext, job: Job): Promise<{ doc: JobDocument; root: string }> {
  try {
    const doc = parseJobDocument(job.data, `job ${job.id}`);
    const root = await mapJobRoot(doc.root, ctx.roots);
    for (const file of doc.files) await resolveInside(root, file);
    const k = runKeys(ctx.prefix, doc.runId);
    const [known, member] = await Promise.all([ctx.redis.hexists(k.meta, 'root'), ctx.redis.zscore(k.groups, doc.groupId)]);
    if (!known) throw new InputError(`job ${job.id}`, `run ${doc.runId} was not enqueued (no records under prefix ${ctx.prefix})`);
    if (member === null) throw new InputError(`job ${job.id}`, `group ${doc.groupId} is not a group of run ${doc.runId}`);
    return { doc, root };
  } catch (err) {
    if (!isBnvizError(err, 'InputError')) throw err;
    const { runId, groupId, files } = idsOf(job.data);
    // Only the group's own job (the id enqueue gives it) may count it as failed:
    // a job forged under another id must not fail a group it does not own.
    if (runId && groupId && job.id === jobIdOf(runId, groupId)) {
      await count(ctx, runId, { groupId, status: 'failed', files: files ?? [], error: groupErrorOf(err) });
    }
    throw new UnrecoverableError(messageOf(err));
  }
}

/** Counts a group once, and writes the run's files when that completes the run. */
async function count(ctx: JobContext, runId: string, outcome: Outcome, backend?: string): Promise<void> {
  const runDir = join(ctx.outRoot, runId);
  const recorded = await recordOutcome(ctx.redis, runKeys(ctx.prefix, runId), outcome);
  // Also when the group was counted before: a worker that died while finalizing leaves the run to the next one here.
  if (recorded.effect !== 'unknown' && isComplete(recorded)) await finalizeFleetRun(ctx.redis, ctx.prefix, runId, runDir, { backend });
}
