/**
 * A run's records in Redis, which every worker of the fleet shares: what was
 * enqueued (meta and the ordered group ids) and what became of each group.
 * Each group is counted once, whatever happens to its jobs: the count is a
 * Lua script that adds the group to one of the done/skipped/failed sets only
 * when it is in none, so a retried job or one that runs twice adds nothing.
 */
import type { RedisClient } from './redis-options.js';
import type { GroupError, GroupOptions, GroupTimings } from '../group/group-task.js';
import type { RunFailure } from '../records/run-record.js';
import { allRunKeys, runKeys, runsKey, type RunKeys } from './fleet-keys.js';

export interface RunMeta {
  root: string;
  options: GroupOptions;
  groupSize: number;
  images: number;
  queue: string;
  partialGroups: string[];
  enqueuedAt: string;
  /** Enqueued with `--stats dataset`: the workers count the dataset's statistics first (fit-phase.ts). */
  firstPass?: boolean;
}

export interface RunCounts {
  total: number;
  done: number;
  skipped: number;
  failed: number;
}

export interface RunState extends RunCounts {
  runId: string;
  meta?: RunMeta;
  startedAt?: string;
  finishedAt?: string;
  /** 'damaged': the run's records are malformed (`damaged` says how); its counts are still read. */
  status: 'queued' | 'running' | 'finished' | 'damaged';
  /** What is malformed in the run's records (`meta.options is not JSON`); `meta` is then undefined. */
  damaged?: string;
  /** With `damaged`: the meta fields that could be read. */
  partialMeta?: Partial<RunMeta>;
}

/** Writes a run's meta the first time it is enqueued (later enqueues keep the first). True when the run is new. */
export async function openRun(redis: RedisClient, prefix: string, runId: string, meta: RunMeta): Promise<boolean> {
  const k = runKeys(prefix, runId);
  const fields: Record<string, string> = {
    root: meta.root,
    options: JSON.stringify(meta.options),
    groupSize: String(meta.groupSize),
    images: String(meta.images),
    queue: meta.queue,
    partialGroups: JSON.stringify(meta.partialGroups),
    enqueuedAt: meta.enqueuedAt,
    ...(meta.firstPass ? { firstPass: '1' } : {}),
  };
  const tx = redis.multi();
  for (const [f, v] of Object.entries(fields)) tx.hsetnx(k.meta, f, v);
  tx.zadd(runsKey(prefix), 'NX', Date.parse(meta.enqueuedAt), runId);
  const replies = await tx.exec();
  return replies?.[0]?.[1] === 1;
}

/** For each group id: is it counted already (done, skipped or failed)? */
export async function countedAlready(redis: RedisClient, k: RunKeys, groupIds: string[]): Promise<boolean[]> {
  if (groupIds.length === 0) return [];
  const replies = await redis.pipeline().smismember(k.done, ...groupIds).smismember(k.skipped, ...groupIds).smismember(k.failed, ...groupIds).exec();
  const sets = (replies ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as number[];
  });
  return groupIds.map((_, i) => sets.some((s) => s[i] === 1));
}

/** Marks the run started, the first time a worker takes one of its groups. */
export async function markStarted(redis: RedisClient, k: RunKeys, at = new Date().toISOString()): Promise<void> {
  await redis.hsetnx(k.meta, 'startedAt', at);
}

/*
 * Counts a group once. A group counted failed that later ends done or skipped
 * (a retry, from `bnviz retry` or Bull Board) moves to that set, loses its
 * failure, and reopens the run (its records are written again); a failed
 * group failing again keeps its latest reason.
 * Each time a group is counted (or recounted) its entry is appended to the
 * finished log, prefixed with its index, so a reader can follow the run from
 * where it last read.
 * KEYS: done skipped failed groups failures timings meta finished; ARGV: id status failureJSON timingsJSON entryJSON
 */
