import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { appendCounted, COUNTED_DIR, countedLine, CountedReader, rowsOfLine, sealCounted } from '../src/records/counted-rows.js';
import { drawsInFirstPass, drawsInSecondPass, parseDraw, sampleKey } from '../src/records/draw-choice.js';
import { runDataset } from '../src/run/run-dataset.js';
import { readStatsFiles } from '../src/records/stats-file.js';
import { ownTempDir } from './helpers/paths.js';
import { worstByConstruction } from './helpers/worst-images.js';

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

test('parseDraw ids: the groups named; the setting takes ids:ID,... and names:FILE, and refuses an empty id or more than 10,000', (t) => {
  const choice = parseDraw('ids:0001-aa,0007-bb');
  t.is(choice.mode, 'ids');
  t.deepEqual(choice.mode === 'ids' ? [...choice.ids] : [], ['0001-aa', '0007-bb']);
  t.true(drawsInFirstPass(choice, 12, '0007-bb'));
  t.false(drawsInFirstPass(choice, 12, '0002-cc'));
  t.false(drawsInSecondPass(choice, 100_000));
  t.is(loadConfig({ env: {}, flags: { draw: 'names:picked.txt' } }).draw, 'names:picked.txt');
  t.is(loadConfig({ env: { BNVIZ_DRAW: 'ids:0003-x' } }).draw, 'ids:0003-x');
  for (const bad of ['ids:', 'ids:a,,b', 'ids:a b', 'ids:-a', 'names:']) t.throws(() => loadConfig({ env: {}, flags: { draw: bad } }), { message: /for --draw|for draw/ }, bad);
  const many = `ids:${Array.from({ length: 10_001 }, (_, i) => `g${i}`).join(',')}`;
  t.throws(() => loadConfig({ env: {}, flags: { draw: many } }), { message: /at most 10000 group ids/ });
});

test('runDataset --draw names:FILE: exactly the groups named have figures, drawn as they are counted; run.json keeps their ids; their numbers equal the groups not drawn', async (t) => {
  const data = ownTempDir(t);
  await worstByConstruction(data, [4]);
  const out = ownTempDir(t);
  const none = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'none', draw: 'none' } }));
  const ids = readFileSync(join(none.runDir, 'summary.csv'), 'utf8').split('\n').slice(1).map((l) => l.split(',')[0]!).filter(Boolean);
  const all = [...new Set(ids)];
  // not the worst group (4): a name is not a rank
  const named = [all[1]!, all[6]!, all[11]!];
  const file = join(out, 'picked.txt');
  writeFileSync(file, `# from summary.csv\n${named[2]}\n\n${named[0]}\n${named[1]}\n${named[0]}\n`);
  let secondPass = false;
  const run = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'named', draw: `names:${file}` } }), { drawStart: () => { secondPass = true; } });
  t.deepEqual(drawnGroups(run.runDir), [...named].sort());
  for (const id of named) t.true(existsSync(join(run.runDir, 'groups', id, 'overview.png')), id);
  t.false(secondPass, 'named groups are known before any is counted: no second pass');
  t.is(run.record.counts.done, 12);
  t.is(run.record.options.draw, `ids:${named[2]},${named[0]},${named[1]}`);
  t.is(JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8')).options.draw, run.record.options.draw);
  t.is(readFileSync(join(run.runDir, 'summary.csv'), 'utf8'), readFileSync(join(none.runDir, 'summary.csv'), 'utf8'));
  // ids: given inline, the same
  const inline = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'inline', draw: `ids:${named.join(',')}` } }));
  t.deepEqual(drawnGroups(inline.runDir), [...named].sort());
});

test('runDataset --draw ids: naming a group the run lacks stops it in one line naming the id, before anything is written', async (t) => {
  const data = ownTempDir(t);
  await worstByConstruction(data, [], 4);
  const out = ownTempDir(t);
  const err = await t.throwsAsync(runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'bad', draw: 'ids:0002-deadbeef,0099-cafe0000' } })), { name: 'UsageError' });
  t.regex(err!.message, /^Expected ids of this run's groups for --draw but received 0002-deadbeef, 0099-cafe0000, which it does not have \(it has 4 groups, 0001-\w+ to 0004-\w+, as summary.csv's group column lists them\)$/);
  t.false(existsSync(join(out, 'bad')), 'no run folder');
  const file = join(out, 'ids.txt');
  writeFileSync(file, 'not an id!\n');
  await t.throwsAsync(runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'bad', draw: `names:${file}` } })), { name: 'UsageError', message: /^Expected group ids, one a line, in .*ids\.txt for --draw names:FILE but received "not an id!" \(line 1\)$/ });
  await t.throwsAsync(runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'bad', draw: `names:${join(out, 'nope.txt')}` } })), { name: 'UsageError', message: /cannot read .*nope\.txt: no such file$/ });
  t.false(existsSync(join(out, 'bad')));
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

test('runDataset --formats webp: each figure as WebP (the overview the main one, its thumbnail made from it), stats.json small beside its float32 densities', async (t) => {
  const data = ownTempDir(t);
  await worstByConstruction(data, [], 1);
  const out = ownTempDir(t);
  const { runDir } = await runDataset(data, loadConfig({ env: {}, flags: { ...FLAGS, out, runId: 'webp', formats: 'webp', webpQuality: 80, figures: 'overview,compare' } }));
  const [id] = drawnGroups(runDir);
  t.deepEqual(readdirSync(join(runDir, 'groups', id!)).sort(), ['compare.webp', 'densities.f32', 'group.json', 'overview.webp', 'stats.json', 'thumb.webp']);
  t.regex(readFileSync(join(runDir, 'index.html'), 'utf8'), new RegExp(`href="groups/${id}/overview\\.webp"><img[^>]* src="groups/${id}/thumb\\.webp"`));
  t.true(statSync(join(runDir, 'groups', id!, 'stats.json')).size <= 40 * 1024);
  const stats = readStatsFiles(join(runDir, 'groups', id!));
  t.is(stats.images[0]!.channels[0]!.original.density.x.length, 200);
});

test('counted lines: sealed (gzipped) files and lines appended after them are read alike; a line cut short is skipped; the last of a group wins', (t) => {
  const runDir = ownTempDir(t);
  const row = { file: 'a.png', channel: 'R' as const, min: 0, max: 1, mean: 0.1 + 0.2, std: 1 / 3, normMin: -1, normMax: 2, normMean: 0, normStd: 1, below0: 0.5, above1: 0.25 };
  const line = (id: string, mean: number) => countedLine({ groupId: id, files: ['a.png'], rows: [{ ...row, mean }], fingerprint: 'f' });
  appendCounted(runDir, 0, line('0001-a', 1));
  appendCounted(runDir, 1, line('0002-b', 2));
  t.is(sealCounted(runDir), 1);
  t.true(readdirSync(join(runDir, COUNTED_DIR)).every((n) => n.endsWith('.ndjson.gz')));
  appendCounted(runDir, 1, line('0002-b', 3));
  appendCounted(runDir, 2, line('0003-c', 0.1 + 0.2).slice(0, 40));
  const reader = new CountedReader(runDir);
  t.is(rowsOfLine(reader.get('0001-a', 0)!)[0]!.mean, 1);
  t.is(rowsOfLine(reader.get('0002-b', 1)!)[0]!.mean, 3);
  t.is(reader.get('0003-c', 2), undefined);
  t.deepEqual(rowsOfLine(JSON.parse(line('x', 0.1 + 0.2))), [{ ...row, mean: 0.1 + 0.2 }]);
});
