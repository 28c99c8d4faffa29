/**
 * A misconfigured worker (its roots do not cover the run) beside a good one:
 * after a few hand-backs in a row it stops taking jobs for a while, says so
 * in one event, and the good worker does the run.
 */
import test from 'ava';
import { join } from 'node:path';
import { readRun } from '../src/fleet/run-store.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

test('a worker that hands back job after job pauses itself (one event, a growing pause), and the good worker does the run', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 12; i++) await writePng(join(dir, `i${String(i).padStart(2, '0')}.png`), 32, 32, i);
  const env = { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) };
  const wrong = spawnWorker(['--threads', '1', '--roots', tempDir(), '--out', out], env);
  t.teardown(() => { wrong.child.kill('SIGKILL'); });
  await wrong.ready;
  const enq = await runCli(['enqueue', dir, '--out', out, '--size', '32', '--figures', 'overview', '--group-size', '2', '--json'], { env });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  const paused = await wrong.waitFor('a pause after hand-backs in a row', (e) => e.event === 'hand-back-pause');
  t.like(paused, { handedBack: 3, ms: 5000 });
  const good = spawnWorker(['--threads', '1', '--roots', dir, '--out', out], env);
  t.teardown(() => { good.child.kill('SIGKILL'); });
  const run = await until('the run to finish', async () => {
    const r = await readRun(s.redis, s.prefix, runId);
    return r?.finishedAt ? r : undefined;
  }, { unless: good.exited.then((c) => `the good worker exited ${c}`) });
  t.like(run, { total: 6, done: 6, failed: 0 });
  for (const w of [wrong, good]) w.child.kill('SIGTERM');
  t.deepEqual(await Promise.all([wrong.exited, good.exited]), [0, 0]);
  t.false(wrong.events.some((e) => e.event === 'job'), 'the misconfigured worker served nothing');
  const pauses = wrong.events.filter((e) => e.event === 'hand-back-pause').map((e) => e.ms as number);
  t.deepEqual(pauses, pauses.map((_, i) => 5000 * 2 ** i), `each pause twice the one before: ${pauses.join(', ')}`);
});
