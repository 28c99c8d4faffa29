/**
 * The fleet's second pass of `--draw worst:K`, against real Redis and real
 * worker processes: every group is counted, then exactly the K groups made
 * worst are drawn, as draw jobs; also when the worker drawing one is killed.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { drawJobIdOf } from '../src/fleet/draw-phase.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { readRun } from '../src/fleet/run-store.js';
import { retryRun } from '../src/fleet/retry-run.js';
import { runDataset } from '../src/run/run-dataset.js';
import { planDataset } from '../src/dataset/plan-dataset.js';
import { worstByConstruction } from './helpers/worst-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until, type RedisScope } from './helpers/redis.js';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.js';

const WORST = [2, 7, 10];

async function scope(t: ExecutionContext): Promise<RedisScope> {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  return s;
}

function worker(t: ExecutionContext, s: RedisScope, dir: string, out: string): WorkerProcess {
  // a budget for figures at scale 4 (the pixel budget counts them)
  const w = spawnWorker(['--threads', '1', '--roots', dir, '--out', out], { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS), BNVIZ_MAX_PIXELS: String(2 ** 27) });
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  return w;
}

const flags = (extra: Record<string, unknown> = {}) => ({ size: 24, figures: 'overview', draw: 'worst:3', ...extra });
const drawn = (runDir: string) => (existsSync(join(runDir, 'groups')) ? readdirSync(join(runDir, 'groups')).filter((n) => !n.startsWith('.')).sort() : []);

function finished(s: RedisScope, runId: string, ...workers: WorkerProcess[]): Promise<true> {
  return until('the run to finish', async () => (await readRun(s.redis, s.prefix, runId))?.status === 'finished', {
    unless: Promise.race(workers.map((w) => w.exited.then((c) => `worker exited ${c}`))),
  });
}

test('fleet --draw worst:3: two workers count every group, then draw exactly the groups made worst; summary.csv equals bnviz run\'s with every group drawn', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  await worstByConstruction(dir, WORST);
  const config = loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'fleet', ...flags() } });
  const result = await enqueueDataset(dir, config, { redis: s.redis });
  t.is(result.added, 12);
  const [w1, w2] = [worker(t, s, dir, out), worker(t, s, dir, out)];
  await finished(s, 'fleet', w1, w2);
  const runDir = join(out, 'fleet');
  t.deepEqual(drawn(runDir).map((id) => Number(id.slice(0, 4)) - 1), WORST);
  for (const id of drawn(runDir)) t.true(existsSync(join(runDir, 'groups', id, 'overview.png')));
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  t.is(run.counts.done, 12);
  t.is(run.options.draw, 'worst:3');
  // every group drawn by bnviz run: the numbers of the 9 the fleet did not draw are exactly those of the same groups drawn
  const local = await runDataset(dir, loadConfig({ env: {}, flags: { out: tempDir(), runId: 'local', threads: 1, ...flags({ draw: 'all' }) } }));
  t.is(drawn(local.runDir).length, 12);
  t.is(readFileSync(join(runDir, 'summary.csv'), 'utf8'), readFileSync(join(local.runDir, 'summary.csv'), 'utf8'));
  for (const w of [w1, w2]) w.child.kill('SIGTERM');
});

test('fleet --draw worst:3 with the worker drawing a group killed: another draws it, and exactly the worst groups have figures', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  await worstByConstruction(dir, WORST);
  // figures at scale 4 (4800 x 2400 px) take a while to draw: the kill lands while one is drawn
  const config = loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'killed', maxPixels: 2 ** 27, ...flags({ scale: 4 }) } });
  await enqueueDataset(dir, config, { redis: s.redis });
  const w1 = worker(t, s, dir, out);
  const jobKeys = WORST.map((i) => `${s.prefix}:${s.queue}:${drawJobIdOf('killed', i)}`);
  const taken = await until('a draw job taken by the first worker', async () => {
    for (const key of jobKeys) if ((await s.redis.hget(key, 'pb'))?.endsWith(`:${w1.pid}`)) return key;
    return undefined;
  }, { unless: w1.exited.then((c) => `worker exited ${c}`) });
  w1.child.kill('SIGKILL');
  await w1.exited;
  const w2 = worker(t, s, dir, out);
  await finished(s, 'killed', w2);
  const runDir = join(out, 'killed');
  t.deepEqual(drawn(runDir).map((id) => Number(id.slice(0, 4)) - 1), WORST);
  for (const id of drawn(runDir)) t.true(existsSync(join(runDir, 'groups', id, 'overview.png')), id);
  t.true(taken.length > 0);
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  t.is(run.counts.done, 12);
  w2.child.kill('SIGTERM');
});

test('fleet --draw names:FILE: exactly the groups named are drawn as they are counted (no draw job); the run\'s record keeps their ids, so a retry draws a named group that failed', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  await worstByConstruction(dir, WORST);
  const plan = await planDataset(dir, { groupSize: 3 });
  // group 5's first image unreadable at first: the group fails, then is retried once mended
  const [a, b, c] = [plan.groups[1]!, plan.groups[5]!, plan.groups[10]!];
  const broken = join(dir, b.files[0]!);
  const good = readFileSync(broken);
  writeFileSync(broken, 'not an image');
  const file = join(out, 'picked.txt');
  writeFileSync(file, `${c.groupId}\n${a.groupId}\n${b.groupId}\n`);
  const config = loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'named', ...flags({ draw: `names:${file}` }) } });
  t.is((await enqueueDataset(dir, config, { redis: s.redis })).added, 12);
  const w = worker(t, s, dir, out);
  await finished(s, 'named', w);
  const runDir = join(out, 'named');
  t.deepEqual(drawn(runDir), [a.groupId, c.groupId]);
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  t.deepEqual([run.counts.done, run.counts.failed], [11, 1]);
  t.is(run.options.draw, `ids:${c.groupId},${a.groupId},${b.groupId}`);
  t.is(await s.redis.exists(`${s.prefix}:${s.queue}:${drawJobIdOf('named', 1)}`), 0, 'no draw job');
  // enqueued again without the file: nothing added, the ids kept
  const again = await enqueueDataset(dir, loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'named', size: 24, figures: 'overview' } }), { redis: s.redis });
  t.is(again.added, 0);
  writeFileSync(broken, good);
  t.deepEqual((await retryRun(s.redis, config, 'named')).retried, [b.groupId]);
  await until('the retried group counted', async () => (await readRun(s.redis, s.prefix, 'named'))?.done === 12, { unless: w.exited.then((code) => `worker exited ${code}`) });
  await finished(s, 'named', w);
  t.deepEqual(drawn(runDir), [a.groupId, b.groupId, c.groupId]);
  t.true(existsSync(join(runDir, 'groups', b.groupId, 'overview.png')));
  w.child.kill('SIGTERM');
});

test('fleet --draw ids: naming a group the run lacks stops enqueue in one line naming it, before anything is written to Redis', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  await worstByConstruction(dir, [], 4);
  const plan = await planDataset(dir, { groupSize: 3 });
  const config = loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'bad', ...flags({ draw: `ids:${plan.groups[2]!.groupId},0009-deadbeef` }) } });
  await t.throwsAsync(enqueueDataset(dir, config, { redis: s.redis }), { name: 'UsageError', message: /^Expected ids of this run's groups for --draw but received 0009-deadbeef, which it does not have \(it has 4 groups, 0001-\w+ to 0004-\w+, as summary\.csv's group column lists them\)$/ });
  t.deepEqual(await s.redis.keys(`${s.prefix}:*`), [], 'no key of the run or its queue');
});
