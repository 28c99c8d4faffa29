/**
 * The fleet's dataset report under --stats batch, against real Redis and
 * real worker processes: the shares under the dataset's statistics, summed
 * from the level counts each worker sends a batch at a time, equal bnviz
 * run's; a worker killed before it sent its batch leaves the report over
 * the groups whose counts came, and says so.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { runKeys } from '../src/fleet/fleet-keys.js';
import { readRun } from '../src/fleet/run-store.js';
import type { DatasetFacts } from '../src/records/dataset-report.js';
import { runDataset } from '../src/run/run-dataset.js';
import { gradient } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until, type RedisScope } from './helpers/redis.js';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.js';

async function scope(t: ExecutionContext): Promise<RedisScope> {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  return s;
}

/** `n` gradients, each scaled and shifted its own way: every group's statistics differ from the dataset's. */
async function dataset(n: number): Promise<string> {
  const dir = tempDir();
  for (let i = 0; i < n; i++) {
    await sharp(gradient(16, 16, i), { raw: { width: 16, height: 16, channels: 3 } }).linear([0.3 + 0.05 * i, 1.2 - 0.03 * i, 0.6], [2 * i, 0, 60 - 3 * i]).png().toFile(join(dir, `${String(i).padStart(2, '0')}.png`));
  }
  return dir;
}

function worker(t: ExecutionContext, s: RedisScope, dir: string, out: string): WorkerProcess {
  const w = spawnWorker(['--threads', '1', '--roots', dir, '--out', out], { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) });
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  return w;
}

function finished(s: RedisScope, runId: string, ...workers: WorkerProcess[]): Promise<true> {
  return until('the run to finish', async () => (await readRun(s.redis, s.prefix, runId))?.status === 'finished', {
    unless: Promise.race(workers.map((w) => w.exited.then((c) => `worker exited ${c}`))),
  });
}

const FLAGS = { size: 16, figures: 'overview', draw: 'none' };
const report = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as DatasetFacts;

test('fleet --stats batch: two workers\' level counts give the shares under the dataset\'s statistics, and report.json equals bnviz run\'s', async (t) => {
  const s = await scope(t);
  const dir = await dataset(30);
  const out = tempDir();
  await enqueueDataset(dir, loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'fleet', ...FLAGS } }), { redis: s.redis });
  const [w1, w2] = [worker(t, s, dir, out), worker(t, s, dir, out)];
  await finished(s, 'fleet', w1, w2);
  const fleet = report(join(out, 'fleet'));
  t.is(fleet.datasetGroups, 10);
  t.is(fleet.datasetBelow0?.length, 3);
  const local = await runDataset(dir, loadConfig({ env: {}, flags: { out: tempDir(), runId: 'local', threads: 2, ...FLAGS } }));
  t.deepEqual(fleet, report(local.runDir));
  const [due, held] = await s.redis.hmget(runKeys(s.prefix, 'fleet').meta, 'levelsDue', 'levelGroups');
  t.deepEqual([due, held], ['10', '10']);
  for (const w of [w1, w2]) w.child.kill('SIGTERM');
});

test('fleet --stats batch with a worker killed before it sent its level counts: the run still ends, its report over the groups whose counts came, saying so', async (t) => {
  const s = await scope(t);
  const dir = await dataset(30);
  const out = tempDir();
  await enqueueDataset(dir, loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'killed', ...FLAGS } }), { redis: s.redis });
  const meta = runKeys(s.prefix, 'killed').meta;
  const w1 = worker(t, s, dir, out);
  // killed as soon as it has counted a group, whose level counts it holds then (it sends them within 2 s)
  await until('a group counted', async () => Number(await s.redis.hget(meta, 'levelsDue')) >= 1, { unless: w1.exited.then((c) => `worker exited ${c}`), everyMs: 5 });
  w1.child.kill('SIGKILL');
  await w1.exited;
  const w2 = worker(t, s, dir, out);
  await finished(s, 'killed', w2);
  const [due, held] = (await s.redis.hmget(meta, 'levelsDue', 'levelGroups')).map(Number);
  t.true(held! < due!, `${held} of ${due}`);
  const facts = report(join(out, 'killed'));
  t.is(facts.groups, 10);
  t.is(facts.datasetGroups, held);
  t.regex(readFileSync(join(out, 'killed', 'index.html'), 'utf8'), new RegExp(`the dataset's statistics \\(as --stats dataset\\) <small>\\(over ${held} of the 10 groups\\)</small>`));
  w2.child.kill('SIGTERM');
});
