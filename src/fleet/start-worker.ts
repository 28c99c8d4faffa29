/**
 * `bnviz worker`, as a library call: a BullMQ Worker on the group queue whose
 * handler hands each job to the thread pool, as many jobs at once as the pool
 * has threads; a heartbeat in Redis; the reconciliation that counts jobs
 * ended outside the handler (reconcile-run.ts); and a graceful close (no new
 * jobs, the active ones finished, the pool and connections closed), bounded
 * in time when Redis is away.
 */
import { Queue, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { ConfigError, UsageError, expectedSetting, messageOf } from '../errors.js';
import { createGroupPool } from '../pool/group-pool.js';
import { redisMode, type RedisMode } from '../config/redis-rules.js';
import { checkWritePermissions } from './check-permissions.js';
import { connectRedis, explainRedisError, networkReason, refusedAccess, serverOf, whereOf, type RedisClient } from './connect-redis.js';
import { RESERVED_QUEUE_NAMES, runKeys, workerId } from './fleet-keys.js';
import { startHeartbeat, type Heartbeat, type JobInHand, type WorkerBeat } from './heartbeat.js';
import { backoffDelay, idsOf, RUN_BACKOFF } from './job-document.js';
import { RunStore } from './run-store.js';
import { resolveRoots } from './map-root.js';
import { makeProcessor, type FitJobReturn, type JobReturn } from './process-job.js';
import { Reconciler } from './reconcile-run.js';
import { finalizeFleetRun } from './finalize-fleet-run.js';
import { LevelSink } from './level-sink.js';

export interface WorkerEvents {
  /** A job ended: done, skipped (already done), or failed (`error` says why; `retry` when BullMQ will try again). */
  /** A job ended: a group's, or (with `slice`) a slice of a first pass counted (`images` read). */
  job?(info: { jobId: string; groupId?: string; slice?: number; images?: number; status: 'done' | 'skipped' | 'failed'; error?: string; retry?: boolean; ms?: number }): void;
  /** This worker cannot serve some jobs and hands them back (once per distinct reason). */
  handBack?(info: { reason: string; jobId: string }): void;
  /**
   * The lock of a job in hand could not be renewed (this process was paused longer than the lock, or
   * Redis lost it): another worker may have taken the job up, so this one stopped working on it. Once a job.
   */
  lockLost?(info: { jobId: string }): void;
  /** This worker handed back `handedBack` jobs in a row and served none: it takes no job for `ms` (doubling each time, reset by a job served). */
  handBackPause?(info: { handedBack: number; ms: number }): void;
  /**
   * Redis went away (once, however long it stays away) or came back; or (Sentinel) the primary is now
   * another server (`server`, host:port); or Redis answered an error that repeats (READONLY after a
   * failover, LOADING), said once with `action`, what the worker does about it.
   */
  redis?(info: { state: 'away' | 'back' | 'switched' | 'answer'; address: string; reason?: string; server?: string; action?: string }): void;
  /**
   * Redis answered in a way that no retry mends (a replica or a cluster node addressed as the one server,
   * a permission the user lacks): the worker takes no more jobs; close it and exit 2 (the CLI does).
   * Said once, with what to change.
   */
  fatal?(err: ConfigError): void;
  /** An internal error the worker lives through. */
  error?(err: Error): void;
}

export interface FleetWorker {
  /** `<host>:<pid>`, as the heartbeat names it. */
  readonly id: string;
  readonly threads: number;
  readonly roots: string[];
  readonly outRoot: string;
  /**
   * Takes no new jobs, waits for the active ones, closes the pool and the
   * connections. While Redis is away it waits at most `graceMs` (default 5 s),
   * with Redis there at most `jobsMs` (default: the queue's stopMs), then stops
   * anyway: the jobs in hand go back to the queue when their locks lapse.
   * Resolves `{ stuck: true }` when a thread could not be stopped (blocked in a
   * read that never returns, such as a stalled network share): the process
   * can then only end by a kill.
   */
  close(graceMs?: number, jobsMs?: number): Promise<{ stuck: boolean }>;
}

/**
 * @example
 * const worker = await startWorker(loadConfig({ flags: { roots: ['/data'], out: '/shared/out', threads: 2 } }));
 * process.once('SIGTERM', () => void worker.close()); // finishes the jobs in hand
 */
export async function startWorker(config: Readonly<BnvizConfig>, events: WorkerEvents = {}): Promise<FleetWorker> {
  if (RESERVED_QUEUE_NAMES.includes(config.queue.name)) throw new UsageError(`queue name ${config.queue.name} is reserved for the run records`);
  const roots = await resolveRoots(config.roots);
  const outRoot = resolve(config.out);
  await checkOutputFolder(outRoot);
  const prefix = config.redis.prefix;
  const host = hostname();
  const address = whereOf(config.redis);
  const mode = redisMode(config.redis);
  const redis = connectRedis(config.redis, 'bnviz-worker');
  const queueConnection = connectRedis(config.redis, 'bnviz-worker-queue');
  // Redis away: said once when it goes, once when it is back (ioredis retries every few hundred ms meanwhile).
  let away = false;
  // The server Sentinel's primary was at when last ready: a connection ready elsewhere means a failover.
  let server: string | undefined;
  // Error answers that would repeat on every try: each said once, with what the worker does.
  const said = new Set<string>();
  let stopping = false;
  // A refused password or permission, before the worker has started, ends the start (exit 2); after, it stops the worker.
  let started = false;
  let refuse: (err: ConfigError) => void = () => {};
  const refused = new Promise<never>((_, reject) => { refuse = reject; });
  refused.catch(() => {});
  watchConnection([redis, queueConnection]);
  // A Redis that takes the connection and never answers (stopped, hung) sends no error: said away after a while.
  const silent = setTimeout(() => {
    if ([redis, queueConnection].some((c) => c.status !== 'ready')) goneAway(new Error('connected, but no answer'));
  }, 5000);
  silent.unref();
  // A user who may not run a command the fleet needs (INFO included) stops here, before threads or a BullMQ worker exist.
  await Promise.race([checkWritePermissions(redis, prefix), refused]).catch((err: unknown) => {
    clearTimeout(silent);
    redis.disconnect();
    queueConnection.disconnect();
    throw explainRedisError(err, config.redis);
  });
  const pool = createGroupPool(config.threads);
  const state: Omit<WorkerBeat, 'lastSeen' | 'jobs'> = {
    host, pid: process.pid, queue: config.queue.name, threads: pool.threads, active: 0, processed: 0, failed: 0, startedAt: new Date().toISOString(),
  };
  // The jobs in hand, by job id, with the stage each group is in: written with each beat (no write of its own).
  const inHand = new Map<string, JobInHand>();
  const retentionSeconds = Math.round(config.retentionDays * 86400);
  const handBackReasons = new Set<string>();
  // The queue on the records' connection: the reconciliation reads jobs with it, and the first pass adds group jobs to it.
  const queue = new Queue(config.queue.name, { connection: redis, prefix });
  queue.on('error', () => {});
  // the level counts of the groups counted here, sent a batch at a time; a run's last batch may complete it
  const levels = new LevelSink(redis, prefix, {
    onComplete: async (runId) => { await finalizeFleetRun(redis, prefix, runId, join(outRoot, runId), { lockMs: config.queue.lockMs, retentionSeconds }); },
    onError: (err) => backgroundError(err),
  });
  const processor = makeProcessor({
    redis, prefix, queue, pool, roots, outRoot, levels,
    lockMs: config.queue.lockMs, maxPixels: config.maxPixels, handBacks: config.queue.handBacks, retentionSeconds,
    onHandBack(reason, jobId) {
      if (handBackReasons.has(reason)) return;
      handBackReasons.add(reason);
      events.handBack?.({ reason, jobId });
    },
    onStage(jobId, stage) {
      const job = inHand.get(jobId);
      if (job) job.stage = stage;
    },
  });
  // Jobs whose lock could not be renewed: stopped, said once each, and BullMQ's errors about them not said again.
  const lost = new Set<string>();
  // (three parameters: BullMQ then hands the handler an AbortSignal, which cancelJob aborts)
  const worker = new Worker<unknown, JobReturn | FitJobReturn>(config.queue.name, async (job, token, signal) => {
    state.active++;
    const { runId, groupId } = idsOf(job.data, job.id);
    const slice = (job.data as { slice?: unknown } | undefined)?.slice;
    const key = job.id ?? '';
    inHand.set(key, {
      runId: runId ?? '?', ...(groupId ? { groupId } : {}), ...(typeof slice === 'number' ? { slice, stage: 'counting' } : { stage: 'checking' }), since: new Date().toISOString(),
    });
    try {
      const result = await processor(job, token, signal);
      servedOne();
      return result;
    } catch (err) {
      if ((err as Error).name === 'DelayedError') handedBackOne();
      else servedOne();
      throw err;
    } finally {
      state.active--;
      inHand.delete(key);
      // BullMQ's own errors about the job (its move to failed or delayed, refused for the lock) come just after
      if (lost.has(key)) setTimeout(() => lost.delete(key), config.queue.lockMs).unref();
    }
  }, {
    connection: queueConnection,
    prefix,
    // BullMQ records it on each job it takes (processedBy), so Bull Board and `bnviz status` can say who holds a job
    name: `${host}:${process.pid}`,
    // as many jobs in hand as the pool runs at once (two a thread), and one more a thread, checked and
    // waiting in the pool's queue: a job's round trips to Redis (its check, its count, BullMQ's move to
    // the next) then overlap the threads' work instead of leaving them idle between groups (a counted
    // group is about 15 ms of a thread). A waiting job holds no pixels: memory stays two groups a thread.
    concurrency: pool.threads * (pool.tasksPerThread + 1),
    // A killed worker's job is handed to another once its lock lapses (lockMs), checked every lockMs;
    // a job stalled more than once (maxStalledCount 1) fails, and the reconciliation counts it.
    lockDuration: config.queue.lockMs,
    stalledInterval: config.queue.lockMs,
    maxStalledCount: 1,
    removeOnComplete: { count: config.queue.keepCompleted },
    removeOnFail: { count: config.queue.keepFailed },
    // bnviz's jobs back off exponentially from their run's delay (job-document.ts, RUN_BACKOFF)
    settings: { backoffStrategy: runBackoff(redis, prefix) },
  });
  // A worker that hands back job after job and serves none (its roots or output folder wrong) stops taking
  // jobs for a while, doubling each time, so the jobs go to workers that can serve them.
  let streak = 0;
  let pauses = 0;
  let pauseTimer: NodeJS.Timeout | undefined;
  function servedOne(): void {
    streak = 0;
    pauses = 0;
  }
  function handedBackOne(): void {
    if (++streak < HAND_BACK_STREAK || pauseTimer || closing) return;
    const ms = Math.min(HAND_BACK_PAUSE_MAX_MS, HAND_BACK_PAUSE_MS * 2 ** pauses++);
    events.handBackPause?.({ handedBack: streak, ms });
    streak = 0;
    void worker.pause(true).catch(() => {});
    pauseTimer = setTimeout(() => {
      pauseTimer = undefined;
      if (!closing) worker.resume();
    }, ms);
    pauseTimer.unref();
  }
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const jobId of jobIds) {
      if (lost.has(jobId) || !inHand.has(jobId)) continue;
      lost.add(jobId);
      worker.cancelJob(jobId, 'lock lost');
      events.lockLost?.({ jobId });
    }
  });
  worker.on('error', (err) => {
    if (denied(err)) return;
    // each renewal that fails is also an error (several a job while it runs on): said once, as lockLost
    if (/^could not renew lock for job /.test(err.message)) return;
    if ([...lost].some((id) => err.message.includes(id))) return;
    // A job ended (or handed back) whose lock is no longer its own: another worker took it up once its
    // lock lapsed, or a failover lost the lock with the writes the replica never got. It is that
    // worker's now (its group is counted once, whoever counts it), so it is said as a lock lost, once.
    const taken = /^(?:Missing lock|Lock mismatch) for job (.+?)\. /.exec(err.message)?.[1];
    if (taken) {
      lost.add(taken);
      setTimeout(() => lost.delete(taken), config.queue.lockMs).unref();
      events.lockLost?.({ jobId: taken });
      return;
    }
    // BullMQ's own blocking connection may be the first to find Redis gone: that is "away", said once
    if (isConnectionError(err)) goneAway(err);
    else if (!answered(err) && !away) events.error?.(err);
  });
  // Each finished job is in the heartbeat at once, so a worker's counts keep up with the run's (the
  // timer alone would show them up to a period late); when jobs end faster than one a fifth of a
  // second, those that end meanwhile share one beat at the end of it (a beat for each job was a MULTI
  // of three commands and a JSON a job: at 100 counted groups a second, more of this thread than the
  // job's own handling).
  let heartbeat: Heartbeat | undefined;
  let beatDue: NodeJS.Timeout | undefined;
  let beating = true;
  let lastBeatAt = 0;
  const beatOnce = () => {
    lastBeatAt = Date.now();
    heartbeat?.beat().catch(() => {});
  };
  const beatNow = () => {
    if (!beating || beatDue) return;
    const wait = lastBeatAt + BEAT_COALESCE_MS - Date.now();
    if (wait <= 0) return beatOnce();
    beatDue = setTimeout(() => {
      beatDue = undefined;
      if (beating) beatOnce();
    }, wait);
    beatDue.unref();
  };
  // no beat after the heartbeat's key is removed (a late one would show the worker alive again)
  const stopBeats = () => {
    beating = false;
    clearTimeout(beatDue);
  };
  worker.on('completed', (job, ret) => {
    state.processed++;
    beatNow();
    if ('slice' in ret) events.job?.({ jobId: job.id ?? '', slice: ret.slice, images: ret.images, status: 'done' });
    else events.job?.({ jobId: job.id ?? '', groupId: ret.groupId, status: ret.status, ms: ret.totalMs });
  });
  worker.on('failed', (job, err) => {
    answered(err);
    if (!job || err.name === 'DelayedError') return;
    const retry = err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    if (retry) {
      const { runId } = idsOf(job.data, job.id);
      if (runId) new RunStore(redis, prefix, runId).countAttempt('reattempted').catch(() => {}); // advisory
    } else {
      state.processed++;
      state.failed++;
      beatNow();
    }
    events.job?.({ jobId: job.id ?? '', groupId: idsOf(job.data, job.id).groupId, status: 'failed', error: err.message, retry });
  });

  // Jobs ended outside the handler (stalled out, removed by hand) are counted here.
  const reconciler = new Reconciler({ redis, prefix, queue, outRoot, lockMs: config.queue.lockMs, retentionSeconds });
  worker.on('stalled', (jobId) => {
    // The stalled check has just moved the job back to wait, or failed it; a failed one is counted now (O(1)).
    reconciler.countFailedJob(jobId).catch(backgroundError);
  });
  let reconciling = false;
  const reconcileTimer = setInterval(() => {
    if (reconciling || away) return;
    reconciling = true;
    reconciler.pass().catch(backgroundError).finally(() => { reconciling = false; });
  }, config.queue.lockMs + Math.floor(Math.random() * 1000));
  reconcileTimer.unref();

  heartbeat = startHeartbeat(redis, prefix, workerId(host, process.pid), () => ({ ...state, jobs: [...inHand.values()] }));
  // The first write: a replica, a cluster node addressed as one server or a user without permission stops the start with one line.
  try {
    await Promise.race([(async () => {
      await worker.waitUntilReady();
      await heartbeat.beat();
    })(), refused]);
    started = true;
  } catch (err) {
    clearInterval(reconcileTimer);
    stopBeats();
    await settledWithin(heartbeat.stop(), 500);
    await settledWithin(worker.close(true), 1000);
    await pool.close({ force: true }).catch(() => {});
    redis.disconnect();
    queueConnection.disconnect();
    throw explainRedisError(err, config.redis);
  } finally {
    clearTimeout(silent);
  }

  function goneAway(err: Error): void {
    if (away) return;
    away = true;
    events.redis?.({ state: 'away', address, reason: reasonOf(err) });
  }

  function watchConnection(connections: RedisClient[]): void {
    for (const c of connections) {
      c.on('error', (err: Error) => {
        if (!denied(err)) goneAway(err);
      });
      c.on('ready', () => {
        const now = mode === 'sentinel' ? serverOf(c) : undefined;
        if (now && server && now !== server) events.redis?.({ state: 'switched', address, server: now });
        server = now ?? server;
        if (!away || connections.some((o) => o.status !== 'ready')) return;
        away = false;
        events.redis?.({ state: 'back', address, ...(now ? { server: now } : {}) });
      });
    }
  }

  /** True when `err` says this user may not use this Redis (then the start fails, or the worker stops). */
  function denied(err: unknown): boolean {
    const refusal = refusedAccess(err, config.redis);
    if (!refusal) return false;
    if (!started) refuse(refusal);
    else if (!stopping) {
      stopping = true;
      events.fatal?.(refusal);
    }
    return true;
  }

  /** True when `err` is such an answer (then it has been dealt with). */
  /**
   * An error of the worker's own background work (the reconciliation, the level counts' batches):
   * a connection that failed under it (Redis away, a failover, ioredis ending a connection that is
   * then connected again) is not said again (the connections' own watch says Redis is away, once),
   * and the work is tried again at its next turn; a refusal is judged; anything else is an error.
   */
  function backgroundError(err: unknown): void {
    if (answered(err) || (err instanceof Error && isConnectionError(err))) return;
    events.error?.(err as Error);
  }

  function answered(err: unknown): boolean {
    const verdict = judgeReply(err, mode);
    if (!verdict) return false;
    if (verdict.fatal) {
      if (!stopping) {
        stopping = true;
        events.fatal?.(explainRedisError(err, config.redis) as ConfigError);
      }
    } else if (!said.has(verdict.code)) {
      said.add(verdict.code);
      events.redis?.({ state: 'answer', address, reason: verdict.code, action: verdict.action });
    }
    return true;
  }

  let closing: Promise<{ stuck: boolean }> | undefined;
  return {
    id: `${host}:${process.pid}`,
    threads: pool.threads,
    roots: roots.given,
    outRoot,
    close(graceMs = 5000, jobsMs = config.queue.stopMs) {
      closing ??= (async () => {
        clearInterval(reconcileTimer);
        clearTimeout(pauseTimer);
        const gentle = (async () => {
          await worker.close();
          // the level counts held for runs whose groups were counted here
          await levels.close();
          stopBeats();
          await heartbeat.stop().catch(() => {});
          await pool.close();
          await queue.close().catch(() => {});
          await Promise.all([redis.quit(), queueConnection.quit()]).catch(() => {});
        })();
        // While Redis is away, closing gently would wait for it: give it a moment, then stop. With Redis
        // there, the jobs in hand get jobsMs: one blocked in a read that never returns would keep it for ever.
        const within = (ms: number) => Promise.race([gentle.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, ms)).unref())]);
        let ended = await within(Math.min(graceMs, jobsMs));
        if (!ended && !away) ended = await within(jobsMs - graceMs);
        if (!ended || away) {
          // Forced, and bounded too: with Redis away BullMQ's close waits on its connections, and a thread
          // blocked in a read (a stalled network share, say) cannot be stopped at all; its job goes back by its lock.
          stopBeats();
          await settledWithin(worker.close(true), 1000);
          const stopped = await settledWithin(pool.close({ force: true }), 1000);
          redis.disconnect();
          queueConnection.disconnect();
          return { stuck: !stopped };
        }
        await gentle;
        return { stuck: false };
      })();
      return closing;
    },
  };
}

