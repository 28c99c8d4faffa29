/**
 * A run's records in Redis, which every worker of the fleet shares: what was
 * enqueued (meta and the ordered group ids) and what became of each group.
 * Each group is counted once, whatever happens to its jobs: the count is a
 * Lua script that adds the group to one of the done/skipped/failed sets only
 * when it is in none, so a retried job or one that runs twice adds nothing.
 */
import type { Redis } from 'ioredis';
import type { GroupError, GroupOptions, GroupTimings } from '../group/group-task.js';
import type { RunFailure } from '../records/run-record.js';
import { runKeys, runsKey, type RunKeys } from './fleet-keys.js';

export interface RunMeta {
  root: string;
  options: GroupOptions;
  groupSize: number;
  images: number;
  queue: string;
  partialGroups: string[];
  enqueuedAt: string;
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
  status: 'queued' | 'running' | 'finished';
}

/** Writes a run's meta the first time it is enqueued (later enqueues keep the first). True when the run is new. */
export async function openRun(redis: Redis, prefix: string, runId: string, meta: RunMeta): Promise<boolean> {
  const k = runKeys(prefix, runId);
  const fields: Record<string, string> = {
    root: meta.root,
    options: JSON.stringify(meta.options),
    groupSize: String(meta.groupSize),
    images: String(meta.images),
    queue: meta.queue,
    partialGroups: JSON.stringify(meta.partialGroups),
    enqueuedAt: meta.enqueuedAt,
  };
  const tx = redis.multi();
  for (const [f, v] of Object.entries(fields)) tx.hsetnx(k.meta, f, v);
  tx.zadd(runsKey(prefix), 'NX', Date.parse(meta.enqueuedAt), runId);
  const replies = await tx.exec();
  return replies?.[0]?.[1] === 1;
}

/** For each group id: is it counted already (done, skipped or failed)? */
export async function countedAlready(redis: Redis, k: RunKeys, groupIds: string[]): Promise<boolean[]> {
  if (groupIds.length === 0) return [];
  const replies = await redis.pipeline().smismember(k.done, ...groupIds).smismember(k.skipped, ...groupIds).smismember(k.failed, ...groupIds).exec();
  const sets = (replies ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as number[];
  });
  return groupIds.map((_, i) => sets.some((s) => s[i] === 1));
}

/** Marks the run started, the first time a worker takes one of its groups. */
export async function markStarted(redis: Redis, k: RunKeys, at = new Date().toISOString()): Promise<void> {
  await redis.hsetnx(k.meta, 'startedAt', at);
}

const RECORD = `
local id = ARGV[1]
if not redis.call('ZSCORE', KEYS[4], id) then return {-1, 0, 0, 0, 0} end
local added = 0
if redis.call('SISMEMBER', KEYS[1], id) == 0 and redis.call('SISMEMBER', KEYS[2], id) == 0 and redis.call('SISMEMBER', KEYS[3], id) == 0 then
  local target = KEYS[1]
  if ARGV[2] == 'skipped' then target = KEYS[2] elseif ARGV[2] == 'failed' then target = KEYS[3] end
  redis.call('SADD', target, id)
  if ARGV[2] == 'failed' then redis.call('HSET', KEYS[5], id, ARGV[3]) end
  if ARGV[4] ~= '' then
    redis.call('LPUSH', KEYS[6], ARGV[4])
    redis.call('LTRIM', KEYS[6], 0, 999)
  end
  added = 1
end
return {added, redis.call('SCARD', KEYS[1]), redis.call('SCARD', KEYS[2]), redis.call('SCARD', KEYS[3]), redis.call('ZCARD', KEYS[4])}
`;

export interface Outcome {
  groupId: string;
  status: 'done' | 'skipped' | 'failed';
  files: string[];
  error?: GroupError;
  timings?: GroupTimings;
}

export interface Recorded extends RunCounts {
  /** 'added': counted now; 'counted': it was already; 'unknown': not a group of this run (nothing counted). */
  effect: 'added' | 'counted' | 'unknown';
}

/** Counts a group's outcome once, and returns the run's counts after it. */
export async function recordOutcome(redis: Redis, k: RunKeys, o: Outcome): Promise<Recorded> {
  const failure: RunFailure | undefined = o.status === 'failed' ? { groupId: o.groupId, files: o.files, error: o.error ?? { name: 'Error', message: 'unknown' } } : undefined;
  const r = (await redis.eval(RECORD, 6, k.done, k.skipped, k.failed, k.groups, k.failures, k.timings,
    o.groupId, o.status, failure ? JSON.stringify(failure) : '', o.status === 'done' && o.timings ? JSON.stringify(o.timings) : '')) as number[];
  return { effect: r[0] === 1 ? 'added' : r[0] === 0 ? 'counted' : 'unknown', done: r[1], skipped: r[2], failed: r[3], total: r[4] };
}

export function isComplete(c: RunCounts): boolean {
  return c.total > 0 && c.done + c.skipped + c.failed >= c.total;
}

/** A run's counts and meta; undefined when Redis holds no such run. */
export async function readRun(redis: Redis, prefix: string, runId: string): Promise<RunState | undefined> {
  const k = runKeys(prefix, runId);
  const replies = await redis.pipeline().hgetall(k.meta).zcard(k.groups).scard(k.done).scard(k.skipped).scard(k.failed).exec();
  const [meta, total, done, skipped, failed] = (replies ?? []).map(([err, v]) => {
    if (err) throw err;
    return v;
  }) as [Record<string, string>, number, number, number, number];
  if (!meta || Object.keys(meta).length === 0) return undefined;
  const counts = { total, done, skipped, failed };
  return {
    runId,
    ...counts,
    meta: meta.root ? {
      root: meta.root,
      options: JSON.parse(meta.options ?? '{}') as GroupOptions,
      groupSize: Number(meta.groupSize),
      images: Number(meta.images),
      queue: meta.queue,
      partialGroups: JSON.parse(meta.partialGroups ?? '[]') as string[],
      enqueuedAt: meta.enqueuedAt,
    } : undefined,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    status: meta.finishedAt ? 'finished' : meta.startedAt ? 'running' : 'queued',
  };
}

/** Run ids, newest first. */
export async function listRunIds(redis: Redis, prefix: string, limit = 50): Promise<string[]> {
  return redis.zrange(runsKey(prefix), 0, String(limit - 1), 'REV');
}

/** The run's failures in dataset order (by each group's index in the run's group list); at most `limit`. */
export async function readFailures(redis: Redis, k: RunKeys, limit = Infinity): Promise<RunFailure[]> {
  const all = Object.values(await redis.hgetall(k.failures)).map((v) => JSON.parse(v) as RunFailure);
  if (all.length === 0) return [];
  const scores = await redis.zmscore(k.groups, ...all.map((f) => f.groupId));
  const rank = (i: number) => (scores[i] === null ? Number.MAX_SAFE_INTEGER : Number(scores[i]));
  return all.map((f, i) => ({ f, r: rank(i) })).sort((a, b) => a.r - b.r).slice(0, limit).map(({ f }) => f);
}

/** Every group id of the run, in dataset order. */
export async function groupIdsInOrder(redis: Redis, k: RunKeys): Promise<string[]> {
  return redis.zrange(k.groups, 0, '-1');
}

export async function readTimings(redis: Redis, k: RunKeys): Promise<GroupTimings[]> {
  return (await redis.lrange(k.timings, 0, -1)).map((t) => JSON.parse(t) as GroupTimings);
}
