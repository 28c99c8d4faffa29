/**
 * Every Redis key the fleet makes, under one prefix (BullMQ's queue keys go
 * under it too: `<prefix>:<queue>:...`), so a shared Redis stays tidy and a
 * test can remove exactly what it made.
 *
 *   <prefix>:runs                      zset  runId by first enqueue time (ms)
 *   <prefix>:run:<runId>:meta          hash  root, options, groupSize, images, queue, enqueuedAt, startedAt, finishedAt, status
 *   <prefix>:run:<runId>:groups        zset  groupId by its index in the dataset (total = ZCARD)
 *   <prefix>:run:<runId>:done|skipped|failed   sets  groupIds counted, each in one set only
 *   <prefix>:run:<runId>:failures      hash  groupId -> {groupId, files, error} JSON
 *   <prefix>:run:<runId>:timings       list  the latest group timings (JSON), capped
 *   <prefix>:run:<runId>:finished      list  "<index>|<FinishedEntry JSON>" each time a group is counted, in that order
 *   <prefix>:run:<runId>:finalize      string  lock of the worker writing the run's records (expires: lockMs, renewed)
 *   <prefix>:run:<runId>:reconcile     string  a worker checked the run's uncounted jobs lately (expires)
 * With `--stats dataset`, the first pass (fit jobs, one per slice of groups; see fit-phase.ts):
 *   <prefix>:run:<runId>:plan          hash  slice -> its groups [[groupId, index, files], ...], until their jobs are added
 *   <prefix>:run:<runId>:levels        hash  "<bits>:<channel>:<code>" -> pixels counted at that level, summed over slices
 *   <prefix>:run:<runId>:fitDone|fitFailed  set|hash  slices counted (failed: slice -> reason JSON), each once
 *   <prefix>:run:<runId>:fitSkipped    hash  file -> why it could not be read (not counted)
 *   <prefix>:run:<runId>:fitLock       string  lock of the worker that ends the first pass (expires: lockMs, renewed)
 *   <prefix>:worker:<host>:<pid>       string  heartbeat JSON, expires when the worker stops beating
 */
export interface RunKeys {
  meta: string;
  groups: string;
  done: string;
  skipped: string;
  failed: string;
  failures: string;
  timings: string;
  finished: string;
  finalize: string;
  reconcile: string;
  plan: string;
  levels: string;
  fitDone: string;
  fitFailed: string;
  fitSkipped: string;
  fitLock: string;
}

/** Every key of a run's records (what `bnviz clean` removes and retention expires). */
export function allRunKeys(k: RunKeys): string[] {
  return Object.values(k);
}

/**
 * @example
 * runsKey('bnviz'); // the sorted set of the runs under the prefix
 */
export function runsKey(prefix: string): string {
  return `${prefix}:runs`;
}

/**
 * @example
 * runKeys('bnviz', 'photos').meta; // the run's meta hash, under the prefix
 */
export function runKeys(prefix: string, runId: string): RunKeys {
  const k = (name: string) => `${prefix}:run:${runId}:${name}`;
  return { meta: k('meta'), groups: k('groups'), done: k('done'), skipped: k('skipped'), failed: k('failed'), failures: k('failures'), timings: k('timings'), finished: k('finished'), finalize: k('finalize'), reconcile: k('reconcile'),
    plan: k('plan'), levels: k('levels'), fitDone: k('fitDone'), fitFailed: k('fitFailed'), fitSkipped: k('fitSkipped'), fitLock: k('fitLock'),
  };
}

/**
 * @example
 * workerKey('bnviz', 'host-1', 4242); // the worker's heartbeat key, which expires when it stops
 */
export function workerKey(prefix: string, host: string, pid: number): string {
  return `${prefix}:worker:${host.replace(/[^A-Za-z0-9._-]/g, '_')}:${pid}`;
}

export function workerPattern(prefix: string): string {
  return `${prefix}:worker:*`;
}

/** Queue names that would share keys with the fleet's own records. */
export const RESERVED_QUEUE_NAMES = ['run', 'runs', 'worker'];
