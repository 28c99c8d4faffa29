/**
 * Whether the Redis user may run every command the fleet's writers need,
 * asked before anything is written: the commands are queued in a MULTI and
 * the MULTI discarded. Redis checks a command's ACL (the command and its
 * keys) when it queues it, and answers NOPERM there, so nothing runs and
 * nothing needs permissions of its own to ask (ACL DRYRUN would).
 * The commands stand for the kinds the README lists (one of each, on keys
 * under the prefix: a user's key pattern is checked too); BullMQ's and
 * bnviz's Lua scripts use commands of the same kinds.
 */
import { ConfigError } from '../errors.js';
import type { RedisClient } from './redis-options.js';

/** One command of each kind the fleet uses, with what it is for (said when it is missing). */
const PROBES: Array<{ args: (key: string) => Array<string | number>; kind: string }> = [
  { args: (k) => ['SET', k, '1', 'PX', 1000], kind: 'strings' },
  { args: (k) => ['GET', k], kind: 'strings' },
  { args: (k) => ['HSET', `${k}:h`, 'f', '1'], kind: 'hashes' },
  { args: (k) => ['HGETALL', `${k}:h`], kind: 'hashes' },
  { args: (k) => ['RPUSH', `${k}:l`, '1'], kind: 'lists' },
  { args: (k) => ['LRANGE', `${k}:l`, 0, -1], kind: 'lists' },
  { args: (k) => ['SADD', `${k}:s`, '1'], kind: 'sets' },
  { args: (k) => ['ZADD', `${k}:z`, 0, '1'], kind: 'sorted sets' },
  { args: (k) => ['ZRANGE', `${k}:z`, 0, -1], kind: 'sorted sets' },
  { args: (k) => ['BZPOPMIN', `${k}:z`, 1], kind: 'blocking pops (a worker waits for jobs with it)' },
  { args: (k) => ['XADD', `${k}:x`, '*', 'f', '1'], kind: 'streams (BullMQ\'s events)' },
  { args: (k) => ['PEXPIRE', k, 1000], kind: 'expiry' },
  { args: (k) => ['UNLINK', k], kind: 'removing keys' },
  { args: (k) => ['EXISTS', k], kind: 'keys' },
  { args: (k) => ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', 1, k], kind: 'Lua scripts' },
  { args: (k) => ['EVAL', 'return 1', 1, k], kind: 'Lua scripts' },
  { args: () => ['INFO', 'server'], kind: 'BullMQ checks the server\'s version with it' },
];

/**
 * Throws a one-line ConfigError naming each command the user may not run on
 * keys under `prefix` (and what bnviz uses it for). Costs one round trip;
 * writes nothing.
 * @example
 * await checkWritePermissions(redis, 'bnviz'); // before enqueue writes its run
 */
export async function checkWritePermissions(redis: RedisClient, prefix: string): Promise<void> {
  const key = `${prefix}:permission-check`;
  const pipeline = redis.pipeline();
  pipeline.call('MULTI');
  for (const p of PROBES) pipeline.call(...(p.args(key) as [string, ...Array<string | number>]));
  pipeline.call('DISCARD');
  const replies = (await pipeline.exec()) ?? [];
  const missing: string[] = [];
  let keysDenied = false;
  PROBES.forEach((p, i) => {
    const err = replies[i + 1]?.[0];
    if (!err || !/^NOPERM\b/.test(err.message)) return;
    if (/\bkeys?\b/.test(err.message)) keysDenied = true;
    else missing.push(`${String(p.args(key)[0])} (${p.kind})`);
  });
  const rule = 'bnviz needs them (the README, Least privilege, gives an ACL rule); nothing was written';
  if (missing.length) throw new ConfigError(`the Redis user may not run ${[...new Set(missing)].join(', ')}: ${rule}`);
  if (keysDenied) throw new ConfigError(`the Redis user may not use keys under ${prefix}: (its ACL key patterns, ~${prefix}:*): ${rule}`);
}
