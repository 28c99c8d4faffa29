/**
 * A hint for the operator of a large enqueue. Redis keeps a hash compact (a
 * listpack) while each of its fields is at most `hash-max-listpack-value`
 * bytes (64 by default); one longer field makes it a hash table. A waiting
 * job's fields are short (job-document.ts: its data names its run and
 * index), but its data grows with the run id: past the setting, every
 * waiting job takes a few hundred bytes more. Read with CONFIG GET, which
 * many ACL users and managed services refuse: then there is no hint, and
 * nothing fails.
 */
import type { RedisClient } from './redis-options.js';
import { makeJobDocument } from './job-document.js';

/** Jobs below this many: a few tens of MB at most, not worth a line. */
export const HINT_JOBS = 100_000;

/**
 * Bytes a waiting group of a run id of 42 characters costs, its job kept as
 * a hash table, and compact (a listpack; hash-max-listpack-value 256):
 * measured with `bnviz enqueue` of 100,000 groups of three example names.
 */
const TABLE_BYTES = 958;
const LISTPACK_BYTES = 614;

/**
 * One line when the `jobs` waiting jobs of run `runId` (of `groups` groups
 * in all) would be kept as hash tables under the server's
 * `hash-max-listpack-value`; undefined otherwise, or when the server does
 * not say.
 *
 * @example
 * const hint = await jobMemoryHint(redis, 'imagenet-train-2012-full-resolution-a1b2c3', 430_000);
 * // 'each waiting job's data is 68 bytes (run id imagenet-train-...: 43 characters), above ... hash-max-listpack-value (64): ...'
 */
export async function jobMemoryHint(redis: RedisClient, runId: string, jobs: number, groups = jobs, force = false): Promise<string | undefined> {
  if (jobs < HINT_JOBS) return undefined;
  const data = JSON.stringify(makeJobDocument(runId, Math.max(0, groups - 1), force)).length;
  let value: number;
  try {
    // Redis 7 names it listpack; Redis 6 ziplist (7 answers both)
    const setting = (await configValue(redis, 'hash-max-listpack-value')) ?? (await configValue(redis, 'hash-max-ziplist-value'));
    if (setting === undefined) return undefined;
    value = Number(setting);
  } catch {
    return undefined;
  }
  if (!Number.isFinite(value) || data <= value) return undefined;
  const longest = runId.length - (data - value);
  return `each waiting job's data is ${data} bytes (run id ${runId}: ${runId.length} characters), above Redis' hash-max-listpack-value (${value}): Redis keeps each as a hash table, about ${TABLE_BYTES} bytes a job, ${Math.round((jobs * TABLE_BYTES) / 1e6)} MB for these ${jobs}, not ${LISTPACK_BYTES}; a run id of at most ${Math.max(1, longest)} characters (--run), or the setting at ${data} or more (redis.conf, or CONFIG SET), keeps them compact`;
}

/** A setting's value as CONFIG GET answers it ([name, value]); undefined when the server does not know it. */
async function configValue(redis: RedisClient, name: string): Promise<string | undefined> {
  const reply = (await redis.call('CONFIG', 'GET', name)) as unknown;
  return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
}
