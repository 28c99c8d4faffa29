import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { COUNTED_DIR, CountedReader, rowsOfLine } from '../src/records/counted-rows.js';
import { parseDraw, sampleKey } from '../src/records/draw-choice.js';
import { runDataset } from '../src/run/run-dataset.js';
import { ownTempDir } from './helpers/paths.js';

/**
 * 12 groups of three 24 x 24 gradients (sorted order: g00/a..c, g01/a..c, ...);
 * in the groups named, the middle image is black: batch normalization pushes
 * every value of it below 0, so those groups, and only those, have an image
 * 100% unseen (a gradient's channels are at most about 71% unseen).
 */
export async function worstByConstruction(dir: string, worst: number[], groups = 12): Promise<void> {
  for (let g = 0; g < groups; g++) {
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const file = join(dir, `g${String(g).padStart(2, '0')}${name}.png`);
      if (i === 1 && worst.includes(g)) await sharp({ create: { width: 24, height: 24, channels: 3, background: '#000000' } }).png().toFile(file);
      else await sharp(ramps(24, i), { raw: { width: 24, height: 24, channels: 3 } }).png().toFile(file);
    }
  }
}

/** Every channel a ramp over [0, 1] (across, down, along the diagonal, by `turn`): no channel is all unseen. */
function ramps(w: number, turn: number): Buffer {
  const buf = Buffer.alloc(w * w * 3);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
    const v = [x / (w - 1), y / (w - 1), (x + y) / (2 * w - 2)];
    for (let c = 0; c < 3; c++) buf[(y * w + x) * 3 + c] = Math.round(255 * v[(c + turn) % 3]!);
  }
  return buf;
}

const FLAGS = { size: 24, figures: 'overview', threads: 2 };
const drawnGroups = (runDir: string) => (existsSync(join(runDir, 'groups')) ? readdirSync(join(runDir, 'groups')).filter((n) => !n.startsWith('.')).sort() : []);
const indexOfId = (id: string) => Number(id.slice(0, 4)) - 1;

test('parseDraw: all, none, worst:K, sample:K', (t) => {
  t.deepEqual(parseDraw('all'), { mode: 'all' });
  t.deepEqual(parseDraw('none'), { mode: 'none' });
  t.deepEqual(parseDraw('worst:100'), { mode: 'worst', k: 100 });
  t.deepEqual(parseDraw('sample:7'), { mode: 'sample', k: 7 });
  t.throws(() => loadConfig({ env: {}, flags: { draw: 'worst:0' } }), { message: /draw/ });
  t.throws(() => loadConfig({ env: {}, flags: { draw: 'some' } }), { message: /draw/ });
  t.is(loadConfig({ env: {} }).draw, 'worst:100');
});

test('runDataset --draw none: every group counted, no folder, a line of at most 2 KB a group; its numbers equal the same group drawn (summary.csv and rows)', async (t) => {
  const data = ownTempDir(t);
  await worstByConstruction(data, [4]);
  const out = ownTempDir(t);
  const none = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'none', draw: 'none' } }));
  const all = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'all', draw: 'all' } }));
  t.is(none.record.counts.done, 12);
  t.deepEqual(drawnGroups(none.runDir), []);
  t.is(drawnGroups(all.runDir).length, 12);
  const countedBytes = readdirSync(join(none.runDir, COUNTED_DIR)).reduce((n, f) => n + statSync(join(none.runDir, COUNTED_DIR, f)).size, 0);
  t.true(countedBytes <= 12 * 2048, `${countedBytes} bytes for 12 groups`);
  t.true(countedBytes > 0);
  // the numbers: summary.csv, line for line
  t.is(readFileSync(join(none.runDir, 'summary.csv'), 'utf8'), readFileSync(join(all.runDir, 'summary.csv'), 'utf8'));
  // and every number of every row, exactly
  const reader = new CountedReader(none.runDir);
  for (const [index, id] of drawnGroups(all.runDir).entries()) {
    const line = reader.get(id, index);
    t.truthy(line, id);
    t.deepEqual(rowsOfLine(line!), JSON.parse(readFileSync(join(all.runDir, 'groups', id, 'group.json'), 'utf8')).rows);
  }
  t.is(none.record.options.draw, 'none');
  t.regex(readFileSync(join(none.runDir, 'index.html'), 'utf8'), /12 groups/);
});

test('runDataset --draw worst:3: exactly the groups made worst have figures, drawn after every group is counted; sample:4 the same groups on 1 or 2 threads, another seed others', async (t) => {
  const data = ownTempDir(t);
  const worst = [2, 7, 10];
  await worstByConstruction(data, worst);
  const out = ownTempDir(t);
  const counted: string[] = [];
  let drawing = -1;
  const run = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'worst', draw: 'worst:3' } }), {
    group: (r) => counted.push(r.groupId),
    drawStart: ({ groups }) => { drawing = counted.length; t.is(groups, 3); },
  });
  t.is(drawing, 12, 'the second pass starts once every group is counted');
  t.deepEqual(drawnGroups(run.runDir).map(indexOfId), worst);
  for (const id of drawnGroups(run.runDir)) t.true(existsSync(join(run.runDir, 'groups', id, 'overview.png')));
  const html = readFileSync(join(run.runDir, 'index.html'), 'utf8');
  for (const id of drawnGroups(run.runDir)) t.true(html.includes(`groups/${id}/overview.png`));

  const sampleOf = async (runId: string, threads: number, seed: number) => drawnGroups((await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, threads, out, runId, seed, draw: 'sample:4' } }))).runDir);
  const one = await sampleOf('s1', 1, 7);
  const two = await sampleOf('s2', 2, 7);
  t.is(one.length, 4);
  t.deepEqual(one, two);
  // the 4 smallest keys of the seed
  const ids = readFileSync(join(run.runDir, 'summary.csv'), 'utf8').split('\n').slice(1).map((l) => l.split(',')[0]!).filter(Boolean);
  const expected = [...new Set(ids)].sort((a, b) => sampleKey(7, a) - sampleKey(7, b)).slice(0, 4).sort();
  t.deepEqual(one, expected);
  t.notDeepEqual(await sampleOf('s3', 2, 8), one);
});
