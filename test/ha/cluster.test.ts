/**
 * A fleet run on a Redis Cluster of three primaries with a replica each:
 * enqueue, two workers, status, the dashboard, retry and clean, each given a
 * different node; in the middle of the run the primary of the prefix's slot
 * is killed (SIGKILL) and its replica takes over.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { connectRedis } from '../../src/fleet/connect-redis.js';
import { readRun } from '../../src/fleet/run-store.js';
import { watchChild } from '../helpers/child-output.js';
import { writePng } from '../helpers/make-images.js';
import { CLI, tempDir } from '../helpers/paths.js';
import { freePort } from '../helpers/redis.js';
import { hasRedisServer, ServerSet, startCluster, within, type Server } from '../helpers/redis-ha.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnWorker } from '../helpers/worker-process.js';

/** 16 good groups of two images, and one whose second image is not a PNG (it fails until it is mended). */
const GROUPS = 17;
const JOB = ['--size', '256', '--group-size', '2'];
const PREFIX = 'bnviz-ha';

if (!hasRedisServer()) test('the HA tests need redis-server (apt-get install redis-server)', (t) => t.fail());

test('Cluster: enqueue, two workers, status, the dashboard, retry and clean, each on a different node; the primary of the slot killed mid-run; the run finishes exactly', async (t) => {
  t.timeout(300_000);
  const servers = new ServerSet();
  t.teardown(() => servers.stopAll());
  const cluster = await startCluster(servers);
  const dir = tempDir();
  const out = tempDir();
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }); rmSync(out, { recursive: true, force: true }); });
  for (let i = 0; i < GROUPS * 2; i++) await writePng(join(dir, `img${String(i).padStart(2, '0')}.png`), 48, 48, i);
  const broken = join(dir, `img${GROUPS * 2 - 1}.png`);
  copyFileSync(broken, `${broken}.good`);
  writeFileSync(broken, 'not a PNG');

  const base = { BNVIZ_REDIS_PREFIX: PREFIX, BNVIZ_QUEUE: 'groups-ha', BNVIZ_LOCK_MS: '5000' };
  const on = (node: Server) => ({ ...base, BNVIZ_REDIS_CLUSTER: cluster.address(node) });
  // bnviz gives the prefix its hash tag, so every key of the queue and its runs is in one slot
  const config = loadConfig({ env: on(cluster.nodes[0]!) });
  t.is(config.redis.prefix, `{${PREFIX}}`);
  const slot = await cluster.slotOf(`{${PREFIX}}:groups-ha:wait`);
  const ownerPort = await cluster.primaryOf(slot, cluster.nodes[0]!);
  const primary = cluster.nodes.find((n) => n.port === ownerPort)!;
  const others = cluster.nodes.filter((n) => n !== primary);
  t.log(`slot ${slot} on ${ownerPort}; commands on ${others.map((n) => n.port).join(', ')}`);

  const redis = connectRedis(config.redis, 'bnviz-test');
  redis.on('error', () => {});
  t.teardown(() => redis.disconnect());

  // Enqueue on the slot's own primary (which is killed later), the workers on two other nodes.
  const enq = await runCli(['enqueue', dir, '--json', ...JOB], { env: on(primary) });
  t.is(enq.code, 0, enq.stderr);
  const { runId, groups } = JSON.parse(enq.stdout) as { runId: string; groups: number };
  t.is(groups, GROUPS);
  const workers = [others[0]!, others[1]!].map((node) => {
    const w = spawnWorker(['--roots', dir, '--out', out, '--threads', '1'], on(node));
    t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
    return w;
  });
  await Promise.all(workers.map((w) => w.ready));
  let gaveUp: string | undefined;
  void Promise.all(workers.map((w) => w.exited)).then((codes) => { gaveUp = `both workers exited (${codes.join(', ')}): ${workers.map((w) => w.stderr()).join(' | ')}`; });
  const runState = () => {
    if (gaveUp) throw new Error(gaveUp);
    return readRun(redis, config.redis.prefix, runId);
  };

  const counted = await within('a quarter of the groups to be counted', 120_000, async () => {
    const run = await runState();
    return run && run.done >= GROUPS / 4 ? run.done : undefined;
  }, 20);
  primary.kill('SIGKILL');
  const promoted = await within(`a replica to serve slot ${slot}`, 60_000, async () => {
    const port = await cluster.primaryOf(slot, others[2]!);
    return port !== ownerPort ? port : undefined;
  }, 200);
  t.log(`primary killed after ${counted} groups counted; ${promoted} serves the slot now`);

  const run = await within('the run to finish on the new primary', 150_000, async () => {
    const r = await runState();
    return r?.finishedAt ? r : undefined;
  }, 200);
  t.like(run, { total: GROUPS, failed: 1, status: 'finished' });
  t.is(run.done + run.skipped, GROUPS - 1, `done ${run.done} + skipped ${run.skipped}`);
  const counts = { done: run.done, skipped: run.skipped, failed: 1 };
  const runJson = await within('run.json', 30_000, () => {
    try {
      return JSON.parse(readFileSync(join(out, runId, 'run.json'), 'utf8')) as { counts: Record<string, unknown> };
    } catch {
      return undefined;
    }
  });
  t.like(runJson, { status: 'finished', counts: { groups: GROUPS, ...counts } });

  // status and the dashboard on two more nodes
  const status = await runCli(['status', runId, '--json'], { env: on(others[2]!) });
  t.is(status.code, 0, status.stderr);
  t.like(JSON.parse(status.stdout), { runId, status: 'finished', total: GROUPS, ...counts });
  const port = await freePort();
  const dashboard = spawn(process.execPath, [CLI, 'dashboard', '--json', '--port', String(port), '--out', out], { env: { ...process.env, ...on(others[3]!) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (dashboard.exitCode === null) dashboard.kill('SIGKILL'); });
  const ready = JSON.parse(await watchChild(dashboard).waitForLine('the dashboard ready', (l) => l.includes('"ready"'))) as { url: string };
  const api = (await (await fetch(`${ready.url}api/runs/${runId}`)).json()) as { run: Record<string, unknown> };
  t.like(api.run, { runId, status: 'finished', total: GROUPS, ...counts });
  dashboard.kill('SIGTERM');

  // The broken image mended, retry on a fourth node: the group is done and the run finished again.
  copyFileSync(`${broken}.good`, broken);
  rmSync(`${broken}.good`);
  const retry = await runCli(['retry', runId, '--json'], { env: on(others[4] ?? others[0]!) });
  t.is(retry.code, 0, retry.stderr);
  t.is((JSON.parse(retry.stdout) as { retried: string[] }).retried.length, 1);
  const again = await within('the retried run to finish', 120_000, async () => {
    const r = await runState();
    return r?.finishedAt && r.failed === 0 ? r : undefined;
  }, 200);
  t.is(again.done + again.skipped, GROUPS);

  for (const w of workers) w.child.kill('SIGTERM');
  t.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
  for (const w of workers) {
    t.false(w.events.some((e) => e.event === 'fatal'), JSON.stringify(w.events.filter((e) => e.event === 'fatal')));
    t.log(`worker ${w.pid}: ${w.events.filter((e) => typeof e.event === 'string' && e.event.startsWith('redis-')).map((e) => `${String(e.event)}${e.reason ? ` (${String(e.reason)})` : ''}`).join(', ') || 'nothing said of Redis'}`);
  }

  // A job whose end the failover lost stays in BullMQ's active list with nobody's lock (clean removes it); the
  // lock copied from the old primary lapses within a lock time, as a job no longer in progress does.
  const queueKey = `${config.redis.prefix}:${config.queue.name}:`;
  const left = await within('the locks copied from the old primary to lapse', 30_000, async () => {
    const active = await redis.lrange(`${queueKey}active`, 0, -1);
    const locks = await Promise.all(active.map((id) => redis.exists(`${queueKey}${id}:lock`)));
    return locks.every((n) => n === 0) ? { active: active.length } : undefined;
  }, 200);
  t.log(`${left.active} job(s) left in the active list by the failover, in no worker's hand`);

  // clean, on the first node again: the run's records are gone from the cluster
  const clean = await runCli(['clean', runId, '--json'], { env: on(others[0]!) });
  t.is(clean.code, 0, clean.stderr);
  t.is(await readRun(redis, config.redis.prefix, runId), undefined);
});
