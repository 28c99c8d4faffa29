/**
 * A fleet run on Redis Sentinel (a primary, one replica, three sentinels on
 * loopback), with the primary lost in the middle of the run: killed
 * (SIGKILL) right after a group is counted, or handed over by SENTINEL
 * FAILOVER. The run must finish with every group counted once and run.json
 * agreeing with Redis, and status and the dashboard must follow the new
 * primary.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { connectRedis, type RedisClient } from '../../src/fleet/connect-redis.js';
import { readRun } from '../../src/fleet/run-store.js';
import { watchChild } from '../helpers/child-output.js';
import { writePng } from '../helpers/make-images.js';
import { CLI, tempDir } from '../helpers/paths.js';
import { freePort } from '../helpers/redis.js';
import { hasRedisServer, onPort, ServerSet, startSentinelGroup, within, type SentinelGroup } from '../helpers/redis-ha.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

const GROUPS = 16;
/** Groups of 2 images of 256 px, every figure: a few hundred ms each on a loaded 2-core machine. */
const JOB = ['--size', '256', '--group-size', '2'];

test('Sentinel: a long-lived connection that ioredis ends in its failover race (the detector disconnects while a reconnect asks a sentinel) connects again', async (t) => {
  t.timeout(120_000);
  const servers = new ServerSet();
  t.teardown(() => servers.stopAll());
  const group = await startSentinelGroup(servers);
  const redis = connectRedis(loadConfig({ env: { BNVIZ_REDIS_SENTINELS: group.sentinelList, BNVIZ_REDIS_SENTINEL_NAME: group.name } }).redis, 'bnviz-test');
  redis.on('error', () => {});
  t.teardown(() => redis.disconnect());
  t.is(await redis.ping(), 'PONG');
  // What ioredis 6.0 does when +switch-master reaches the last connection's failover detector while a
  // reconnect waits for a sentinel's answer: the connector is disconnected, the try fails with
  // "Connection is closed." and the client's status is 'end', with no retry strategy asked.
  const connector = (redis as unknown as { connector: { resolve(endpoint: unknown): Promise<unknown>; disconnect(): void } }).connector;
  const resolve = connector.resolve.bind(connector);
  let raced = 0;
  connector.resolve = async (endpoint) => {
    const found = await resolve(endpoint);
    if (raced++ === 0) connector.disconnect();
    return found;
  };
  const ended = new Promise<void>((done) => redis.once('end', () => done()));
  (redis as unknown as { stream: { destroy(): void } }).stream.destroy();
  await ended;
  t.log('the client ended, as ioredis leaves it');
  t.is(await within('the client to connect again and answer', 30_000, async () => (redis.status === 'ready' ? await redis.ping() : undefined), 100), 'PONG');
  t.true(raced >= 2, 'it asked the sentinels again');
});

if (!hasRedisServer()) test('the HA tests need redis-server (apt-get install redis-server)', (t) => t.fail());

async function dataset(): Promise<string> {
  const dir = tempDir();
  for (let i = 0; i < GROUPS * 2; i++) await writePng(join(dir, `img${String(i).padStart(2, '0')}.png`), 48, 48, i);
  return dir;
}

interface Fleet {
  env: Record<string, string>;
  redis: RedisClient;
  workers: WorkerProcess[];
}

async function fleetOn(t: ExecutionContext, group: SentinelGroup, dir: string, out: string): Promise<Fleet> {
  const env = {
    BNVIZ_REDIS_SENTINELS: group.sentinelList, BNVIZ_REDIS_SENTINEL_NAME: group.name,
    BNVIZ_REDIS_PREFIX: 'bnviz-ha', BNVIZ_QUEUE: 'groups-ha',
    // A job whose worker lost its lock in the failover goes to another within seconds.
    BNVIZ_LOCK_MS: '5000',
  };
  const redis = connectRedis(loadConfig({ env }).redis, 'bnviz-test');
  redis.on('error', () => {});
  t.teardown(() => redis.disconnect());
  const workers = [0, 1].map(() => {
    const w = spawnWorker(['--roots', dir, '--out', out, '--threads', '1'], env);
    t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
    return w;
  });
  await Promise.all(workers.map((w) => w.ready));
  return { env, redis, workers };
}

