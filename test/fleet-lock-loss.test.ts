/**
 * A worker that loses a job's lock (paused longer than the lock, as a
 * loaded or suspended machine does) stops working on it and says so once;
 * the worker that took the job up has it alone.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, RunStore } from '../src/fleet/run-store.js';
import { heldGroup, writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

/**
 * A worker (lock time BUSY_LOCK_MS) holding a group's job in its first stage: the group's second
 * image is a named pipe, so reading it blocks. Returns the worker, the job's id and key, and what
 * another worker on the same queue needs.
 */
async function heldJob(t: ExecutionContext) {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const { data, manifest } = await heldGroup();
  const out = tempDir();
  const env = { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) };
  const a = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], env);
  t.teardown(() => {
    // (continued first, should the test have stopped it; one that has exited is signalled no more)
    if (a.child.exitCode === null && a.child.signalCode === null) process.kill(a.pid, 'SIGCONT');
    a.child.kill('SIGKILL');
  });
  await a.ready;
  const enq = await runCli(['enqueue', data, '--manifest', manifest, '--json', '--size', '32', '--figures', 'overview', '--group-size', '2'], { env });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  const jobId = `${runId}.${(await new RunStore(s.redis, s.prefix, runId).groupAt(0))!}`;
  const jobKey = `${s.prefix}:${s.queue}:${jobId}`;
  const holder = () => s.redis.hget(jobKey, 'pb');
  await until(`job ${jobId} to be taken by worker ${a.pid}`, async () => (await holder())?.endsWith(`:${a.pid}`));
  return { s, data, out, env, a, runId, jobId, jobKey, holder };
}

test('a worker paused past its job\'s lock: on waking it stops the job (which another worker has taken up) and says so in one event, no renewal errors', async (t) => {
  const { s, data, out, env, a, jobId, holder } = await heldJob(t);
  process.kill(a.pid, 'SIGSTOP');
  const b = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], env);
  t.teardown(() => { b.child.kill('SIGKILL'); });
  await until(`the stalled job to be taken up by worker ${b.pid}`, async () => (await holder())?.endsWith(`:${b.pid}`), { unless: b.exited.then((c) => `worker exited ${c}`), seen: holder });
  process.kill(a.pid, 'SIGCONT');
  const lost = await a.waitFor('lock-lost', (e) => e.event === 'lock-lost');
  t.is(lost.jobId, jobId);
  // a few lock periods on, still said once, and the job was not counted by the worker that lost it
  await new Promise((r) => setTimeout(r, 2 * BUSY_LOCK_MS));
  t.is(a.events.filter((e) => e.event === 'lock-lost').length, 1);
  t.deepEqual(a.events.filter((e) => e.event === 'error'), [], 'no error event (BullMQ\'s "could not renew lock" each period)');
  t.false(a.events.some((e) => e.event === 'job' && e.jobId === jobId));
  t.true((await holder())?.endsWith(`:${b.pid}`), 'the job is the other worker\'s');
  const beat = JSON.parse((await s.redis.get(`${s.prefix}:worker:${(await holder())!.replace(`:${b.pid}`, '')}:${a.pid}`)) ?? '{}') as { active?: number };
  t.is(beat.active, 0, 'the worker that lost it holds no job');
});

test('a worker that ends a job whose lock another holds now (taken up after a lapse, or lost in a failover) says it once as a lost lock, not as errors; the job is done once the other lock lapses', async (t) => {
  const { s, data, a, runId, jobId, jobKey } = await heldJob(t);
  // the lock another worker would hold, for a lock time; then the held image comes, and the worker ends the job
  await s.redis.set(`${jobKey}:lock`, 'another-worker-token', 'PX', BUSY_LOCK_MS);
  const png = join(tempDir(), 'a1.png');
  await writePng(png, 32, 32, 2);
  writeFileSync(join(data, 'a1.png'), readFileSync(png));
  // (the worker reads the pipe it opened; a second try of the job reads a file of the same bytes)
  rmSync(join(data, 'a1.png'));
  writeFileSync(join(data, 'a1.png'), readFileSync(png));
  const lost = await a.waitFor('lock-lost', (e) => e.event === 'lock-lost');
  t.is(lost.jobId, jobId);
  // the other lock lapses: the job is found stalled, taken again, and the group counted
  const run = await until(`run ${runId} to finish`, async () => {
    const r = await readRun(s.redis, s.prefix, runId);
    return r?.finishedAt ? r : undefined;
  }, { unless: a.exited.then((c) => `worker exited ${c}`) });
  t.is(run.done + run.skipped, 1);
  // and the job itself ends: taken again once the other lock lapses, its group found done
  await until(`job ${jobId} to end`, async () => (await s.redis.exists(jobKey)) === 0 || (await s.redis.hget(jobKey, 'finishedOn')) !== null, { unless: a.exited.then((c) => `worker exited ${c}`) });
  t.is(a.events.filter((e) => e.event === 'lock-lost').length, 1);
  t.deepEqual(a.events.filter((e) => e.event === 'error'), [], 'no error event (BullMQ\'s "Lock mismatch" or "Missing lock" as the job ends)');
});
