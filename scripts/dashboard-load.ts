/**
 * What the dashboard's run page costs at dataset scale: a run of N groups
 * synthesized in Redis (scripts/synthetic-run.ts, under a prefix of its own,
 * removed afterwards), then the bytes of one poll (the summary, unchanged or
 * changed, and a page of groups; plain and gzip as a browser gets them), the
 * time of the first request (the index read from Redis) and the time until
 * Chromium shows the first page of the gallery.
 * `node dist/scripts/dashboard-load.js [groups...]` (default: 2000 100000);
 * needs Redis (BNVIZ_REDIS_URL) and Chromium.
 */
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { connectRedis } from '../src/fleet/connect-redis.js';
import { launchChromium } from '../test/helpers/browser.js';
import { deleteUnder } from '../test/helpers/redis.js';
import { synthesizeRun } from './synthetic-run.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const redis = connectRedis(process.env.BNVIZ_REDIS_URL ?? 'redis://127.0.0.1:6379');
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

for (const groups of sizes.length ? sizes : [2000, 100_000]) {
  const prefix = `bnviz-load-${randomBytes(4).toString('hex')}`;
  const out = mkdtempSync(join(tmpdir(), 'bnviz-load-'));
  const queue = new Queue('groups', { connection: redis, prefix });
  try {
    let t = performance.now();
    // Group folders (record and thumbnail) only up to a size that a temp folder takes quickly.
    await synthesizeRun({ redis, prefix, runId: 'big', groups, failEvery: 50, out: groups <= 5000 ? out : undefined });
    const made = performance.now() - t;
    const app = await buildDashboard({ redis, prefix, queue, outRoot: out, token: '', allowActions: false });
    const get = async (url: string) => {
      const t0 = performance.now();
      const plain = await app.inject({ url });
      const ms = performance.now() - t0;
      const gz = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
      return { ms, plain: plain.rawPayload.length, gzip: gz.rawPayload.length, body: plain.body };
    };
    const first = await get('/api/runs/big');
    const version = (JSON.parse(first.body) as { version: number }).version;
    const same = await get(`/api/runs/big?since=${version}`);
    const page = await get('/api/runs/big/groups?limit=60');
    const filtered = await get('/api/runs/big/groups?limit=60&sort=unseen-desc&minUnseen=0.3&q=img-00');
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/runs/big`;
    const browser = await launchChromium();
    let loadMs = 0;
    try {
      const tab = await browser.newPage();
      t = performance.now();
      await tab.goto(url);
      await tab.waitForFunction(() => document.querySelectorAll('#gallery figure').length === 60, undefined, { timeout: 120_000 });
      loadMs = performance.now() - t;
    } finally {
      await browser.close();
    }
    await app.close();
    process.stdout.write([
      `${groups} groups (synthesized in ${(made / 1000).toFixed(1)} s)`,
      `  first summary (reads the index): ${first.ms.toFixed(0)} ms, ${kb(first.plain)} (gzip ${kb(first.gzip)})`,
      `  poll, nothing new (since=version): ${same.ms.toFixed(0)} ms, ${kb(same.plain)} (gzip ${kb(same.gzip)})`,
      `  a page of 60 groups: ${page.ms.toFixed(0)} ms, ${kb(page.plain)} (gzip ${kb(page.gzip)})`,
      `  filtered and sorted page: ${filtered.ms.toFixed(0)} ms, ${kb(filtered.plain)} (gzip ${kb(filtered.gzip)})`,
      `  Chromium: run page to its first 60 cards: ${loadMs.toFixed(0)} ms`,
      '',
    ].join('\n'));
  } finally {
    await queue.close();
    await deleteUnder(redis, prefix);
    rmSync(out, { recursive: true, force: true });
  }
}
redis.disconnect();
