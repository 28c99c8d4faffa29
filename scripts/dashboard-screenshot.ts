/**
 * Draws docs/dashboard-run.png: the dashboard's run page for a small run of
 * the example photos (four groups of three variants, one broken file that
 * fails its group), worked by a worker in this process on the local Redis,
 * photographed by headless Chromium once every group is counted; and
 * docs/dashboard-scale.png: the first view of a run of 2,000 groups (1,700
 * finished) synthesized with scripts/synthetic-run.ts, its thumbnails those
 * of the photo run; docs/dashboard-runs.png: the run list with both; and
 * docs/dashboard-failed-group.png: the broken file's group, opened from the
 * run page's failures (the dashboard allows actions, so the run page shows
 * its retry button).
 * `node dist/scripts/dashboard-screenshot.js [run.png] [scale.png] [runs.png] [failed-group.png]`
 * Needs Redis (BNVIZ_REDIS_URL, default redis://127.0.0.1:6379) and Chromium;
 * it removes every Redis key it made.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { connectRedis } from '../src/fleet/connect-redis.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { startWorker } from '../src/fleet/start-worker.js';
import { THUMBNAIL } from '../src/records/thumbnail.js';
import { launchChromium } from '../test/helpers/browser.js';
import { deleteUnder } from '../test/helpers/redis.js';
import { synthesizeRun } from './synthetic-run.js';

const target = resolve(process.argv[2] ?? 'docs/dashboard-run.png');
const scaleTarget = resolve(process.argv[3] ?? 'docs/dashboard-scale.png');
const runsTarget = resolve(process.argv[4] ?? 'docs/dashboard-runs.png');
const failedTarget = resolve(process.argv[5] ?? 'docs/dashboard-failed-group.png');
const examples = resolve('examples');
const photos = ['astronaut.png', 'coffee.png', 'chelsea.png'];

/** Four looks at each photo, named so that each group holds one look of the three photos. */
const looks: Array<[string, (s: Sharp) => Sharp]> = [
  ['a-original', (s) => s],
  ['b-mirrored', (s) => s.flop()],
  ['c-dim', (s) => s.modulate({ brightness: 0.45 })],
  ['d-bright', (s) => s.modulate({ brightness: 1.6, saturation: 1.4 })],
];

const work = mkdtempSync(join(tmpdir(), 'bnviz-screenshot-'));
const data = join(work, 'photos');
mkdirSync(data);
for (const [look, change] of looks) {
  for (const photo of photos) await change(sharp(join(examples, photo))).png().toFile(join(data, `${look}-${photo}`));
}
const broken = await sharp(join(examples, 'coffee.png')).jpeg().toBuffer();
writeFileSync(join(data, 'e-cut-short.jpg'), broken.subarray(0, Math.floor(broken.length / 3)));

const prefix = `bnviz-screenshot-${randomBytes(4).toString('hex')}`;
const config = loadConfig({
  flags: { 'redis.prefix': prefix, 'queue.name': 'groups', out: join(work, 'out'), runId: 'photos', size: 160, roots: data, threads: 2, 'dashboard.port': 0, 'dashboard.allowActions': true },
});
const redis = connectRedis(config.redis.url);
try {
  const enq = await enqueueDataset(data, config, { redis });
  const worker = await startWorker(config);
  const dashboard = await startDashboard(config);
  const browser = await launchChromium({ width: 1280, height: 600 });
  try {
    const page = await browser.newPage();
    await page.goto(`${dashboard.url}/runs/${enq.runId}`);
    await page.waitForFunction(() => /^finished/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await page.waitForFunction(() => {
      const images = Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img'));
      return images.length === 4 && images.every((i) => i.complete && i.naturalWidth > 0);
    }, undefined, { timeout: 30_000 });
    await page.selectOption('#sort', 'unseen-desc');
    await page.waitForFunction(() => {
      const shares = Array.from(document.querySelectorAll<HTMLElement>('#gallery figure')).map((f) => Number(f.dataset.unseen));
      return new URL(location.href).searchParams.get('sort') === 'unseen-desc' && shares.length === 5 && shares.every((x, i) => i === 0 || shares[i - 1] >= x);
    }, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img')).every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 30_000 });
    await page.screenshot({ path: target, fullPage: true });
    process.stdout.write(`wrote ${target}\n`);

    // At scale: 2,000 groups written into Redis and the output folder as a worker leaves them, their
    // thumbnails those of the photo run, one group in 50 failed; the first view of its run page.
    const groupsDir = join(config.out, enq.runId, 'groups');
    const thumbs = readdirSync(groupsDir).filter((g) => existsSync(join(groupsDir, g, THUMBNAIL))).sort().map((g) => readFileSync(join(groupsDir, g, THUMBNAIL)));
    await synthesizeRun({ redis, prefix, runId: 'dataset', groups: 2000, counted: 1700, failEvery: 50, out: config.out, thumbs });
    await page.setViewportSize({ width: 1280, height: 1700 });
    await page.goto(`${dashboard.url}/runs/dataset`);
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img')).slice(0, 12).every((i) => i.complete && i.naturalWidth > 0)
      && document.querySelectorAll('#gallery figure').length === 60, undefined, { timeout: 60_000 });
    await page.screenshot({ path: scaleTarget });
    process.stdout.write(`wrote ${scaleTarget}\n`);

    // The run list: the photo run finished with its failure, the large one running with the worker on its queue.
    await page.setViewportSize({ width: 1400, height: 300 });
    await page.goto(`${dashboard.url}/`);
    await page.waitForFunction(() => document.querySelectorAll('#runs tbody tr').length === 2 && !!document.querySelector('#runs .pct-failed'), undefined, { timeout: 30_000 });
    await page.screenshot({ path: runsTarget, fullPage: true });
    process.stdout.write(`wrote ${runsTarget}\n`);

    // The failed group's page, opened from its id in the run page's failures.
    await page.setViewportSize({ width: 1280, height: 400 });
    await page.goto(`${dashboard.url}/runs/${enq.runId}`);
    await page.waitForSelector('#failures a.failed-link', { timeout: 30_000 });
    await page.click('#failures a.failed-link');
    await page.waitForSelector('#group-error:not([hidden])', { timeout: 30_000 });
    await page.screenshot({ path: failedTarget, fullPage: true });
    process.stdout.write(`wrote ${failedTarget}\n`);
  } finally {
    await browser.close();
    await dashboard.close();
    await worker.close();
  }
} finally {
  await deleteUnder(redis, prefix);
  redis.disconnect();
}
