import test from 'ava';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readRun, RunStore } from '../src/fleet/run-store.js';
import { heldGroup, writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, startRedisServer, until } from './helpers/redis.js';
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
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
  // read once it has stopped: its last events are then printed and read
  const jobs = w.events.filter((e) => e.event === 'job');
  t.true(jobs.every((e) => e.status === 'done'), JSON.stringify(jobs));
});

/** Stands in for a Redis that is away: accepts each connection and drops it at once, counting them. */
async function droppingServer(port: number, enough: number): Promise<{ reached: Promise<void>; close(): Promise<void> }> {
  let seen = 0;
  let reach!: () => void;
  const reached = new Promise<void>((r) => { reach = r; });
  const server = createServer((socket) => {
    socket.destroy();
    if (++seen === enough) reach();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { reached, close: () => new Promise((r) => server.close(() => r())) };
}

test('a worker whose Redis goes away says so once, however often it tries again, and once when it is back', async (t) => {
  let server = await startRedisServer();
  t.teardown(() => server.stop());
  const s = await redisScope(server.url);
  t.teardown(() => s.cleanup());
  const w = spawnWorker(['--roots', tempDir(), '--out', tempDir(), '--threads', '1'], s.env);
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  await w.ready;
  s.redis.on('error', () => {}); // the test's own connection, while Redis is stopped
  await server.stop();
  const away = await w.waitFor('Redis away', (e) => e.event === 'redis-away');
  // Held away until the worker has tried again several times (each try is a connection the stand-in drops).
  const standIn = await droppingServer(server.port, 6);
  await standIn.reached;
  await standIn.close();
  server = await startRedisServer({ port: server.port });
  await w.waitFor('Redis back', (e) => e.event === 'redis-back');
  t.like(away, { address: `127.0.0.1:${server.port}` });
  t.regex(String(away.reason), /^(connection refused|connection lost)$/);
  t.deepEqual(w.events.map((e) => e.event), ['ready', 'redis-away', 'redis-back'], `said once each, nothing else: ${JSON.stringify(w.events)}`);
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
});

test('SIGTERM while Redis is away and a job\'s thread is blocked in a read: the worker stops all the same; the job goes back by its lock and another worker finishes it', async (t) => {
  const dir = tempDir();
  let server = await startRedisServer({ dir: tempDir() }); // kept on disk, so the queue outlives the restart
  t.teardown(() => server.stop());
  const s = await redisScope(server.url);
  t.teardown(() => s.cleanup());
  // a group whose second image is a named pipe: reading it blocks, so the job stays in hand
  const { data, manifest } = await heldGroup();
  const out = tempDir();
  const env = { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) };
  const w1 = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], env);
  t.teardown(() => { if (w1.child.exitCode === null) w1.child.kill('SIGKILL'); });
  await w1.ready;
  const enq = await runCli(['enqueue', data, '--manifest', manifest, '--json', '--size', '32', '--figures', 'overview', '--group-size', '2'], { env });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  await until('the job to be in hand', async () => (await s.redis.llen(`${s.prefix}:${s.queue}:active`)) >= 1, { unless: w1.exited.then((c) => `worker exited ${c}`) });
  s.redis.on('error', () => {}); // the test's own connection, while Redis is stopped
  await server.stop();
  await w1.waitFor('Redis away', (e) => e.event === 'redis-away');
  w1.child.kill('SIGTERM');
  // The job's thread is blocked reading the pipe, which no process can interrupt: the worker says so and ends by SIGKILL.
  t.is(await w1.exited, 'SIGKILL', w1.stderr());
  t.deepEqual(w1.events.map((e) => e.event), ['ready', 'redis-away', 'stopping', 'stopped']);
  t.regex(String(w1.events.at(-1)!.stuck), /^a thread is blocked in a read that does not return/);

  rmSync(join(data, 'a1.png'));
  await writePng(join(data, 'a1.png'), 32, 32, 2);
  server = await startRedisServer({ port: server.port, dir: server.dir });
  const w2 = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], env);
  t.teardown(() => { if (w2.child.exitCode === null) w2.child.kill('SIGKILL'); });
  const run = await until('the run to finish', async () => {
    const r = await readRun(s.redis, s.prefix, runId);
    return r?.finishedAt ? r : undefined;
  }, { unless: w2.exited.then((code) => `the worker exited (${code}): ${w2.stderr()}`) });
  t.like(run, { total: 1, done: 1, failed: 0 });
  // the second worker did it (it tells of the job once BullMQ has it completed, just after the run was counted)
  await w2.waitFor('the job done', (e) => e.event === 'job' && e.status === 'done');
  w2.child.kill('SIGTERM');
  t.is(await w2.exited, 0);
});

