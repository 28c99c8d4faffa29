/**
 * Every job's end counted, whatever ended it. The job handler counts the
 * outcomes it sees; some ends happen outside it: BullMQ fails a job that
 * stalled too often ("job stalled more than allowable limit": its worker was
 * killed twice, or ran out of memory twice), a job may be removed by hand
 * (Bull Board, a script), and a Redis failover may lose a count the old
 * primary had acknowledged. Each worker runs this reconciliation every few
 * lock periods and when it sees a stalled job. A pass costs what changed:
 * - the queue's jobs failed since the last pass (BullMQ's failed set, by
 *   time, from where the last pass stopped): each not counted yet is counted;
 * - each unfinished run's counts (O(1) a run): a complete run whose records
 *   were not written (its writer died) is finalized;
 * - only a run that has not moved for STUCK_PERIODS lock periods is walked
 *   whole (its groups not counted, with their jobs' states: removed jobs,
 *   lost counts), and then again after a doubling pause while it stays still.
 * Counting is once per group (RunStore.record), so workers reconciling at
 * once do no harm; a short lock per run keeps them from repeating a walk.
 */
import { Job, type Queue } from 'bullmq';
import { join } from 'node:path';
import { finalizeFleetRun } from './finalize-fleet-run.js';
import { endFitPhase, reconcileFitPhase, recordSlice, type FitPhaseContext } from './fit-phase.js';
import { reconcileKey, runKeys } from './fleet-keys.js';
import { FIT_JOB, fitJobIdOf, idsOf, jobIdOf, stalledOut } from './job-document.js';
import { isComplete, RunStore, unfinishedRunIds, type Outcome, type RunCounts } from './run-store.js';

/** The first pass's context (fit-phase.ts): the queue is the worker's, and only runs enqueued on it are reconciled. */
export type ReconcileContext = FitPhaseContext;

/** Lock periods a run must stand still before it is walked whole. */
const STUCK_PERIODS = 5;
/** Longest pause between two walks of a run that stays still. */
const MAX_WALK_PAUSE_MS = 3600_000;
/** How far before the last pass's newest failure the next one reads again (workers' clocks differ). */
const CLOCK_MARGIN_MS = 60_000;
/** Failed jobs read per call. */
const FAILED_PAGE = 500;

interface RunWatch {
  /** The run's progress when last seen, and since when it has not moved. */
  progress: string;
  since: number;
  /** No walk before this; the pause after it. */
  walkAt: number;
  pause: number;
}

/** One worker's reconciliation: remembers what it last saw of each run, to tell a run that stopped moving. */
export class Reconciler {
  private readonly watch = new Map<string, RunWatch>();
  constructor(private readonly ctx: ReconcileContext) {}

  /** One pass over the queue; returns the groups and slices counted. */
  async pass(now = Date.now()): Promise<number> {
    let counted = await this.failedSinceLastPass();
    const open = await unfinishedRunIds(this.ctx.redis, this.ctx.prefix);
    for (const runId of open) counted += await this.checkRun(runId, now);
    for (const runId of this.watch.keys()) if (!open.includes(runId)) this.watch.delete(runId);
    return counted;
  }

  /** The queue's jobs failed since the last pass that are not counted yet (stalled out, failed by hand): counted now. */
  async failedSinceLastPass(): Promise<number> {
    const { redis, prefix, queue } = this.ctx;
    const cursorKey = reconcileKey(prefix, queue.name);
    const since = Number((await redis.hget(cursorKey, 'failedSince')) ?? 0);
    const from = Math.max(0, since - CLOCK_MARGIN_MS);
    let newest = since;
    let counted = 0;
    for (let offset = 0; ; offset += FAILED_PAGE) {
      const flat = await redis.zrangebyscore(`${prefix}:${queue.name}:failed`, from, '+inf', 'WITHSCORES', 'LIMIT', offset, FAILED_PAGE);
      for (let i = 0; i < flat.length; i += 2) {
        newest = Math.max(newest, Number(flat[i + 1]));
        if (await this.countFailedJob(flat[i]!)) counted++;
      }
      if (flat.length < 2 * FAILED_PAGE) break;
    }
    if (newest > since) await redis.hset(cursorKey, 'failedSince', String(newest));
    return counted;
  }

  /** Counts a failed job's group (or slice) if it is not counted yet; true when it was counted now. */
  async countFailedJob(jobId: string): Promise<boolean> {
    const job = await Job.fromId(this.ctx.queue, jobId);
    // a failed job read before BullMQ wrote why is left to the next pass (which reads the last minute again)
    if (!job || !job.failedReason || !(await job.isFailed())) return false;
    const { runId, groupId, index, files } = idsOf(job.data, job.id);
    if (!runId) return false;
    const stalled = stalledOut(job);
    if (job.name === FIT_JOB) {
      const slice = (job.data as { slice?: unknown }).slice;
      if (typeof slice !== 'number' || job.id !== fitJobIdOf(runId, slice)) return false;
      const k = runKeys(this.ctx.prefix, runId);
      const r = await recordSlice(this.ctx.redis, k, { slice, status: 'failed', reason: stalled ? `the worker counting it ${stalled}` : job.failedReason || 'failed', images: files?.length ?? 0 });
      if (r.done + r.failed >= r.slices) await endFitPhase(this.ctx, runId);
      return r.added;
    }
    // only a group's own job counts it (a forged id counts nothing)
    if (!groupId || index === undefined || job.id !== jobIdOf(runId, groupId)) return false;
    const store = new RunStore(this.ctx.redis, this.ctx.prefix, runId);
    const outcome: Outcome = { groupId, index, status: 'failed', files: files ?? (await store.filesAt(index)) ?? [], error: failureOf(job, runId) };
    return (await this.count(store, outcome)) === 'added';
  }

