/**
 * Every Redis key the fleet makes, under one prefix (BullMQ's queue keys go
 * under it too: `<prefix>:<queue>:...`), so a shared Redis stays tidy and a
 * test can remove exactly what it made. With a hash-tagged prefix
 * (`{bnviz}`) every key of the fleet is in one cluster slot.
 *
 * Per group, a run keeps a few bytes: its id in a bucket of BUCKET ids, one
 * state byte, and a short log entry; until it is counted, its files (its
 * job names only its run and index: job-document.ts); aggregates (counts,
 * histograms, rates) are kept up to date when a group is counted
 * (run-store.ts).
 *
 *   <prefix>:runs                      zset  runId by first enqueue time (ms)
 *   <prefix>:workers                   zset  worker id by its last heartbeat (ms)
 *   <prefix>:worker:<host>:<pid>       string  heartbeat JSON, expires when the worker stops beating
 *   <prefix>:reconcile:<queue>         hash  where the reconciliation last read the queue's failed jobs
 *   <prefix>:run:<runId>:meta          hash  root, options, groupSize, images, queue, enqueuedAt, startedAt, finishedAt, ...,
 *                                             and the counts: total, done, skipped, failed, version, firstAt, lastAt
 *   <prefix>:run:<runId>:ids:<n>       hash  index -> groupId, for the indexes n*BUCKET .. n*BUCKET+BUCKET-1
 *   <prefix>:run:<runId>:files:<n>     hash  index -> the group's files, NUL-separated, for the same indexes, while
 *                                             the group is not counted (a retry puts a failed group's back)
 *   <prefix>:run:<runId>:state         string  one byte a group, by index: 0 not counted, d done, s skipped, f failed
 *   <prefix>:run:<runId>:failures      hash  groupId -> {groupId, index, files, error} JSON
 *   <prefix>:run:<runId>:failedAt      zset  groupId by when it was counted failed (ms): newest first, paged
 *   <prefix>:run:<runId>:worst|best    zset  groupId by its largest unseen share, the WORST_KEPT largest|smallest
 *   <prefix>:run:<runId>:agg           hash  histograms kept as groups are counted (unseen shares, stage times)
 *   <prefix>:run:<runId>:rate:<s>      hash  groups counted per slice of s seconds (1, 60, 3600)
 *   <prefix>:run:<runId>:timings       list  the latest group timings (JSON), capped
 *   <prefix>:run:<runId>:log           list  "<index>:<d|s|f>:<unseen in millionths>" each time a group is counted, in that order
 *   <prefix>:run:<runId>:finalize      string  lock of the worker writing the run's records (expires: lockMs, renewed)
 *   <prefix>:run:<runId>:reconcile     string  a worker checked the run's uncounted jobs lately (expires)
 * With `--stats dataset`, the first pass (fit jobs, one per slice of groups; see fit-phase.ts):
 *   <prefix>:run:<runId>:plan          hash  slice -> its groups [[groupId, index, files], ...], until their jobs are added
 *   <prefix>:run:<runId>:levels        hash  "<bits>:<channel>:<code>" -> pixels counted at that level, summed over slices
 *                                             (with --stats batch: over the groups counted, sent by each worker a batch
 *                                             at a time, level-sink.ts; meta's levelsDue, levelGroups, levelImages,
 *                                             levelsBy:<writer> say how many are due, held, and each writer's last batch)
 *   <prefix>:run:<runId>:fitDone|fitFailed  set|hash  slices counted (failed: slice -> reason JSON), each once
 *   <prefix>:run:<runId>:fitSkipped    hash  file -> why it could not be read (not counted)
 *   <prefix>:run:<runId>:fitLock       string  lock of the worker that ends the first pass (expires: lockMs, renewed)
 * With `--draw worst:K` or `sample:K`, the second pass (draw jobs, one per picked group; see draw-phase.ts):
 *   <prefix>:run:<runId>:drawPick      zset  "<999999999 - index>|[groupId, files]" by rank, the K kept
 *   <prefix>:run:<runId>:drawn|drawFailed  set|hash  picked groups drawn (failed: index -> why), by index
 */

