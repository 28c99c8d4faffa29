import test from 'ava';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { resolveGroupFile } from '../src/dashboard/output-file.js';
import { testDashboard } from './helpers/dashboard-app.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';

const SECRET = 'SECRET-OUTSIDE-THE-OUTPUT-FOLDER';

function record(groupId: string, maxUnseen: number, outputs = ['overview.png', 'stats.json']): string {
  return JSON.stringify({ runId: 'r1', groupId, files: ['a.png', 'b.png'], status: 'done', outputs, rows: [], maxUnseen, fingerprint: 'x' });
}

/**
 * An output folder with one genuine group, and links that lead out of it: a
 * figure, a group folder and a whole run folder. Beside it, files that must
 * never be served.
 */
async function outputTree(): Promise<{ out: string; outside: string; png: Buffer }> {
  const base = tempDir();
  const out = join(base, 'out');
  const outside = join(base, 'outside');
  const g1 = join(out, 'r1', 'groups', '0001-aaaaaaaa');
  mkdirSync(g1, { recursive: true });
  await writePng(join(g1, 'overview.png'), 40, 20, 1);
  writeFileSync(join(g1, 'stats.json'), '{"ok":true}');
  writeFileSync(join(g1, 'group.json'), record('0001-aaaaaaaa', 0.25));
  writeFileSync(join(g1, 'notes.txt'), 'not a served type');
  writeFileSync(join(out, 'r1', 'run.json'), '{"run":"record"}');
  mkdirSync(join(out, 'r1', 'groups', '.tmp-0009-bbbbbbbb-x'), { recursive: true });
  writeFileSync(join(out, 'r1', 'groups', '.tmp-0009-bbbbbbbb-x', 'group.json'), record('0009-bbbbbbbb', 0.9));

  mkdirSync(join(outside, 'group'), { recursive: true });
  mkdirSync(join(outside, 'run', 'groups', '0001-cccccccc'), { recursive: true });
  writeFileSync(join(outside, 'secret.png'), SECRET);
  writeFileSync(join(outside, 'group', 'overview.png'), SECRET);
  writeFileSync(join(outside, 'group', 'group.json'), record('0003-linkdir', 0.5));
  writeFileSync(join(outside, 'run', 'groups', '0001-cccccccc', 'overview.png'), SECRET);
  writeFileSync(join(outside, 'run', 'groups', '0001-cccccccc', 'group.json'), record('0001-cccccccc', 0.5));

  const g2 = join(out, 'r1', 'groups', '0002-linkfile');
  mkdirSync(g2);
  writeFileSync(join(g2, 'group.json'), record('0002-linkfile', 0.1));
  symlinkSync(join(outside, 'secret.png'), join(g2, 'overview.png'));
  symlinkSync(join(outside, 'group'), join(out, 'r1', 'groups', '0003-linkdir'));
  symlinkSync(join(outside, 'run'), join(out, 'r2'));
  return { out, outside, png: readFileSync(join(g1, 'overview.png')) };
}

/** Paths that try to leave the run's folder, written as a client may send them (not normalized). */
const TRAVERSALS = [
  '/runs/r1/groups/0001-aaaaaaaa/..%2F..%2Frun.json',
  '/runs/r1/groups/0001-aaaaaaaa/%2e%2e%2f%2e%2e%2frun.json',
  '/runs/r1/groups/0001-aaaaaaaa/%252e%252e%252f%252e%252e%252frun.json',
  '/runs/r1/groups/0001-aaaaaaaa/..%5C..%5Crun.json',
  '/runs/r1/groups/%2e%2e/run.json',
  '/runs/%2e%2e/groups/r1/run.json',
  '/runs/r1/groups/0001-aaaaaaaa/..',
  '/runs/r1/groups/0001-aaaaaaaa/%2Fetc%2Fpasswd',
  '/runs/%2Fetc/groups/x/passwd.json',
  '/runs/r1/groups/0001-aaaaaaaa/overview.png%00.txt',
  '/runs/r1/groups/0001-aaaaaaaa/../../run.json',
  '/runs/r1/../../../../etc/passwd',
  '//etc/passwd',
  '/runs/r1/groups/0001-aaaaaaaa/notes.txt',
  '/runs/r1/groups/0001-aaaaaaaa/group.json.bak',
  '/runs/r1/run.json',
  '/runs/r1/groups/.tmp-0009-bbbbbbbb-x/group.json',
];

const LINKS_OUT = [
  '/runs/r1/groups/0002-linkfile/overview.png',
  '/runs/r1/groups/0003-linkdir/overview.png',
  '/runs/r2/groups/0001-cccccccc/overview.png',
];

test('a figure inside the output folder is served whole, as image/png', async (t) => {
  const tree = await outputTree();
  const d = await testDashboard(t, { out: tree.out });
  const r = await d.app.inject({ url: '/runs/r1/groups/0001-aaaaaaaa/overview.png' });
  t.is(r.statusCode, 200);
  t.is(r.headers['content-type'], 'image/png');
  t.true(r.rawPayload.equals(tree.png));
  t.regex(String(r.headers['content-security-policy']), /sandbox/);
  const stats = await d.app.inject({ url: '/runs/r1/groups/0001-aaaaaaaa/stats.json' });
  t.is(stats.statusCode, 200);
  t.deepEqual(JSON.parse(stats.body), { ok: true });
});

