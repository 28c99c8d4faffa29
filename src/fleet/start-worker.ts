/**
 * `bnviz worker`, as a library call: a BullMQ Worker on the group queue whose
 * handler hands each job to the thread pool, as many jobs at once as the pool
 * has threads; a heartbeat in Redis; and a graceful close (no new jobs, the
 * active ones finished, the pool and connections closed).
 */
import { Worker } from 'bullmq';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';
import { createGroupPool } from '../pool/group-pool.js';
import { connectRedis } from './connect-redis.js';
import { RESERVED_QUEUE_NAMES, workerKey } from './fleet-keys.js';
import { startHeartbeat, type WorkerBeat } from './heartbeat.js';
import { resolveRoots } from './map-root.js';
import { makeProcessor, type JobReturn } from './process-job.js';

export interface WorkerEvents {
  /** A job ended: done, skipped (already done), or failed (`error` says why; `retry` when BullMQ will try again). */
  job?(info: { jobId: string; groupId?: string; status: 'done' | 'skipped' | 'failed'; error?: string; retry?: boolean; ms?: number }): void;
  /** A connection or internal error the worker lives through (it reconnects by itself). */
  error?(err: Error): void;
}

export interface FleetWorker {
  /** `<host>:<pid>`, as the heartbeat names it. */
  readonly id: string;
  readonly threads: number;
  readonly roots: string[];
  readonly outRoot: string;
  /** Takes no new jobs, waits for the active ones, closes the pool and the connections. */
  close(): Promise<void>;
}

export async function startWorker(config: Readonly<BnvizConfig>, events: WorkerEvents = {}): Promise<FleetWorker> {
  if (RESERVED_QUEUE_NAMES.includes(config.queue.name)) throw new UsageError(`queue name ${config.queue.name} is reserved for the run records`);
  const roots = await resolveRoots(config.roots);
  const outRoot = resolve(config.out);
  const prefix = config.redis.prefix;
  const host = hostname();
  const redis = connectRedis(config.redis.url);
  const queueConnection = connectRedis(config.redis.url);
  // Connection errors are lived through (ioredis reconnects); they are reported, never thrown.
  for (const c of [redis, queueConnection]) c.on('error', (err: Error) => events.error?.(err));
  const pool = createGroupPool(config.threads);
  const state: Omit<WorkerBeat, 'lastSeen'> = {
    host, pid: process.pid, queue: config.queue.name, threads: pool.threads, active: 0, processed: 0, failed: 0, startedAt: new Date().toISOString(),
  };
  const processor = makeProcessor({ redis, prefix, pool, roots, outRoot });
  const worker = new Worker<unknown, JobReturn>(config.queue.name, async (job) => {
    state.active++;
    try {
      return await processor(job);
    } finally {
      state.active--;
    }
  }, {
    connection: queueConnection,
    prefix,
    concurrency: pool.threads,
    // A killed worker's job is handed to another once its lock lapses (lockMs), checked every lockMs.
    lockDuration: config.queue.lockMs,
    stalledInterval: config.queue.lockMs,
    removeOnComplete: { count: config.queue.keepCompleted },
    removeOnFail: { count: config.queue.keepFailed },
  });
  worker.on('error', (err) => events.error?.(err));
  worker.on('completed', (job, ret) => {
    state.processed++;
    events.job?.({ jobId: job.id ?? '', groupId: ret.groupId, status: ret.status, ms: ret.totalMs });
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const retry = err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    if (!retry) {
      state.processed++;
      state.failed++;
    }
    events.job?.({ jobId: job.id ?? '', groupId: (job.data as { groupId?: string } | undefined)?.groupId, status: 'failed', error: err.message, retry });
  });
  const heartbeat = startHeartbeat(redis, workerKey(prefix, host, process.pid), () => state);
  await worker.waitUntilReady();
  await heartbeat.beat();

  let closing: Promise<void> | undefined;
  return {
    id: `${host}:${process.pid}`,
    threads: pool.threads,
    roots: roots.given,
    outRoot,
    close() {
      closing ??= (async () => {
        await worker.close();
        await heartbeat.stop().catch(() => {});
        await pool.close();
        await Promise.all([redis.quit(), queueConnection.quit()]).catch(() => {});
      })();
      return closing;
    },
  };
}
