/**
 * The hint `bnviz enqueue` gives when a large run's waiting jobs take more
 * Redis memory than they need: each test on a redis-server of its own, so
 * its settings are known (Redis' defaults, then as an operator sets them).
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupId } from '../src/dataset/group-id.js';
import { HINT_JOBS, jobMemoryHint } from '../src/fleet/job-memory-hint.js';
import { EXAMPLES, ownTempDir } from './helpers/paths.js';
import { redisScope, startRedisServer } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';

async function ownRedis(t: import('ava').ExecutionContext) {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  t.teardown(async () => {
    redis.disconnect();
    await server.stop();
  });
  return { server, redis };
}

/** A run id long enough that a job's data passes Redis' default 64 bytes. */
const LONG = 'imagenet-train-2012-full-resolution-a1b2c3';

test('jobMemoryHint: a large enqueue whose run id makes each job\'s data pass Redis\' hash-max-listpack-value gets one line with the memory it takes and how to keep it compact; none for a short run id, a small run, the setting raised, or CONFIG refused', async (t) => {
  const { server, redis } = await ownRedis(t);
  t.is(await jobMemoryHint(redis, 'imagenet-a1b2c3', 430_000), undefined, 'a short run id: every field fits, no line');
  t.is(await jobMemoryHint(redis, LONG, HINT_JOBS - 1), undefined, 'a small run: no line');
  const hint = await jobMemoryHint(redis, LONG, 430_000);
  // {"v":3,"runId":"<42>","index":429999}: 75 bytes; 430,000 jobs at 958 bytes: 411.9 MB
  t.regex(hint ?? '', new RegExp(`^each waiting job's data is 75 bytes \\(run id ${LONG}: 42 characters\\), above Redis' hash-max-listpack-value \\(64\\): Redis keeps each as a hash table, about 958 bytes a job, 412 MB for these 430000, not 614; a run id of at most 31 characters \\(--run\\), or the setting at 75 or more .*, keeps them compact$`));
  t.is(await jobMemoryHint(redis, LONG.slice(0, 31), 430_000), undefined, 'the run id it names: no line');

  // a user without CONFIG (as the README's ACL user is): no line, and no error
  await redis.call('ACL', 'SETUSER', 'noconfig', 'on', '>secret', '~*', '&*', '+@all', '-config');
  const limited = new Redis(server.url, { username: 'noconfig', password: 'secret', maxRetriesPerRequest: null });
  t.teardown(() => limited.disconnect());
  await t.throwsAsync(limited.call('CONFIG', 'GET', 'hash-max-listpack-value'), { message: /NOPERM/ });
  t.is(await jobMemoryHint(limited, LONG, 430_000), undefined);

  await redis.config('SET', 'hash-max-listpack-value', '75');
  t.is(await jobMemoryHint(redis, LONG, 430_000), undefined, 'set as the line says: no line');
});

test('bnviz enqueue of 100,000 groups under a long run id says so in one line before how to follow the run; under a short one, or with --json, it says nothing of it, and a waiting job is compact', async (t) => {
  t.timeout(300_000);
  const { server, redis } = await ownRedis(t);
  // the enqueuer plans from the manifest and reads no image: 100,000 lines over the three examples
  const manifest = join(ownTempDir(t), 'groups.txt');
  writeFileSync(manifest, 'astronaut.png,chelsea.png,coffee.png\n'.repeat(HINT_JOBS));
  const s = await redisScope(server.url);
  t.teardown(() => s.redis.disconnect());
  const enqueue = (run: string, ...extra: string[]) => runCli(['enqueue', EXAMPLES, '--manifest', manifest, '--run', run, ...extra], { env: s.env });

  const long = await enqueue(LONG);
  t.is(long.code, 0, long.stderr);
  const lines = long.stdout.trim().split('\n');
  t.regex(lines.at(-2) ?? '', /^bnviz: each waiting job's data is 74 bytes \(run id imagenet-train-2012-full-resolution-a1b2c3: 42 characters\), above Redis' hash-max-listpack-value \(64\): .* about 958 bytes a job, 96 MB for these 100000, not 614; /, long.stdout);
  t.is(lines.at(-1), `bnviz: follow it with: bnviz status ${LONG} --watch`);

  const json = await enqueue(`${LONG}-2`, '--json');
  t.is(json.code, 0, json.stderr);
  t.like(JSON.parse(json.stdout), { added: HINT_JOBS });

  const short = await enqueue('short');
  t.is(short.code, 0, short.stderr);
  t.false(short.stdout.includes('hash-max-listpack-value'), short.stdout);
  // what the line promises: the same group's job takes a few hundred bytes less under a short run id
  const job = (run: string) => `${s.prefix}:${s.queue}:${run}.${groupId(0, ['astronaut.png', 'chelsea.png', 'coffee.png'])}`;
  t.is(await redis.object('ENCODING', job('short')), 'listpack');
  t.is(await redis.object('ENCODING', job(LONG)), 'hashtable');
  // SAMPLES 0: every field counted (by default Redis estimates a hash table from 5 of its fields)
  const [before, after] = [await redis.memory('USAGE', job(LONG), 'SAMPLES', 0), await redis.memory('USAGE', job('short'), 'SAMPLES', 0)];
  t.true(typeof before === 'number' && typeof after === 'number' && before - after >= 200, `a job took ${before} bytes, then ${after}`);
  t.log(`a job: ${before} bytes as a hash table, ${after} as a listpack`);
});
