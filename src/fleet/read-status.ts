/**
 * What `bnviz status` shows, read from Redis: the runs, one run's counts and
 * failures, and the workers alive. A malformed record (a run's meta, a
 * failure entry, a heartbeat) is reported where it is, never lets the others
 * go unread: the run shows as 'damaged' with its reason, a bad heartbeat is
 * left out. Errors of Redis itself (its connection) still throw.
 */
import type { Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { messageOf } from '../errors.js';
import type { RunFailure } from '../records/run-record.js';
import { runKeys, workerKey, workersKey } from './fleet-keys.js';
import type { WorkerBeat } from './heartbeat.js';
import { readQueueDepth, type QueueDepth } from './queue-depth.js';
import { listRunIds, readFitPhase, RunStore, type FitPhaseState, type RunState } from './run-store.js';

/** Most workers a read lists. */
const MAX_WORKERS = 1000;

export interface RunStatus extends RunState {
  /** The newest failures (at most the limit asked for). */
  failures: RunFailure[];
  /** How many groups are counted failed. */
  failureCount: number;
  /** With `--stats dataset`: the first pass, counting the dataset's statistics. */
  fit?: FitPhaseState;
  /** Workers whose heartbeat has not expired (on this prefix, any queue). */
  workers: WorkerBeat[];
  /** The run's queue's jobs by state (shared by every run on that queue), when a queue was given. */
  queueDepth?: QueueDepth;
}

/**
 * The newest runs (at most `limit`), each O(1).
 * @example
 * for (const run of await readRuns(redis, 'bnviz')) console.log(run.runId, run.status, run.done, run.total);
 */
export async function readRuns(redis: RedisClient, prefix: string, limit = 50): Promise<RunState[]> {
  const ids = await listRunIds(redis, prefix, limit);
  const states = await Promise.all(ids.map((id) => new RunStore(redis, prefix, id).read().catch((err: unknown) => damagedRun(id, err))));
  return states.filter((s): s is RunState => s !== undefined);
}

/**
 * One run's counts, newest failures, first pass and the workers alive: O(failureLimit + workers), whatever the run's size.
 * @example
 * const status = await readRunStatus(redis, 'bnviz', 'photos'); // undefined when there is no such run
 */
export async function readRunStatus(redis: RedisClient, prefix: string, runId: string, failureLimit = 20, queueOf?: (name: string) => Queue): Promise<RunStatus | undefined> {
  const store = new RunStore(redis, prefix, runId);
  const state = await store.read().catch((err: unknown) => damagedRun(runId, err));
  if (!state) return undefined;
  const queueName = (state.meta ?? state.partialMeta)?.queue;
  const [read, workers, fit, queueDepth] = await Promise.all([
    store.failuresPage(0, failureLimit).then(
      ({ failures, count }) => ({ failures: failures as RunFailure[], count, problem: undefined as string | undefined }),
      (err: unknown) => ({ failures: [] as RunFailure[], count: state.failed, problem: `failures unreadable: ${malformation(err)}` }),
    ),
    readWorkers(redis, prefix),
    readFitPhase(redis, runKeys(prefix, runId)).catch((err: unknown) => {
      malformation(err);
      return undefined;
    }),
    queueOf && queueName ? readQueueDepth(queueOf(queueName)) : undefined,
  ]);
  const failures = read.failures.filter(isFailure);
  const problems = [
    state.damaged,
    read.problem,
    failures.length < read.failures.length ? `${read.failures.length - failures.length} failure entries are malformed` : undefined,
  ].filter((p): p is string => p !== undefined);
  const phase = { ...(fit ? { fit } : {}), ...(queueDepth ? { queueDepth } : {}) };
  if (problems.length === 0) return { ...state, failures, failureCount: read.count, workers, ...phase };
  const { meta, ...rest } = state;
  return { ...rest, partialMeta: state.partialMeta ?? meta, status: 'damaged', damaged: problems.join('; '), failures, failureCount: read.count, workers, ...phase };
}

/**
 * The workers alive, from the fleet's registry: O(workers); malformed heartbeats are left out.
 * @example
 * const workers = await readWorkers(redis, 'bnviz'); // the heartbeats of the workers alive
 */
export async function readWorkers(redis: RedisClient, prefix: string): Promise<WorkerBeat[]> {
  const ids = await redis.zrange(workersKey(prefix), '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, MAX_WORKERS);
  if (ids.length === 0) return [];
  // One GET each (not MGET): a key of another type fails alone; a lapsed beat reads as null.
  const replies = (await redis.pipeline(ids.map((id) => ['get', workerKey(prefix, id)])).exec()) ?? [];
  const beats: WorkerBeat[] = [];
  for (const [err, v] of replies) {
    if (err && !/^WRONGTYPE\b/.test(err.message)) throw err;
    if (typeof v !== 'string') continue;
    try {
      const beat = JSON.parse(v) as unknown;
      if (isBeat(beat)) beats.push(beat);
    } catch {
      // not JSON: not a heartbeat to show
    }
  }
  return beats.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
}

/**
 * A run whose records could not be read for a reason of their own (a parse
 * or type error); errors of Redis itself (its connection, its replies) throw.
 */
function damagedRun(runId: string, err: unknown): RunState {
  if (!isMalformation(err)) throw err;
  return { runId, total: 0, done: 0, skipped: 0, failed: 0, status: 'damaged', damaged: `records unreadable: ${malformation(err)}` };
}

function isMalformation(err: unknown): boolean {
  return err instanceof SyntaxError || err instanceof TypeError || err instanceof RangeError || (err instanceof Error && /^WRONGTYPE\b/.test(err.message));
}

function malformation(err: unknown): string {
  if (!isMalformation(err)) throw err;
  if (err instanceof SyntaxError) return 'an entry is not JSON';
  if (err instanceof Error && /^WRONGTYPE\b/.test(err.message)) return 'a key is of the wrong type';
  return messageOf(err);
}

function isFailure(f: unknown): f is RunFailure {
  const o = f as Partial<RunFailure> | null;
  return typeof o === 'object' && o !== null && typeof o.groupId === 'string' && Array.isArray(o.files) && o.files.every((x) => typeof x === 'string')
    && typeof o.error === 'object' && o.error !== null && typeof o.error.message === 'string';
}

function isBeat(b: unknown): b is WorkerBeat {
  const o = b as Partial<WorkerBeat> | null;
  return typeof o === 'object' && o !== null && typeof o.host === 'string' && typeof o.pid === 'number' && typeof o.lastSeen === 'string';
}
