import test from 'ava';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import type { DatasetFacts } from '../src/records/dataset-report.js';
import { runDataset } from '../src/run/run-dataset.js';
import sharp from 'sharp';
import { gradient, writePng } from './helpers/make-images.js';
import { ownTempDir } from './helpers/paths.js';
import { testDashboard } from './helpers/dashboard-app.js';

test('the dataset report (--group-by folder): no group mixes two folders; the per-class table and the dataset\'s numbers equal a recomputation from summary.csv; index.html shows them first', async (t) => {
  const dir = ownTempDir(t);
  for (const [c, n] of [['ant', 4], ['bee', 5], ['cow', 3]] as const) {
    mkdirSync(join(dir, c));
    for (let i = 0; i < n; i++) await writePng(join(dir, c, `${i}.png`), 16, 16, i * 5 + n);
  }
  const out = ownTempDir(t);
  const { runDir } = await runDataset(dir, loadConfig({ env: {}, flags: { out, runId: 'r', size: 16, threads: 1, groupBy: 'folder', draw: 'none', stats: 'dataset' } }));
  const lines = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const byGroup = new Map<string, Set<string>>();
  for (const l of lines) byGroup.set(l[0]!, (byGroup.get(l[0]!) ?? new Set()).add(l[1]!.split('/')[0]!));
  for (const [g, folders] of byGroup) t.is(folders.size, 1, g);
  const facts = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as DatasetFacts;
  t.deepEqual(Object.keys(facts.folders), ['ant', 'bee', 'cow']);
  t.is(facts.images, 12);
  const close = (a: number, b: number, what: string) => t.true(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);
  for (const [folder, totals] of Object.entries(facts.folders)) {
    const rows = lines.filter((l) => l[1]!.startsWith(`${folder}/`));
    t.is(totals.images, rows.length / 3);
    for (const [c, ch] of ['R', 'G', 'B'].entries()) {
      const unseen = rows.filter((l) => l[2] === ch).map((l) => Number(l[13]));
      close(totals.sum[c]! / totals.images, unseen.reduce((a, b) => a + b, 0) / unseen.length, `${folder} ${ch} mean`);
      close(totals.max[c]!, Math.max(...unseen), `${folder} ${ch} worst`);
    }
  }
  // the dataset's mean per channel, and the shares under each batch's own statistics beside the dataset's
  for (const [c, ch] of ['R', 'G', 'B'].entries()) {
    const rows = lines.filter((l) => l[2] === ch);
    close(facts.mean[c]!, rows.reduce((a, l) => a + Number(l[5]), 0) / rows.length, `mean ${ch}`);
    close(facts.batchBelow0![c]! + facts.batchAbove1![c]!, rows.reduce((a, l) => a + Number(l[16]), 0) / rows.length, `batch unseen ${ch}`);
  }
  const html = readFileSync(join(runDir, 'index.html'), 'utf8');
  t.true(html.indexOf('id="report"') < html.indexOf('id="all"'));
  t.regex(html, /<table class="folders" id="folders">/);
  t.regex(html, /unseen, each batch's own statistics<\/th><td>/);

  // the dashboard shows the same report, from report.json, its table sorting by its nonce'd script
  const d = await testDashboard(t, { out });
  const page = await d.app.inject({ url: '/runs/r/report', headers: { host: 'localhost' } });
  t.is(page.statusCode, 200, page.body);
  t.regex(page.body, /<table class="folders" id="folders">/);
  t.regex(page.body, /<td>ant<\/td><td>4<\/td>/);
  t.regex(page.body, /<script nonce="[^"]+">[\s\S]*getElementById\('folders'\)/);
  t.is((await d.app.inject({ url: '/runs/nosuch/report', headers: { host: 'localhost' } })).statusCode, 404);
});

test('the dataset report under --stats batch: the shares under the dataset\'s statistics (summed from the groups\' level counts) equal those a --stats dataset run normalizes with, and its column of each batch\'s own equals this run\'s; a resumed run that skips its groups gives the same', async (t) => {
  const dir = ownTempDir(t);
  // 12 gradients, each scaled and shifted its own way: every group's statistics differ from the dataset's
  for (let i = 0; i < 12; i++) {
    await sharp(gradient(16, 16, i), { raw: { width: 16, height: 16, channels: 3 } }).linear([0.3 + 0.1 * i, 1.2 - 0.05 * i, 0.6], [4 * i, 0, 60 - 5 * i]).png().toFile(join(dir, `${String(i).padStart(2, '0')}.png`));
  }
  const out = ownTempDir(t);
  const flags = { out, size: 16, threads: 2, figures: 'overview' };
  const report = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as DatasetFacts;
  const batch = await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, runId: 'batch', draw: 'none' } }));
  const dataset = await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, runId: 'dataset', draw: 'none', stats: 'dataset' } }));
  const b = report(batch.runDir);
  const d = report(dataset.runDir);
  t.is(b.datasetGroups, 4);
  t.is(b.batchBelow0, undefined);
  t.is(d.datasetBelow0, undefined, 'a run with given statistics sets each batch\'s beside them instead');
  const same = (a: number[] | undefined, c: number[] | undefined, what: string) => {
    t.is(a?.length, 3, what);
    a!.forEach((v, i) => t.true(Math.abs(v - c![i]!) < 1e-12, `${what} ${'RGB'[i]}: ${v} vs ${c![i]}`));
  };
  same(b.datasetBelow0, d.below0, 'below 0 under the dataset\'s statistics');
  same(b.datasetAbove1, d.above1, 'above 1 under the dataset\'s statistics');
  same(b.below0, d.batchBelow0, 'below 0 under each batch\'s own');
  same(b.above1, d.batchAbove1, 'above 1 under each batch\'s own');
  t.true(b.below0.some((v, i) => Math.abs(v - b.datasetBelow0![i]!) > 0.01), 'the two differ on this folder');
  const html = readFileSync(join(batch.runDir, 'index.html'), 'utf8');
  t.regex(html, /unseen, the dataset's statistics \(as --stats dataset\)<\/th><td>/);

  // every group drawn, then the run again: each group skipped, its level counts read from its group.json
  await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, runId: 'again', draw: 'all' } }));
  const again = await runDataset(dir, loadConfig({ env: {}, flags: { ...flags, runId: 'again', draw: 'all' } }));
  t.is(again.record.counts.skipped, 4);
  const a = report(again.runDir);
  t.is(a.datasetGroups, 4);
  t.deepEqual([a.datasetBelow0, a.datasetAbove1], [b.datasetBelow0, b.datasetAbove1]);
});
