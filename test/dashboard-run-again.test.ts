/**
 * The dashboard follows what a run id names now: a run cleaned and enqueued
 * again under its id shows its new groups, not the cleaned run's; a run whose
 * records were lost from Redis (and that has no folder) is a 404.
 */
import test from 'ava';
import { RunStore } from '../src/fleet/run-store.js';
import { testDashboard } from './helpers/dashboard-app.js';
import { deleteUnder } from './helpers/redis.js';

async function enqueued(store: RunStore, groups: number, done: number, enqueuedAt: string): Promise<void> {
  await store.open({ root: '/data/r', options: {} as never, groupSize: 1, images: groups, queue: 'groups', partialGroups: [], enqueuedAt });
  await store.addGroups(Array.from({ length: groups }, (_, i) => ({ groupId: `${String(i + 1).padStart(4, '0')}-g`, index: i, files: [] })));
  for (let i = 0; i < done; i++) await store.record({ groupId: `${String(i + 1).padStart(4, '0')}-g`, index: i, status: 'done', files: [] });
}

test('dashboard: a run cleaned and enqueued again under its id shows the new run\'s groups; records lost from Redis are a 404', async (t) => {
  const { app, scope: s } = await testDashboard(t);
  const json = async (url: string) => {
    const r = await app.inject({ url });
    return { code: r.statusCode, body: r.json() as { total?: number; run?: { total: number } } };
  };
  const store = new RunStore(s.redis, s.prefix, 'again');
  await enqueued(store, 20, 20, new Date(Date.now() - 60_000).toISOString());
  t.is((await json('/api/runs/again/groups')).body.total, 20);
  // bnviz clean: the run's records gone; then enqueued anew under the same id
  await deleteUnder(s.redis, `${s.prefix}:run:again`);
  await enqueued(store, 3, 1, new Date().toISOString());
  const page = await json('/api/runs/again/groups');
  t.is(page.code, 200);
  t.is(page.body.total, 1, 'the new run\'s one finished group, not the cleaned run\'s 20');
  t.is((await json('/api/runs/again')).body.run?.total, 3);
  // the records lost (a Redis that lost its data), and no output folder: no run to show
  await deleteUnder(s.redis, `${s.prefix}:run:again`);
  t.is((await json('/api/runs/again')).code, 404);
  t.is((await json('/api/runs/again/groups')).code, 404);
});
