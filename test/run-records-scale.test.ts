/**
 * A run's records at dataset scale: 200,000 groups (2,000 failed) finalized
 * from records made on the fly (finalizeRun's reader seam), then index.html
 * opened from disk in Chromium; and a million failed groups. Sizes, counts
 * and heap bytes, never times.
 */
import test from 'ava';
import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { finalizeRun } from '../src/records/finalize-run.js';
import { groupDir } from '../src/records/group-record.js';
import { buildRunRecord } from '../src/records/run-record.js';
import { THUMBNAIL } from '../src/records/thumbnail.js';
import { isSyntheticFailure, readSyntheticRecord, syntheticGroups, syntheticId, syntheticRunRecord, syntheticUnseen } from '../scripts/synthetic-records.js';
import { watchedPage } from './helpers/browser.js';
import { tempDir } from './helpers/paths.js';

const GROUPS = 200_000;
const FAIL_EVERY = 100;
const DONE = GROUPS - GROUPS / FAIL_EVERY;
/** What the old index.html took for 2,000 groups (a card each); now it holds the same at any size. */
const INDEX_BOUND = 256 * 1024;
/** Heap the finalization may grow by, measured after a full collection: its state is flat (the old one kept every group, ~80 MB here). */
const HEAP_BOUND = 32 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Done groups' dataset indices. */
const done = Array.from({ length: GROUPS }, (_, i) => i).filter((i) => !isSyntheticFailure(i, FAIL_EVERY));
const pageOf = (order: number) => Math.floor(done.indexOf(order) / 1000) + 1;

const dirs: string[] = [];
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let made: Promise<{ runDir: string; heapGrowth: number; worst: number[] }> | undefined;
/** The run, finalized once for the tests of this file; the worst groups get thumbnails, as workers leave them. */
function bigRun() {
  made ??= (async () => {
    const runDir = tempDir();
    dirs.push(runDir);
    gc();
    const base = process.memoryUsage().heapUsed;
    let heapGrowth = 0;
    let read = 0;
    const readGroup = async (id: string) => {
      if (++read % 20_000 === 0) {
        gc();
        heapGrowth = Math.max(heapGrowth, process.memoryUsage().heapUsed - base);
      }
      return readSyntheticRecord(id);
    };
    await finalizeRun(runDir, syntheticRunRecord('scale', GROUPS, FAIL_EVERY), syntheticGroups(GROUPS, FAIL_EVERY), { readGroup });
    const worst = [...readFileSync(join(runDir, 'index.html'), 'utf8').matchAll(/<figure data-order="(\d+)"/g)].map((m) => Number(m[1]));
    const thumb = await sharp({ create: { width: 160, height: 80, channels: 3, background: '#3a7d44' } }).webp().toBuffer();
    for (const i of worst) {
      const dir = groupDir(runDir, syntheticId(i));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, THUMBNAIL), thumb);
    }
    return { runDir, heapGrowth, worst };
  })();
  return made;
}

test('finalizeRun of 200,000 groups: index.html under 256 KB with the 100 worst, 198 pages of 1,000, every failure in failures.csv, 1,000 in run.json, the heap flat', async (t) => {
  const { runDir, heapGrowth, worst } = await bigRun();
  const index = statSync(join(runDir, 'index.html')).size;
  t.true(index < INDEX_BOUND, `index.html is ${index} bytes`);
  const byUnseen = [...done].sort((a, b) => syntheticUnseen(b) - syntheticUnseen(a) || a - b);
  t.deepEqual(worst, byUnseen.slice(0, 100));
  const pages = readdirSync(join(runDir, 'pages')).sort();
  t.is(pages.length, DONE / 1000);
  t.is(pages.at(-1), '000198.js');
  const largest = Math.max(...pages.map((p) => statSync(join(runDir, 'pages', p)).size));
  t.true(largest < INDEX_BOUND, `a page of ${largest} bytes`);
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  t.is(record.failures.length, 1000);
  t.is(record.failuresLeftOut, GROUPS / FAIL_EVERY - 1000);
  const runJson = statSync(join(runDir, 'run.json')).size;
  t.true(runJson < 2 * INDEX_BOUND, `run.json is ${runJson} bytes`);
  t.is(readFileSync(join(runDir, 'failures.csv'), 'utf8').trim().split('\n').length, 1 + GROUPS / FAIL_EVERY);
  t.true(heapGrowth < HEAP_BOUND, `the heap grew by ${(heapGrowth / 1048576).toFixed(1)} MB`);
  t.log(`heap growth ${(heapGrowth / 1048576).toFixed(1)} MB`);
});

