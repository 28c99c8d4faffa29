/**
 * What an operator watches: a failed group's page and an unknown one, the
 * queue's depth and the run's attempts in status and on the run page, what
 * each worker is doing, the retry action, the pace after a retry, /metrics
 * by Prometheus' rules and with Redis away.
 */
import test from 'ava';
import { Queue } from 'bullmq';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.js';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { runView } from '../src/dashboard/run-view.js';
import { readRunStatus, readWorkers } from '../src/fleet/read-status.js';
import { retryRun } from '../src/fleet/retry-run.js';
import { RunStore, type RunState } from '../src/fleet/run-store.js';
import { formatRun, paceOf } from '../src/fleet/status-view.js';
import { workersKey, workerKey } from '../src/fleet/fleet-keys.js';
import { synthesizeRun, syntheticId } from '../scripts/synthetic-run.js';
import { testDashboard } from './helpers/dashboard-app.js';
import { watchedPage } from './helpers/browser.js';
import { heldGroup, writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { redisScope, startRedisServer, until } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

interface Sample { name: string; labels: Record<string, string>; value: number }

function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { samples, types };
}

/** A worker's heartbeat as a worker writes it (heartbeat.ts), with a job in hand. */
async function fakeWorker(redis: Redis, prefix: string, queue: string, runId: string, groupId: string): Promise<void> {
  const now = Date.now();
  const beat = { host: 'box', pid: 4242, queue, threads: 1, active: 1, processed: 7, failed: 1, startedAt: new Date(now - 10_000).toISOString(), lastSeen: new Date(now).toISOString(), jobs: [{ runId, groupId, stage: 'figure', since: new Date(now - 3000).toISOString() }] };
  await redis.multi().set(workerKey(prefix, 'box:4242'), JSON.stringify(beat), 'EX', 60).zadd(workersKey(prefix), now, 'box:4242').exec();
}

test('a failed group\'s viewer API gives its reason (no unseen share); an unknown group, and a group of an unknown run, are a 404 that says so', async (t) => {
  const { app, scope } = await testDashboard(t);
  const ids = await synthesizeRun({ redis: scope.redis, prefix: scope.prefix, runId: 'fails', groups: 20, failEvery: 5 });
  const failed = (await readRunStatus(scope.redis, scope.prefix, 'fails'))!.failures[0]!;
  const r = await app.inject({ url: `/api/runs/fails/groups/${failed.groupId}` });
  t.is(r.statusCode, 200, r.body);
  const g = JSON.parse(r.body) as { status: string; error: { message: string } | null; rows: unknown[] };
  t.is(g.status, 'failed');
  t.is(g.error?.message, failed.error.message, 'the reason the run\'s failures hold');
  t.regex(g.error?.message ?? '', /not an image/);
  t.deepEqual(g.rows, []);
  t.true(ids.includes(failed.groupId));
  const unknown = await app.inject({ url: '/api/runs/fails/groups/9999-nosuch' });
  t.is(unknown.statusCode, 404);
  t.like(JSON.parse(unknown.body), { notFound: 'group' });
  t.regex((JSON.parse(unknown.body) as { error: string }).error, /run fails has no finished group 9999-nosuch/);
  const noRun = await app.inject({ url: '/api/runs/nosuch/groups/0001-abc' });
  t.is(noRun.statusCode, 404);
  t.like(JSON.parse(noRun.body), { notFound: 'run' });
});