const RECORD = `
local id = ARGV[1]
local index = redis.call('ZSCORE', KEYS[4], id)
if not index then return {-1, 0, 0, 0, 0} end
local added = 0
local inDone = redis.call('SISMEMBER', KEYS[1], id) == 1 or redis.call('SISMEMBER', KEYS[2], id) == 1
local inFailed = redis.call('SISMEMBER', KEYS[3], id) == 1
if not inDone and not inFailed then
  local target = KEYS[1]
  if ARGV[2] == 'skipped' then target = KEYS[2] elseif ARGV[2] == 'failed' then target = KEYS[3] end
  redis.call('SADD', target, id)
  if ARGV[2] == 'failed' then redis.call('HSET', KEYS[5], id, ARGV[3]) end
  if ARGV[4] ~= '' then
    redis.call('LPUSH', KEYS[6], ARGV[4])
    redis.call('LTRIM', KEYS[6], 0, 999)
  end
  added = 1
elseif inFailed and ARGV[2] ~= 'failed' then
  redis.call('SREM', KEYS[3], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('SADD', ARGV[2] == 'skipped' and KEYS[2] or KEYS[1], id)
  redis.call('HDEL', KEYS[7], 'finishedAt')
  added = 1
elseif inFailed and ARGV[2] == 'failed' then
  redis.call('HSET', KEYS[5], id, ARGV[3])
end
if added == 1 then redis.call('RPUSH', KEYS[8], index .. '|' .. ARGV[5]) end
return {added, redis.call('SCARD', KEYS[1]), redis.call('SCARD', KEYS[2]), redis.call('SCARD', KEYS[3]), redis.call('ZCARD', KEYS[4])}
`;

export interface Outcome {
  groupId: string;
  status: 'done' | 'skipped' | 'failed';
  files: string[];
  error?: GroupError;
  timings?: GroupTimings;
  /** Largest unseen share of the group's images and channels (0..1), when it was computed. */
  maxUnseen?: number;
  /** Each image's unseen share per channel (R, G, B, image after image; unseenShares), when it was computed. */
  unseen?: number[];
}

/** What the finished log says of one counted group. */
export interface FinishedEntry {
  groupId: string;
  /** Its index in the dataset (0-based). */
  index: number;
  status: Outcome['status'];
  files: string[];
  /** Largest unseen share, 0..1 (0 when not computed: a failed group). */
  maxUnseen: number;
  /** When it was counted (ms since the epoch). */
  at: number;
  /** Its stage times, for a group computed now (not for one skipped or failed). */
  timings?: GroupTimings;
  /** Each image's unseen share per channel, R, G, B image after image (a group computed now). */
  unseen?: number[];
}

export interface Recorded extends RunCounts {
  /** 'added': counted now; 'counted': it was already; 'unknown': not a group of this run (nothing counted). */
  effect: 'added' | 'counted' | 'unknown';
}

/** Counts a group's outcome once, and returns the run's counts after it. */
export async function recordOutcome(redis: RedisClient, k: RunKeys, o: Outcome): Promise<Recorded> {
  const failure: RunFailure | undefined = o.status === 'failed' ? { groupId: o.groupId, files: o.files, error: o.error ?? { name: 'Error', message: 'unknown' } } : undefined;
  const entry = { groupId: o.groupId, status: o.status, files: o.files, maxUnseen: o.maxUnseen ?? 0, at: Date.now(), ...(o.status === 'done' && o.timings ? { timings: o.timings } : {}), ...(o.status === 'done' && o.unseen ? { unseen: o.unseen.map(roundShare) } : {}) };
  const r = (await redis.eval(RECORD, 8, k.done, k.skipped, k.failed, k.groups, k.failures, k.timings, k.meta, k.finished,
    o.groupId, o.status, failure ? JSON.stringify(failure) : '', o.status === 'done' && o.timings ? JSON.stringify(o.timings) : '', JSON.stringify(entry))) as number[];
  return { effect: r[0] === 1 ? 'added' : r[0] === 0 ? 'counted' : 'unknown', done: r[1], skipped: r[2], failed: r[3], total: r[4] };
}

