import test from 'ava';
import { join } from 'node:path';
import { readRun } from '../src/fleet/run-store.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { redisScope, startRedisServer, until } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

// CLIENT KILL drops every connection of a server, so this test has a redis-server of its own.
test('the worker\'s Redis connections killed (CLIENT KILL) while it works: it reconnects and finishes the run', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const s = await redisScope(server.url);
  t.teardown(() => s.cleanup());
  const dir = tempDir();
  for (let i = 0; i < 18; i++) await writePng(join(dir, `img${String(i).padStart(2, '0')}.png`), 300, 300, i);
  const out = tempDir();
  const w = spawnWorker(['--roots', dir, '--out', out, '--threads', '1'], s.env);
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  await w.ready;
  const enq = await runCli(['enqueue', dir, '--json', '--size', '128', '--figures', 'overview'], { env: s.env });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  const clientIds = async () => String(await s.redis.call('CLIENT', 'LIST', 'TYPE', 'normal')).split('\n').map((l) => Number(/id=(\d+)/.exec(l)?.[1])).filter(Number.isFinite);
  let lastKilledBelow = 0;
  // Twice: once after the first group, once later, each while the next job is in hand.
  for (const after of [1, 3]) {
    lastKilledBelow = Math.max(...(await clientIds())) + 1;
    await w.waitFor(`${after} groups done`, (e) => e.event === 'job' && e.status === 'done', after);
    const killed = Number(await s.redis.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
    t.true(killed >= 2, `connections killed: ${killed}`);
  }
  // the run's record (Redis state, polled) says finished; hopeless once the worker has exited
  const run = await until('the run to finish', async () => {
    const r = await readRun(s.redis, s.prefix, runId);
    return r?.finishedAt ? r : undefined;
  }, { unless: w.exited.then((code) => `the worker exited (${code}): ${w.stderr()}`) });
  t.like(run, { total: 6, done: 6, failed: 0 });
  t.true((await clientIds()).filter((id) => id >= lastKilledBelow).length >= 2, 'the worker connected again');
  const jobs = w.events.filter((e) => e.event === 'job');
  t.true(jobs.every((e) => e.status === 'done'), JSON.stringify(jobs));
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
});
