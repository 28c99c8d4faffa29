/**
 * The dashboard at dataset scale, in a real Chromium: a run of 2,000 groups
 * (records written with the fleet's own calls, group folders with records
 * and thumbnails), paged, filtered, sorted, viewed one group at a time; and
 * its API's paging, filters and bounds.
 */
import test from 'ava';
import { Queue } from 'bullmq';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { MAX_LIMIT, queryGroups, GroupQuery } from '../src/dashboard/query-groups.js';
import { rateSeries, unseenHistogram } from '../src/dashboard/run-glance.js';
import { runKeys } from '../src/fleet/fleet-keys.js';
import { readFinishedSince, recordOutcome } from '../src/fleet/run-store.js';
import { synthesizeRun, syntheticUnseen } from '../scripts/synthetic-run.js';
import { watchedPage } from './helpers/browser.js';
import { tempDir } from './helpers/paths.js';
import { redisScope } from './helpers/redis.js';

const GROUPS = 2000;
/** A poll of the run page (summary) whatever the run's size, at most (plain JSON, 50 failures listed). */
const POLL_BOUND = 16 * 1024;

async function bigRun(t: import('ava').ExecutionContext, counted = GROUPS) {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const out = tempDir();
  const ids = await synthesizeRun({ redis: s.redis, prefix: s.prefix, runId: 'big', groups: GROUPS, counted, failEvery: 50, out });
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const app = await buildDashboard({ redis: s.redis, prefix: s.prefix, queue, outRoot: out, token: '', allowActions: false });
  t.teardown(() => app.close());
  return { s, out, ids, app };
}

const g = (i: number, over: Partial<{ status: 'done' | 'failed'; maxUnseen: number; files: string[] }> = {}) => ({ groupId: `${String(i + 1).padStart(4, '0')}-x`, index: i, status: 'done' as const, files: [`f${i}.png`], maxUnseen: i / 10, ...over });

test('queryGroups pages, filters by status, unseen range and name, sorts stably, and counts the matches', (t) => {
  const all = [g(0), g(1, { status: 'failed', maxUnseen: 0 }), g(2), g(3, { files: ['cat.png'] }), g(4, { maxUnseen: 0.1 })];
  const q = (over: Record<string, string>) => GroupQuery.parse(over);
  t.deepEqual(queryGroups(all, q({ limit: '2', offset: '2' })), { total: 5, offset: 2, limit: 2, groups: [all[2], all[3]] });
  t.deepEqual(queryGroups(all, q({ status: 'failed' })).groups.map((x) => x.index), [1]);
  t.deepEqual(queryGroups(all, q({ minUnseen: '0.1', maxUnseen: '0.25' })).groups.map((x) => x.index), [1, 2, 4].filter((i) => i !== 1));
  t.deepEqual(queryGroups(all, q({ q: 'CAT' })).groups.map((x) => x.index), [3]);
  t.deepEqual(queryGroups(all, q({ sort: 'unseen-desc' })).groups.map((x) => x.index), [3, 2, 4, 0, 1].sort((a, b) => all[b].maxUnseen - all[a].maxUnseen || a - b));
  t.is(queryGroups(all, q({ q: 'nothing' })).total, 0);
  t.false(GroupQuery.safeParse({ limit: String(MAX_LIMIT + 1) }).success, 'a page is bounded');
  t.false(GroupQuery.safeParse({ status: 'done,bogus' }).success);
  t.false(GroupQuery.safeParse({ minUnseen: '2' }).success);
});

