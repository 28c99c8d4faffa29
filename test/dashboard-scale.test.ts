/**
 * The dashboard at dataset scale, in a real Chromium: a run of 2,000 groups
 * (records written with the fleet's own calls, group folders with records
 * and thumbnails), paged, filtered, sorted, viewed one group at a time; and
 * its API's paging, filters and bounds.
 */
import test from 'ava';
import { Queue } from 'bullmq';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import { MAX_LIMIT, GroupQuery } from '../src/dashboard/query-groups.js';
import { fineBins, rateSeries, unseenHistogram } from '../src/dashboard/run-glance.js';
import { RunIndex, RunIndexes } from '../src/dashboard/run-index.js';
import { sortByKey } from '../src/util/sort-by-key.js';
import { groupList } from '../src/dashboard/group-list.js';
import { RunStore } from '../src/fleet/run-store.js';
import { synthesizeRun, syntheticUnseen } from '../scripts/synthetic-run.js';
import { watchedPage } from './helpers/browser.js';
import { tempDir } from './helpers/paths.js';
import { redisScope, until } from './helpers/redis.js';

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

test('RunIndex pages, filters by status, unseen range and name, sorts stably, and counts the matches, from the run\'s log in Redis', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const store = new RunStore(s.redis, s.prefix, 'small');
  const shares = [0, 0, 0.2, 0.3, 0.1];
  await store.addGroups(shares.map((_, i) => ({ groupId: `${String(i + 1).padStart(4, '0')}-x`, index: i, files: [] })));
  for (const [i, share] of shares.entries()) {
    const files = [i === 3 ? 'cat.png' : `f${i}.png`];
    await store.record(i === 1 ? { groupId: '0002-x', index: 1, status: 'failed', files, error: { name: 'InputError', message: 'bad' } } : { groupId: `${String(i + 1).padStart(4, '0')}-x`, index: i, status: 'done', files, maxUnseen: share });
  }
  const index = new RunIndex('small');
  await index.refresh({ redis: s.redis, prefix: s.prefix });
  const q = (over: Record<string, string>) => GroupQuery.parse(over);
  const indexes = async (over: Record<string, string>) => (await index.query(q(over))).groups.map((x) => x.index);
  t.like(await index.query(q({ limit: '2', offset: '2' })), { total: 5, offset: 2, limit: 2 });
  t.deepEqual(await indexes({ limit: '2', offset: '2' }), [2, 3]);
  t.deepEqual(await indexes({ status: 'failed' }), [1]);
  t.deepEqual((await index.query(q({ status: 'failed' }))).groups[0]!.files, ['f1.png'], 'a failed group\'s files, from its failure');
  t.deepEqual(await indexes({ minUnseen: '0.1', maxUnseen: '0.25' }), [2, 4]);
  t.deepEqual(await indexes({ q: 'CAT' }), [3]);
  t.deepEqual(await indexes({ q: '0005' }), [4], 'a group id');
  t.deepEqual(await indexes({ sort: 'unseen-desc' }), [3, 2, 4, 0, 1]);
  t.deepEqual(await indexes({ sort: 'unseen-asc' }), [0, 1, 4, 2, 3]);
  t.is((await index.query(q({ q: 'nothing' }))).total, 0);
  const near = await index.neighbours(q({ sort: 'unseen-desc' }), '0003-x');
  t.like(near, { position: 1, total: 5, previous: { groupId: '0004-x' }, next: { groupId: '0005-x' } });
  t.like(await index.neighbours(q({}), 'nope-x'), { position: -1 });
  t.false(GroupQuery.safeParse({ limit: String(MAX_LIMIT + 1) }).success, 'a page is bounded');
  t.false(GroupQuery.safeParse({ status: 'done,bogus' }).success);
  t.false(GroupQuery.safeParse({ minUnseen: '2' }).success);
});

