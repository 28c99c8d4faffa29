import test from 'ava';
import type { RunState } from '../src/fleet/run-store.js';
import { groupCard, runView, workerView } from '../src/dashboard/run-view.js';

const started = '2030-01-01T00:00:00.000Z';
const t0 = Date.parse(started);
const run = (over: Partial<RunState>): RunState => ({ runId: 'r', status: 'running', total: 1000, done: 0, skipped: 0, failed: 0, startedAt: started, ...over });

test('runView: percent rounds down, so 100 means every group counted; rate and ETA as bnviz status computes them', (t) => {
  const v = runView(run({ done: 990, skipped: 4, failed: 5 }), t0 + 100_000);
  t.like(v, { finished: 999, percent: 99, rate: 9.99 });
  t.is(v.etaSeconds!.toFixed(3), (1 / 9.99).toFixed(3));
  t.is(runView(run({ done: 998, failed: 2 }), t0 + 100_000).percent, 100);
  t.like(runView(run({ status: 'queued', startedAt: undefined, done: 0 }), t0), { percent: 0, rate: 0, etaSeconds: null, eta: '?' });
  t.like(runView(run({ total: 0, status: 'queued' }), t0), { percent: 0 });
  t.like(runView(run({ status: 'finished', done: 1000, finishedAt: '2030-01-01T00:01:40.000Z' }), t0 + 999_000), { eta: '0s', elapsed: '1m40s', rate: 10 });
});

test('groupCard: the thumbnail is thumb.webp, else the overview, else the first PNG, else none; the viewer link keeps the query', (t) => {
  const g = { groupId: 'g-1', index: 0, status: 'done' as const, files: ['a.png'], maxUnseen: 0.5 };
  t.is(groupCard('r', g, ['overview.png', 'thumb.webp', 'stats.json']).thumbnail, '/runs/r/groups/g-1/thumb.webp');
  t.is(groupCard('r.1', g, ['panels.png', 'overview.png', 'stats.json']).thumbnail, '/runs/r.1/groups/g-1/overview.png');
  t.is(groupCard('r', g, ['compare.png', 'panels.png']).thumbnail, '/runs/r/groups/g-1/compare.png');
  const none = groupCard('r', g, ['stats.json'], '?sort=unseen-desc');
  t.is(none.thumbnail, null);
  t.is(none.viewer, '/runs/r/groups/g-1?sort=unseen-desc&at=0', 'the query kept, and the group\'s index (the viewer finds it without a search)');
});

test('workerView: seconds since the last heartbeat, never negative', (t) => {
  const beat = { host: 'h', pid: 1, queue: 'q', threads: 2, active: 1, processed: 3, failed: 0, startedAt: started, lastSeen: '2030-01-01T00:00:10.000Z' };
  t.is(workerView(beat, t0 + 12_400).secondsAgo, 2);
  t.is(workerView(beat, t0).secondsAgo, 0);
  t.is(workerView(beat, t0).rate, 0.3, 'groups per second between its start and its last beat');
});