test('unseenHistogram counts every counted group once; rateSeries counts groups per slice', (t) => {
  const h = unseenHistogram([g(0, { maxUnseen: 0 }), g(1, { maxUnseen: 0.05 }), g(2, { maxUnseen: 0.5 }), g(3, { maxUnseen: 1 }), g(4, { status: 'failed' })], 10);
  t.is(h.edges.length, 11);
  t.is(h.edges[10], 1);
  t.deepEqual(h.counts, [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const r = rateSeries([{ ...g(0), at: 10_000 }, { ...g(1), at: 10_500 }, { ...g(2), at: 12_100 }], 60);
  t.deepEqual(r, { start: 10_000, sliceMs: 1000, counts: [2, 0, 1] });
});

test('the groups API on 2,000 groups: pages, totals, filters, sort, 400 for a bad query, 404 for an unknown run; a poll with nothing new stays small', async (t) => {
  const { app, ids } = await bigRun(t);
  const json = async (url: string) => {
    const r = await app.inject({ url });
    return { code: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> & { total: number; groups: Array<{ groupId: string; maxUnseen: number; status: string; thumbnail: string | null }> } };
  };
  const first = await json('/api/runs/big/groups?limit=50');
  t.is(first.code, 200);
  t.is(first.body.total, GROUPS);
  t.deepEqual(first.body.groups.map((x) => x.groupId), ids.slice(0, 50));
  t.regex(first.body.groups[0].thumbnail ?? '', /\/thumb\.webp$/);
  t.deepEqual((await json('/api/runs/big/groups?limit=50&offset=1950')).body.groups.map((x) => x.groupId), ids.slice(1950));
  t.is((await json('/api/runs/big/groups?status=failed')).body.total, GROUPS / 50);
  const top = (await json('/api/runs/big/groups?sort=unseen-desc&limit=10')).body.groups.map((x) => x.maxUnseen);
  t.is(top[0], Math.max(...ids.map((_, i) => (i % 50 === 49 ? 0 : syntheticUnseen(i)))));
  const band = await json('/api/runs/big/groups?minUnseen=0.3&maxUnseen=0.31&limit=500');
  t.true(band.body.groups.every((x) => x.maxUnseen >= 0.3 && x.maxUnseen <= 0.31));
  t.is(band.body.total, ids.filter((_, i) => i % 50 !== 49 && syntheticUnseen(i) >= 0.3 && syntheticUnseen(i) <= 0.31).length);
  t.is((await json('/api/runs/big/groups?q=img-0000004')).body.total, 1, 'a file name substring');
  t.is((await json('/api/runs/big/groups?limit=100000')).code, 400);
  t.is((await json('/api/runs/nope/groups')).code, 404);
  t.is((await app.inject({ url: '/runs/nope' })).statusCode, 404);

  const summary = await app.inject({ url: '/api/runs/big' });
  const version = (JSON.parse(summary.body) as { version: number }).version;
  const again = await app.inject({ url: `/api/runs/big?since=${version}` });
  t.true(again.rawPayload.length < POLL_BOUND, `a poll is ${again.rawPayload.length} bytes`);
  t.false('histogram' in JSON.parse(again.body), 'unchanged: the spread is not sent again');
  const gz = await app.inject({ url: '/api/runs/big/groups?limit=60', headers: { 'accept-encoding': 'gzip' } });
  t.is(gz.headers['content-encoding'], 'gzip');
});

test('the run page in Chromium at 2,000 groups: first view, paging, filtering, the viewer with previous/next and keys; each poll is small', async (t) => {
  const { app, s, ids } = await bigRun(t, GROUPS - 100);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const { page, problems } = await watchedPage(t);
  const polls: number[] = [];
  page.on('response', (r) => {
    if (/\/api\/runs\/big(\?since=\d+)?$/.test(r.url())) r.body().then((b) => polls.push(b.length), () => {});
  });

  await page.goto(`${base}/runs/big`);
  await page.waitForFunction(() => document.querySelectorAll('#gallery figure').length === 60);
  t.is(await page.textContent('#range'), `1-60 of ${GROUPS - 100}`);
  t.deepEqual(await page.$$eval('#gallery figure', (fs) => fs.map((f) => (f as HTMLElement).dataset.group)), ids.slice(0, 60));

  // More groups finish: the page learns it from its poll.
  await synthesizeRun({ redis: s.redis, prefix: s.prefix, runId: 'big', groups: GROUPS, failEvery: 50 });
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `1-60 of ${n}`, GROUPS);

  await page.click('#next');
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `61-120 of ${n}`, GROUPS);
  t.is(await page.getAttribute('#gallery figure', 'data-group'), ids[60]);

  await page.fill('#q', 'img-0000004');
  await page.waitForFunction(() => document.getElementById('range')?.textContent === '1-1 of 1');
  await page.fill('#q', '');
  await page.selectOption('#status-filter', 'failed');
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `1-${n} of ${n}`, GROUPS / 50);
  await page.selectOption('#status-filter', '');
  await page.fill('#min', '50');
  await page.selectOption('#sort', 'unseen-desc');
  const expected = ids.map((id, i) => ({ id, share: i % 50 === 49 ? 0 : syntheticUnseen(i) })).filter((x) => x.share >= 0.5);
  await page.waitForFunction((n) => document.getElementById('range')?.textContent === `1-60 of ${n}` && new URL(location.href).searchParams.get('sort') === 'unseen-desc', expected.length);
  await page.waitForFunction(() => {
    const shares = Array.from(document.querySelectorAll<HTMLElement>('#gallery figure')).map((f) => Number(f.dataset.unseen));
    return shares.length === 60 && shares.every((x, i) => x >= 0.5 && (i === 0 || shares[i - 1] >= x));
  });
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img')).slice(0, 4).every((i) => i.complete && i.naturalWidth === 160));

  // The viewer: numbers, the figure, previous/next in the gallery's order, and keys.
  const firstTwo = await page.$$eval('#gallery figure', (fs) => fs.slice(0, 2).map((f) => (f as HTMLElement).dataset.group));
  await page.click('#gallery figure a.thumb');
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('1 of '));
  t.is(await page.locator('#numbers tbody tr').count(), 3 * 3);
  t.true(await page.isHidden('#prev'));
  await page.keyboard.press('ArrowRight');
  await page.waitForURL(`**/groups/${firstTwo[1]}?*`);
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('2 of '));
  await page.click('#prev');
  await page.waitForURL(`**/groups/${firstTwo[0]}?*`);
  await page.waitForFunction(() => document.getElementById('position')?.textContent?.startsWith('1 of '));
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('#gallery figure').length === 60);
  t.is(new URL(page.url()).searchParams.get('sort'), 'unseen-desc', 'back to the run with the same filter');

  t.true(polls.length > 2);
  t.true(Math.max(...polls) < POLL_BOUND, `polls of ${Math.min(...polls)}-${Math.max(...polls)} bytes`);
  t.log(`summary polls: ${Math.min(...polls)}-${Math.max(...polls)} bytes (plain JSON)`);
  t.deepEqual(problems, []);
});

