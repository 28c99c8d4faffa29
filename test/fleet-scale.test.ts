/**
 * The fleet's costs at scale, counted rather than timed: each test runs a
 * redis-server of its own, so the commands it counts (INFO stats and
 * commandstats) are the operation's alone. A read a person repeats costs
 * the same on a run of 200 groups as on one of 20,000, however many other
 * keys Redis holds; clean costs the run's jobs, not the queue's; a
 * reconciliation pass with nothing changed costs nothing per group; and
 * nothing spreads a run-sized array into a call (a run of 200,000 failed
 * groups is read, paged, finalized and retried).
 */
import test from 'ava';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { groupId } from '../src/dataset/group-id.js';
import { cleanRun } from '../src/fleet/clean-run.js';
import { enqueuePlan } from '../src/fleet/enqueue-dataset.js';
import { workerKey, workersKey } from '../src/fleet/fleet-keys.js';
import { finalizeFleetRun } from '../src/fleet/finalize-fleet-run.js';
import { readRunStatus } from '../src/fleet/read-status.js';
import { Reconciler } from '../src/fleet/reconcile-run.js';
import { retryRun } from '../src/fleet/retry-run.js';
import { readRun, RunStore } from '../src/fleet/run-store.js';
import { matchesName } from '../src/dashboard/name-search.js';
import { RunIndex } from '../src/dashboard/run-index.js';
import { GroupQuery } from '../src/dashboard/query-groups.js';
import { formatRun } from '../src/fleet/status-view.js';
import { synthesizeRun, syntheticFiles } from '../scripts/synthetic-run.js';
import { tempDir } from './helpers/paths.js';
import { startRedisServer } from './helpers/redis.js';

const PREFIX = 'bnviz';
const QUEUE = 'groups';

async function ownRedis(t: import('ava').ExecutionContext) {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  t.teardown(async () => {
    await queue.close();
    redis.disconnect();
    await server.stop();
  });
  const config = loadConfig({ env: {}, flags: { 'redis.url': server.url, 'redis.prefix': PREFIX, 'queue.name': QUEUE, out: tempDir() } });
  return { server, redis, queue, config };
}