test('the run summary: the queue\'s depth by state, the attempts, the workers with what each is doing; none listed once the run has finished; the run list has duration, finish time and workers', async (t) => {
  const { app, scope, queue } = await testDashboard(t);
  await synthesizeRun({ redis: scope.redis, prefix: scope.prefix, runId: 'busy', groups: 10, counted: 6, queue: scope.queue });
  await queue.add('group', { x: 1 }, { priority: 1 });
  await queue.add('group', { x: 2 }, { delay: 60_000 });
  await queue.add('group', { x: 3 });
  await fakeWorker(scope.redis, scope.prefix, scope.queue, 'busy', syntheticId(7));
  await new RunStore(scope.redis, scope.prefix, 'busy').countAttempt('handedBack');
  const s = JSON.parse((await app.inject({ url: '/api/runs/busy' })).body) as Record<string, any>;
  t.deepEqual(s.queueDepth, { queue: scope.queue, waiting: 1, prioritized: 1, active: 0, delayed: 1 });
  t.deepEqual(s.run.attempts, { retried: 0, handedBack: 1, reattempted: 0 });
  t.is(s.run.attemptsText, '0 retried, 1 handed back, 0 tried again after an error');
  t.is(s.workers.length, 1);
  t.like(s.workers[0].jobs[0], { runId: 'busy', groupId: syntheticId(7), stage: 'figure' });
  t.false(s.actions, 'no retry button without dashboard.allowActions');
  const list = JSON.parse((await app.inject({ url: '/api/runs' })).body) as { runs: Array<Record<string, any>> };
  t.like(list.runs.find((r) => r.runId === 'busy'), { workers: 1, status: 'running' });
  t.is(typeof list.runs[0]!.elapsed, 'string');

  await synthesizeRun({ redis: scope.redis, prefix: scope.prefix, runId: 'over', groups: 4, queue: scope.queue });
  await scope.redis.hset(new RunStore(scope.redis, scope.prefix, 'over').k.meta, 'finishedAt', new Date().toISOString());
  const over = JSON.parse((await app.inject({ url: '/api/runs/over' })).body) as Record<string, any>;
  t.deepEqual(over.workers, [], 'a finished run lists no workers');
  const listed = (JSON.parse((await app.inject({ url: '/api/runs' })).body) as { runs: Array<Record<string, any>> }).runs.find((r) => r.runId === 'over')!;
  t.is(listed.workers, 0);
  t.truthy(listed.finishedAt);

  // bnviz status says the same
  const status = (await readRunStatus(scope.redis, scope.prefix, 'busy', 20, () => queue))!;
  const text = formatRun(status, Date.now());
  t.regex(text, new RegExp(`queue ${scope.queue} \\(all its runs\\): 1 waiting, 1 prioritized, 0 active, 1 delayed`));
  t.regex(text, /attempts: 0 retried, 1 handed back, 0 tried again after an error/);
  t.regex(text, /box:4242 queue .*, 1 job in hand on 1 thread, /);
  t.regex(text, new RegExp(`    busy ${syntheticId(7)}: figure \\(for \\d+s\\)`));
});