/** How long the jobs that end together wait to share one beat. */
const BEAT_COALESCE_MS = 200;

/** Hand-backs in a row, none served, after which a worker pauses; its first pause, and the longest. */
const HAND_BACK_STREAK = 3;
const HAND_BACK_PAUSE_MS = 5000;
const HAND_BACK_PAUSE_MAX_MS = 5 * 60_000;

/** Waits for `work` to settle, at most `ms` (its result and error do not matter); true if it settled. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([work.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
}

/** The output folder exists or can be made, and this process can write in it; ConfigError (exit 2) otherwise. */
async function checkOutputFolder(outRoot: string): Promise<void> {
  const probe = join(outRoot, `.tmp-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(outRoot, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    throw new ConfigError(expectedSetting('out', 'a writable folder', outRoot, `(${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`));
  }
}

/** An error that says Redis cannot be reached (not one of a command's). */
function isConnectionError(err: Error): boolean {
  return networkReason(err) !== undefined || /^Connection is closed/.test(err.message);
}

/**
 * An error answer that retrying as it is cannot mend, and whether it is
 * fatal (a setting is wrong: stop) or passing (what the worker does about
 * it meanwhile). Undefined for any other error.
 */
function judgeReply(err: unknown, mode: RedisMode): { code: string; fatal: boolean; action?: string } | undefined {
  const message = (err as { message?: unknown } | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  const code = /^([A-Z]+)\b/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'READONLY':
      return mode === 'single' ? { code, fatal: true } : { code, fatal: false, action: 'the primary was demoted: reconnecting to the new one' };
    case 'UNBLOCKED':
      return { code, fatal: false, action: 'the server changed role: reconnecting' };
    case 'MOVED':
    case 'ASK':
      return mode === 'cluster' ? undefined : { code, fatal: true };
    case 'CROSSSLOT':
    case 'NOPERM':
    case 'WRONGPASS':
    case 'NOAUTH':
      return { code, fatal: true };
    case 'LOADING':
      return { code, fatal: false, action: 'Redis is loading its data from disk: waiting for it' };
    case 'CLUSTERDOWN':
    case 'TRYAGAIN':
      return { code, fatal: false, action: 'a slot of the cluster has no primary yet: waiting for its failover' };
    default:
      return undefined;
  }
}

/** A connection error as a few words: "connection refused", "host not found". */
function reasonOf(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection lost';
  if (code === 'ETIMEDOUT') return 'timed out';
  return messageOf(err).split('\n')[0];
}

/**
 * BullMQ's backoff strategy for the type bnviz gives its jobs (RUN_BACKOFF):
 * exponential from the delay the run's meta keeps (one read a failed
 * attempt; the default delay when Redis does not answer it). Any other type
 * is not bnviz's: -1, which BullMQ takes as "not retried", so the job fails.
 */
function runBackoff(redis: RedisClient, prefix: string): (attemptsMade: number, type?: string, err?: Error, job?: { data: unknown; id?: string }) => Promise<number> {
  return async (attemptsMade, type, _err, job) => {
    if (type !== RUN_BACKOFF) return -1;
    const { runId } = idsOf(job?.data, job?.id);
    const jobOptions = runId ? await redis.hget(runKeys(prefix, runId).meta, 'jobOptions').catch(() => null) : null;
    return backoffDelay(attemptsMade, jobOptions);
  };
}