async function lostPrimary(t: ExecutionContext, how: 'kill' | 'failover'): Promise<void> {
  t.timeout(300_000);
  const servers = new ServerSet();
  t.teardown(() => servers.stopAll());
  const group = await startSentinelGroup(servers);
  const dir = await dataset();
  const out = tempDir();
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }); rmSync(out, { recursive: true, force: true }); });
  const fleet = await fleetOn(t, group, dir, out);
  const enq = await runCli(['enqueue', dir, '--json', ...JOB], { env: fleet.env });
  t.is(enq.code, 0, enq.stderr);
  const { runId, groups } = JSON.parse(enq.stdout) as { runId: string; groups: number };
  t.is(groups, GROUPS);

  // Right after a group is counted (a quarter of the run), the primary goes: its last writes may not
  // have reached the replica (replication is asynchronous), and the fleet must make up for them.
  const counted = await within('a quarter of the groups to be counted', 120_000, async () => {
    const run = await readRun(fleet.redis, 'bnviz-ha', runId);
    return run && run.done >= GROUPS / 4 ? run.done : undefined;
  }, 20);
  const before = await group.primaryPort();
  t.is(before, group.primary.port);
  if (how === 'kill') group.primary.kill('SIGKILL');
  else await onPort(group.sentinels[1]!.port, (r) => r.call('SENTINEL', 'FAILOVER', group.name));
  await within('the sentinels to name the replica as the primary', 60_000, async () => (await group.primaryPort()) === group.replica.port, 200);
  t.log(`${how} after ${counted} groups counted`);

  const unless = Promise.all(fleet.workers.map((w) => w.exited)).then((codes) => `both workers exited (${codes.join(', ')})`);
  let gaveUp: string | undefined;
  void unless.then((why) => { gaveUp = why; });
  const run = await within('the run to finish on the new primary', 150_000, async () => {
    if (gaveUp) throw new Error(gaveUp);
    const r = await readRun(fleet.redis, 'bnviz-ha', runId);
    return r?.finishedAt ? r : undefined;
  }, 200);
  // Every group counted once. A group whose count was lost with the old primary (written there, not yet
  // on the replica) is taken again from the queue: its folder is whole on disk already, so it is counted
  // "skipped (already done)" rather than done.
  t.like(run, { total: GROUPS, failed: 0, status: 'finished' });
  t.is(run.done + run.skipped, GROUPS, `done ${run.done} + skipped ${run.skipped}`);
  if (run.skipped) t.log(`${run.skipped} group(s) counted again after the failover, as already done`);
  const counts = { done: run.done, skipped: run.skipped, failed: 0 };
  t.deepEqual(await onPort(group.replica.port, async (r) => /role:master/.test(await r.info('replication'))), true, 'the records read are the new primary\'s');

  // run.json, written once the last group was counted, agrees with Redis.
  const runJson = await within('run.json', 30_000, () => {
    try {
      return JSON.parse(readFileSync(join(out, runId, 'run.json'), 'utf8')) as { status: string; counts: Record<string, unknown> };
    } catch {
      return undefined;
    }
  });
  t.like(runJson, { status: 'finished', counts: { groups: GROUPS, ...counts } });

  // status and the dashboard, started now, find the new primary through the sentinels.
  const status = await runCli(['status', runId, '--json'], { env: fleet.env });
  t.is(status.code, 0, status.stderr);
  t.like(JSON.parse(status.stdout), { runId, status: 'finished', total: GROUPS, ...counts });
  const port = await freePort();
  const dashboard = spawn(process.execPath, [CLI, 'dashboard', '--json', '--port', String(port), '--out', out], { env: { ...process.env, ...fleet.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (dashboard.exitCode === null) dashboard.kill('SIGKILL'); });
  const ready = JSON.parse(await watchChild(dashboard).waitForLine('the dashboard ready', (l) => l.includes('"ready"'))) as { url: string };
  const api = (await (await fetch(`${ready.url}api/runs/${runId}`)).json()) as { run: Record<string, unknown> };
  t.like(api.run, { runId, status: 'finished', total: GROUPS, ...counts });
  dashboard.kill('SIGTERM');

  // Each worker said the loss in a line or two, never a line per try.
  for (const w of fleet.workers) {
    const said = w.events.filter((e) => typeof e.event === 'string' && e.event.startsWith('redis-'));
    t.log(`worker ${w.pid}: ${said.map((e) => `${String(e.event)}${e.reason ? ` (${String(e.reason)})` : ''}${e.server ? ` ${String(e.server)}` : ''}`).join(', ') || 'nothing said'}; ${w.events.filter((e) => e.event === 'job').length} job reports`);
    t.true(said.length <= 4, `worker ${w.pid} said ${JSON.stringify(said)}`);
    t.false(w.events.some((e) => e.event === 'error' || e.event === 'fatal'), JSON.stringify(w.events.filter((e) => e.event === 'error' || e.event === 'fatal')));
  }
  // Every group counted once: one done job each in the workers' reports (a job retried after the
  // failover reports again, and the run counts it once).
  const done = new Set(fleet.workers.flatMap((w) => w.events.filter((e) => e.event === 'job' && e.status !== 'failed').map((e) => e.groupId)));
  t.is(done.size, GROUPS);
  for (const w of fleet.workers) w.child.kill('SIGTERM');
  t.deepEqual(await Promise.all(fleet.workers.map((w) => w.exited)), [0, 0]);
}

test.serial('Sentinel: the primary killed (SIGKILL) right after a group is counted: the replica is promoted, the run finishes exactly, status and the dashboard follow', (t) => lostPrimary(t, 'kill'));
test.serial('Sentinel: SENTINEL FAILOVER in the middle of a run: the run finishes exactly, status and the dashboard follow', (t) => lostPrimary(t, 'failover'));
