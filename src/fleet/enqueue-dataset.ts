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
import { planDatasetStream, type DatasetPlan, type GroupPlan, type PlanTotals } from '../dataset/plan-dataset.js';
import { UsageError } from '../errors.js';
import { checkRunId, defaultRunId } from '../dataset/run-id.js';
import { checkPixelBudget } from './pixel-budget.js';
import { checkWritePermissions } from './check-permissions.js';
import { connectRedis } from './connect-redis.js';
import { RESERVED_QUEUE_NAMES } from './fleet-keys.js';
import { addGroupJobs, openFitPhase } from './fit-phase.js';
import type { GroupJobOptions } from './job-document.js';
import { RunStore } from './run-store.js';
import { groupingConflict, type Grouping } from '../records/run-record.js';
import { parseDraw } from '../records/draw-choice.js';
import { NamedGroupsCheck, resolveDrawNames } from '../records/draw-names.js';

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
  /** Called after each chunk with the groups handled so far (the total is not known while the plan streams). */
  onProgress?(handled: number, total: undefined): void;
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
 * Plans DIR as `bnviz run` would and enqueues its groups, the plan streamed
 * a chunk at a time (the enqueuer's memory does not grow with the dataset;
 * with `--stats dataset` the plan is held whole, to cut it into slices);
 * the run id is config.runId or the folder's default.
 * @example
 * const config = loadConfig({ flags: { 'redis.url': 'redis://queue-host:6379', runId: 'photos' } });
 * const { runId, added } = await enqueueDataset('/data/photos', config); // again: adds nothing new
 */
export async function enqueueDataset(dir: string, config: Readonly<BnvizConfig>, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const root = resolve(dir);
  const grouping: Grouping = { order: config.order, seed: config.seed, groupBy: config.groupBy };
  const plan = () => planDatasetStream(dir, { groupSize: config.groupSize, manifest: config.manifest || undefined, exclude: [resolve(config.out)], chunkSize: options.chunkSize ?? CHUNK_SIZE, ...grouping });
  return enqueueStream(root, plan, config.runId || defaultRunId(root), config, options, grouping);
}

/**
 * Enqueues the groups of a plan made already (for scripts that choose their own groups).
 * @example
 * const plan = await planDataset('/data/photos', { groupSize: config.groupSize });
 * await enqueuePlan(plan, 'photos', config); // the groups as planned, one job each
 */
export async function enqueuePlan(plan: DatasetPlan, runId: string, config: Readonly<BnvizConfig>, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const size = options.chunkSize ?? CHUNK_SIZE;
  async function* chunks(): AsyncGenerator<GroupPlan[], PlanTotals> {
    for (let start = 0; start < plan.groups.length; start += size) yield plan.groups.slice(start, start + size);
    return { root: plan.root, images: plan.images, groups: plan.groups.length };
  }
  return enqueueStream(plan.root, chunks, runId, config, options);
}

/** The groups of a plan, a chunk at a time, with its totals at the end. */
type PlanChunks = () => AsyncGenerator<GroupPlan[], PlanTotals, undefined>;