test('encoded .., absolute paths, NUL, unknown types and hidden folders answer 404 and serve nothing', async (t) => {
  const tree = await outputTree();
  const d = await testDashboard(t, { out: tree.out });
  for (const url of TRAVERSALS) {
    const r = await d.app.inject({ url });
    t.is(r.statusCode, 404, url);
    t.false(r.body.includes('record') || r.body.includes(SECRET) || r.body.includes('root:'), url);
  }
});

test('symlinks out of the output folder (a figure, a group folder, a run folder) answer 403', async (t) => {
  const tree = await outputTree();
  const d = await testDashboard(t, { out: tree.out });
  for (const url of LINKS_OUT) {
    const r = await d.app.inject({ url });
    t.is(r.statusCode, 403, url);
    t.false(r.body.includes(SECRET), url);
  }
});

test('over real HTTP, raw traversal paths answer 403 or 404 and never the file', async (t) => {
  const tree = await outputTree();
  const d = await testDashboard(t, { out: tree.out });
  await d.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = d.app.server.address() as { port: number };
  // node:http sends the path exactly as given: no client-side normalization of '..'.
  const get = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
  for (const path of [...TRAVERSALS, ...LINKS_OUT]) {
    const r = await get(path);
    t.true(r.status === 403 || r.status === 404, `${path}: ${r.status}`);
    t.false(r.body.includes(SECRET) || r.body.includes('record'), path);
  }
  t.is((await get('/runs/r1/groups/0001-aaaaaaaa/overview.png')).status, 200);
});

test("/api/runs/:runId/groups lists the groups whose records are inside the output folder, with thumbnail URLs and maxUnseen; each group's figures; a run linked from outside is unknown", async (t) => {
  const tree = await outputTree();
  const d = await testDashboard(t, { out: tree.out });
  const r = await d.app.inject({ url: '/api/runs/r1' });
  t.is(r.statusCode, 200);
  const summary = JSON.parse(r.body) as { run: unknown; groups: number };
  t.is(summary.run, null, 'no record in Redis: the folder alone');
  t.is(summary.groups, 2);
  const page = JSON.parse((await d.app.inject({ url: '/api/runs/r1/groups' })).body) as { total: number; groups: Array<{ groupId: string; maxUnseen: number; thumbnail: string }> };
  t.is(page.total, 2);
  t.deepEqual(page.groups.map((g) => g.groupId), ['0001-aaaaaaaa', '0002-linkfile']);
  t.like(page.groups[0], { maxUnseen: 0.25, thumbnail: '/runs/r1/groups/0001-aaaaaaaa/overview.png' });
  const one = JSON.parse((await d.app.inject({ url: '/api/runs/r1/groups/0001-aaaaaaaa' })).body) as { figures: Array<{ name: string; url: string }>; next: string };
  t.deepEqual(one.figures.map((l) => l.name), ['overview.png', 'stats.json']);
  t.is(one.next, '/runs/r1/groups/0002-linkfile?at=1', 'the next group, with its index (the viewer finds it without a search)');
  for (const url of ['/api/runs/r2', '/api/runs/r2/groups', '/api/runs/..', '/api/runs/%2e%2e%2fr1', '/api/runs/r1/groups/0009-none', '/api/runs/r1/groups/..']) {
    t.is((await d.app.inject({ url })).statusCode, 404, url);
  }
  const unknownPage = await d.app.inject({ url: '/runs/r2' });
  t.is(unknownPage.statusCode, 404);
  t.regex(unknownPage.body, /No run <code>r2<\/code>/);
  t.is((await d.app.inject({ url: '/runs/r1' })).statusCode, 200);
});

test('resolveGroupFile checks the names before the file system: unsafe ids and types are 404 even when the file exists', async (t) => {
  const tree = await outputTree();
  t.like(await resolveGroupFile(tree.out, 'r1', '0001-aaaaaaaa', 'overview.png'), { ok: true, type: 'image/png' });
  t.like(await resolveGroupFile(tree.out, 'r1', '0001-aaaaaaaa', 'notes.txt'), { ok: false, status: 404 });
  t.like(await resolveGroupFile(tree.out, 'r1', '..', 'run.json'), { ok: false, status: 404 });
  t.like(await resolveGroupFile(tree.out, '..', 'out', 'secret.png'), { ok: false, status: 404 });
  t.like(await resolveGroupFile(tree.out, 'r1', '0001-aaaaaaaa', '../../run.json'), { ok: false, status: 404 });
  t.like(await resolveGroupFile(join(tree.out, 'missing'), 'r1', '0001-aaaaaaaa', 'overview.png'), { ok: false, status: 404 });
  t.like(await resolveGroupFile(tree.out, 'r1', '0002-linkfile', 'overview.png'), { ok: false, status: 403 });
});
