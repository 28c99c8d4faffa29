/**
 * `bnviz enqueue DIR`, as a library call: plan the dataset as `bnviz run`
 * does, record the run in Redis, and add one job per group to the BullMQ
 * queue (with `--stats dataset`, one fit job per slice of the dataset first:
 * the group jobs are added when the workers have counted its statistics,
 * see fit-phase.ts). Idempotent: a job's id is made from the run and group ids, and a
 * group that is queued already or counted in the run's records is not added
 * again, so enqueueing the same run twice adds nothing. Jobs are built and
 * added a chunk at a time (one pipelined bulk add each), so memory stays
 * bounded by the chunk, not the dataset.
 */
import { Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { decodeOptions, groupOptions } from '../config/derive-options.js';
import type { GroupOptions } from '../config/rules.js';
import { checkStatsMethod, resolveNormStats } from '../fit/norm-stats.js';
import { planDataset, type DatasetPlan } from '../dataset/plan-dataset.js';
import { UsageError } from '../errors.js';
import { checkRunId, defaultRunId } from '../dataset/run-id.js';
import { forEachBounded } from '../util/bounded.js';
import { checkPixelBudget } from './pixel-budget.js';
import { connectRedis } from './connect-redis.js';
import { RESERVED_QUEUE_NAMES, runKeys } from './fleet-keys.js';
import { addGroupJobs, openFitPhase, type GroupJobOptions } from './fit-phase.js';
import { openRun } from './run-store.js';

/**
 * Jobs per bulk add, and bulk adds in flight. The enqueuer is the bottleneck
 * (it runs at one core, Redis at half of one), and a third of its time was
 * the garbage collector copying jobs that lived on while their chunk waited
 * for Redis: chunks of 100 instead of 1,000, four in flight, cut its
 * collection time by 40% and its CPU a job from about 70 to 53 us: about
 * 20,000 -> 25,000 jobs/s here (benchEnqueue of scripts/bench-fleet.ts,
 * 100,000 jobs, the two sizes alternating, six runs each).
 */
const CHUNK_SIZE = 100;
const IN_FLIGHT = 4;

export interface EnqueueOptions {
  /** A connection to use (left open); by default one is made from config.redis.url and closed after. */
  redis?: RedisClient;
  /** Jobs per bulk add (default CHUNK_SIZE). */
  chunkSize?: number;
  /** With `--stats dataset`: images a slice of the first pass aims at (default SLICE_IMAGES; whole groups). */
  sliceImages?: number;
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
  /** With `--stats dataset`: fit jobs added now for the workers' first pass (the group jobs are added when it ends). */
  fitJobs?: number;
  /** Whether this enqueue made the run's records (false: the run was enqueued before). */
  newRun: boolean;
  /** What the run's records counted when this enqueue ended. */
  counts: { done: number; skipped: number; failed: number };
}

/**
 * Plans DIR as `bnviz run` would and enqueues its groups; the run id is config.runId or the folder's default.
 * @example
 * const config = loadConfig({ flags: { 'redis.url': 'redis://queue-host:6379', runId: 'photos' } });
 * const { runId, added } = await enqueueDataset('/data/photos', config); // again: adds nothing new
 */
export async function enqueueDataset(dir: string, config: Readonly<BnvizConfig>, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const plan = await planDataset(dir, { groupSize: config.groupSize, manifest: config.manifest || undefined, exclude: [resolve(config.out)] });
  const runId = config.runId || defaultRunId(plan.root);
  return enqueuePlan(plan, runId, config, options);
}

/**
 * Enqueues the groups of a plan made already (for scripts that choose their own groups).
 * @example
 * const plan = await planDataset('/data/photos', { groupSize: config.groupSize });
 * await enqueuePlan(plan, 'photos', config); // the groups as planned, one job each
 */
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
  // --stats: resolved to numbers here, so every job carries the same ones; dataset is the workers' first pass (fit-phase.ts)
  const firstPass = config.stats === 'dataset';
  checkStatsMethod(config.stats, config.method);
  const normStats = firstPass ? undefined : await resolveNormStats(config.stats, {
    method: config.method, root: plan.root, decode: decodeOptions(config), threads: config.threads, epsilon: config.epsilon,
  });
  const prefix = config.redis.prefix;
  const redis = options.redis ?? connectRedis(config.redis);
  const queue = new Queue(queueName, { connection: redis, prefix });
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  const groupOpts = groupOptions(config);
  if (normStats) groupOpts.normStats = normStats;
  const k = runKeys(prefix, runId);
  const jobs: GroupJobOptions = { attempts: config.queue.attempts, backoffMs: config.queue.backoffMs, force: config.force };
  let added = 0;

  try {
    const newRun = await openRun(redis, prefix, runId, {
      root: plan.root,
      options: groupOpts,
      groupSize: config.groupSize,
      images: plan.images,
      queue: queueName,
      partialGroups: plan.groups.filter((g) => g.partial).map((g) => g.groupId),
      enqueuedAt: new Date().toISOString(),
      ...(firstPass ? { firstPass: true } : {}),
    });
    // A run enqueued before keeps its first options (with the statistics its first pass took, if any).
    const meta = newRun ? undefined : await redis.hmget(k.meta, 'options', 'firstPass', 'enqueueDone');
    const runOpts = meta?.[0] ? (JSON.parse(meta[0]) as GroupOptions) : groupOpts;
    // (set with the run's meta, so an enqueue that died before adding its fit jobs is taken up again as one)
    const inFirstPass = newRun ? firstPass : meta?.[1] === '1' && meta?.[2] === null;
    // The run's group list (its total) first, so a worker never counts a group its run does not know yet;
    // then, in the first pass, the fit jobs (the group jobs come when it ends), else the group jobs.
    // A few chunks in flight keep both Redis and this process busy; more would only hold more jobs in memory.
    let handled = 0;
    await forEachBounded(chunksOf(plan.groups, chunkSize), IN_FLIGHT, async (chunk) => {
      const zadd: Array<string | number> = [];
      for (const g of chunk) zadd.push(g.index, g.groupId);
      await redis.zadd(k.groups, 'NX', ...zadd);
      return inFirstPass ? 0 : addGroupJobs(redis, queue, k, runId, plan.root, chunk, runOpts, jobs, !newRun);
    }, (n, chunk) => {
      added += n;
      handled += chunk.length;
      options.onProgress?.(handled, plan.groups.length);
    });
    let fitJobs: number | undefined;
    if (inFirstPass) {
      fitJobs = (await openFitPhase(redis, queue, runId, plan.root, plan.groups, runOpts, jobs, options.sliceImages)).added;
    } else {
      // From now on a group of this run with no job was removed, not yet to be added (see reconcile-run.ts).
      await redis.hsetnx(k.meta, 'enqueueDone', new Date().toISOString());
    }
    const [done, skipped, failed] = await Promise.all([redis.scard(k.done), redis.scard(k.skipped), redis.scard(k.failed)]);
    return {
      runId, root: plan.root, queue: queueName, groups: plan.groups.length, added, existing: inFirstPass ? 0 : plan.groups.length - added, newRun, counts: { done, skipped, failed },
      ...(fitJobs !== undefined ? { fitJobs } : {}),
    };
  } finally {
    await queue.close();
    if (!options.redis) await redis.quit();
  }
}

function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
