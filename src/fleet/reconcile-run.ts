/**
 * Every job's end counted, whatever ended it. The job handler counts the
 * outcomes it sees; some ends happen outside it: BullMQ fails a job that
 * stalled too often ("job stalled more than allowable limit": its worker was
 * killed twice, or ran out of memory twice), and a job may be removed by hand
 * (Bull Board, a script). Each worker runs this reconciliation on the runs of
 * its queue when it sees a stalled job and every few lock periods: it counts
 * the groups whose jobs have ended but were never counted, and writes the
 * run's records when that completes the run (or when a writer died before
 * finishing them). Counting is once per group (recordOutcome), so workers
 * reconciling the same run at once do no harm; a short lock per run keeps
 * them from repeating each other's scan.
 */
import { Job, type Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { join } from 'node:path';
import { finalizeFleetRun } from './finalize-fleet-run.js';
import { reconcileFitPhase, type FitPhaseContext } from './fit-phase.js';
import { runKeys } from './fleet-keys.js';
import { jobIdOf, stalledOut } from './job-document.js';
import { isComplete, readRun, recordOutcome, uncountedGroups, unfinishedRunIds, type Outcome } from './run-store.js';

/** The first pass's context (fit-phase.ts): the queue is the worker's, and only runs enqueued on it are reconciled. */
export type ReconcileContext = FitPhaseContext;

/** Reconciles every unfinished run of the queue; returns the groups counted. */
export async function reconcileRuns(ctx: ReconcileContext): Promise<number> {
  let counted = 0;
  for (const runId of await unfinishedRunIds(ctx.redis, ctx.prefix)) counted += await reconcileRun(ctx, runId);
  return counted;
}

/**
 * Counts the run's ended but uncounted groups and finalizes it when complete.
 * `force` skips the short per-run lock (a stalled job was just seen).
 */
export async function reconcileRun(ctx: ReconcileContext, runId: string, force = false): Promise<number> {
  const k = runKeys(ctx.prefix, runId);
  const state = await readRun(ctx.redis, ctx.prefix, runId);
  if (!state?.meta || state.finishedAt || state.meta.queue !== ctx.queue.name) return 0;
  if (!force && (await ctx.redis.set(k.reconcile, '1', 'PX', ctx.lockMs, 'NX')) !== 'OK') return 0;
  // Groups listed before their jobs are added: "no job" means removed only once the enqueue has finished
  // (with --stats dataset, once the first pass has ended and added them).
  const [enqueuedAt, fitSlices] = await ctx.redis.hmget(k.meta, 'enqueueDone', 'fitSlices');
  const firstPass = enqueuedAt === null && fitSlices !== null;
  let counted = firstPass ? await reconcileFitPhase(ctx, runId) : 0;
  const enqueued = enqueuedAt !== null || (firstPass && (await ctx.redis.hget(k.meta, 'enqueueDone')) !== null);
  // no group has a job before the first pass ends
  if (firstPass && !enqueued) return counted;
  const queueKey = `${ctx.prefix}:${ctx.queue.name}:`;
  let last = { done: state.done, skipped: state.skipped, failed: state.failed, total: state.total };
  for await (const u of uncountedGroups(ctx.redis, k, runId, queueKey)) {
    if (u.state === '' || (u.state === 'missing' && !enqueued)) continue;
    const outcome = await outcomeOf(ctx.queue, runId, u.groupId, u.state);
    if (!outcome) continue;
    const r = await recordOutcome(ctx.redis, k, outcome);
    if (r.effect === 'added') counted++;
    last = r;
  }
  if (isComplete(last)) {
    await finalizeFleetRun(ctx.redis, ctx.prefix, runId, join(ctx.outRoot, runId), { lockMs: ctx.lockMs, retentionSeconds: ctx.retentionSeconds });
  }
  return counted;
}

/** What an ended job says of its group. */
async function outcomeOf(queue: Queue, runId: string, groupId: string, state: 'missing' | 'failed' | 'completed'): Promise<Outcome | undefined> {
  if (state === 'missing') {
    return { groupId, status: 'failed', files: [], error: { name: 'JobRemoved', message: `its job was removed from the queue before it ended; bnviz enqueue adds it again` } };
  }
  const job = await Job.fromId(queue, jobIdOf(runId, groupId));
  if (!job) return undefined; // removed since: the next pass sees it missing
  const files = Array.isArray((job.data as { files?: unknown })?.files) ? ((job.data as { files: unknown[] }).files.filter((f) => typeof f === 'string') as string[]) : [];
  if (state === 'completed') {
    const status = (job.returnvalue as { status?: string } | undefined)?.status;
    return { groupId, status: status === 'skipped' ? 'skipped' : 'done', files };
  }
  const stalled = stalledOut(job);
  const message = stalled ? `the worker running it ${stalled}; bnviz retry ${runId} runs it again` : job.failedReason || 'failed';
  return { groupId, status: 'failed', files, error: { name: stalled ? 'Stalled' : 'JobFailed', message } };
}
