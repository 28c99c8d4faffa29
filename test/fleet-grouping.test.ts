/**
 * `--order shuffle --seed N` and `--group-by folder` on the fleet, against
 * real Redis and real worker processes: the groups are made once, by the
 * plan enqueue streams, so two workers count the very groups `bnviz run`
 * counts on one thread; the run's record states the grouping, an enqueue
 * with another is refused, and a retry keeps the groups.
 */
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { retryRun } from '../src/fleet/retry-run.js';
import { runKeys } from '../src/fleet/fleet-keys.js';
import { readRun } from '../src/fleet/run-store.js';
import { runDataset } from '../src/run/run-dataset.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until } from './helpers/redis.js';
import { spawnWorker } from './helpers/worker-process.js';

test('fleet --order shuffle --seed 5 --group-by folder: two workers count the groups bnviz run counts on one thread; the run states its grouping; another seed is refused; a retry keeps the groups', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = tempDir();
  for (const [c, n] of [['ant', 7], ['bee', 8], ['cow', 6]] as const) {
    mkdirSync(join(dir, c));
    for (let i = 0; i < n; i++) await writePng(join(dir, c, `${i}.png`), 12, 12, i * 3 + n);
  }
  // one image unreadable at first: its group fails, and is retried once mended
  const broken = join(dir, 'bee', '3.png');
  const good = readFileSync(broken);
  writeFileSync(broken, 'not an image');
  const flags = { size: 12, figures: 'overview', draw: 'none', order: 'shuffle', seed: 5, groupBy: 'folder' };
  const fleetConfig = (extra: Record<string, unknown> = {}) => loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, runId: 'shuffled', ...flags, ...extra } });
  await enqueueDataset(dir, fleetConfig(), { redis: s.redis });
  t.deepEqual(JSON.parse((await s.redis.hget(runKeys(s.prefix, 'shuffled').meta, 'grouping'))!), { order: 'shuffle', seed: 5, groupBy: 'folder' });
  await t.throwsAsync(enqueueDataset(dir, fleetConfig({ seed: 6 }), { redis: s.redis }), { name: 'UsageError', message: /is enqueued already: .*--seed 5/ });
  const out = tempDir();
  const workers = [1, 2].map(() => spawnWorker(['--threads', '1', '--roots', dir, '--out', out], { ...s.env, BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) }));
  t.teardown(() => { for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  const unless = Promise.race(workers.map((w) => w.exited.then((c) => `worker exited ${c}`)));
  await until('the run to finish', async () => (await readRun(s.redis, s.prefix, 'shuffled'))?.status === 'finished', { unless });
  t.is((await readRun(s.redis, s.prefix, 'shuffled'))?.failed, 1);
  writeFileSync(broken, good);
  t.is((await retryRun(s.redis, fleetConfig(), 'shuffled')).retried.length, 1);
  await until('the retried group counted', async () => (await readRun(s.redis, s.prefix, 'shuffled'))?.failed === 0, { unless });
  await until('the run to finish again', async () => (await readRun(s.redis, s.prefix, 'shuffled'))?.status === 'finished', { unless });

  const local = await runDataset(dir, loadConfig({ env: {}, flags: { out: tempDir(), runId: 'local', threads: 1, ...flags } }));
  const groups = (runDir: string) => readFileSync(join(runDir, 'summary.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(',').slice(0, 2).join(' '));
  const fleet = groups(join(out, 'shuffled'));
  t.deepEqual(fleet, groups(local.runDir));
  t.is(new Set(fleet.map((l) => l.split(' ')[1])).size, 21, 'every image in exactly one group');
  const byGroup = new Map<string, Set<string>>();
  for (const l of fleet) {
    const [g, file] = l.split(' ');
    byGroup.set(g!, (byGroup.get(g!) ?? new Set()).add(file!.split('/')[0]!));
  }
  for (const [g, folders] of byGroup) t.is(folders.size, 1, `${g} mixes folders`);
  t.deepEqual(JSON.parse(readFileSync(join(out, 'shuffled', 'run.json'), 'utf8')).grouping, { order: 'shuffle', seed: 5, groupBy: 'folder' });
  for (const w of workers) w.child.kill('SIGTERM');
});
