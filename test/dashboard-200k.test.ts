/**
 * The run page in Chromium on a run of 200,000 groups (records made with
 * the synthetic run; group folders for the first 300): the first view, the
 * last page by its address, paging, the status, name and unseen filters, the
 * sort, and the viewer with previous/next, each answered from the
 * dashboard's index of the run (9 bytes a group) and a page's reads.
 */
import test from 'ava';
import { Queue } from 'bullmq';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { synthesizeRun, syntheticUnseen } from '../scripts/synthetic-run.js';
import { watchedPage } from './helpers/browser.js';
import { tempDir } from './helpers/paths.js';
import { redisScope } from './helpers/redis.js';

const GROUPS = 200_000;
const FAIL_EVERY = 50;

test('the run page in Chromium at 200,000 groups: first view, the last page, paging, filters, sort, the viewer', async (t) => {
  t.timeout(600_000);
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const out = tempDir();
  const ids = await synthesizeRun({ redis: s.redis, prefix: s.prefix, runId: 'huge', groups: GROUPS, failEvery: FAIL_EVERY, out, folders: 300 });
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const app = await buildDashboard({ redis: s.redis, prefix: s.prefix, queue, outRoot: out, token: '', allowActions: false });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const { page, problems } = await watchedPage(t);
  const range = (text: string) => page.waitForFunction((x) => document.getElementById('range')?.textContent === x, text, { timeout: 60_000 });

  await page.goto(`${base}/runs/huge`);
  await range('1-60 of 200000');
  t.deepEqual(await page.$$eval('#gallery figure', (fs) => fs.map((f) => (f as HTMLElement).dataset.group)), ids.slice(0, 60));
  await page.click('#next');
  await range('61-120 of 200000');
  t.is(await page.getAttribute('#gallery figure', 'data-group'), ids[60]);

  // the last page, by its address
  await page.goto(`${base}/runs/huge?offset=199980`);
  await range('199981-200000 of 200000');
  t.deepEqual(await page.$$eval('#gallery figure', (fs) => fs.map((f) => (f as HTMLElement).dataset.group)), ids.slice(199_980));

  // filters: failed groups, a name, an unseen band sorted most first
  await page.goto(`${base}/runs/huge`);
  await range('1-60 of 200000');
  await page.selectOption('#status-filter', 'failed');
  await range(`1-60 of ${GROUPS / FAIL_EVERY}`);
  await page.selectOption('#status-filter', '');
  await page.fill('#q', 'img-0190004');
  await range('1-1 of 1');
  await page.fill('#q', '');
  await page.fill('#min', '50');
  await page.selectOption('#sort', 'unseen-desc');
  const expected = ids.filter((_, i) => i % FAIL_EVERY !== FAIL_EVERY - 1 && syntheticUnseen(i) >= 0.5).length;
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `1-60 of ${n}` && new URL(location.href).searchParams.get('sort') === 'unseen-desc', expected, { timeout: 60_000 });
  await page.waitForFunction(() => {
    const shares = Array.from(document.querySelectorAll<HTMLElement>('#gallery figure')).map((f) => Number(f.dataset.unseen));
    return shares.length === 60 && shares.every((x, i) => x >= 0.5 && (i === 0 || shares[i - 1]! >= x));
  });

  // the viewer, from the first page in dataset order (those groups have folders): numbers, previous/next, keys
  await page.goto(`${base}/runs/huge`);
  await range('1-60 of 200000');
  await page.click('#gallery figure a.thumb');
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('1 of 200000'));
  t.is(await page.locator('#numbers tbody tr').count(), 3 * 3);
  await page.keyboard.press('ArrowRight');
  await page.waitForURL(`**/groups/${ids[1]}?*`);
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('2 of 200000'));
  await page.click('#prev');
  await page.waitForURL(`**/groups/${ids[0]}?*`);
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('1 of 200000'));
  await page.keyboard.press('Escape');
  await page.waitForURL(/\/runs\/huge(\?|$)/);
  await page.waitForFunction(() => document.querySelectorAll('#gallery figure').length === 60, undefined, { timeout: 60_000 }).catch(async (err: unknown) => {
    throw new Error(`back on the run page (${page.url()}): range ${await page.textContent('#range')}; ${String(err)}`);
  });
  t.deepEqual(problems, []);
});