async function enqueueStream(root: string, planChunks: PlanChunks, runId: string, config: Readonly<BnvizConfig>, options: EnqueueOptions, grouping?: Grouping): Promise<EnqueueResult> {
  const bad = checkRunId(runId);
  if (bad) throw new UsageError(bad);
  const queueName = config.queue.name;
  if (RESERVED_QUEUE_NAMES.includes(queueName) || !/^[A-Za-z0-9._-]+$/.test(queueName)) {
    throw new UsageError(`Expected a queue name of letters, digits, '.', '_' or '-', not ${RESERVED_QUEUE_NAMES.join(', ')}, but received ${JSON.stringify(queueName)}`);
  }
  // --stats: resolved to numbers here, so every job carries the same ones; dataset is the workers' first pass (fit-phase.ts)
  const firstPass = config.stats === 'dataset';
  checkStatsMethod(config.stats, config.method);
  const normStats = firstPass ? undefined : await resolveNormStats(config.stats, {
    method: config.method, root, decode: decodeOptions(config), threads: config.threads, epsilon: config.epsilon,
  });
  // --draw names:FILE read into the ids the run's record keeps; with ids, the plan is streamed once first to find each (before anything is written)
  const draw = await resolveDrawNames(config.draw ?? 'all');
  const choice = parseDraw(draw);
  if (choice.mode === 'ids') {
    const named = new NamedGroupsCheck(choice);
    for await (const chunk of planChunks()) for (const g of chunk) named.see(g.groupId);
    named.end();
  }
  const prefix = config.redis.prefix;
  const redis = options.redis ?? connectRedis(config.redis);
  // made once the checks have passed: BullMQ writes its queue's meta as soon as it has a connection
  let queue: Queue | undefined;
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  const groupOpts = { ...groupOptions(config), draw };
  if (normStats) groupOpts.normStats = normStats;
  const store = new RunStore(redis, prefix, runId);
  const k = store.k;
  const jobs: GroupJobOptions = { attempts: config.queue.attempts, backoffMs: config.queue.backoffMs, force: config.force };
  let added = 0;

  // The first chunk is planned and checked before anything is written (a folder with no images, a group over the budget).
  const plan = planChunks();
  let next: IteratorResult<GroupPlan[], PlanTotals> = await plan.next().catch(async (err: unknown) => {
    if (!options.redis) await redis.quit();
    throw err;
  });
  try {
    if (!next.done) checkBudget(next.value, config, runId);
    // A user who may not run a command the fleet needs (INFO, BullMQ's version check, included) stops here, before anything is written.
    await checkWritePermissions(redis, prefix);
    queue = new Queue(queueName, { connection: redis, prefix });
    // (BullMQ prints an error it emits with no listener; each one reaches the call that awaits it)
    queue.on('error', () => {});
    await queue.waitUntilReady();
    // a run enqueued again keeps its grouping: other groups would be another run
    if (grouping) {
      const [was, enqueuedAt] = await redis.hmget(k.meta, 'grouping', 'enqueuedAt');
      const conflict = enqueuedAt ? groupingConflict(was ? (JSON.parse(was) as Grouping) : undefined, grouping) : undefined;
      if (conflict) throw new UsageError(`Run ${runId} is enqueued already: ${conflict}`);
    }
    const newRun = await store.open({
      root,
      options: groupOpts,
      groupSize: config.groupSize,
      // known once the plan has streamed by (set then, below)
      images: 0,
      queue: queueName,
      partialGroups: [],
      enqueuedAt: new Date().toISOString(),
      ...(firstPass ? { firstPass: true } : {}),
      ...(grouping ? { grouping } : {}),
    });
    // how group, fit and draw jobs are retried (the passes after this one add jobs too)
    await redis.hsetnx(k.meta, 'jobOptions', JSON.stringify(jobs));
    // A run enqueued before keeps its first options (with the statistics its first pass took, if any).
    const meta = newRun ? undefined : await redis.hmget(k.meta, 'options', 'firstPass', 'enqueueDone');
    const runOpts = meta?.[0] ? (JSON.parse(meta[0]) as GroupOptions) : groupOpts;
    // (set with the run's meta, so an enqueue that died before adding its fit jobs is taken up again as one)
    const inFirstPass = newRun ? firstPass : meta?.[1] === '1' && meta?.[2] === null;
    // The first pass cuts the plan into slices of consecutive groups: it holds the plan (chunk by chunk, no spread of it).
    const held: GroupPlan[] = [];
    const partialGroups: string[] = [];
    // Each chunk: its pixel budget checked, then the run's group list (its total) first, so a worker never counts
    // a group its run does not know yet; then, in the first pass, nothing more (the fit jobs come below, the group
    // jobs when it ends), else the group jobs. A few chunks in flight keep both Redis and this process busy.
    let handled = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    for (; !failure && !next.done; next = await plan.next()) {
      const chunk = next.value;
      checkBudget(chunk, config, runId);
      for (const g of chunk) if (g.partial) partialGroups.push(g.groupId);
      if (inFirstPass) for (const g of chunk) held.push(g);
      const p: Promise<void> = (async () => {
        await store.addGroups(chunk);
        // (read after the await: `added += await ...` would add to the value before it, losing the chunks in between)
        const n = inFirstPass ? 0 : await addGroupJobs(redis, queue, k, runId, chunk, jobs, !newRun);
        added += n;
        handled += chunk.length;
        options.onProgress?.(handled, undefined);
      })().catch((err: unknown) => { failure ??= { err }; }).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.err;
    if (next.done !== true) throw new Error('the plan did not end');
    const totals = next.value;
    // The plan's totals, now known, unless an earlier enqueue of the run finished them already.
    if (!meta?.[2]) await redis.hset(k.meta, 'images', String(totals.images), 'partialGroups', JSON.stringify(partialGroups));
    let fitJobs: number | undefined;
    if (inFirstPass) {
      fitJobs = (await openFitPhase(redis, queue, runId, root, held, runOpts, jobs, options.sliceImages)).added;
    } else {
      // From now on a group of this run with no job was removed, not yet to be added (see reconcile-run.ts).
      await redis.hsetnx(k.meta, 'enqueueDone', new Date().toISOString());
    }
    const { done, skipped, failed } = (await store.read()) ?? { done: 0, skipped: 0, failed: 0 };
    return {
      runId, root, queue: queueName, groups: totals.groups, added, existing: inFirstPass ? 0 : totals.groups - added, newRun, counts: { done, skipped, failed },
      ...(fitJobs !== undefined ? { fitJobs } : {}),
    };
  } finally {
    await queue?.close();
    if (!options.redis) await redis.quit();
  }
}

/** A chunk's largest group within the pixel budget (here and on the workers); UsageError naming the limit otherwise. */
function checkBudget(chunk: readonly GroupPlan[], config: Readonly<BnvizConfig>, runId: string): void {
  const largest = chunk.reduce((m, g) => Math.max(m, g.files.length), 0);
  try {
    checkPixelBudget(largest, config, config.maxPixels, `run ${runId}`, 'maxPixels (--max-pixels, BNVIZ_MAX_PIXELS) here and on the workers');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