/** Resolves with what `exited` gives, or with `late` after `ms`: a process that outlives its stop fails the test instead of stalling it. */
function within(exited: Promise<number | string>, ms: number, late: string): Promise<number | string> {
  return Promise.race([exited, new Promise<string>((r) => setTimeout(() => r(late), ms).unref())]);
}

test('an idle worker exits 0 on SIGTERM while Redis is away, within seconds', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const s = await redisScope(server.url);
  // the server is the test's own, and gone by the end: nothing to remove
  t.teardown(() => { s.redis.disconnect(); });
  s.redis.on('error', () => {});
  const w = spawnWorker(['--roots', tempDir(), '--out', tempDir(), '--threads', '1'], { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) });
  await w.ready;
  await server.stop();
  await w.waitFor('Redis away', (e) => e.event === 'redis-away');
  w.child.kill('SIGTERM');
  t.is(await within(w.exited, 30_000, 'still running 30 s after SIGTERM'), 0, w.stderr());
  t.deepEqual(w.events.map((e) => e.event), ['ready', 'redis-away', 'stopping', 'stopped']);
});

test('SIGTERM with Redis there and a job blocked in a read: the worker waits stopMs for it, then stops (the job goes back by its lock)', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  // a group whose second image is a named pipe: reading it blocks, so the job stays in hand
  const { data, manifest } = await heldGroup();
  const env = { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS), BNVIZ_STOP_MS: '2000' };
  const w = spawnWorker(['--roots', data, '--out', tempDir(), '--threads', '1'], env);
  await w.ready;
  const enq = await runCli(['enqueue', data, '--manifest', manifest, '--json', '--size', '32', '--figures', 'overview', '--group-size', '2'], { env });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  const jobKey = `${s.prefix}:${s.queue}:${runId}.${(await new RunStore(s.redis, s.prefix, runId).groupAt(0))!}`;
  await until(`the job to be taken by worker ${w.pid}`, async () => (await s.redis.hget(jobKey, 'pb'))?.endsWith(`:${w.pid}`), { unless: w.exited.then((c) => `worker exited ${c}`) });
  w.child.kill('SIGTERM');
  // its thread cannot be stopped in that read: the worker says so and ends by SIGKILL
  t.is(await within(w.exited, 60_000, 'still running 60 s after SIGTERM'), 'SIGKILL', w.stderr());
  t.regex(String(w.events.at(-1)!.stuck), /^a thread is blocked in a read that does not return/);
});

test('a worker started against a Redis that takes the connection and never answers says Redis is away, and starts once it answers', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const s = await redisScope(server.url);
  t.teardown(() => s.cleanup());
  const pid = Number(/process_id:(\d+)/.exec(await s.redis.info('server'))![1]);
  // (teardowns run last first: the server answers again before the keys are removed)
  t.teardown(() => { process.kill(pid, 'SIGCONT'); });
  process.kill(pid, 'SIGSTOP');
  const w = spawnWorker(['--roots', tempDir(), '--out', tempDir(), '--threads', '1'], { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) });
  const away = await w.waitFor('Redis away', (e) => e.event === 'redis-away');
  t.is(away.reason, 'connected, but no answer');
  process.kill(pid, 'SIGCONT');
  await w.ready;
  w.child.kill('SIGTERM');
  t.is(await within(w.exited, 30_000, 'still running 30 s after SIGTERM'), 0, w.stderr());
});
