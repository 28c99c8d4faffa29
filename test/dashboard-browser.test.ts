import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { launchChromium } from './helpers/browser.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { redisScope } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

const RUN = 'dash-e2e';
const TOKEN = 'browser-test-token';

test('bnviz dashboard in Chromium: a run worked by a real worker goes from 0% to 100% on the runs page, its failure visible on the bar; the run page shows its groups, the failure and its reason, and a thumbnail opens the viewer with the full figure; the failed group\'s page shows its reason, an unknown group says so; the retry button puts the failed group back; Bull Board stays on this server', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const data = tempDir();
  const out = tempDir();
  for (let i = 0; i < 12; i++) await writePng(join(data, `img${String(i).padStart(2, '0')}.png`), 64, 64, i);
  writeFileSync(join(data, 'zz-broken.png'), 'not pixels at all\n'); // a 5th group of one that fails
  const enq = await runCli(['enqueue', data, '--run', RUN, '--size', '64', '--figures', 'overview', '--json'], { env: s.env });
  t.is(enq.code, 0, enq.stderr);
  t.like(JSON.parse(enq.stdout), { runId: RUN, groups: 5, added: 5 });

  const config = loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, out, 'dashboard.port': 0, 'dashboard.token': TOKEN, 'dashboard.allowActions': true } });
  const dashboard = await startDashboard(config);
  t.teardown(() => dashboard.close());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  // Every wait below is on the page's own events; this limit, far above what a busy machine needs,
  // only turns a page that never gets there into a failure naming what it waited for.
  page.setDefaultTimeout(120_000);
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });

  // The token once in the address: the server sets its cookie and drops the token from the URL.
  await page.goto(`${dashboard.url}/?token=${TOKEN}`);
  t.is(new URL(page.url()).search, '', 'token taken out of the address');
  const row = `tr[data-run="${RUN}"]`;
  await page.waitForSelector(row);
  t.is(await page.textContent(`${row} .pct`), '0%', 'nothing done before a worker exists');
  t.is(await page.textContent(`${row} .counts`), '0 / 5');

  const worker = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], s.env);
  t.teardown(() => { if (worker.child.exitCode === null) worker.child.kill('SIGKILL'); });
  await worker.ready;
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '100%', `${row} .pct`);
  t.is(await page.textContent(`${row} .counts`), '5 / 5');
  // a finished run with a failure: not a full green bar, said in words too; its end, and no workers of its own
  await page.waitForFunction((sel) => /^finished/.test(document.querySelector(sel)?.textContent ?? ''), `${row} td.status-finished`);
  t.is(await page.textContent(`${row} td.status-finished`), 'finished, 1 failed');
  t.is(await page.textContent(`${row} .pct-failed`), '1 failed');
  const widths = await page.$eval(`${row} .bar`, (b) => ({ bar: b.getBoundingClientRect().width, fill: b.querySelector('.fill')!.getBoundingClientRect().width, fail: b.querySelector('.fail')!.getBoundingClientRect().width }));
  t.true(widths.fail >= widths.bar * 0.2 - 1 && widths.fill < widths.bar * 0.81, `the failed fifth shows: ${JSON.stringify(widths)}`);
  t.not(await page.textContent(`${row} .finished-at`), '-');
  t.is(await page.textContent(`${row} .workers`), '-');
  // the run list fits the window (1280 px): nothing to scroll sideways for
  const fit = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
  t.true(fit.page <= fit.window, `the run list fits a ${fit.window} px window: ${fit.page} px wide`);
  // two days on, its times carry their date too, the longest they get, and the list still fits
  const today = (await page.textContent(`${row} .finished-at`))!;
  await page.clock.setFixedTime(Date.now() + 2 * 86_400_000);
  await page.waitForFunction(([sel, was]) => { const now = document.querySelector(sel)?.textContent; return !!now && now !== was; }, [`${row} .finished-at`, today] as const, { timeout: 10_000 });
  const later = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
  t.true(later.page <= later.window, `a run of another day fits a ${later.window} px window: ${later.page} px wide`);

  await page.click(`${row} a.run-link`);
  await page.waitForURL(`**/runs/${RUN}`);
  // The failed group is in the gallery too (marked failed, without a picture).
  await page.waitForFunction(() => document.querySelectorAll('#gallery figure').length === 5);
  await page.waitForSelector('#failures-section:not([hidden])');
  const failure = await page.textContent('#failures tbody');
  t.regex(failure ?? '', /zz-broken\.png/);
  const reason = (await page.textContent('#failures tbody td.error'))!;
  t.true(reason.length > 0, 'the reason is shown');
  t.true(await page.locator('#workers-section').isHidden(), 'a finished run lists no workers alive');
  // the spread's R, G, B legend, each with its colour and its fill
  t.deepEqual(await page.locator('#spread .legend text').allTextContents(), ['R solid', 'G hatched', 'B dotted']);
  t.regex((await page.textContent('#attempts'))!, /^attempts: 0 retried, 0 handed back/);
  t.regex((await page.textContent('#queue-depth'))!, new RegExp(`^queue ${s.queue}: 0 waiting, 0 prioritized, 0 active, 0 delayed$`));
  await page.waitForFunction(() => document.querySelectorAll<HTMLImageElement>('#gallery img').length === 4
    && Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img')).every((i) => i.complete && i.naturalWidth > 0));

  // Sorting by unseen share puts the largest first.
  await page.selectOption('#sort', 'unseen-desc');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'unseen-desc');
  await page.waitForFunction(() => {
    const shares = Array.from(document.querySelectorAll<HTMLElement>('#gallery figure')).map((f) => Number(f.dataset.unseen));
    return shares.length === 5 && shares.every((s, i) => i === 0 || shares[i - 1] >= s);
  });

  // A thumbnail opens the group's viewer: its full figure and its numbers.
  const href = await page.getAttribute('#gallery figure a.thumb', 'href');
  // the filter and sort kept, and the group's index (the viewer finds it without a search)
  t.regex(href ?? '', new RegExp(`^/runs/${RUN}/groups/[^/?]+\\?sort=unseen-desc&at=\\d+$`));
  const [response] = await Promise.all([page.waitForEvent('response', (r) => r.url().endsWith('/overview.png')), page.click('#gallery figure a.thumb')]);
  t.is(response.status(), 200);
  t.is(response.headers()['content-type'], 'image/png');
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#figures img')).some((i) => i.complete && i.naturalWidth === 1200));
  t.is(await page.locator('#numbers tbody tr').count(), 3 * 3, 'a row per image and channel');

  // The failed group's id links its page: its reason, and no share of unseen values it never had.
  await page.goto(`${dashboard.url}/runs/${RUN}`);
  await page.waitForSelector('#failures a.failed-link');
  await page.click('#failures a.failed-link');
  await page.waitForSelector('#group-error:not([hidden])');
  t.is(await page.textContent('#group-error'), `Failed: ${reason}`);
  t.is(await page.textContent('#group-status'), 'failed');
  t.true(await page.locator('#unseen').isHidden());
  t.true(await page.locator('#numbers-section').isHidden());
  t.regex((await page.textContent('#files'))!, /zz-broken\.png/);
  // An unknown group is not "loading ..." for ever.
  await page.goto(`${dashboard.url}/runs/${RUN}/groups/0099-nosuch`);
  await page.waitForSelector('#not-found');
  t.regex((await page.textContent('#not-found'))!, new RegExp(`run ${RUN} has no finished group 0099-nosuch`));
  // that 404 was asked for (the answer and the console's line for it)
  problems.splice(0, problems.length, ...problems.filter((p) => !(p.startsWith('404 ') && p.includes('/0099-nosuch')) && !/status of 404 \(Not Found\)/.test(p)));

  // The retry button (dashboard.allowActions, with the token): the group goes back, the worker takes it, and it fails again.
  await page.goto(`${dashboard.url}/runs/${RUN}`);
  await page.waitForSelector('#retry-box:not([hidden])');
  t.is(await page.textContent('#retry'), 'retry the failed group');
  await page.click('#retry');
  await page.waitForFunction(() => /back in the queue/.test(document.getElementById('retry-result')?.textContent ?? ''));
  t.is(await page.textContent('#retry-result'), '1 group is back in the queue');
  await page.waitForFunction(() => /^attempts: 1 retried/.test(document.getElementById('attempts')?.textContent ?? '') && document.getElementById('status')?.textContent === 'finished, 1 failed');

  // Bull Board's page draws the queue with nothing fetched from another host.
  const hosts = new Set<string>();
  page.on('request', (r) => { hosts.add(new URL(r.url()).host); });
  await page.goto(`${dashboard.url}/queues`);
  await page.waitForFunction((q) => document.body.textContent?.includes(q), s.queue);
  t.deepEqual([...hosts], [new URL(dashboard.url).host], 'every request of Bull Board stays on this server');

  t.deepEqual(problems, [], 'no script errors or blocked requests');
  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
});
