/**
 * Draws docs/dashboard-run.png: the dashboard's run page for a small run of
 * the example photos (four groups of three variants, one broken file that
 * fails its group), worked by a worker in this process on the local Redis,
 * photographed by headless Chromium once every group is counted.
 * `node dist/scripts/dashboard-screenshot.js [docs/dashboard-run.png]`
 * Needs Redis (BNVIZ_REDIS_URL, default redis://127.0.0.1:6379) and Chromium;
 * it removes every Redis key it made.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { connectRedis } from '../src/fleet/connect-redis.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { startWorker } from '../src/fleet/start-worker.js';
import { launchChromium } from '../test/helpers/browser.js';
import { deleteUnder } from '../test/helpers/redis.js';

const target = resolve(process.argv[2] ?? 'docs/dashboard-run.png');
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
  flags: { 'redis.prefix': prefix, 'queue.name': 'groups', out: join(work, 'out'), runId: 'photos', size: 160, roots: data, threads: 2, 'dashboard.port': 0 },
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
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'finished', undefined, { timeout: 120_000 });
    await page.waitForFunction(() => {
      const images = Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img'));
      return images.length === 4 && images.every((i) => i.complete && i.naturalWidth > 0);
    }, undefined, { timeout: 30_000 });
    // The worker's heartbeat carries its counts every few seconds: wait for one after the last group.
    await page.waitForFunction(() => document.querySelector('#workers tbody td:nth-child(4)')?.textContent === '5', undefined, { timeout: 30_000 });
    await page.selectOption('#sort', 'unseen-desc');
    await page.screenshot({ path: target, fullPage: true });
    process.stdout.write(`wrote ${target}\n`);
  } finally {
    await browser.close();
    await dashboard.close();
    await worker.close();
  }
} finally {
  await deleteUnder(redis, prefix);
  redis.disconnect();
}
