/**
 * The dashboard against a hostile web page and hostile file names: DNS
 * rebinding (Host names), an open redirect through `?token=`, third-party
 * requests from Bull Board's page, and spreadsheet formulas in summary.csv.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { hostAllowed, hostName } from '../src/dashboard/check-host.js';
import { withoutRemoteStyles } from '../src/dashboard/mount-queue-board.js';
import { withoutToken } from '../src/dashboard/require-token.js';
import { loadConfig } from '../src/config/load-config.js';
import { spreadsheetSafe, summaryLines } from '../src/records/summary-csv.js';
import { runDataset } from '../src/index.js';
import { testDashboard } from './helpers/dashboard-app.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';

const TOKEN = 's3cret-token';

test('hostName takes the port and brackets off; hostAllowed accepts loopback names and configured ones only', (t) => {
  t.is(hostName('LocalHost:8080'), 'localhost');
  t.is(hostName('[::1]:8080'), '::1');
  t.is(hostName('127.0.0.1'), '127.0.0.1');
  t.is(hostName(undefined), '');
  for (const h of ['localhost', 'localhost:8080', '127.0.0.1:1234', '127.0.0.2', '[::1]:80', '[::1]']) t.true(hostAllowed(h), h);
  for (const h of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example:80', 'localhost.evil.example', '', undefined, '[::2]:80', '0.0.0.0:80']) t.false(hostAllowed(h), String(h));
  t.true(hostAllowed('bnviz.lan:8080', ['bnviz.lan']));
  t.false(hostAllowed('other.lan:8080', ['bnviz.lan']));
});

test('without a token, a request naming another host (DNS rebinding) is refused with 403 on every route; loopback names are answered', async (t) => {
  const d = await testDashboard(t);
  for (const url of ['/', '/api/runs', '/runs/r1', '/queues', '/queues/api/queues', '/no/such/page']) {
    const r = await d.app.inject({ url, headers: { host: 'evil.example:8080' } });
    t.is(r.statusCode, 403, url);
    t.regex(r.body, /addressed to this machine.*dashboard\.hostNames/);
    t.false(r.body.includes('"runs"'));
  }
  for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080']) t.is((await d.app.inject({ url: '/api/runs', headers: { host } })).statusCode, 200, host);
});

test('over real HTTP, Host: evil.example gets 403 and Host: 127.0.0.1:PORT gets 200; a configured name is let in', async (t) => {
  const d = await testDashboard(t, { hostNames: ['bnviz.lan'] });
  await d.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (d.app.server.address() as { port: number }).port;
  const get = (host: string) => new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/api/runs', headers: { host } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
  });
  t.is(await get('evil.example'), 403);
  t.is(await get(`127.0.0.1:${port}`), 200);
  t.is(await get(`bnviz.lan:${port}`), 200);
});

test('with a token, the Host check is left to the token (a proxy may use any name)', async (t) => {
  const d = await testDashboard(t, { token: TOKEN });
  t.is((await d.app.inject({ url: '/api/runs', headers: { host: 'bnviz.example.org', authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
});

test('withoutToken always gives a path on this server: //evil.example/?token= does not redirect away', async (t) => {
  t.is(withoutToken('//evil.example/?token=x'), '/evil.example/');
  t.is(withoutToken('/\\evil.example/?token=x&a=1'), '/evil.example/?a=1');
  t.is(withoutToken('///evil.example'), '/evil.example');
  t.is(withoutToken('/runs/r1?token=x'), '/runs/r1');
  const d = await testDashboard(t, { token: TOKEN });
  for (const url of [`//evil.example/?token=${TOKEN}`, `/\\evil.example/?token=${TOKEN}`, `//evil.example?token=${TOKEN}`]) {
    const r = await d.app.inject({ url, headers: { accept: 'text/html' } });
    t.is(r.statusCode, 303, url);
    const location = String(r.headers.location);
    t.true(location.startsWith('/') && !/^\/[/\\]/.test(location), `${url} -> ${location}`);
    t.is(new URL(location, 'http://127.0.0.1:8080/').host, '127.0.0.1:8080', location);
  }
});

test("Bull Board's page names no other host and carries a policy that keeps its requests on this server", async (t) => {
  const d = await testDashboard(t);
  const r = await d.app.inject({ url: '/queues' });
  t.is(r.statusCode, 200);
  t.notRegex(r.body, /https?:\/\//, 'no absolute URL left in the page');
  t.regex(r.body, /static\/css\/main\.[0-9a-f]+\.css/, "Bull Board's own stylesheet stays");
  t.regex(String(r.headers['content-security-policy']), /^default-src 'self'/);
  t.is(withoutRemoteStyles('<link href="https://fonts.example/x.css" rel="stylesheet">\n<link href="static/a.css" rel="stylesheet">'), '<link href="static/a.css" rel="stylesheet">');
});

test('spreadsheetSafe quotes text that starts with = + - @ tab or CR, and nothing else', (t) => {
  for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) t.is(spreadsheetSafe(s), `'${s}`, JSON.stringify(s));
  for (const s of ['a=1', 'photo.png', '1-2.png', '']) t.is(spreadsheetSafe(s), s);
  // numbers stay numbers: only the group and file columns are text
  const line = summaryLines('0001-abc', [{ file: '=HYPERLINK("http://x")', channel: 'R', min: -0.5, max: 1, mean: 0, std: 1, normMin: -1, normMax: 1, normMean: 0, normStd: 1, below0: 0.1, above1: 0 }]);
  t.is(line, `0001-abc,"'=HYPERLINK(""http://x"")",R,-0.5,1,0,1,-1,1,0,1,0.1,0,0.1,,,\n`); // the batch_ columns are empty without --stats
});

test('a run over files named =cmd.png, +x.png, -y.png and @z.png writes them to summary.csv as quoted text', async (t) => {
  const root = tempDir();
  for (const [i, name] of ['=cmd.png', '+x.png', '-y.png', '@z.png'].entries()) await writePng(join(root, name), 8, 8, i);
  const out = tempDir();
  const config = loadConfig({ env: {}, flags: { out, runId: 'csv', size: 32, figures: 'overview', threads: 1, groupSize: 2 } });
  const { runDir } = await runDataset(root, config);
  const cells = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]);
  t.is(cells.length, 4 * 3);
  t.deepEqual([...new Set(cells)].sort(), ["'+x.png", "'-y.png", "'=cmd.png", "'@z.png"]);
});
