import test from 'ava';
import { loadConfig } from '../src/config/load-config.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';
import { tempDir } from './helpers/paths.js';
import { startRedisServer } from './helpers/redis.js';

test('startDashboard with Redis gone: the API and Bull Board answer 503 within seconds instead of hanging, pages still load, close() still ends it', async (t) => {
  const server = await startRedisServer();
  t.teardown(() => server.stop());
  const config = loadConfig({ env: {}, flags: { 'redis.url': server.url, 'redis.prefix': 'bnviz-down', 'queue.name': 'groups', out: tempDir(), 'dashboard.port': 0 } });
  const dashboard = await startDashboard(config);
  t.is((await fetch(`${dashboard.url}/api/runs`)).status, 200);
  await server.stop();
  for (const path of ['/api/runs', '/api/runs/some-run', '/queues/api/queues']) {
    const started = Date.now();
    const r = await fetch(`${dashboard.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    t.is(r.status, 503, path);
    t.regex(((await r.json()) as { error: string }).error, /max retries|not reachable/, path);
    t.true(Date.now() - started < 5000, `${path} answered in ${Date.now() - started} ms`);
  }
  t.is((await fetch(`${dashboard.url}/`)).status, 200);
  await dashboard.close();
});