test('sortByKey orders values by keys below 2^22 in place, equal keys in their first order', (t) => {
  t.deepEqual(Array.from(sortByKey(Uint32Array.of(10, 11, 12, 13), Uint32Array.of(2, 1, 2, 0))), [13, 11, 10, 12]);
  const keys = Uint32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 4_000_000);
  const values = Uint32Array.from({ length: 5000 }, (_, i) => i);
  const expected = Array.from(values).sort((a, b) => keys[a]! - keys[b]! || a - b);
  const sorted = sortByKey(values, Uint32Array.from(keys));
  t.is(sorted, values, 'the same array');
  t.deepEqual(Array.from(sorted), expected);
  t.throws(() => sortByKey(Uint32Array.of(1), Uint32Array.of()), { name: 'RangeError' });
});

test('groupList filters the mirror by status, unseen range and a kept set, and sorts by share, equal shares in dataset order', (t) => {
  const m = { status: Uint8Array.of(1, 3, 1, 2, 0, 1), unseen: Uint32Array.of(5, 0, 9, 5, 0, 5), count: 5 };
  const list = (q: Record<string, string>, keep?: (i: number) => boolean) => Array.from(groupList(m, GroupQuery.parse(q), keep));
  t.deepEqual(list({}), [0, 1, 2, 3, 5]);
  t.deepEqual(list({ status: 'failed' }), [1]);
  t.deepEqual(list({ status: 'done,skipped', minUnseen: '0.000005', maxUnseen: '0.000005' }), [0, 3, 5]);
  t.deepEqual(list({ sort: 'unseen-desc' }), [2, 0, 3, 5, 1]);
  t.deepEqual(list({ sort: 'unseen-asc' }), [1, 0, 3, 5, 2]);
  t.deepEqual(list({ sort: 'unseen-desc' }, (i) => i % 2 === 0), [2, 0]);
});

test('RunIndexes keeps at most its runs and bytes, the run looked at longest ago going first, and always the one asked for', (t) => {
  const one = new RunIndex('x').bytes;
  const small = new RunIndexes(20, one * 2);
  const a = small.get('a');
  t.is(small.get('a'), a, 'kept');
  small.get('b');
  small.get('c');
  t.not(small.get('a'), a, 'a third run over the bytes let the first go');
  const few = new RunIndexes(2);
  const first = few.get('a');
  few.get('b');
  few.get('c');
  t.not(few.get('a'), first, 'over the count');
  const alone = new RunIndexes(20, 1);
  const only = alone.get('a');
  t.is(alone.get('a'), only, 'the run asked for stays, whatever its size');
});

