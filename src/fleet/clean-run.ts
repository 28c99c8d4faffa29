/**
 * `bnviz clean RUN [--outputs]`, as a library call: removes a run's jobs
 * from the queue and its records from Redis; its outputs on disk stay unless
 * asked. A run with jobs in progress (in a worker's hand, its lock held) is
 * left alone: its workers would write records again. Its cost is the run's,
 * not the queue's: the run's job ids are streamed from its records, only
 * jobs that exist are removed, and BullMQ removes a prioritized job (all of
 * bnviz's are) from its sorted set in O(log n), where a job in the wait list
 * would cost a scan of the list.
 */
import { drawJobIdOf } from './draw-phase.js';
import { Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { isSafeId } from '../dataset/group-id.js';
import { UsageError } from '../errors.js';
import { fitJobIdOf, idsOf, jobIdOf } from './job-document.js';
import { RunStore } from './run-store.js';
import { checkWritePermissions } from './check-permissions.js';
import { plural } from '../util/plural.js';

/** Jobs looked up and removed a batch, and batches in flight. */
const CLEAN_SLICE = 1000;
const IN_FLIGHT = 2;

export interface CleanResult {
  runId: string;
  /** Jobs removed from the queue. */
  jobs: number;
  /** The run's output folder, when it was removed. */
  removedOutputs?: string;
}

/**
 * @example
 * const redis = connectRedis(config.redis.url);
 * const { jobs } = await cleanRun(redis, config, 'photos', { outputs: false }); // its figures on disk stay
 */
export async function cleanRun(redis: RedisClient, config: Readonly<BnvizConfig>, runId: string, options: { outputs?: boolean } = {}): Promise<CleanResult> {
  if (!isSafeId(runId)) throw new UsageError(`no run ${JSON.stringify(runId)}: run ids are letters, digits, '.', '_' or '-'`);
  const prefix = config.redis.prefix;
  const store = new RunStore(redis, prefix, runId);
  const state = await store.read();
  // a mistyped run id is an error, not a clean that removed nothing (a run whose meta is gone still has its groups)
  if (!state && !(await store.hasGroups())) throw new UsageError(`no run ${runId} under prefix ${prefix} (bnviz status lists the runs)`);
  await checkWritePermissions(redis, prefix);
  const queueName = state?.meta?.queue ?? config.queue.name;
  const queue = new Queue(queueName, { connection: redis, prefix });
  queue.on('error', () => {});
  const queueKey = `${prefix}:${queueName}:`;
  let jobs = 0;
  try {
    // In progress: the active list holds only the jobs workers have in hand, however big the run. A job
    // there whose lock is gone has no worker (killed, or its writes lost in a failover): it is removed
    // with the rest, or no clean would ever pass while no worker runs to find it stalled.
    const inHand = (await redis.lrange(`${queueKey}active`, 0, -1)).filter((id) => id.startsWith(`${runId}.`) || id.startsWith(`${runId}~`));
    const replies = inHand.length ? ((await redis.pipeline(inHand.flatMap((id) => [['hget', queueKey + id, 'data'], ['exists', `${queueKey}${id}:lock`]])).exec()) ?? []) : [];
    const active = inHand.filter((_, i) => {
      const data = replies[2 * i]?.[1];
      return typeof data === 'string' && idsOf(safeJson(data)).runId === runId && replies[2 * i + 1]?.[1] === 1;
    }).length;
    if (active > 0) throw new UsageError(`run ${runId} has ${plural(active, 'job')} in progress; clean it once ${active === 1 ? 'it ends' : 'they end'} (bnviz status ${runId})`);
    // Two batches in flight: this process reads and sends the next while Redis removes the last.
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    for await (const ids of runJobIds(redis, store, runId)) {
      const p: Promise<void> = removeExisting(redis, queue, queueKey, ids)
        .then((n) => { jobs += n; }, (err: unknown) => { failure ??= { err }; })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      if (failure) break;
    }
    await Promise.all(inFlight);
    if (failure) throw failure.err;
    await store.delete();
  } finally {
    await queue.close();
  }
  let removedOutputs: string | undefined;
  if (options.outputs) {
    removedOutputs = join(resolve(config.out), runId);
    await rm(removedOutputs, { recursive: true, force: true });
  }
  return { runId, jobs, ...(removedOutputs ? { removedOutputs } : {}) };
}

/**
 * The ids of every job the run may have, a batch at a time: a job for each
 * of its groups (their ids streamed from its records, so a run of millions
 * takes constant memory), the first pass's (with --stats dataset) and the
 * second pass's (with --draw worst:K or sample:K: the pick holds K groups).
 */
async function* runJobIds(redis: RedisClient, store: RunStore, runId: string): AsyncGenerator<string[]> {
  let ids: string[] = [];
  for await (const g of store.inOrder()) {
    ids.push(jobIdOf(runId, g.groupId));
    if (ids.length === CLEAN_SLICE) yield ids.splice(0);
  }
  const slices = Number((await redis.hget(store.k.meta, 'fitSlices')) ?? 0);
  for (let n = 0; n < slices; n++) {
    ids.push(fitJobIdOf(runId, n));
    if (ids.length === CLEAN_SLICE) yield ids.splice(0);
  }
  for (const member of await redis.zrange(store.k.drawPick, '0', '-1')) {
    ids.push(drawJobIdOf(runId, 999_999_999 - Number(member.slice(0, member.indexOf('|')))));
    if (ids.length === CLEAN_SLICE) yield ids.splice(0);
  }
  if (ids.length) yield ids;
}

/** Removes the jobs of these ids that exist (one EXISTS each, pipelined; then BullMQ's remove of each, sent together); how many. */
async function removeExisting(redis: RedisClient, queue: Queue, queueKey: string, ids: readonly string[]): Promise<number> {
  const exists = (await redis.pipeline(ids.map((id) => ['exists', queueKey + id])).exec()) ?? [];
  const present = ids.filter((_, i) => exists[i]?.[1] === 1);
  return (await Promise.all(present.map((id) => queue.remove(id)))).reduce((a, b) => a + b, 0);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
