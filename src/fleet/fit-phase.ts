/**
 * The fleet's first pass of `--stats dataset`: the dataset's mean and std
 * counted by the workers, before any group is drawn.
 *
 * Enqueue cuts the dataset into slices of whole groups (about SLICE_IMAGES
 * images each), keeps each slice's groups in the run's plan, and adds one
 * fit job per slice, no group job yet. A fit job decodes its slice as `run`
 * does and counts each channel's levels (LevelCounts); one Lua script adds
 * those counts to the run's level hash once per slice, whichever worker or
 * attempt gets there, and returns how many slices are counted. The worker
 * (in a pool thread, as groups are drawn) that counts the last slice ends the pass: under a lock, it takes the
 * moments of the summed counts (exact: integers added in any order), stores
 * them in the run's meta and options, and adds the group jobs slice by slice,
 * deleting each slice from the plan once its jobs are in. A worker killed
 * while doing so leaves the lock to lapse; the reconciliation every worker
 * runs ends the pass then, and counts a fit job BullMQ failed (killed twice)
 * as a failed slice, so the pass always ends. A failed slice's images are
 * not in the statistics, and their label says so.
 */
import { Job, Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { join } from 'node:path';
import type { DatasetPlan } from '../dataset/plan-dataset.js';
import { LevelCounts } from '../fit/level-counts.js';
import { checkedStats } from '../fit/norm-stats.js';
import { messageOf } from '../errors.js';
import type { GroupOptions } from '../config/rules.js';
import type { NormStats } from '../types.js';
import { finalizeFleetRun } from './finalize-fleet-run.js';
import { runKeys, type RunKeys } from './fleet-keys.js';
import { addJobs } from './add-jobs.js';
import { FIT_JOB, fitJobIdOf, jobIdOf, jobOpts, makeFitJobDocument, makeJobDocument, stalledOut, type GroupJobOptions } from './job-document.js';
import type { CountResult } from '../pool/pool-messages.js';
import { fleetCommands } from './fleet-commands.js';
import { withLock } from './run-lock.js';
import { isComplete, RunStore } from './run-store.js';

/** Images a slice aims at: enough that a job's own cost is small, few enough that a killed job loses little. */
export const SLICE_IMAGES = 64;

export type PlannedGroup = Pick<DatasetPlan['groups'][number], 'groupId' | 'index' | 'files'>;

/** Consecutive groups, whole, of about SLICE_IMAGES images each (a larger group is a slice of its own). */
export function slicesOf<T extends { files: readonly string[] }>(groups: readonly T[], images = SLICE_IMAGES): T[][] {
  const slices: T[][] = [];
  let slice: T[] = [];
  let n = 0;
  for (const g of groups) {
    slice.push(g);
    n += g.files.length;
    if (n >= images) {
      slices.push(slice);
      slice = [];
      n = 0;
    }
  }
  if (slice.length) slices.push(slice);
  return slices;
}


/**
 * Adds the jobs of these groups that are neither counted nor queued (job ids
 * are the groups' own, so adding twice adds nothing); returns how many.
 * `known`: the run may have jobs or counts already (skips the check for a new run).
 */
export async function addGroupJobs(redis: RedisClient, queue: Queue, k: RunKeys, runId: string, groups: readonly PlannedGroup[], jobs: GroupJobOptions, known = true): Promise<number> {
  let fresh = groups;
  if (known) {
    const p = redis.pipeline();
    for (const g of groups) p.getrange(k.state, g.index, g.index).exists(`${queue.opts.prefix}:${queue.name}:${jobIdOf(runId, g.groupId)}`);
    const replies = (await p.exec()) ?? [];
    fresh = groups.filter((_, i) => { const s = replies[2 * i]?.[1]; return (s === '' || s === '\0') && replies[2 * i + 1]?.[1] !== 1; });
  }
  const opts = jobOpts(jobs);
  await addJobs(queue, fresh.map((g) => ({ name: 'group', data: makeJobDocument(runId, g.index, jobs.force), opts, jobId: jobIdOf(runId, g.groupId) })));
  return fresh.length;
}

/**
 * Opens the first pass of a run enqueued with `--stats dataset`: keeps the
 * plan of each slice and adds the fit jobs of slices neither counted nor
 * queued. Enqueueing the run again adds only what is missing. Returns the
 * fit jobs added.
 */
export async function openFitPhase(redis: RedisClient, queue: Queue, runId: string, root: string, groups: readonly PlannedGroup[], options: GroupOptions, jobs: GroupJobOptions, sliceImages = SLICE_IMAGES): Promise<{ slices: number; added: number }> {
  const k = runKeys(queue.opts.prefix!, runId);
  const slices = slicesOf(groups, sliceImages);
  const tx = redis.multi();
  tx.hsetnx(k.meta, 'fitSlices', String(slices.length));
  tx.hsetnx(k.meta, 'fitImages', String(groups.reduce((n, g) => n + g.files.length, 0)));
  tx.hsetnx(k.meta, 'jobOptions', JSON.stringify(jobs));
  await tx.exec();
  // A slice's groups, until the pass ends and their jobs are added (then the field is deleted: not written again).
  if ((await redis.hget(k.meta, 'normStats')) === null) {
    for (let s = 0; s < slices.length; s += 500) {
      const p = redis.pipeline();
      slices.slice(s, s + 500).forEach((slice, i) => p.hsetnx(k.plan, String(s + i), JSON.stringify(slice.map((g) => [g.groupId, g.index, g.files]))));
      await p.exec();
    }
  }
  let added = 0;
  for (let s = 0; s < slices.length; s += 500) {
    const ids = slices.slice(s, s + 500).map((_, i) => s + i);
    const replies = await redis.pipeline(ids.flatMap((n) => [
      ['sismember', k.fitDone, String(n)], ['hexists', k.fitFailed, String(n)], ['exists', `${queue.opts.prefix}:${queue.name}:${fitJobIdOf(runId, n)}`],
    ])).exec();
    const fresh = ids.filter((_, i) => [0, 1, 2].every((j) => replies?.[3 * i + j]?.[1] !== 1));
    if (fresh.length) {
      await addJobs(queue, fresh.map((n) => ({
        name: FIT_JOB,
        data: makeFitJobDocument(runId, n, root, slices[n]!.flatMap((g) => [...g.files]), options),
        opts: jobOpts(jobs),
        jobId: fitJobIdOf(runId, n),
      })));
    }
    added += fresh.length;
  }
  // From now on a slice with no job was removed by hand, not yet to be added.
  await redis.hsetnx(k.meta, 'fitEnqueued', new Date().toISOString());
  return { slices: slices.length, added };
}

/**
 * Counts a slice once: its level counts and unreadable files, or its failure.
 * A slice counted done stays done; one counted failed becomes done if a later
 * attempt counts it (a retry by hand) before the pass ends; nothing changes
 * once the pass has ended (normStats is set), nor for a slice number the run
 * does not have.
 * KEYS: fitDone fitFailed levels meta fitSkipped
 * ARGV: slice status reason images nSkipped [file reason]... [field count]...
 */


export interface SliceOutcome {
  slice: number;
  status: 'done' | 'failed';
  /** A slice counted: its levels (LevelCounts.toFields), images counted, and files that could not be read. */
  counted?: CountResult;
  /** For a failed slice: why, and how many images it held. */
  reason?: string;
  images?: number;
}

export interface SliceRecorded {
  added: boolean;
  done: number;
  failed: number;
  slices: number;
}

export async function recordSlice(redis: RedisClient, k: RunKeys, o: SliceOutcome): Promise<SliceRecorded> {
  const skipped = o.counted?.skipped ?? [];
  const reason = o.status === 'failed' ? JSON.stringify({ reason: o.reason ?? 'failed', images: o.images ?? 0 }) : '';
  const r = (await fleetCommands(redis).bnvizRecordSlice(k.fitDone, k.fitFailed, k.levels, k.meta, k.fitSkipped,
    String(o.slice), o.status, reason, String(o.counted?.images ?? 0), String(skipped.length),
    skipped.flatMap((s) => [s.file, s.reason]), o.counted?.fields ?? [])) as number[];
  return { added: r[0] === 1, done: r[1]!, failed: r[2]!, slices: r[3]! };
}

export interface FitPhaseContext {
  redis: RedisClient;
  prefix: string;
  /** The run's queue (the group jobs are added to it). */
  queue: Queue;
  outRoot: string;
  lockMs: number;
  retentionSeconds?: number;
}

/**
 * Ends the run's first pass if every slice is counted and the pass has not
 * ended: the statistics into the run's meta and options, then the group jobs,
 * a slice at a time. Safe to call from any worker at any time; one does the
 * work (the lock), and one that dies leaves it to the next.
 */
export async function endFitPhase(ctx: FitPhaseContext, runId: string): Promise<void> {
  const k = runKeys(ctx.prefix, runId);
  await withLock(ctx.redis, k.fitLock, ctx.lockMs, async (lockLost) => {
    const meta = await ctx.redis.hgetall(k.meta);
    if (!meta.fitSlices || meta.enqueueDone || !meta.root || !meta.options) return;
    const jobs = JSON.parse(meta.jobOptions ?? '{}') as GroupJobOptions;
    let options = JSON.parse(meta.options) as GroupOptions;
    if (meta.normStats === undefined) {
      const [done, failed] = await Promise.all([ctx.redis.scard(k.fitDone), ctx.redis.hlen(k.fitFailed)]);
      if (done + failed < Number(meta.fitSlices)) return;
      const stats = await statsOfPass(ctx.redis, k, Number(meta.fitCounted ?? 0));
      if (typeof stats === 'string') {
        await failEveryGroup(ctx, runId, stats);
        return;
      }
      options = { ...options, normStats: stats };
      await ctx.redis.multi().hset(k.meta, 'normStats', JSON.stringify(stats), 'options', JSON.stringify(options), 'fitEndedAt', new Date().toISOString()).exec();
    }
    for await (const [slice, groups] of planSlices(ctx.redis, k)) {
      // lost: the worker that holds the lock now adds the rest (adding a job twice adds it once)
      if (lockLost.aborted) return;
      await addGroupJobs(ctx.redis, ctx.queue, k, runId, groups, jobs);
      await ctx.redis.hdel(k.plan, slice);
    }
    if (lockLost.aborted) return;
    await ctx.redis.hsetnx(k.meta, 'enqueueDone', new Date().toISOString());
  });
}

/** The dataset's statistics from the summed counts, or why there are none. */
async function statsOfPass(redis: RedisClient, k: RunKeys, images: number): Promise<NormStats | string> {
  const failures = Object.values(await redis.hgetall(k.fitFailed)).map((v) => JSON.parse(v) as { reason: string; images: number });
  const lost = failures.reduce((n, f) => n + (Number(f.images) || 0), 0);
  if (images === 0) {
    const why = failures[0]?.reason ?? Object.entries(await redis.hgetall(k.fitSkipped)).map(([file, reason]) => `${file}: ${reason}`)[0] ?? 'no image was counted';
    return `the dataset's statistics could not be computed: none of its images could be read (first: ${why})`;
  }
  const counts = LevelCounts.fromFields(await redis.hgetall(k.levels), images);
  const m = counts.moments();
  const label = `the dataset's mean and std (${images} images${lost ? `; ${lost} in slices that failed are not counted` : ''})`;
  try {
    return checkedStats({ source: 'dataset', label, mean: m.mean, variance: m.variance, epsilon: 0, images }, 'the dataset');
  } catch (err) {
    return `the dataset's statistics cannot normalize: ${messageOf(err)}`;
  }
}

/** No statistics to normalize with: every group of the run fails, saying why, and the run ends. */
async function failEveryGroup(ctx: FitPhaseContext, runId: string, reason: string): Promise<void> {
  const k = runKeys(ctx.prefix, runId);
  const store = new RunStore(ctx.redis, ctx.prefix, runId);
  let last;
  for await (const [slice, groups] of planSlices(ctx.redis, k)) {
    for (const g of groups) last = await store.record({ groupId: g.groupId, index: g.index, status: 'failed', files: [...g.files], error: { name: 'InputError', message: reason } });
    await ctx.redis.hdel(k.plan, slice);
  }
  await ctx.redis.hsetnx(k.meta, 'enqueueDone', new Date().toISOString());
  if (last && isComplete(last)) {
    await finalizeFleetRun(ctx.redis, ctx.prefix, runId, join(ctx.outRoot, runId), { lockMs: ctx.lockMs, retentionSeconds: ctx.retentionSeconds });
  }
}

/** The plan's slices still to add, in slice order, read a few at a time. */
async function* planSlices(redis: RedisClient, k: RunKeys): AsyncGenerator<[string, PlannedGroup[]]> {
  const slices = (await redis.hkeys(k.plan)).sort((a, b) => Number(a) - Number(b));
  for (const slice of slices) {
    const raw = await redis.hget(k.plan, slice);
    if (raw === null) continue; // added meanwhile by a worker before this one
    const groups = (JSON.parse(raw) as Array<[string, number, string[]]>).map(([groupId, index, files]) => ({ groupId, index, files }));
    yield [slice, groups];
  }
}

/**
 * The first pass's slices whose jobs ended outside the handler (failed by
 * BullMQ after stalling twice, removed by hand) are counted failed; then the
 * pass is ended if it can be. Returns the slices counted.
 */
export async function reconcileFitPhase(ctx: FitPhaseContext, runId: string): Promise<number> {
  const k = runKeys(ctx.prefix, runId);
  const [slicesField, enqueued] = await ctx.redis.hmget(k.meta, 'fitSlices', 'fitEnqueued');
  const slices = Number(slicesField ?? 0);
  const queueKey = `${ctx.prefix}:${ctx.queue.name}:`;
  let counted = 0;
  for (let s = 0; s < slices; s += 500) {
    const ids = Array.from({ length: Math.min(500, slices - s) }, (_, i) => s + i);
    const replies = await ctx.redis.pipeline(ids.flatMap((n) => [
      ['sismember', k.fitDone, String(n)], ['hexists', k.fitFailed, String(n)], ['exists', queueKey + fitJobIdOf(runId, n)], ['zscore', `${queueKey}failed`, fitJobIdOf(runId, n)],
    ])).exec();
    for (const [i, n] of ids.entries()) {
      const [done, failed, exists, inFailed] = [0, 1, 2, 3].map((j) => replies?.[4 * i + j]?.[1]);
      if (done === 1 || failed === 1) continue;
      let reason: string | undefined;
      let images = 0;
      if (exists === 0 && enqueued) {
        reason = 'its job was removed from the queue before it ended';
      } else if (exists === 1 && inFailed !== null && inFailed !== undefined) {
        const job = await Job.fromId(ctx.queue, fitJobIdOf(runId, n));
        if (!job?.failedReason) continue; // gone since, or its reason not written yet: the next walk sees it
        images = Array.isArray((job.data as { files?: unknown }).files) ? (job.data as { files: unknown[] }).files.length : 0;
        const stalled = stalledOut(job);
        reason = stalled ? `the worker counting it ${stalled}` : job.failedReason || 'failed';
      }
      if (reason === undefined) continue;
      if ((await recordSlice(ctx.redis, k, { slice: n, status: 'failed', reason, images })).added) counted++;
    }
  }
  await endFitPhase(ctx, runId);
  return counted;
}
