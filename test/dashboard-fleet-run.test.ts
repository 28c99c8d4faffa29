/**
 * The dashboard on a real fleet run of 2,000 small groups: two worker
 * processes compute them (twenty files are corrupt, so their groups fail),
 * then the run page in Chromium pages, filters by status and by unseen
 * share, sorts, and opens the viewer; the expected numbers come from the
 * group records the workers wrote.
 */
import test from 'ava';
import { Queue } from 'bullmq';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { readRun } from '../src/fleet/run-store.js';
import { watchedPage } from './helpers/browser.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { redisScope, until } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

const GOOD = 1980;
const BAD = 20;

test('a fleet run of 2,000 groups computed by two workers, in the dashboard: first view, paging, status and unseen filters, sort, viewer', async (t) => {
  t.timeout(15 * 60_000);
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const data = tempDir();
  for (let i = 0; i < GOOD; i++) await writePng(join(data, `img-${String(i).padStart(4, '0')}.png`), 16 + (i % 5), 16, i);
  for (let i = 0; i < BAD; i++) writeFileSync(join(data, `img-${String(GOOD + i).padStart(4, '0')}.png`), 'not an image');
  const out = tempDir();
  const workers = [0, 1].map(() => spawnWorker(['--roots', data, '--out', out, '--threads', '1'], s.env));
  for (const w of workers) t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  await Promise.all(workers.map((w) => w.ready));
  const enq = await runCli(['enqueue', data, '--run', 'fleet2k', '--exclude', out, '--group-size', '1', '--size', '16', '--figures', 'overview', '--draw', 'all', '--json'], { env: s.env });
  t.is(enq.code, 0, enq.stderr);
  const run = await until('the run to finish', async () => {
    const r = await readRun(s.redis, s.prefix, 'fleet2k');
    return r?.finishedAt ? r : undefined;
    // 2,000 groups on two single-thread workers take minutes on a loaded machine: the test's own time, not until()'s default
}, { everyMs: 500, deadlineMs: 12 * 60_000, seen: () => readRun(s.redis, s.prefix, 'fleet2k'), unless: Promise.all(workers.map((w) => w.exited)).then((c) => `the workers exited (${c.join(', ')})`) });
  t.like(run, { total: GOOD + BAD, done: GOOD, failed: BAD });
  for (const w of workers) w.child.kill('SIGTERM');
  t.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);

  // What the workers wrote: each done group's largest unseen share, in dataset order.
  const groupsDir = join(out, 'fleet2k', 'groups');
  const done = readdirSync(groupsDir).sort().map((g) => ({ id: g, maxUnseen: (JSON.parse(readFileSync(join(groupsDir, g, 'group.json'), 'utf8')) as { maxUnseen: number }).maxUnseen }));
  t.is(done.length, GOOD);
  const threshold = [...done.map((d) => d.maxUnseen)].sort((a, b) => a - b)[Math.floor(GOOD * 0.8)]!;
  const above = done.filter((d) => d.maxUnseen >= Math.round(threshold * 100) / 100).length;

  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const app = await buildDashboard({ redis: s.redis, prefix: s.prefix, queue, outRoot: out, token: '', allowActions: false });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const { page, problems } = await watchedPage(t);

  const total = GOOD + BAD;
  await page.goto(`${base}/runs/fleet2k`);
  await page.waitForFunction(() => document.querySelectorAll('#gallery figure').length === 60);
  t.is(await page.textContent('#range'), `1-60 of ${total}`);
  // How each image's unseen share spreads per channel: the same counts as index.html's figure, made from the group records
  await page.waitForSelector('#spread svg');
  const spreadOf = (text: string) => ['r', 'g', 'b'].map((c) => new RegExp(`data-${c}="([0-9,]+)"`).exec(text)?.[1]);
  const fromIndex = spreadOf(readFileSync(join(out, 'fleet2k', 'index.html'), 'utf8'));
  t.is(fromIndex[0]!.split(',').reduce((n, x) => n + Number(x), 0), GOOD);
  t.deepEqual(spreadOf(await page.innerHTML('#spread')), fromIndex);
  await page.click('#next');
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `61-120 of ${n}`, total);
  await page.selectOption('#status-filter', 'failed');
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `1-${n} of ${n}`, BAD);
  await page.selectOption('#status-filter', '');
  await page.fill('#min', String(Math.round(threshold * 100)));
  await page.selectOption('#sort', 'unseen-desc');
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `1-${Math.min(60, n)} of ${n}` && new URL(location.href).searchParams.get('sort') === 'unseen-desc', above);
  // first, the group with the most unseen (any of them, if several share it)
  const most = Math.max(...done.map((d) => d.maxUnseen));
  await page.waitForFunction((m) => Math.abs(Number((document.querySelector('#gallery figure') as HTMLElement | null)?.dataset.unseen) - m) < 1e-9, most);

  await page.click('#gallery figure a.thumb');
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('1 of '));
  t.is(await page.locator('#numbers tbody tr').count(), 3, 'one image, three channels');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('2 of '));
  t.deepEqual(problems, []);
});