  /**
   * A run's counts: finalized if complete and not written; walked whole
   * when it has stood still long enough. Returns the groups counted.
   */
  private async checkRun(runId: string, now: number): Promise<number> {
    const { redis, prefix, queue, lockMs } = this.ctx;
    const store = new RunStore(redis, prefix, runId);
    const state = await store.read();
    if (!state?.meta || state.finishedAt || state.meta.queue !== queue.name) return 0;
    if (isComplete(state)) {
      await this.finalize(runId);
      return 0;
    }
    const [fitCounted, fitSlices] = await redis.hmget(store.k.meta, 'fitCounted', 'fitSlices');
    const progress = `${state.version ?? 0} ${fitCounted ?? ''}`;
    const seen = this.watch.get(runId);
    const pause = lockMs * STUCK_PERIODS;
    if (!seen || seen.progress !== progress) {
      this.watch.set(runId, { progress, since: now, walkAt: now + pause, pause });
      return 0;
    }
    if (now < seen.walkAt) return 0;
    // Still for a while: walked whole (one worker at a time), then not again for twice as long unless it moves.
    if ((await redis.set(store.k.reconcile, '1', 'PX', lockMs, 'NX')) !== 'OK') return 0;
    const firstPass = !state.enqueueDone && fitSlices !== null;
    let counted = firstPass ? await reconcileFitPhase(this.ctx, runId) : 0;
    if (!firstPass) counted += await this.walk(store, runId, state.enqueueDone !== undefined);
    seen.pause = counted > 0 ? pause : Math.min(MAX_WALK_PAUSE_MS, seen.pause * 2);
    seen.walkAt = now + seen.pause;
    return counted;
  }

  /** Counts the run's groups whose jobs ended (or went missing) uncounted. O(run), a few thousand groups a call. */
  private async walk(store: RunStore, runId: string, enqueued: boolean): Promise<number> {
    const queueKey = `${this.ctx.prefix}:${this.ctx.queue.name}:`;
    let counted = 0;
    for await (const u of store.uncounted(queueKey)) {
      // Before the enqueue has finished, a group with no job may simply not have been added yet.
      if (u.state === '' || (u.state === 'missing' && !enqueued)) continue;
      const outcome = await outcomeOf(this.ctx.queue, store, u.groupId, u.index, u.state);
      if (outcome && (await this.count(store, outcome)) === 'added') counted++;
    }
    return counted;
  }

  private async count(store: RunStore, outcome: Outcome): Promise<'added' | 'counted' | 'unknown'> {
    const r = await store.record(outcome);
    if (r.effect !== 'unknown' && isComplete(r as RunCounts)) await this.finalize(store.runId);
    return r.effect;
  }

  private async finalize(runId: string): Promise<void> {
    const { redis, prefix, outRoot, lockMs, retentionSeconds } = this.ctx;
    await finalizeFleetRun(redis, prefix, runId, join(outRoot, runId), { lockMs, retentionSeconds });
  }
}

/** Why a failed job failed, as a group's failure says it. */
function failureOf(job: Job, runId: string): { name: string; message: string } {
  const stalled = stalledOut(job);
  return { name: stalled ? 'Stalled' : 'JobFailed', message: stalled ? `the worker running it ${stalled}; bnviz retry ${runId} runs it again` : job.failedReason || 'failed' };
}

/** What an ended job says of its group (its files: the job's own, version 2, or those the run keeps). */
async function outcomeOf(queue: Queue, store: RunStore, groupId: string, index: number, state: 'missing' | 'failed' | 'completed'): Promise<Outcome | undefined> {
  const runId = store.runId;
  if (state === 'missing') {
    return { groupId, index, status: 'failed', files: (await store.filesAt(index)) ?? [], error: { name: 'JobRemoved', message: `its job was removed from the queue before it ended; bnviz retry ${runId} adds it again` } };
  }
  const job = await Job.fromId(queue, jobIdOf(runId, groupId));
  if (!job) return undefined; // removed since: the next walk sees it missing
  const files = idsOf(job.data).files ?? (await store.filesAt(index)) ?? [];
  if (state === 'completed') {
    const status = (job.returnvalue as { status?: string } | undefined)?.status;
    return { groupId, index, status: status === 'skipped' ? 'skipped' : 'done', files };
  }
  return { groupId, index, status: 'failed', files, error: failureOf(job, runId) };
}