/** A Prometheus text exposition, line by line: HELP and TYPE comments, then `name{labels} value` samples. */
function parsePrometheus(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.]+(?:e[+-]?\d+)?|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return samples;
}

test('/metrics is Prometheus text: groups per run and state, queue jobs by state, workers alive, stage histograms of each computed group counted once', async (t) => {
  const { app } = await bigRun(t, 500);
  const r = await app.inject({ url: '/metrics' });
  t.is(r.statusCode, 200);
  t.regex(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const samples = parsePrometheus(r.body);
  const value = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  t.is(value('bnviz_run_groups', { run: 'big', state: 'total' }), GROUPS);
  t.is(value('bnviz_run_groups', { run: 'big', state: 'failed' }), 10);
  t.is(value('bnviz_run_groups', { run: 'big', state: 'done' }), 490);
  t.is(value('bnviz_queue_jobs', { state: 'waiting' }), 0);
  t.is(value('bnviz_workers_alive', {}), 0);
  t.is(value('bnviz_stage_duration_seconds_count', { stage: 'total' }), 490);
  t.is(value('bnviz_stage_duration_seconds_bucket', { stage: 'figure', le: '0.1' }), 0);
  t.is(value('bnviz_stage_duration_seconds_bucket', { stage: 'figure', le: '0.25' }), 490);
  t.true(samples.every((s) => s.name.startsWith('bnviz_')), 'every metric is named bnviz_...');
  // A second scrape observes nothing twice.
  const again = parsePrometheus((await app.inject({ url: '/metrics' })).body);
  t.is(again.find((s) => s.name === 'bnviz_stage_duration_seconds_count' && s.labels.stage === 'total')?.value, 490);
});

test('/healthz answers 200 while Redis answers, even with a token set and none given', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const app = await buildDashboard({ redis: s.redis, prefix: s.prefix, queue, outRoot: tempDir(), token: 'tok', allowActions: false });
  t.teardown(() => app.close());
  const r = await app.inject({ url: '/healthz' });
  t.is(r.statusCode, 200);
  t.deepEqual(JSON.parse(r.body), { status: 'ok', redis: 'up' });
  t.is((await app.inject({ url: '/metrics' })).statusCode, 401, '/metrics needs the token');
});

test('the finished log: recordOutcome appends a group each time it is counted (a failed group counted done again too), readFinishedSince reads from where it stopped', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const k = runKeys(s.prefix, 'log');
  await s.redis.zadd(k.groups, 0, 'g0', 1, 'g1');
  await recordOutcome(s.redis, k, { groupId: 'g1', status: 'failed', files: ['b.png'], error: { name: 'InputError', message: 'bad' } });
  await recordOutcome(s.redis, k, { groupId: 'g0', status: 'done', files: ['a.png'], maxUnseen: 0.25, timings: { decodeMs: 1, computeMs: 2, figureMs: 3, writeMs: 4, totalMs: 10 } });
  await recordOutcome(s.redis, k, { groupId: 'g0', status: 'done', files: ['a.png'], maxUnseen: 0.25 });
  const first = await readFinishedSince(s.redis, k, 0);
  t.is(first.next, 2, 'a group counted twice is logged once');
  t.like(first.entries[0], { groupId: 'g1', index: 1, status: 'failed', maxUnseen: 0 });
  t.like(first.entries[1], { groupId: 'g0', index: 0, status: 'done', maxUnseen: 0.25, files: ['a.png'], timings: { totalMs: 10 } });
  await recordOutcome(s.redis, k, { groupId: 'g1', status: 'done', files: ['b.png'], maxUnseen: 0.5 });
  const rest = await readFinishedSince(s.redis, k, first.next);
  t.is(rest.next, 3);
  t.deepEqual(rest.entries.map((e) => [e.groupId, e.status]), [['g1', 'done']]);
  t.is((await readFinishedSince(s.redis, k, rest.next)).entries.length, 0);
});