/** A share kept to six decimals in the log (a millionth is far below a histogram's bin). */
function roundShare(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function isComplete(c: RunCounts): boolean {
  return c.total > 0 && c.done + c.skipped + c.failed >= c.total;
}

/**
 * A run's counts and meta; undefined when Redis holds no such run. Never
 * throws for malformed records (a field that is not JSON or not a number, a
 * key of the wrong type): the run comes back with status 'damaged', the
 * reason in `damaged`, no `meta`, and what could be read in `partialMeta`.
 */
export async function readRun(redis: RedisClient, prefix: string, runId: string): Promise<RunState | undefined> {
  const k = runKeys(prefix, runId);
  const replies = (await redis.pipeline().hgetall(k.meta).zcard(k.groups).scard(k.done).scard(k.skipped).scard(k.failed).exec()) ?? [];
  const problems: string[] = [];
  const reply = <T>(i: number, key: string, type: string, empty: T): T => {
    const [err, v] = replies[i] ?? [null, empty];
    if (!err) return (v ?? empty) as T;
    // A key of another type is a malformed record; anything else (the connection) is the caller's to see.
    if (!/^WRONGTYPE\b/.test(err.message)) throw err;
    problems.push(`${key} is not a ${type}`);
    return empty;
  };
  const fields = reply<Record<string, string>>(0, 'meta', 'hash', {});
  const counts = { total: reply(1, 'groups', 'sorted set', 0), done: reply(2, 'done', 'set', 0), skipped: reply(3, 'skipped', 'set', 0), failed: reply(4, 'failed', 'set', 0) };
  if (problems.length === 0 && Object.keys(fields).length === 0) return undefined;
  // A meta that is not a hash has no fields to find fault with.
  const { meta, partial, damaged } = problems.includes('meta is not a hash') ? { meta: undefined, partial: {}, damaged: [] } : parseRunMeta(fields);
  problems.push(...damaged);
  const startedAt = dateField(fields, 'startedAt', problems);
  const finishedAt = dateField(fields, 'finishedAt', problems);
  if (problems.length) {
    return { runId, ...counts, partialMeta: partial, startedAt, finishedAt, status: 'damaged', damaged: problems.join('; ') };
  }
  return { runId, ...counts, meta, startedAt, finishedAt, status: finishedAt ? 'finished' : startedAt ? 'running' : 'queued' };
}

/** A run's meta hash read field by field: the meta when every field is sound, what could be read, and what is wrong. */
function parseRunMeta(f: Record<string, string>): { meta?: RunMeta; partial: Partial<RunMeta>; damaged: string[] } {
  const damaged: string[] = [];
  const missing: string[] = [];
  const partial: Partial<RunMeta> = {};
  const text = (key: 'root' | 'queue') => {
    if (f[key] === undefined || f[key] === '') missing.push(key);
    else partial[key] = f[key];
  };
  const json = (key: string): unknown => {
    if (f[key] === undefined) {
      missing.push(key);
      return undefined;
    }
    try {
      return JSON.parse(f[key]) as unknown;
    } catch {
      damaged.push(`meta.${key} is not JSON`);
      return undefined;
    }
  };
  const count = (key: 'groupSize' | 'images', min: number) => {
    const n = f[key] === undefined || f[key].trim() === '' ? NaN : Number(f[key]);
    if (Number.isInteger(n) && n >= min) partial[key] = n;
    else if (f[key] === undefined) missing.push(key);
    else damaged.push(`meta.${key} is not a whole number of at least ${min} (${JSON.stringify(f[key].slice(0, 40))})`);
  };
  text('root');
  const options = json('options');
  if (options !== undefined) {
    if (typeof options === 'object' && options !== null && !Array.isArray(options)) partial.options = options as GroupOptions;
    else damaged.push('meta.options is not a JSON object');
  }
  count('groupSize', 1);
  count('images', 0);
  text('queue');
  const partialGroups = json('partialGroups');
  if (partialGroups !== undefined) {
    if (Array.isArray(partialGroups) && partialGroups.every((g) => typeof g === 'string')) partial.partialGroups = partialGroups as string[];
    else damaged.push('meta.partialGroups is not a JSON array of group ids');
  }
  const enqueuedAt = dateField(f, 'enqueuedAt', damaged);
  if (f.enqueuedAt === undefined) missing.push('enqueuedAt');
  if (enqueuedAt !== undefined) partial.enqueuedAt = enqueuedAt;
  if (missing.length) damaged.unshift(`meta lacks ${missing.join(', ')}`);
  return { meta: damaged.length ? undefined : (partial as RunMeta), partial, damaged };
}

/** A date field of the meta hash; a value that is no date adds a problem and reads as undefined. */
function dateField(f: Record<string, string>, key: string, problems: string[]): string | undefined {
  const v = f[key];
  if (v === undefined) return undefined;
  if (Number.isNaN(Date.parse(v))) {
    problems.push(`meta.${key} is not a date (${JSON.stringify(v.slice(0, 40))})`);
    return undefined;
  }
  return v;
}

/** Run ids, newest first. */
export async function listRunIds(redis: RedisClient, prefix: string, limit = 50): Promise<string[]> {
  return redis.zrange(runsKey(prefix), 0, String(limit - 1), 'REV');
}

/** The run's failures in dataset order (by each group's index in the run's group list); at most `limit`. */
export async function readFailures(redis: RedisClient, k: RunKeys, limit = Infinity): Promise<RunFailure[]> {
  const all = Object.values(await redis.hgetall(k.failures)).map((v) => JSON.parse(v) as RunFailure);
  if (all.length === 0) return [];
  const scores = await redis.zmscore(k.groups, ...all.map((f) => f.groupId));
  const rank = (i: number) => (scores[i] === null ? Number.MAX_SAFE_INTEGER : Number(scores[i]));
  return all.map((f, i) => ({ f, r: rank(i) })).sort((a, b) => a.r - b.r).slice(0, limit).map(({ f }) => f);
}

/** Every group id of the run, in dataset order. */
export async function groupIdsInOrder(redis: RedisClient, k: RunKeys): Promise<string[]> {
  return redis.zrange(k.groups, 0, '-1');
}

/**
 * The finished log from entry `from` on, at most `max` entries; `next` is
 * where to read from next time. Entries that cannot be read are skipped.
 */
export async function readFinishedSince(redis: RedisClient, k: RunKeys, from: number, max = 10_000): Promise<{ entries: FinishedEntry[]; next: number }> {
  const raw = await redis.lrange(k.finished, from, from + max - 1);
  const entries: FinishedEntry[] = [];
  for (const line of raw) {
    const bar = line.indexOf('|');
    try {
      const e = JSON.parse(line.slice(bar + 1)) as Omit<FinishedEntry, 'index'>;
      const unseen = Array.isArray(e.unseen) && e.unseen.every((x) => typeof x === 'number' && x >= 0 && x <= 1) ? { unseen: e.unseen } : {};
      entries.push({ groupId: String(e.groupId), index: Number(line.slice(0, bar)), status: e.status, files: Array.isArray(e.files) ? e.files.map(String) : [], maxUnseen: Number(e.maxUnseen) || 0, at: Number(e.at) || 0, ...(e.timings && typeof e.timings === 'object' ? { timings: e.timings } : {}), ...unseen });
    } catch {
      // not an entry of ours: left out
    }
  }
  return { entries, next: from + raw.length };
}

export async function readTimings(redis: RedisClient, k: RunKeys): Promise<GroupTimings[]> {
  return (await redis.lrange(k.timings, 0, -1)).map((t) => JSON.parse(t) as GroupTimings);
}

/*
 * Takes failed groups out of the counts so they can run again, and reopens
 * the run. KEYS: failed failures meta; ARGV: group ids. Returns the ids taken.
 */
const UNCOUNT = `
local taken = {}
for _, id in ipairs(ARGV) do
  if redis.call('SREM', KEYS[1], id) == 1 then
    redis.call('HDEL', KEYS[2], id)
    table.insert(taken, id)
  end
end
if #taken > 0 then redis.call('HDEL', KEYS[3], 'finishedAt') end
return taken
`;

/** Uncounts these failed groups (ids not counted failed are left alone) and reopens the run; returns the ids uncounted. */
export async function uncountFailed(redis: RedisClient, k: RunKeys, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  return (await redis.eval(UNCOUNT, 3, k.failed, k.failures, k.meta, ...groupIds)) as string[];
}

/** The ids of the groups counted failed (any order). */
export async function failedGroupIds(redis: RedisClient, k: RunKeys): Promise<string[]> {
  return redis.smembers(k.failed);
}

/*
 * One slice of the run's group list (by index), with what became of the job
 * of each group not counted yet: 'missing' (no job: removed by hand, or never
 * added), 'failed', 'completed', or '' (waiting, delayed or running: not
 * ended). KEYS: groups done skipped failed; ARGV: start stop jobKeyPrefix runId
 */
const UNCOUNTED = `
local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  if redis.call('SISMEMBER', KEYS[2], id) == 0 and redis.call('SISMEMBER', KEYS[3], id) == 0 and redis.call('SISMEMBER', KEYS[4], id) == 0 then
    local jobKey = ARGV[3] .. ARGV[4] .. '.' .. id
    local state = ''
    if redis.call('EXISTS', jobKey) == 0 then
      state = 'missing'
    elseif redis.call('ZSCORE', ARGV[3] .. 'failed', ARGV[4] .. '.' .. id) then
      state = 'failed'
    elseif redis.call('ZSCORE', ARGV[3] .. 'completed', ARGV[4] .. '.' .. id) then
      state = 'completed'
    end
    table.insert(out, id)
    table.insert(out, state)
  end
end
return out
`;

export interface Uncounted {
  groupId: string;
  /** What became of its job; '' while it is waiting, delayed or running. */
  state: '' | 'missing' | 'failed' | 'completed';
}

/**
 * The groups of a run not counted yet, with the state of their jobs, read a
 * slice of `chunk` groups a call so Redis is never blocked for long.
 * `queueKey` is BullMQ's key prefix of the queue (`<prefix>:<queue>:`).
 */
export async function* uncountedGroups(redis: RedisClient, k: RunKeys, runId: string, queueKey: string, chunk = 500): AsyncGenerator<Uncounted> {
  const total = await redis.zcard(k.groups);
  for (let start = 0; start < total; start += chunk) {
    const flat = (await redis.eval(UNCOUNTED, 4, k.groups, k.done, k.skipped, k.failed, start, start + chunk - 1, queueKey, runId)) as string[];
    for (let i = 0; i < flat.length; i += 2) yield { groupId: flat[i], state: flat[i + 1] as Uncounted['state'] };
  }
}

/** Runs whose records say they are not finished (at most `limit`, newest first). */
export async function unfinishedRunIds(redis: RedisClient, prefix: string, limit = 1000): Promise<string[]> {
  const ids = await listRunIds(redis, prefix, limit);
  if (ids.length === 0) return [];
  const replies = await redis.pipeline(ids.map((id) => ['hmget', runKeys(prefix, id).meta, 'root', 'finishedAt'])).exec();
  const gone: string[] = [];
  const open = ids.filter((id, i) => {
    const [root, finishedAt] = (replies?.[i]?.[1] ?? []) as Array<string | null>;
    if (!root && !finishedAt) gone.push(id);
    return root && !finishedAt;
  });
  // runs whose records expired (retention) or were removed leave the list
  if (gone.length) await redis.zrem(runsKey(prefix), ...gone);
  return open;
}

/** Removes every record of a run (the run list entry included). */
export async function deleteRunRecords(redis: RedisClient, prefix: string, runId: string): Promise<void> {
  await redis.multi().del(...allRunKeys(runKeys(prefix, runId))).zrem(runsKey(prefix), runId).exec();
}

/** Makes a finished run's records expire after `seconds` (the run list entry is pruned when read). */
export async function expireRunRecords(redis: RedisClient, k: RunKeys, seconds: number): Promise<void> {
  const tx = redis.multi();
  for (const key of lastingKeys(k)) tx.expire(key, seconds);
  await tx.exec();
}

/** Makes a reopened run's records last again (a retry must not let them expire under it). */
export async function persistRunRecords(redis: RedisClient, k: RunKeys): Promise<void> {
  const tx = redis.multi();
  for (const key of lastingKeys(k)) tx.persist(key);
  await tx.exec();
}

/** The keys that hold a run's records (not its short-lived locks). */
function lastingKeys(k: RunKeys): string[] {
  return [k.meta, k.groups, k.done, k.skipped, k.failed, k.failures, k.timings, k.finished, k.levels, k.fitDone, k.fitFailed, k.fitSkipped, k.plan];
}

/** What `bnviz status` shows of the first pass. */
export interface FitPhaseState {
  slices: number;
  /** Slices counted, and failed. */
  done: number;
  failed: number;
  /** Images in the pass, images counted, images that could not be read. */
  images: number;
  counted: number;
  unreadable: number;
  /** When the statistics were taken (the group jobs are added next). */
  endedAt?: string;
  /** Why slices failed, by slice (the first few). */
  failures: Array<{ slice: number; reason: string; images: number }>;
}

export async function readFitPhase(redis: RedisClient, k: RunKeys): Promise<FitPhaseState | undefined> {
  const [[, fields], [, done], [, unreadable], [, failedRaw]] = (await redis.pipeline()
    .hmget(k.meta, 'fitSlices', 'fitImages', 'fitCounted', 'fitEndedAt').scard(k.fitDone).hlen(k.fitSkipped).hgetall(k.fitFailed).exec()) as Array<[Error | null, unknown]>;
  const [slices, images, counted, endedAt] = fields as Array<string | null>;
  if (!slices) return undefined;
  const failures = Object.entries(failedRaw as Record<string, string>).map(([slice, v]) => {
    try {
      const f = JSON.parse(v) as { reason?: unknown; images?: unknown };
      return { slice: Number(slice), reason: String(f.reason), images: Number(f.images) || 0 };
    } catch {
      return { slice: Number(slice), reason: 'unreadable', images: 0 };
    }
  }).sort((a, b) => a.slice - b.slice);
  return {
    slices: Number(slices), done: Number(done), failed: failures.length, images: Number(images ?? 0), counted: Number(counted ?? 0), unreadable: Number(unreadable),
    ...(endedAt ? { endedAt } : {}), failures: failures.slice(0, 10),
  };
}
