/**
 * `bnviz clean RUN [--outputs]`, as a library call: removes a run's jobs
 * from the queue and its records from Redis; its outputs on disk stay unless
 * asked. A run with jobs in progress is left alone: its workers would write
 * records again.
 */
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { isSafeId } from '../dataset/group-id.js';
import { UsageError } from '../errors.js';
import { runKeys } from './fleet-keys.js';
import { jobIdOf } from './job-document.js';
import { deleteRunRecords, groupIdsInOrder, readRun } from './run-store.js';

export interface CleanResult {
  runId: string;
  /** Jobs removed from the queue. */
  jobs: number;
  /** The run's output folder, when it was removed. */
  removedOutputs?: string;
}

export async function cleanRun(redis: Redis, config: Readonly<BnvizConfig>, runId: string, options: { outputs?: boolean } = {}): Promise<CleanResult> {
  if (!isSafeId(runId)) throw new UsageError(`no run ${JSON.stringify(runId)}: run ids are letters, digits, '.', '_' or '-'`);
  const prefix = config.redis.prefix;
  const k = runKeys(prefix, runId);
  const state = await readRun(redis, prefix, runId);
  const queueName = state?.meta?.queue ?? config.queue.name;
  const queue = new Queue(queueName, { connection: redis, prefix });
  queue.on('error', () => {});
  let jobs = 0;
  try {
    const ids = await groupIdsInOrder(redis, k);
    const found = (await Promise.all(ids.map((g) => Job.fromId(queue, jobIdOf(runId, g))))).filter((j): j is Job => j !== undefined);
    const active = (await Promise.all(found.map((j) => j.isActive()))).filter(Boolean).length;
    if (active > 0) throw new UsageError(`run ${runId} has ${active} jobs in progress; clean it once they end (bnviz status ${runId})`);
    for (const job of found) {
      await job.remove();
      jobs++;
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
