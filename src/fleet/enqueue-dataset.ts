/**
 * `bnviz enqueue DIR`, as a library call: plan the dataset as `bnviz run`
 * does, record the run in Redis, and add one job per group to the BullMQ
 * queue. Idempotent: a job's id is made from the run and group ids, and a
 * group that is queued already or counted in the run's records is not added
 * again, so enqueueing the same run twice adds nothing. Jobs are built and
 * added a chunk at a time (one pipelined bulk add each), so memory stays
 * bounded by the chunk, not the dataset.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { decodeOptions, groupOptions } from '../config/derive-options.js';
import { resolveNormStats } from '../fit/norm-stats.js';
import { planDataset, type DatasetPlan } from '../dataset/plan-dataset.js';
import { UsageError } from '../errors.js';
import { checkRunId, defaultRunId } from '../dataset/run-id.js';
import { forEachBounded } from '../util/bounded.js';
import { checkPixelBudget } from './pixel-budget.js';
import { connectRedis } from './connect-redis.js';
import { RESERVED_QUEUE_NAMES, runKeys } from './fleet-keys.js';
import { jobIdOf, makeJobDocument } from './job-document.js';
import { countedAlready, openRun } from './run-store.js';

const IN_FLIGHT = 4;

export interface EnqueueOptions {
  /** A connection to use (left open); by default one is made from config.redis.url and closed after. */
  redis?: Redis;
  /** With `--stats dataset`: told before the pass over every image that comes first. */
  onFitStart?(): void;
  /** Jobs per bulk add (default 1000). */
  chunkSize?: number;
  /** Called after each chunk with the groups handled so far. */
  onProgress?(handled: number, total: number): void;
}

export interface EnqueueResult {
  runId: string;
  /** Absolute dataset root, as the jobs name it. */
  root: string;
  queue: string;
  /** Groups in the plan. */
  groups: number;
  /** Jobs added now. */
  added: number;
  /** Groups left alone: queued already, or counted in the run's records. */
  existing: number;
  /** Whether this enqueue made the run's records (false: the run was enqueued before). */
  newRun: boolean;
  /** What the run's records counted when this enqueue ended. */
  counts: { done: number; skipped: number; failed: number };
}

/** Plans DIR as `bnviz run` would and enqueues its groups; the run id is config.runId or the folder's default. */
export async function enqueueDataset(dir: string, config: Readonly<BnvizConfig>, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const plan = await planDataset(dir, { groupSize: config.groupSize, manifest: config.manifest || undefined, exclude: [resolve(config.out)] });
  const runId = config.runId || defaultRunId(plan.root);
  return enqueuePlan(plan, runId, config, options);
}

/** Enqueues the groups of a plan made already (for scripts that choose their own groups). */
export async function enqueuePlan(plan: DatasetPlan, runId: string, config: Readonly<BnvizConfig>, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const bad = checkRunId(runId);
  if (bad) throw new UsageError(bad);
  const largest = plan.groups.reduce((m, g) => Math.max(m, g.files.length), 0);
  try {
    checkPixelBudget(largest, config.size, config.maxPixels, `run ${runId}`, 'maxPixels (--max-pixels, BNVIZ_MAX_PIXELS) here and on the workers');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const queueName = config.queue.name;
  if (RESERVED_QUEUE_NAMES.includes(queueName) || !/^[A-Za-z0-9._-]+$/.test(queueName)) {
    throw new UsageError(`Expected a queue name of letters, digits, '.', '_' or '-', not ${RESERVED_QUEUE_NAMES.join(', ')}, but received ${JSON.stringify(queueName)}`);
  }
  // --stats: resolved to numbers here, so every job carries the same ones; dataset reads every image once, on this machine
  const normStats = await resolveNormStats(config.stats, {
    method: config.method, root: plan.root, files: plan.groups.flatMap((g) => g.files), decode: decodeOptions(config), threads: config.threads, epsilon: config.epsilon,
    onFitStart: options.onFitStart,
  });
  const prefix = config.redis.prefix;
  const redis = options.redis ?? connectRedis(config.redis.url);
  const queue = new Queue(queueName, { connection: redis, prefix });
  const chunkSize = options.chunkSize ?? 1000;
  const groupOpts = groupOptions(config);
  if (normStats) groupOpts.normStats = normStats;
  const k = runKeys(prefix, runId);
  const jobOpts = { attempts: config.queue.attempts, backoff: { type: 'exponential', delay: config.queue.backoffMs } };
  let added = 0;

  /** Adds the chunk's jobs that are neither queued nor counted; returns how many. */
  const addChunk = async (chunk: DatasetPlan['groups'], newRun: boolean): Promise<number> => {
    const zadd: Array<string | number> = [];
    for (const g of chunk) zadd.push(g.index, g.groupId);
    // The run's group list (its total) first, so a worker never counts a group its run does not know yet.
    const added = redis.zadd(k.groups, 'NX', ...zadd);
    let fresh = chunk;
    // A run enqueued before may have groups queued or counted; a new one has none (and BullMQ would refuse a duplicate id anyway).
    if (!newRun) {
      const [counted, queued] = await Promise.all([
        countedAlready(redis, k, chunk.map((g) => g.groupId)),
        redis.pipeline(chunk.map((g) => ['exists', `${prefix}:${queueName}:${jobIdOf(runId, g.groupId)}`])).exec(),
      ]);
      fresh = chunk.filter((_, i) => !counted[i] && queued?.[i]?.[1] !== 1);
    }
    await added;
    if (fresh.length) {
      await queue.addBulk(fresh.map((g) => ({
        name: 'group',
        data: makeJobDocument(runId, g.groupId, plan.root, g.files, groupOpts, config.force),
        opts: { ...jobOpts, jobId: jobIdOf(runId, g.groupId) },
      })));
    }
    return fresh.length;
  };

  try {
    const newRun = await openRun(redis, prefix, runId, {
      root: plan.root,
      options: groupOpts,
      groupSize: config.groupSize,
      images: plan.images,
      queue: queueName,
      partialGroups: plan.groups.filter((g) => g.partial).map((g) => g.groupId),
      enqueuedAt: new Date().toISOString(),
    });
    // A few chunks in flight keep both Redis and this process busy; more would only hold more jobs in memory.
    let handled = 0;
    await forEachBounded(chunksOf(plan.groups, chunkSize), IN_FLIGHT, (chunk) => addChunk(chunk, newRun), (n, chunk) => {
      added += n;
      handled += chunk.length;
      options.onProgress?.(handled, plan.groups.length);
    });
    // From now on a group of this run with no job was removed, not yet to be added (see reconcile-run.ts).
    await redis.hsetnx(k.meta, 'enqueueDone', new Date().toISOString());
    const [done, skipped, failed] = await Promise.all([redis.scard(k.done), redis.scard(k.skipped), redis.scard(k.failed)]);
    return { runId, root: plan.root, queue: queueName, groups: plan.groups.length, added, existing: plan.groups.length - added, newRun, counts: { done, skipped, failed } };
  } finally {
    await queue.close();
    if (!options.redis) await redis.quit();
  }
}

function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
