import test from 'ava';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { planDataset } from '../src/dataset/plan-dataset.js';
import { shuffleInPlace } from '../src/dataset/shuffle.js';
import { runDataset } from '../src/run/run-dataset.js';
import { writePng } from './helpers/make-images.js';
import { ownTempDir } from './helpers/paths.js';

/** Three class folders of 7, 5 and 9 images (ImageFolder's layout). */
async function classFolders(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const [c, n] of [['cat', 7], ['dog', 5], ['eel', 9]] as const) {
    mkdirSync(join(dir, c));
    for (let i = 0; i < n; i++) {
      await writePng(join(dir, c, `${c}${i}.png`), 12, 12, i + n);
      files.push(`${c}/${c}${i}.png`);
    }
  }
  return files;
}

const groupsOf = (plan: { groups: Array<{ files: string[] }> }) => plan.groups.map((g) => g.files);

test('shuffleInPlace: the same seed the same order, another seed another; every item once', (t) => {
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const a = shuffleInPlace([...items], 7);
  t.deepEqual(shuffleInPlace([...items], 7), a);
  t.notDeepEqual(shuffleInPlace([...items], 8), a);
  t.notDeepEqual(a, items);
  t.deepEqual([...a].sort((x, y) => x - y), items);
});

test('planDataset --order shuffle --seed N: the same groups for the same seed, others for another; every image in exactly one group', async (t) => {
  const dir = ownTempDir(t);
  const files = await classFolders(dir);
  const sorted = await planDataset(dir, { groupSize: 3 });
  const a = await planDataset(dir, { groupSize: 3, order: 'shuffle', seed: 5 });
  const b = await planDataset(dir, { groupSize: 3, order: 'shuffle', seed: 5 });
  const c = await planDataset(dir, { groupSize: 3, order: 'shuffle', seed: 6 });
  t.deepEqual(groupsOf(a), groupsOf(b));
  t.deepEqual(a.groups.map((g) => g.groupId), b.groups.map((g) => g.groupId));
  t.notDeepEqual(groupsOf(a), groupsOf(c));
  t.notDeepEqual(groupsOf(a), groupsOf(sorted));
  for (const plan of [a, c]) t.deepEqual(plan.groups.flatMap((g) => g.files).sort(), [...files].sort());
  t.is(a.images, 21);
  // a shuffled run mixes classes, as a training sampler's batches do
  t.true(a.groups.some((g) => new Set(g.files.map((f) => f.split('/')[0])).size > 1));
});

test('planDataset --group-by folder: no group mixes two folders, each folder\'s last group partial, sorted or shuffled', async (t) => {
  const dir = ownTempDir(t);
  const files = await classFolders(dir);
  for (const order of ['sorted', 'shuffle'] as const) {
    const plan = await planDataset(dir, { groupSize: 3, groupBy: 'folder', order, seed: 3 });
    for (const g of plan.groups) t.is(new Set(g.files.map((f) => f.split('/')[0])).size, 1, g.files.join(' '));
    // 7 = 3+3+1, 5 = 3+2, 9 = 3+3+3
    t.deepEqual(plan.groups.map((g) => g.files.length), [3, 3, 1, 3, 2, 3, 3, 3]);
    t.deepEqual(plan.groups.map((g) => g.partial), [false, false, true, false, true, false, false, false]);
    t.deepEqual(plan.groups.flatMap((g) => g.files).sort(), [...files].sort());
  }
  await t.throwsAsync(planDataset(dir, { groupSize: 3, groupBy: 'folder', manifest: join(dir, 'm.txt') }), { message: /manifest chooses the groups itself/ });
});

test('runDataset --order shuffle: the same groups on 1 or 2 threads; run.json states order and seed; a resume with another seed is refused', async (t) => {
  const dir = ownTempDir(t);
  await classFolders(dir);
  const out = ownTempDir(t);
  const flags = { out, size: 12, figures: 'overview', draw: 'none', order: 'shuffle', seed: 11 };
  const ids = (runDir: string) => readFileSync(join(runDir, 'summary.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(',').slice(0, 2).join(' '));
  const one = await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, threads: 1, runId: 'one' } }));
  const two = await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, threads: 2, runId: 'two' } }));
  t.deepEqual(ids(one.runDir), ids(two.runDir));
  t.deepEqual(JSON.parse(readFileSync(join(one.runDir, 'run.json'), 'utf8')).grouping, { order: 'shuffle', seed: 11, groupBy: 'dataset' });
  // resumed with the same grouping: fine; with another seed: refused, saying what to give
  await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, threads: 1, runId: 'one' } }));
  await t.throwsAsync(runDataset(dir, loadConfig({ env: {}, flags: { ...flags, seed: 12, threads: 1, runId: 'one' } })), { message: /--order shuffle --seed 11 --group-by dataset/ });
  await t.throwsAsync(runDataset(dir, loadConfig({ env: {}, flags: { out, size: 12, threads: 1, runId: 'one' } })), { message: /not --order sorted/ });
});
