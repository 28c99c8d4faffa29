/**
 * The dataset report of a run of 2,000 groups, in Chromium: index.html
 * opened from disk shows the report first, the worst groups' figures open,
 * and the per-folder table sorts by the column clicked.
 */
import test from 'ava';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { runDataset } from '../src/run/run-dataset.js';
import { watchedPage } from './helpers/browser.js';
import { ownTempDir } from './helpers/paths.js';

test('index.html of 2,000 groups in Chromium: the report first, the worst groups\' figures open, the per-folder table sorts', async (t) => {
  const data = ownTempDir(t);
  // four class folders of 1,500 tiny images each; a class's images brighter than the last, and a few black ones
  for (let c = 0; c < 4; c++) {
    const dir = join(data, `class${c}`);
    mkdirSync(dir);
    await Promise.all(Array.from({ length: 1500 }, (_, i) => {
      const raw = Buffer.alloc(8 * 8 * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = i % 97 === 5 ? 0 : (p * 37 + i * 11 + c * 50) % 256;
      return sharp(raw, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(dir, `${String(i).padStart(4, '0')}.png`));
    }));
  }
  const out = ownTempDir(t);
  const { runDir, record } = await runDataset(data, loadConfig({ env: {}, flags: { out, runId: 'r', size: 8, threads: 2, figures: 'overview', draw: 'worst:5', groupBy: 'folder' } }));
  t.is(record.counts.groups, 2000);
  const { page, problems } = await watchedPage(t);
  await page.goto(pathToFileURL(join(runDir, 'index.html')).href);
  t.true(await page.locator('#report').isVisible());
  // the worst groups: each card's figure link opens an image
  const links = await page.locator('#worst-gallery figure > a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  t.is(links.length, 5);
  for (const href of links) {
    const figure = await page.context().newPage();
    await figure.goto(href);
    t.true(await figure.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), href);
    await figure.close();
  }
  // the folder table: sorted by the column clicked, most first, then least first
  const column = (n: number) => page.locator('#folders tbody tr').evaluateAll((rows, i) => rows.map((r) => (r as HTMLTableRowElement).cells[i as number]!.textContent!), n);
  t.deepEqual(await column(0), ['class0', 'class1', 'class2', 'class3']);
  await page.locator('#folders th', { hasText: 'mean unseen R' }).click();
  const desc = (await column(2)).map(parseFloat);
  t.deepEqual(desc, [...desc].sort((a, b) => b - a));
  await page.locator('#folders th', { hasText: 'mean unseen R' }).click();
  const asc = (await column(2)).map(parseFloat);
  t.deepEqual(asc, [...asc].sort((a, b) => a - b));
  await page.locator('#folders th', { hasText: 'folder' }).click();
  t.is((await column(0)).length, 4);
  t.deepEqual(problems, []);
});
