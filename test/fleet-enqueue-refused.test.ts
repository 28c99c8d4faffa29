/**
 * An enqueue that Redis stops part-way (out of memory): the command says why
 * in one line (exit 2), the run says its enqueue did not finish (bnviz status,
 * the run list, the dashboard's run view) until an enqueue again finishes it.
 */
import test from 'ava';
import { join } from 'node:path';
import { readRunStatus } from '../src/fleet/read-status.js';
import { runView } from '../src/dashboard/run-view.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { redisScope, startRedisServer } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';

test('an enqueue stopped part-way by Redis out of memory: one line naming OOM, exit 2; the run says its enqueue did not finish until it does', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const s = await redisScope(server.url);
  t.teardown(() => s.cleanup());
  const dir = tempDir();
  for (let i = 0; i < 400; i++) await writePng(join(dir, `i${String(i).padStart(3, '0')}.png`), 8, 8, i);
  const args = ['enqueue', dir, '--out', tempDir(), '--size', '8', '--figures', 'overview', '--group-size', '1', '--run', 'big'];
  const env = { ...process.env, ...s.env };
  // room for the run's records and some of its 400 jobs, not all of them (a job is over a kilobyte)
  const used = Number(/used_memory:(\d+)/.exec(await s.redis.info('memory'))![1]);
  await s.redis.config('SET', 'maxmemory-policy', 'noeviction');
  // (the enqueue's connection and its permission check take about 110 KB of it)
  await s.redis.config('SET', 'maxmemory', String(used + 350_000));
  const refused = await runCli(args, { env });
  t.is(refused.code, 2, refused.stderr);
  t.regex(refused.stderr, /^bnviz: Redis at 127\.0\.0\.1:\d+ answered with an error: OOM command not allowed [^\n]*; Redis is out of memory \(maxmemory\)[^\n]*\n$/);
  await s.redis.config('SET', 'maxmemory', '0');
  const status = await runCli(['status', 'big'], { env });
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /\nenqueue not finished: \d+ groups? added so far; unless a bnviz enqueue of this run is running now, run it again/);
  const list = await runCli(['status'], { env });
  t.regex(list.stdout, /^big +queued +\(enqueue not finished\)/m);
  const view = runView((await readRunStatus(s.redis, s.prefix, 'big'))!, Date.now());
  t.regex(view.enqueue ?? '', /^enqueue not finished/);

  const again = await runCli(args, { env });
  t.is(again.code, 0, again.stderr);
  const after = await runCli(['status', 'big'], { env });
  t.notRegex(after.stdout, /enqueue not finished/);
  t.regex(after.stdout, /0\/400 groups/);
  t.is(runView((await readRunStatus(s.redis, s.prefix, 'big'))!, Date.now()).enqueue, undefined);
});