test('unseenHistogram counts every group once from the run\'s fine bins; rateSeries counts groups per slice', (t) => {
  const h = unseenHistogram(fineBins([0, 0.05, 0.5, 1]), 10);
  t.is(h.edges.length, 11);
  t.is(h.edges[10], 1);
  t.deepEqual(h.counts, [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  t.deepEqual(unseenHistogram(fineBins([0.01, 0.02, 0.099]), 20).edges.at(-1), 0.1, 'small shares spread over a tenth');
  t.deepEqual(unseenHistogram(fineBins([0.01, 0.02, 0.099]), 20).counts.filter((n) => n > 0), [1, 1, 1]);
  const r = rateSeries([[10_000, 1], [10_500, 1], [12_100, 1]], 10_000, 12_100, 60);
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
  // the run's log keeps a share to a millionth
  t.true(Math.abs(top[0]! - Math.max(...ids.map((_, i) => (i % 50 === 49 ? 0 : syntheticUnseen(i))))) < 1e-6);
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
    // NaN in any case: Prometheus reads values with Go's ParseFloat, and prom-client's event-loop lag says "Nan" before its first sample
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.]+(?:e[+-]?\d+)?|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return samples;
}

/**
 * A scrape that read the fleet within its time budget. On a loaded machine a scrape may run out of it
 * (fleet-metrics.ts): it then says bnviz_redis_up 0 and leaves the fleet's metrics out, as it should;
 * the next scrape, with the run's aggregates read, is asked instead.
 */
async function scrapeWithinBudget(app: { inject(o: { url: string }): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> }) {
  let last = '';
  return until('a /metrics scrape within its budget (bnviz_redis_up 1)', async () => {
    const r = await app.inject({ url: '/metrics' });
    const samples = parsePrometheus(r.body);
    last = `${r.statusCode} ${samples.filter((x) => x.name.startsWith('bnviz_')).map((x) => `${x.name}=${x.value}`).slice(0, 5).join(' ')}`;
    return samples.some((x) => x.name === 'bnviz_redis_up' && x.value === 1) ? { r, samples } : undefined;
  }, { everyMs: 1000, deadlineMs: 90_000, seen: () => last });
}

test('/metrics is Prometheus text: groups per run and state, queue jobs by state, workers alive, stage histograms of each computed group counted once', async (t) => {
  const { app } = await bigRun(t, 500);
  const { r, samples } = await scrapeWithinBudget(app);
  t.is(r.statusCode, 200);
  t.regex(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const value = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  t.is(value('bnviz_run_groups', { run: 'big', state: 'total' }), GROUPS);
  t.is(value('bnviz_run_groups', { run: 'big', state: 'failed' }), 10);
  t.is(value('bnviz_run_groups', { run: 'big', state: 'done' }), 490);
  t.is(value('bnviz_queue_jobs', { state: 'waiting' }), 0);
  t.is(value('bnviz_workers_alive', {}), 0);
  t.is(value('bnviz_stage_duration_seconds_count', { stage: 'total' }), 490);
  t.is(value('bnviz_stage_duration_seconds_bucket', { stage: 'figure', le: '0.1' }), 0);
  t.is(value('bnviz_stage_duration_seconds_bucket', { stage: 'figure', le: '0.25' }), 490);
  t.true(samples.filter((s) => !/^(process|nodejs)_/.test(s.name)).every((s) => s.name.startsWith('bnviz_')), 'every metric but prom-client\'s process metrics is named bnviz_...');
  t.is(value('bnviz_groups_failed_total', { run: 'big' }), 10);
  t.is(value('bnviz_redis_up', {}), 1);
  // A second scrape observes nothing twice.
  const { samples: again } = await scrapeWithinBudget(app);
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

test('the run\'s log: each count of a group appended once (a failed group counted done again too), read from where the reader stopped', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const store = new RunStore(s.redis, s.prefix, 'log');
  await store.addGroups([{ groupId: 'g0', index: 0, files: [] }, { groupId: 'g1', index: 1, files: [] }]);
  await store.record({ groupId: 'g1', index: 1, status: 'failed', files: ['b.png'], error: { name: 'InputError', message: 'bad' } });
  await store.record({ groupId: 'g0', index: 0, status: 'done', files: ['a.png', 'a:2.png'], maxUnseen: 0.25, timings: { decodeMs: 1, computeMs: 2, figureMs: 3, writeMs: 4, totalMs: 10 } as never });
  await store.record({ groupId: 'g0', index: 0, status: 'done', files: ['a.png'], maxUnseen: 0.25 });
  const first = await store.readLog(0);
  t.is(first.next, 2, 'a group counted twice is logged once');
  t.like(first.entries[0], { groupId: 'g1', index: 1, status: 'failed', maxUnseen: 0 });
  t.deepEqual(first.entries[1], { groupId: 'g0', index: 0, status: 'done', maxUnseen: 0.25, files: ['a.png', 'a:2.png'] });
  await store.record({ groupId: 'g1', index: 1, status: 'done', files: ['b.png'], maxUnseen: 0.5 });
  const rest = await store.readLog(first.next);
  t.is(rest.next, 3);
  t.deepEqual(rest.entries.map((e) => [e.groupId, e.status]), [['g1', 'done']]);
  t.is((await store.readLog(rest.next)).entries.length, 0);
});
