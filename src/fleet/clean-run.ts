/**
 * `bnviz clean RUN [--outputs]`, as a library call: removes a run's jobs
 * from the queue and its records from Redis; its outputs on disk stay unless
 * asked. A run with jobs in progress is left alone: its workers would write
 * records again.
 */
import { Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { isSafeId } from '../dataset/group-id.js';
import { UsageError } from '../errors.js';
import { runKeys } from './fleet-keys.js';
import { fitJobIdOf, jobIdOf } from './job-document.js';
import { deleteRunRecords, readRun } from './run-store.js';

/** Groups looked up at a time. */
const CLEAN_SLICE = 500;

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
  const k = runKeys(prefix, runId);
  const state = await readRun(redis, prefix, runId);
  // a mistyped run id is an error, not a clean that removed nothing (a run whose meta is gone still has its groups)
  if (!state && (await redis.exists(k.groups)) === 0) throw new UsageError(`no run ${runId} under prefix ${prefix} (bnviz status lists the runs)`);
  const queueName = state?.meta?.queue ?? config.queue.name;
  const queue = new Queue(queueName, { connection: redis, prefix });
  queue.on('error', () => {});
  let jobs = 0;
  try {
    // In progress: the active list holds only the jobs workers have in hand, however big the run.
    const inHand = await redis.lrange(`${prefix}:${queueName}:active`, 0, -1);
    const groupsInHand = inHand.filter((id) => id.startsWith(`${runId}.`));
    const members = groupsInHand.length ? await redis.zmscore(k.groups, ...groupsInHand.map((id) => id.slice(runId.length + 1))) : [];
    const active = members.filter((m) => m !== null).length + inHand.filter((id) => id.startsWith(`${runId}~fit-`)).length;
    if (active > 0) throw new UsageError(`run ${runId} has ${active} jobs in progress; clean it once they end (bnviz status ${runId})`);
    // The run's groups a slice at a time, so a run of millions is removed in constant memory.
    const total = await redis.zcard(k.groups);
    for (let start = 0; start < total; start += CLEAN_SLICE) {
      const ids = await redis.zrange(k.groups, String(start), String(start + CLEAN_SLICE - 1));
      const removed = await Promise.all(ids.map((g) => queue.remove(jobIdOf(runId, g))));
      jobs += removed.reduce((a, b) => a + b, 0);
    }
    // the first pass's jobs, with --stats dataset
    const slices = Number((await redis.hget(k.meta, 'fitSlices')) ?? 0);
    for (let start = 0; start < slices; start += CLEAN_SLICE) {
      const ids = Array.from({ length: Math.min(CLEAN_SLICE, slices - start) }, (_, i) => fitJobIdOf(runId, start + i));
      jobs += (await Promise.all(ids.map((id) => queue.remove(id)))).reduce((a, b) => a + b, 0);
    }
    await deleteRunRecords(redis, prefix, runId);
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
