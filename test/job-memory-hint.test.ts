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

test('jobMemoryHint: under Redis\' default hash-max-listpack-value (64) a large enqueue gets one line with the memory it takes; none when small, when set to 256, or when CONFIG is refused', async (t) => {
  const { server, redis } = await ownRedis(t);
  t.is(await jobMemoryHint(redis, HINT_JOBS - 1), undefined, 'a small run: no line');
  const hint = await jobMemoryHint(redis, 430_000);
  // 430,000 jobs at 910 bytes: 391.3 MB
  t.regex(hint ?? '', /^Redis keeps each waiting job as a hash table \(hash-max-listpack-value 64\): about 910 bytes a job, 391 MB for these 430000; set to 256 .* about 598$/);

  // a user without CONFIG (as the README's ACL user is): no line, and no error
  await redis.call('ACL', 'SETUSER', 'noconfig', 'on', '>secret', '~*', '&*', '+@all', '-config');
  const limited = new Redis(server.url, { username: 'noconfig', password: 'secret', maxRetriesPerRequest: null });
  t.teardown(() => limited.disconnect());
  await t.throwsAsync(limited.call('CONFIG', 'GET', 'hash-max-listpack-value'), { message: /NOPERM/ });
  t.is(await jobMemoryHint(limited, 430_000), undefined);

  await redis.config('SET', 'hash-max-listpack-value', '256');
  t.is(await jobMemoryHint(redis, 430_000), undefined, 'set as the line says: no line');
});

test('bnviz enqueue of 100,000 groups says so in one line before how to follow the run; with --json, or with the setting at 256, it says nothing of it', async (t) => {
  t.timeout(300_000);
  const { server, redis } = await ownRedis(t);
  // the enqueuer plans from the manifest and reads no image: 100,000 lines over the three examples
  const manifest = join(ownTempDir(t), 'groups.txt');
  writeFileSync(manifest, 'astronaut.png,chelsea.png,coffee.png\n'.repeat(HINT_JOBS));
  const s = await redisScope(server.url);
  t.teardown(() => s.redis.disconnect());
  const enqueue = (run: string, ...extra: string[]) => runCli(['enqueue', EXAMPLES, '--manifest', manifest, '--run', run, ...extra], { env: s.env });

  const first = await enqueue('first');
  t.is(first.code, 0, first.stderr);
  const lines = first.stdout.trim().split('\n');
  t.regex(lines.at(-2) ?? '', /^bnviz: Redis keeps each waiting job as a hash table \(hash-max-listpack-value 64\): about 910 bytes a job, 91 MB for these 100000; /, first.stdout);
  t.is(lines.at(-1), 'bnviz: follow it with: bnviz status first --watch');

  const json = await enqueue('second', '--json');
  t.is(json.code, 0, json.stderr);
  t.like(JSON.parse(json.stdout), { added: HINT_JOBS });

  await redis.config('SET', 'hash-max-listpack-value', '256');
  const third = await enqueue('third');
  t.is(third.code, 0, third.stderr);
  t.false(third.stdout.includes('hash-max-listpack-value'), third.stdout);
  // what the line promises: the same group's job takes a few hundred bytes less once the setting is 256
  const job = (run: string) => `${s.prefix}:${s.queue}:${run}.${groupId(0, ['astronaut.png', 'chelsea.png', 'coffee.png'])}`;
  // SAMPLES 0: every field counted (by default Redis estimates a hash table from 5 of its fields)
  const [before, after] = [await redis.memory('USAGE', job('first'), 'SAMPLES', 0), await redis.memory('USAGE', job('third'), 'SAMPLES', 0)];
  t.true(typeof before === 'number' && typeof after === 'number' && before - after >= 200, `a job took ${before} bytes, then ${after}`);
  t.log(`a job: ${before} bytes as a hash table, ${after} as a listpack`);
});