test('the retry action: refused without dashboard.allowActions and without a JSON body; with them it puts the failed groups back, counted as retried', async (t) => {
  const locked = await testDashboard(t);
  await synthesizeRun({ redis: locked.scope.redis, prefix: locked.scope.prefix, runId: 'r', groups: 10, failEvery: 2, queue: locked.scope.queue });
  const no = await locked.app.inject({ method: 'POST', url: '/api/runs/r/retry', headers: { 'content-type': 'application/json' }, payload: '{}' });
  t.is(no.statusCode, 403);
  t.regex(no.body, /allowActions/);
  t.is((await readRunStatus(locked.scope.redis, locked.scope.prefix, 'r'))!.failed, 5, 'nothing retried');

  const { app, scope, queue } = await testDashboard(t, { allowActions: true, token: 'tok' });
  await synthesizeRun({ redis: scope.redis, prefix: scope.prefix, runId: 'r', groups: 10, failEvery: 2, queue: scope.queue });
  const auth = { authorization: 'Bearer tok' };
  t.is((await app.inject({ method: 'POST', url: '/api/runs/r/retry', headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode, 401, 'the token first');
  const form = await app.inject({ method: 'POST', url: '/api/runs/r/retry', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
  t.is(form.statusCode, 415, 'a form (which another site could send) is refused');
  t.true(JSON.parse((await app.inject({ url: '/api/runs/r', headers: auth })).body).actions);
  const unknown = await app.inject({ method: 'POST', url: '/api/runs/nosuch/retry', headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' });
  t.is(unknown.statusCode, 404);
  const ok = await app.inject({ method: 'POST', url: '/api/runs/r/retry', headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' });
  t.is(ok.statusCode, 200, ok.body);
  t.like(JSON.parse(ok.body), { runId: 'r', retried: 5 });
  const after = (await readRunStatus(scope.redis, scope.prefix, 'r'))!;
  t.like(after, { failed: 0, failedTotal: 5, attempts: { retried: 5, handedBack: 0, reattempted: 0 } });
  t.is(await queue.getPrioritizedCount(), 5, 'their jobs are back');
});

test('after a retry of a finished run, its rate and elapsed time leave out the time it stood idle: the clock stands still until a worker takes a group', async (t) => {
  const { scope } = await testDashboard(t);
  const store = new RunStore(scope.redis, scope.prefix, 'idle');
  await store.open({ root: '/d', options: { size: 8 } as never, groupSize: 1, images: 2, queue: scope.queue, partialGroups: [], enqueuedAt: new Date().toISOString() });
  await store.addGroups([{ groupId: 'a', index: 0, files: ['a.png'] }, { groupId: 'b', index: 1, files: ['b.png'] }]);
  const t0 = new Date(Date.now() - 100_000);
  await store.markStarted(t0);
  await store.record({ groupId: 'a', index: 0, status: 'done', files: ['a.png'] });
  await store.record({ groupId: 'b', index: 1, status: 'failed', files: ['b.png'], error: { name: 'InputError', message: 'bad' } });
  const ended = await store.read();
  const finishedAt = new Date(ended!.lastAt!).toISOString();
  await scope.redis.hset(store.k.meta, 'finishedAt', finishedAt);
  const worked = paceOf((await store.read())!, Date.now());
  t.true(worked.elapsedSeconds >= 99 && worked.elapsedSeconds < 102, `${worked.elapsedSeconds}`);

  // the run stood finished; an hour later it is retried, and a worker takes it up 10 s after that
  const config = { redis: { prefix: scope.prefix }, queue: { attempts: 1, backoffMs: 0 } };
  await retryRun(scope.redis, config, 'idle');
  const waiting = (await store.read())!;
  t.is(waiting.pausedAt, ended!.lastAt, 'paused from its last count');
  const paused = paceOf(waiting, Date.now() + 3_600_000);
  t.is(paused.elapsedSeconds, worked.elapsedSeconds - (Date.parse(finishedAt) - ended!.lastAt!) / 1000, 'no worker yet: the clock stands still');
  const resumed = new Date(ended!.lastAt! + 3_600_000);
  await store.markStarted(resumed);
  await store.record({ groupId: 'b', index: 1, status: 'done', files: ['b.png'] });
  const after = (await store.read())!;
  t.is(after.idleMs, 3_600_000);
  t.is(after.pausedAt, undefined);
  const end = resumed.getTime() + 5000;
  const pace = paceOf({ ...after, finishedAt: new Date(end).toISOString() }, end);
  const worked2 = (ended!.lastAt! - t0.getTime() + 5000) / 1000;
  t.is(pace.elapsedSeconds, worked2, 'its first 100 s and the 5 s after the retry, not the hour between');
  t.is(runView({ ...after, finishedAt: new Date(end).toISOString() } as RunState, end).rate, 2 / worked2);
});

test('/metrics follows Prometheus\' rules: counters end in _total and never go down on a retry, no worker host:pid label, bnviz_redis_up, the process\' own metrics', async (t) => {
  const { app, scope } = await testDashboard(t, { allowActions: true });
  await synthesizeRun({ redis: scope.redis, prefix: scope.prefix, runId: 'm', groups: 40, failEvery: 4, queue: scope.queue });
  await fakeWorker(scope.redis, scope.prefix, scope.queue, 'm', syntheticId(1));
  const scrape = async () => {
    const r = await app.inject({ url: '/metrics' });
    t.is(r.statusCode, 200);
    return parsePrometheus(r.body);
  };
  const { samples, types } = await scrape();
  const value = (name: string, labels: Record<string, string> = {}) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  t.is(value('bnviz_redis_up'), 1);
  t.is(value('bnviz_groups_done_total', { run: 'm' }), 30);
  t.is(value('bnviz_groups_failed_total', { run: 'm' }), 10);
  t.is(value('bnviz_groups_retried_total', { run: 'm' }), 0);
  t.is(value('bnviz_jobs_handed_back_total', { run: 'm' }), 0);
  t.is(value('bnviz_workers_alive'), 1);
  t.is(value('bnviz_worker_threads'), 1);
  t.is(value('bnviz_worker_jobs_active'), 1);
  // (prom-client's own nodejs_active_resources_total is a gauge: its name, not ours)
  for (const [name, type] of [...types].filter(([n]) => n.startsWith('bnviz_'))) {
    if (type === 'counter') t.regex(name, /_total$/, `${name} is a counter`);
    if (name.endsWith('_total')) t.is(type, 'counter', `${name} ends in _total`);
  }
  t.false(samples.some((s) => Object.values(s.labels).some((v) => /:\d+$/.test(v)) || 'worker' in s.labels), 'no label names a worker\'s host:pid');
  t.truthy(value('process_cpu_user_seconds_total'), 'prom-client\'s process metrics');
  t.truthy(value('nodejs_heap_size_used_bytes'));
  t.true(samples.filter((s) => !/^(process|nodejs)_/.test(s.name)).every((s) => s.name.startsWith('bnviz_')));

  const retried = await app.inject({ method: 'POST', url: '/api/runs/m/retry', headers: { 'content-type': 'application/json' }, payload: '{}' });
  t.is(retried.statusCode, 200, retried.body);
  const again = (await scrape()).samples;
  const after = (name: string) => again.find((s) => s.name === name && s.labels.run === 'm')?.value;
  t.is(after('bnviz_groups_failed_total'), 10, 'a counter does not go down when the failed groups are retried');
  t.is(after('bnviz_groups_retried_total'), 10);
  t.is(again.find((s) => s.name === 'bnviz_run_groups' && s.labels.run === 'm' && s.labels.state === 'failed')?.value, 0, 'the gauge says what is now');
});

test('/metrics with Redis away answers within a second: bnviz_redis_up 0 and the process metrics, no ioredis internals; the runs page in Chromium names Redis in its banner', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const config = loadConfig({ env: {}, flags: { 'redis.url': server.url, 'redis.prefix': 'bnviz-mon', 'queue.name': 'groups', out: tempDir(), 'dashboard.port': 0 } });
  const dashboard = await startDashboard(config);
  t.teardown(() => dashboard.close());
  const up = await (await fetch(`${dashboard.url}/metrics`)).text();
  t.regex(up, /^bnviz_redis_up 1$/m);
  const { page } = await watchedPage(t);
  await page.goto(`${dashboard.url}/`);
  await page.waitForSelector('#empty:not([hidden])');
  await server.stop();
  // The page's banner names Redis and where it is, not "503 Service Unavailable".
  await page.waitForSelector('#banner', { state: 'visible' });
  t.regex((await page.textContent('#banner'))!, new RegExp(`^Cannot update: Redis at 127\\.0\\.0\\.1:${server.port} is not reachable .*\\(retrying\\)$`));
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const r = await fetch(`${dashboard.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const ms = performance.now() - started;
    const body = await r.text();
    t.is(r.status, 200);
    t.true(ms < 1000, `scrape ${i} took ${ms.toFixed(0)} ms`);
    t.regex(body, /^bnviz_redis_up 0$/m);
    t.regex(body, /^process_cpu_user_seconds_total /m);
    t.notRegex(body, /ioredis|ECONNREFUSED|bnviz_run_groups\{/);
    t.log(`scrape ${i} with Redis away: ${ms.toFixed(0)} ms`);
  }
  const runs = await fetch(`${dashboard.url}/api/runs`, { signal: AbortSignal.timeout(30_000) });
  t.is(runs.status, 503);
  t.regex(((await runs.json()) as { error: string }).error, new RegExp(`^Redis at 127\\.0\\.0\\.1:${server.port} is not reachable`));
});

test('status and the dashboard\'s summary read the queue depth and the workers\' jobs at a cost that does not grow with the run', async (t) => {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue('groups', { connection: redis, prefix: 'bnviz' });
  t.teardown(async () => { await queue.close(); redis.disconnect(); await server.stop(); });
  await synthesizeRun({ redis, prefix: 'bnviz', runId: 'small', groups: 100, counted: 50, failEvery: 10 });
  await synthesizeRun({ redis, prefix: 'bnviz', runId: 'big', groups: 5000, counted: 2500, failEvery: 10 });
  await fakeWorker(redis, 'bnviz', 'groups', 'big', syntheticId(3000));
  const app = await buildDashboard({ redis, prefix: 'bnviz', queue, outRoot: tempDir(), token: '', allowActions: false });
  t.teardown(() => app.close());
  await app.inject({ url: '/api/runs/small' });
  await app.inject({ url: '/api/runs/big' });
  const calls = async (f: () => Promise<unknown>) => {
    const read = async () => Object.fromEntries([...(await redis.info('commandstats')).matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    const before = await read();
    await f();
    const after = await read();
    return Object.entries(after).reduce((n, [k, v]) => n + v - (before[k] ?? 0) - (k === 'info' ? 1 : 0), 0);
  };
  for (const run of ['small', 'big']) {
    const status = await calls(() => readRunStatus(redis, 'bnviz', run, 20, () => queue));
    const summary = await calls(() => app.inject({ url: `/api/runs/${run}` }));
    t.log(`${run}: status ${status} commands, summary ${summary}`);
    t.true(status < 20 && summary < 30, `${run}: status ${status}, summary ${summary}`);
  }
  t.is(await calls(() => readRunStatus(redis, 'bnviz', 'small', 20, () => queue)), await calls(() => readRunStatus(redis, 'bnviz', 'big', 20, () => queue)));
});

test('a worker\'s heartbeat says what it is doing (the job in hand: its run, group and stage), as bnviz status shows it; worker --json events carry their time', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  // a group whose second image is a named pipe: reading it blocks, so the job stays in hand
  const { data, manifest } = await heldGroup();
  const out = tempDir();
  const w = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], s.env);
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  t.regex(String((await w.ready).time), iso);
  const enq = await runCli(['enqueue', data, '--manifest', manifest, '--json', '--size', '32', '--figures', 'overview', '--group-size', '2'], { env: s.env });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  const beat = await until('a beat with the job in hand', async () => (await readWorkers(s.redis, s.prefix)).find((b) => b.jobs?.length), { unless: w.exited.then((c) => `worker exited ${c}`) });
  t.like(beat.jobs![0], { runId, stage: 'decode' });
  t.regex(beat.jobs![0]!.groupId!, /^0001-/);
  const text = formatRun((await readRunStatus(s.redis, s.prefix, runId))!, Date.now());
  t.regex(text, new RegExp(`\\n    ${runId} 0001-[0-9a-f]+: decode \\(for \\d+s\\)\\n`));
  // the pipe gets a picture, and the job ends
  const png = join(tempDir(), 'p.png');
  await writePng(png, 32, 32, 2);
  await writeFile(join(data, 'a1.png'), readFileSync(png));
  // read whole by the job that had it open; a later read (the figures' drawing pass) finds a file
  rmSync(join(data, 'a1.png'));
  copyFileSync(png, join(data, 'a1.png'));
  const job = await w.waitFor('the job', (e) => e.event === 'job');
  t.like(job, { status: 'done' });
  t.regex(String(job.time), iso);
  await until('the beat without it', async () => (await readWorkers(s.redis, s.prefix)).every((b) => !b.jobs?.length));
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
});