/** Group ids a bucket hash holds: small enough for Redis' compact encoding (hash-max-listpack-entries 128). */
export const BUCKET = 100;

/** Groups kept in each of a run's worst and best lists (the dashboard's sorts by unseen share). */
export const WORST_KEPT = 1000;

/** Seconds a slice of each rate hash covers. */
export const RATE_SLICES = [1, 60, 3600] as const;

export interface RunKeys {
  meta: string;
  state: string;
  failures: string;
  failedAt: string;
  worst: string;
  best: string;
  agg: string;
  rates: string[];
  timings: string;
  log: string;
  /** Each group's largest unseen share in millionths, four bytes (little-endian) at index x 4: the dashboard's first read of a run. */
  unseen: string;
  finalize: string;
  reconcile: string;
  plan: string;
  levels: string;
  fitDone: string;
  fitFailed: string;
  fitSkipped: string;
  fitLock: string;
  drawPick: string;
  drawn: string;
  drawFailed: string;
  /** The bucket hash holding the id of the group at `index`. */
  ids(index: number): string;
  /** The bucket hash holding the files of the group at `index` while it is not counted. */
  files(index: number): string;
}

/** The keys of a run's records other than its id and files buckets (what retention expires and clean removes, with the buckets). */
export function fixedRunKeys(k: RunKeys): string[] {
  return [k.meta, k.state, k.failures, k.failedAt, k.worst, k.best, k.agg, ...k.rates, k.timings, k.log, k.unseen, k.finalize, k.reconcile, k.plan, k.levels, k.fitDone, k.fitFailed, k.fitSkipped, k.fitLock, k.drawPick, k.drawn, k.drawFailed];
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
 * workersKey('bnviz'); // the sorted set of the workers by their last heartbeat
 */
export function workersKey(prefix: string): string {
  return `${prefix}:workers`;
}

/**
 * @example
 * reconcileKey('bnviz', 'groups'); // where the queue's reconciliation last read its failed jobs
 */
export function reconcileKey(prefix: string, queue: string): string {
  return `${prefix}:reconcile:${queue}`;
}

/**
 * @example
 * runKeys('bnviz', 'photos').meta; // the run's meta hash, under the prefix
 */
export function runKeys(prefix: string, runId: string): RunKeys {
  const k = (name: string) => `${prefix}:run:${runId}:${name}`;
  return {
    meta: k('meta'), state: k('state'), failures: k('failures'), failedAt: k('failedAt'), worst: k('worst'), best: k('best'), agg: k('agg'),
    rates: RATE_SLICES.map((s) => k(`rate:${s}`)), timings: k('timings'), log: k('log'), unseen: k('unseen'), finalize: k('finalize'), reconcile: k('reconcile'),
    plan: k('plan'), levels: k('levels'), fitDone: k('fitDone'), fitFailed: k('fitFailed'), fitSkipped: k('fitSkipped'), fitLock: k('fitLock'),
    drawPick: k('drawPick'), drawn: k('drawn'), drawFailed: k('drawFailed'),
    ids: (index) => k(`ids:${Math.floor(index / BUCKET)}`),
    files: (index) => k(`files:${Math.floor(index / BUCKET)}`),
  };
}

/**
 * A worker's id in the registry and its heartbeat's key.
 * @example
 * workerId('host-1', 4242); // 'host-1:4242'
 */
export function workerId(host: string, pid: number): string {
  return `${host.replace(/[^A-Za-z0-9._-]/g, '_')}:${pid}`;
}

/**
 * @example
 * workerKey('bnviz', workerId('host-1', 4242)); // the worker's heartbeat key, which expires when it stops
 */
export function workerKey(prefix: string, id: string): string {
  return `${prefix}:worker:${id}`;
}

/** Queue names that would share keys with the fleet's own records. */
export const RESERVED_QUEUE_NAMES = ['run', 'runs', 'worker', 'workers', 'reconcile'];
