import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { checkExposure } from '../src/dashboard/start-dashboard.js';
import { isLoopback, tokenMatches } from '../src/dashboard/access-token.js';
import { testDashboard } from './helpers/dashboard-app.js';
import { CLI } from './helpers/paths.js';
import { reap } from './helpers/reaper.js';
import { redisScope } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';

const TOKEN = 's3cret-token';

/** Every kind of route: pages, API, figures, Bull Board's page, API, statics and actions, and paths that exist nowhere. */
const ROUTES = (queue: string): Array<[method: 'GET' | 'PUT' | 'POST', url: string]> => [
  ['GET', '/'],
  ['GET', '/runs/some-run'],
  ['GET', '/api/runs'],
  ['GET', '/api/runs/some-run'],
  ['GET', '/runs/some-run/groups/0001-abcdef12/overview.png'],
  ['GET', '/favicon.ico'],
  ['GET', '/queues'],
  ['GET', '/queues/'],
  ['GET', '/queues/api/queues'],
  ['GET', '/queues/static/favicon-32x32.png'],
  ['PUT', `/queues/api/queues/${queue}/retry/failed`],
  ['PUT', `/queues/api/queues/${queue}/clean/completed`],
  ['POST', '/api/runs'],
  ['GET', '/no/such/page'],
];

test('tokenMatches is true only for the exact token; isLoopback knows 127.0.0.0/8, ::1 and localhost', (t) => {
  t.true(tokenMatches('abc', 'abc'));
  t.false(tokenMatches('abd', 'abc'));
  t.false(tokenMatches('ab', 'abc'));
  t.false(tokenMatches('abcd', 'abc'));
  t.false(tokenMatches(undefined, 'abc'));
  t.false(tokenMatches('', ''), 'an empty expected token matches nothing');
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) t.true(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', '127.0.0.1.example.com']) t.false(isLoopback(h), h);
});

test('checkExposure refuses a non-loopback host without a token (UsageError), accepts it with one', (t) => {
  t.throws(() => checkExposure('0.0.0.0', ''), { name: 'UsageError', message: /dashboard\.token.*"0\.0\.0\.0"/ });
  t.throws(() => checkExposure('::', ''), { name: 'UsageError' });
  t.notThrows(() => checkExposure('0.0.0.0', TOKEN));
  t.notThrows(() => checkExposure('127.0.0.1', ''));
});

test('bnviz dashboard --host 0.0.0.0 without a token exits 2 and says to set one', async (t) => {
  const r = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], { env: { BNVIZ_DASHBOARD_TOKEN: '' } });
  t.is(r.code, 2);
  t.regex(r.stderr, /access token.*dashboard\.token/);
});

test('with a token set, every page, API, figure and Bull Board route answers 401 without it, or with a wrong one', async (t) => {
  const d = await testDashboard(t, { token: TOKEN });
  for (const [method, url] of ROUTES(d.scope.queue)) {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { cookie: 'bnviz_dashboard=wrong' }, { cookie: `bnviz_dashboard=${TOKEN}` }]) {
      const r = await d.app.inject({ method, url, headers });
      t.is(r.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      t.is(r.headers['set-cookie'], undefined);
    }
    const wrongQuery = await d.app.inject({ method, url: `${url}?token=wrong` });
    t.is(wrongQuery.statusCode, 401, `${method} ${url}?token=wrong`);
  }
});

test('with the token as Bearer the same routes answer as they would without a token set (no 401)', async (t) => {
  const d = await testDashboard(t, { token: TOKEN });
  const expected: Record<string, number> = { '/': 200, '/api/runs': 200, '/queues': 200, '/queues/api/queues': 200, '/api/runs/some-run': 404, '/no/such/page': 404, '/favicon.ico': 204 };
  for (const [url, code] of Object.entries(expected)) {
    const r = await d.app.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
    t.is(r.statusCode, code, url);
  }
});

test('?token= sets an HttpOnly cookie (not the token itself) that lets the browser in; a page is redirected to its address without the token', async (t) => {
  const d = await testDashboard(t, { token: TOKEN });
  const first = await d.app.inject({ url: `/runs/r1?token=${TOKEN}&x=1`, headers: { accept: 'text/html,application/xhtml+xml' } });
  t.is(first.statusCode, 303);
  t.is(first.headers.location, '/runs/r1?x=1');
  const setCookie = String(first.headers['set-cookie']);
  t.regex(setCookie, /^bnviz_dashboard=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
  t.false(setCookie.includes(TOKEN));
  const cookie = setCookie.split(';')[0];
  const page = await d.app.inject({ url: '/', headers: { cookie } });
  t.is(page.statusCode, 200);
  const api = await d.app.inject({ url: '/api/runs', headers: { cookie: `other=1; ${cookie}` } });
  t.is(api.statusCode, 200);
  // A script's request with ?token= is answered directly.
  const direct = await d.app.inject({ url: `/api/runs?token=${TOKEN}`, headers: { accept: 'application/json' } });
  t.is(direct.statusCode, 200);
  t.truthy(JSON.parse(direct.body).runs);
});

test('without a token set (loopback), the routes answer without any credentials', async (t) => {
  const d = await testDashboard(t);
  t.is((await d.app.inject({ url: '/' })).statusCode, 200);
  t.is((await d.app.inject({ url: '/api/runs' })).statusCode, 200);
  t.is((await d.app.inject({ url: '/queues/api/queues' })).statusCode, 200);
});

test('Bull Board is read-only unless allowActions: retry and clean answer 405; with allowActions they act', async (t) => {
  const ro = await testDashboard(t);
  for (const action of ['retry/failed', 'clean/completed', 'pause', 'empty']) {
    const r = await ro.app.inject({ method: 'PUT', url: `/queues/api/queues/${ro.scope.queue}/${action}` });
    t.is(r.statusCode, 405, action);
  }
  const board = JSON.parse((await ro.app.inject({ url: '/queues/api/queues' })).body) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
  t.like(board.queues[0], { name: ro.scope.queue, readOnlyMode: true });

  const rw = await testDashboard(t, { allowActions: true });
  const paused = await rw.app.inject({ method: 'PUT', url: `/queues/api/queues/${rw.scope.queue}/pause` });
  t.is(paused.statusCode, 200);
  t.true(await rw.queue.isPaused());
});

test('bnviz dashboard serves on the port it reports, checks the token over real HTTP, and exits 0 on SIGTERM', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const child = reap(spawn(process.execPath, [CLI, 'dashboard', '--json', '--port', '0'], { env: { ...process.env, ...s.env, BNVIZ_DASHBOARD_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] }));
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const ready = JSON.parse(line) as { url: string; token: boolean; readOnly: boolean };
  t.like(ready, { token: true, readOnly: true });
  t.false(line.includes(TOKEN), 'the token is never printed');
  t.is((await fetch(ready.url)).status, 401);
  const ok = await fetch(`${ready.url}api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.is(ok.status, 200);
  t.deepEqual((await ok.json() as { runs: unknown[] }).runs, []);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  t.is(code, 0);
});
