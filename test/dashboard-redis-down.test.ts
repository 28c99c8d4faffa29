import test from 'ava';
import { loadConfig } from '../src/config/load-config.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { tempDir } from './helpers/paths.js';
import { startRedisServer } from './helpers/redis.js';

/**
 * Far longer than a dashboard that gives up on Redis needs even on a busy
 * machine; only one that waits on Redis for good takes it.
 */
const HANGING_MS = 30_000;

test('startDashboard with Redis gone: /healthz, the API and Bull Board answer 503 instead of hanging, pages still load, close() still ends it', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const config = loadConfig({ env: {}, flags: { 'redis.url': server.url, 'redis.prefix': 'bnviz-down', 'queue.name': 'groups', out: tempDir(), 'dashboard.port': 0 } });
  const dashboard = await startDashboard(config);
  t.is((await fetch(`${dashboard.url}/api/runs`)).status, 200);
  const healthy = await fetch(`${dashboard.url}/healthz`);
  t.is(healthy.status, 200);
  t.like(await healthy.json(), { status: 'ok', redis: 'up' });
  await server.stop();
  const unhealthy = await fetch(`${dashboard.url}/healthz`, { signal: AbortSignal.timeout(HANGING_MS) });
  t.is(unhealthy.status, 503, '/healthz with Redis gone');
  t.like(await unhealthy.json(), { status: 'unavailable' });
  for (const path of ['/api/runs', '/api/runs/some-run', '/queues/api/queues']) {
    const r = await fetch(`${dashboard.url}${path}`, { signal: AbortSignal.timeout(HANGING_MS) }).catch((err: Error) => {
      throw new Error(`${path} gave no answer in ${HANGING_MS / 1000} s with Redis down: the dashboard hangs instead of answering 503 (${err.name}: ${err.message})`);
    });
    t.is(r.status, 503, path);
    t.regex(((await r.json()) as { error: string }).error, /max retries|not reachable/, path);
  }
  t.is((await fetch(`${dashboard.url}/`)).status, 200);
  await dashboard.close();
});
