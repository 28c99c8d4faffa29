/**
 * A hint for the operator of a large enqueue. A waiting job is a BullMQ
 * hash whose data (the group's files) and options exceed Redis' default
 * `hash-max-listpack-value` (64 bytes), so Redis keeps it as a hash table:
 * about 900 bytes a waiting group. With the setting at 256 Redis keeps it
 * as a listpack, about 600 (`npm run bench:scale -- --redis-config
 * hash-max-listpack-value=256`). Read with CONFIG GET, which many ACL users
 * and managed services refuse: then there is no hint, and nothing fails.
 */
import type { RedisClient } from './redis-options.js';

/** Jobs below this many: a few tens of MB at most, not worth a line. */
export const HINT_JOBS = 100_000;

/** Bytes a waiting group costs, measured by bench:scale at 430,000 groups: a hash table, a listpack. */
const TABLE_BYTES = 910;
const LISTPACK_BYTES = 598;

/**
 * One line when `jobs` waiting jobs would take notably more memory than
 * they need under the server's `hash-max-listpack-value`; undefined
 * otherwise, or when the server does not say.
 *
 * @example
 * const hint = await jobMemoryHint(redis, 430_000);
 * // 'Redis keeps each waiting job as a hash table (hash-max-listpack-value 64): about 910 bytes a job, 391 MB for these 430000; ...'
 */
export async function jobMemoryHint(redis: RedisClient, jobs: number): Promise<string | undefined> {
  if (jobs < HINT_JOBS) return undefined;
  let value: number;
  try {
    // Redis 7 names it listpack; Redis 6 ziplist (7 answers both)
    const setting = (await configValue(redis, 'hash-max-listpack-value')) ?? (await configValue(redis, 'hash-max-ziplist-value'));
    if (setting === undefined) return undefined;
    value = Number(setting);
  } catch {
    return undefined;
  }
  if (!Number.isFinite(value) || value >= 256) return undefined;
  return `Redis keeps each waiting job as a hash table (hash-max-listpack-value ${value}): about ${TABLE_BYTES} bytes a job, ${Math.round((jobs * TABLE_BYTES) / 1e6)} MB for these ${jobs}; set to 256 (redis.conf, or CONFIG SET), it keeps jobs added after in about ${LISTPACK_BYTES}`;
}

/** A setting's value as CONFIG GET answers it ([name, value]); undefined when the server does not know it. */
async function configValue(redis: RedisClient, name: string): Promise<string | undefined> {
  const reply = (await redis.call('CONFIG', 'GET', name)) as unknown;
  return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
}