test('index.html of 200,000 groups opened from disk in Chromium: the worst groups with their thumbnails, the failures, and paging by button, number and address', async (t) => {
  const { runDir, worst } = await bigRun();
  const { page, problems } = await watchedPage(t);
  await page.goto(pathToFileURL(join(runDir, 'index.html')).href);
  // the groups with the most unseen, most first, pictures shown
  t.is(await page.locator('#worst-gallery figure').count(), 100);
  t.is(Number(await page.getAttribute('#worst-gallery figure', 'data-unseen')), syntheticUnseen(worst[0]!));
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#worst-gallery img');
    return img !== null && img.complete && img.naturalWidth > 0;
  });
  // the first failures, with the count and the file of all
  t.is(await page.textContent('#failures h2'), `Failed groups (${GROUPS / FAIL_EVERY})`);
  t.is(await page.locator('#failures li').count(), 100);
  t.is(await page.getAttribute('#failures a', 'href'), 'failures.csv');
  // the pages: the first at once, in dataset order
  const firstId = () => page.textContent('#gallery figure figcaption b');
  await page.waitForSelector('#gallery[data-page="1"]');
  t.is(await page.locator('#gallery figure').count(), 1000);
  t.is(await firstId(), syntheticId(0));
  t.is(await page.textContent('#pages'), '198');
  t.true(await page.isDisabled('#prev'));
  await page.click('#next');
  await page.waitForSelector('#gallery[data-page="2"]');
  t.is(await firstId(), syntheticId(done[1000]!));
  t.is(new URL(page.url()).hash, '#page=2');
  await page.fill('#page', '198');
  await page.dispatchEvent('#page', 'change');
  await page.waitForSelector('#gallery[data-page="198"]');
  t.is(await page.locator('#gallery figure').count(), 1000);
  t.is(await firstId(), syntheticId(done[197_000]!));
  t.true(await page.isDisabled('#next'));
  // by address: the page of the worst group, whose card is drawn as index.html draws it
  const target = pageOf(worst[0]!);
  await page.evaluate((n) => { location.hash = `#page=${n}`; }, target);
  await page.waitForSelector(`#gallery[data-page="${target}"]`);
  const cardOf = (sel: string) => page.$eval(sel, (f) => ({
    links: Array.from(f.querySelectorAll('a')).map((a) => a.getAttribute('href')),
    img: f.querySelector('img')?.getAttribute('src'),
    caption: f.querySelector('figcaption')!.textContent!.replace(/\s+/g, ' ').trim(),
    order: f.getAttribute('data-order'),
  }));
  t.deepEqual(await cardOf(`#gallery figure[data-order="${worst[0]}"]`), await cardOf('#worst-gallery figure'));
  // sorting orders the page shown
  await page.click('button[data-sort="unseen-desc"]');
  const onPage = done.slice((target - 1) * 1000, target * 1000);
  t.is(await page.getAttribute('#gallery figure', 'data-order'), String([...onPage].sort((a, b) => syntheticUnseen(b) - syntheticUnseen(a) || a - b)[0]));
  await page.click('#next');
  await page.waitForSelector(`#gallery[data-page="${target + 1}"]`);
  const shown = await page.$$eval('#gallery figure', (fs) => fs.map((f) => Number(f.getAttribute('data-unseen'))));
  t.deepEqual(shown, [...shown].sort((a, b) => b - a), 'the next page shown sorted the same way');
  t.deepEqual(problems, []);
});

test('a run of 1,000,000 groups that all failed: buildRunRecord and finalizeRun list the first 1,000 and count the rest, failures.csv holds every one', async (t) => {
  const runDir = tempDir();
  dirs.push(runDir);
  const n = 1_000_000;
  // every group fails: syntheticGroups fails every group when failEvery is 1
  const { timings: _, ...facts } = syntheticRunRecord('million', n, 1);
  const first = buildRunRecord({ ...facts, failures: (function* () { for (const g of syntheticGroups(n, 1)) yield g.failure!; })(), indexOf: (id) => Number(id.slice(0, id.indexOf('-'))) - 1 });
  t.is(first.failures.length, 1000);
  t.is(first.failuresLeftOut, n - 1000);
  t.is(first.failures[999]!.groupId, syntheticId(999));
  const record = await finalizeRun(runDir, { ...first, failures: [], failuresLeftOut: 0 }, syntheticGroups(n, 1), { readGroup: async () => t.fail('a failed group has no record to read') as never });
  t.deepEqual(record.failures, first.failures);
  t.is(record.failuresLeftOut, n - 1000);
  let lines = 0;
  for await (const _line of createInterface({ input: createReadStream(join(runDir, 'failures.csv')) })) lines++;
  t.is(lines, 1 + n);
  t.true(statSync(join(runDir, 'index.html')).size < INDEX_BOUND);
  t.deepEqual(readdirSync(join(runDir, 'pages')), []);
});