/** Commands Redis ran for `f` (those inside scripts included), by name; the INFO calls that read them left out. */
async function commandsOf(redis: Redis, f: () => Promise<unknown>): Promise<{ total: number; by: Record<string, number> }> {
  const read = async () => {
    const text = await redis.info('commandstats');
    const by: Record<string, number> = {};
    for (const [, name, calls] of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) by[name!] = Number(calls);
    return by;
  };
  const before = await read();
  await f();
  const after = await read();
  const by: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const n = calls - (before[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (n > 0) by[name] = n;
  }
  return { total: Object.values(by).reduce((a, b) => a + b, 0), by };
}

function plan(groups: number, offset = 0) {
  return {
    root: '/data/set', images: groups * 3,
    groups: Array.from({ length: groups }, (_, i) => ({ groupId: groupId(i, syntheticFiles(i + offset)), index: i, files: syntheticFiles(i + offset), partial: false })),
  };
}

test('status, the dashboard\'s run requests and /metrics cost the same on 200 groups as on 20,000, beside 20,000 other keys; no SCAN or KEYS', async (t) => {
  const { redis, queue, config } = await ownRedis(t);
  await synthesizeRun({ redis, prefix: PREFIX, runId: 'small', groups: 200, failEvery: 10 });
  await synthesizeRun({ redis, prefix: PREFIX, runId: 'big', groups: 20_000, failEvery: 10 });
  const p = redis.pipeline();
  for (let i = 0; i < 20_000; i++) p.set(`someone-else:${i}`, 'x');
  await p.exec();
  const now = Date.now();
  const beat = { host: 'box', pid: 1, queue: QUEUE, threads: 2, active: 2, processed: 9, failed: 0, startedAt: new Date(now).toISOString(), lastSeen: new Date(now).toISOString(), jobs: [{ runId: 'big', groupId: 'g', stage: 'decode', since: new Date(now).toISOString() }] };
  await redis.multi().set(workerKey(PREFIX, 'box:1'), JSON.stringify(beat), 'EX', 60).zadd(workersKey(PREFIX), now, 'box:1').exec();
  const app = await buildDashboard({ redis, prefix: PREFIX, queue, outRoot: config.out, token: '', allowActions: false });
  t.teardown(() => app.close());
  const get = async (url: string) => {
    const r = await app.inject({ url });
    t.is(r.statusCode, 200, `${url}: ${r.body.slice(0, 200)}`);
  };
  // A run's first request reads every group's state and share from two arrays, not its log; then only what is new.
  const costs: Record<string, [number, number]> = {};
  const firstSmall = await commandsOf(redis, () => get('/api/runs/small'));
  const firstBig = await commandsOf(redis, () => get('/api/runs/big'));
  t.is(firstBig.total, firstSmall.total, `first request: ${JSON.stringify(firstSmall.by)} vs ${JSON.stringify(firstBig.by)}`);
  t.true((firstBig.by.lrange ?? 0) <= 1, `the first request read the run's log: ${JSON.stringify(firstBig.by)}`);
  costs.first = [firstSmall.total, firstBig.total];
  for (const [name, f] of Object.entries({
    // with the queue's depth (BullMQ's getJobCounts, O(1) a state) and a worker's jobs in hand
    status: (run: string) => readRunStatus(redis, PREFIX, run, 20, () => queue).then((s) => formatRun(s!, Date.now())),
    summary: (run: string) => get(`/api/runs/${run}`),
    page: (run: string) => get(`/api/runs/${run}/groups?offset=100&limit=60`),
    worst: (run: string) => get(`/api/runs/${run}/groups?sort=unseen-desc&limit=60`),
    failed: (run: string) => get(`/api/runs/${run}/groups?status=failed&limit=10`),
    viewer: (run: string) => get(`/api/runs/${run}/groups/${groupId(150, syntheticFiles(150))}`),
  })) {
    const small = await commandsOf(redis, () => f('small'));
    const big = await commandsOf(redis, () => f('big'));
    t.is(big.total, small.total, `${name}: ${JSON.stringify(small.by)} vs ${JSON.stringify(big.by)}`);
    t.false('scan' in big.by || 'keys' in big.by, `${name} scans the keyspace`);
    costs[name] = [small.total, big.total];
  }
  const metrics = await commandsOf(redis, () => get('/metrics'));
  t.false('scan' in metrics.by || 'keys' in metrics.by);
  t.true(metrics.total < 100, `/metrics: ${JSON.stringify(metrics.by)}`);
  t.log(`commands a request (200 groups, 20,000 groups): ${JSON.stringify(costs)}; /metrics ${metrics.total}`);
});

test('a run\'s first read (two arrays) and its log give the dashboard the same groups, states and shares', async (t) => {
  const { redis } = await ownRedis(t);
  await synthesizeRun({ redis, prefix: PREFIX, runId: 'r', groups: 3_000, failEvery: 7 });
  const store = new RunStore(redis, PREFIX, 'r');
  // a retried group counted done after it failed: the arrays follow it too
  const retried = (await store.page([6]))[0]!;
  t.is(retried.state, 'failed');
  await store.record({ groupId: retried.groupId!, index: 6, status: 'done', files: syntheticFiles(6), maxUnseen: 0.123456, unseen: [0.1, 0.2, 0.123456] });
  const fromLog = new Map<number, { status: string; maxUnseen: number }>();
  for (let from = 0; ;) {
    const { entries, next } = await store.readLog(from, 1000);
    for (const e of entries) fromLog.set(e.index, { status: e.status, maxUnseen: e.maxUnseen });
    if (next === from) break;
    from = next;
  }
  const snap = await store.snapshot();
  t.like(snap, { logLength: 3_001 });
  t.is(snap?.states.length, 3_000);
  const index = new RunIndex('r');
  await index.refresh({ redis, prefix: PREFIX });
  const groups = [];
  for (let offset = 0; offset < 3_000; offset += 500) {
    const page = await index.query(GroupQuery.parse({ offset, limit: 500 }));
    t.is(page.total, 3_000);
    groups.push(...page.groups);
  }
  t.is(fromLog.size, 3_000);
  t.is(groups.length, 3_000);
  const differ = groups.filter((g) => fromLog.get(g.index)?.status !== g.status || fromLog.get(g.index)?.maxUnseen !== g.maxUnseen);
  t.deepEqual(differ.slice(0, 3), []);
  t.like(groups[6], { status: 'done', maxUnseen: 0.123456 });
  t.true(groups.some((g) => g.status === 'failed') && groups.some((g) => g.maxUnseen > 0));
});

/** Bytes Redis sent for `f` (INFO stats' total_net_output_bytes, less the INFO replies that read them). */
async function bytesOf(redis: Redis, f: () => Promise<unknown>): Promise<number> {
  const read = async () => {
    const text = await redis.info('stats');
    return { text, sent: Number(/^total_net_output_bytes:(\d+)/m.exec(text)![1]) };
  };
  const before = await read();
  await f();
  const after = await read();
  // the first INFO's reply is counted in the second reading
  return after.sent - before.sent - before.text.length;
}

test('a new search term reads the run\'s log a bounded stretch a request, says it is under way, and once through finds what the whole log holds', async (t) => {
  const { redis } = await ownRedis(t);
  const groups = 20_000;
  await synthesizeRun({ redis, prefix: PREFIX, runId: 'big', groups, failEvery: 10 });
  const store = new RunStore(redis, PREFIX, 'big');
  const wanted = new Set<number>();
  let logBytes = 0;
  for (let from = 0; ;) {
    const { entries, next } = await store.readLog(from, 5000);
    for (const e of entries) {
      logBytes += e.groupId.length + e.files.join('\t').length + 20;
      if (matchesName(e, '7.png')) wanted.add(e.index);
    }
    if (next === from) break;
    from = next;
  }
  t.true(wanted.size > 1000 && wanted.size < groups, `${wanted.size} groups match`);
  // a budget of 2,000 log entries a request (the dashboard's is 40,000, for runs of hundreds of thousands)
  const index = new RunIndex('big', { entries: 2000, ms: Infinity });
  await index.refresh({ redis, prefix: PREFIX });
  const query = GroupQuery.parse({ q: '7.PNG', limit: '500' });
  const sent: number[] = [];
  let page = await index.query(query);
  for (let requests = 0; ; requests++) {
    const at = page.searching?.read ?? 0;
    if (!page.searching) break;
    t.true(requests < 20, 'the search ends');
    sent.push(await bytesOf(redis, async () => { page = await index.query(query); }));
    t.true((page.searching?.read ?? groups) > at, 'each request reads further');
  }
  t.true(sent.length >= 8, `the search took ${sent.length + 1} requests`);
  // a request reads at most its stretch of the log (about an eighth of it here), not the whole log
  t.true(Math.max(...sent) < logBytes / 5, `bytes a request ${JSON.stringify(sent)}, the log ${logBytes}`);
  t.is(page.total, wanted.size);
  const all = [];
  for (let offset = 0; offset < page.total; offset += 500) all.push(...(await index.query({ ...query, offset })).groups.map((g) => g.index));
  t.deepEqual(all, [...wanted].sort((a, b) => a - b));
  // what it keeps: five bytes a group, a bit a group for the search, four bytes a listed group for the list
  t.true(index.bytes < groups * 5 + groups / 8 + wanted.size * 4 + 4096, `the index holds ${index.bytes} bytes`);
});

test('clean of a waiting run costs its own jobs, not the queue\'s: no list scans behind 20,000 other waiting jobs; it reports only jobs that were there', async (t) => {
  const { redis, queue, config } = await ownRedis(t);
  await enqueuePlan(plan(20_000, 1_000_000), 'others', config, { redis });
  await enqueuePlan(plan(500), 'mine', config, { redis });
  const { by } = await commandsOf(redis, async () => t.like(await cleanRun(redis, config, 'mine'), { runId: 'mine', jobs: 500 }));
  t.false('lrem' in by, `LREM scans the wait list: ${JSON.stringify(by)}`);
  t.is(await readRun(redis, PREFIX, 'mine'), undefined, 'its records are gone');
  t.is(await queue.getPrioritizedCount(), 20_000, 'the other run\'s jobs stay');
  await enqueuePlan(plan(300), 'finished', config, { redis });
  await queue.obliterate({ force: true }).catch(() => {});
  const again = await commandsOf(redis, async () => t.like(await cleanRun(redis, config, 'finished'), { jobs: 0 }));
  t.false('lrem' in again.by, 'a run whose jobs are gone costs no scan either');
});

test('a reconciliation pass with nothing changed costs the same for 200 groups as for 5,000; a stalled-out job is counted on its own', async (t) => {
  const { redis, queue, config } = await ownRedis(t);
  const reconciler = new Reconciler({ redis, prefix: PREFIX, queue, outRoot: config.out, lockMs: 1000 });
  // every pass at one time: a run still for five lock periods is walked whole, and on a busy machine
  // enqueueing the 5,000 groups takes longer than that (a pass walked run one's 200 groups, in CI)
  const now = Date.now();
  await enqueuePlan(plan(200), 'one', config, { redis });
  await reconciler.pass(now);
  const small = await commandsOf(redis, () => reconciler.pass(now));
  await enqueuePlan(plan(5000), 'two', config, { redis });
  await reconciler.pass(now);
  const twoRuns = await commandsOf(redis, () => reconciler.pass(now));
  // a pass reads each open run's counts: one run more costs a few commands, not one a group
  t.true(twoRuns.total - small.total < 10, `${JSON.stringify(small.by)} then ${JSON.stringify(twoRuns.by)}`);
  // a job BullMQ failed outside the handler (as after two stalls) is counted by the next pass, alone
  const [job] = await queue.getPrioritized(0, 0);
  await redis.multi().zrem(`${PREFIX}:${QUEUE}:prioritized`, job!.id!).zadd(`${PREFIX}:${QUEUE}:failed`, Date.now(), job!.id!).hset(`${PREFIX}:${QUEUE}:${job!.id}`, 'failedReason', 'job stalled more than allowable limit', 'finishedOn', String(Date.now())).exec();
  const counted = await commandsOf(redis, async () => t.is(await reconciler.pass(now), 1));
  t.true(counted.total < 80, JSON.stringify(counted.by));
  const run = await readRun(redis, PREFIX, (job!.data as { runId: string }).runId);
  t.is(run!.failed, 1);
});

test('a run of 200,000 groups, every one failed: status, its pages, finalization and retry work, with no run-sized spread', async (t) => {
  t.timeout(20 * 60_000, 'a busy machine writes 200,000 groups slowly');
  const { redis, queue, config } = await ownRedis(t);
  const groups = 200_000;
  await synthesizeRun({ redis, prefix: PREFIX, runId: 'huge', groups, failEvery: 1 });
  const status = (await readRunStatus(redis, PREFIX, 'huge'))!;
  t.like(status, { status: 'running', failed: groups, failureCount: groups });
  t.is(status.failures.length, 20);
  const app = await buildDashboard({ redis, prefix: PREFIX, queue, outRoot: config.out, token: '', allowActions: false });
  t.teardown(() => app.close());
  const summary = await app.inject({ url: '/api/runs/huge' });
  t.is(summary.statusCode, 200, summary.body.slice(0, 300));
  const page = await app.inject({ url: '/api/runs/huge/groups?status=failed&offset=199990&limit=60' });
  t.is(page.statusCode, 200, page.body.slice(0, 300));
  t.like(JSON.parse(page.body), { total: groups });
  t.is((JSON.parse(page.body) as { groups: unknown[] }).groups.length, 10);
  const runDir = join(config.out, 'huge');
  const record = await finalizeFleetRun(redis, PREFIX, 'huge', runDir, { lockMs: 30_000 });
  t.like(record?.counts, { groups, failed: groups });
  const written = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { failures: unknown[] };
  t.true(written.failures.length <= 1000, `run.json lists ${written.failures.length} failures`);
  const retried = await retryRun(redis, config, 'huge');
  t.is(retried.retried.length, groups);
  t.like(await readRun(redis, PREFIX, 'huge'), { failed: 0, done: 0, total: groups, status: 'running' });
  t.is(await queue.getPrioritizedCount(), groups, 'each failed group has its job back');
});
