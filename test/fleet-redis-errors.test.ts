/**
 * The operator's view of Redis problems: an unreachable Redis or a refused
 * password is one line and exit 2 within seconds, never the password; a
 * malformed run record is shown as damaged and never hides the other runs.
 */
import test from 'ava';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { runKeys, runsKey, workersKey } from '../src/fleet/fleet-keys.js';
import { readRunStatus, readRuns } from '../src/fleet/read-status.js';
import { readRun, RunStore } from '../src/fleet/run-store.js';
import { testDashboard } from './helpers/dashboard-app.js';
import { writePng } from './helpers/make-images.js';
import { CLI, tempDir } from './helpers/paths.js';
import { freePort, redisScope } from './helpers/redis.js';
import { reap } from './helpers/reaper.js';

const PASSWORD = 's3cret-pw';
const WRONG = 'wrong-pw-7f3a';
/** Longer than connecting may take (5 s), with room for node's start on a loaded machine (20 s was not): a command still running then is hanging. */
const HANG_MS = 60_000;

interface Result { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

/** Runs `bnviz`; killed after HANG_MS, so a command that hangs fails the test instead of stalling it. */
function bnviz(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve) => {
    reap(execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: HANG_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: string | null }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr, ms: Date.now() - started });
    }));
  });
}

/** A redis-server of the test's own that requires PASSWORD; stopped in teardown. */
async function passwordServer(t: { teardown(fn: () => Promise<void>): void }): Promise<number> {
  const port = await freePort();
  const child: ChildProcess = reap(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD], { stdio: 'ignore' }));
  const exited = once(child, 'exit');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const probe = new Redis({ port, host: '127.0.0.1', password: PASSWORD, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  try {
    for (let tries = 0; ; tries++) {
      try {
        await probe.connect();
        await probe.ping();
        return port;
      } catch (err) {
        if (tries > 200 || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start: ${String(err)}`);
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
}

/** A folder with one image, so enqueue gets as far as Redis. */
async function oneImage(): Promise<string> {
  const dir = tempDir();
  await writePng(join(dir, 'a.png'), 16, 16, 1);
  return dir;
}

/** Exactly one stderr line, `bnviz: <message>`, and nothing that looks like a stack. */
function oneLine(t: { is(a: unknown, b: unknown, m?: string): void; regex(s: string, r: RegExp, m?: string): void; notRegex(s: string, r: RegExp, m?: string): void }, r: Result, pattern: RegExp): void {
  t.is(r.signal, null, `still running after ${HANG_MS} ms (killed); stderr so far: ${r.stderr.slice(0, 300)}`);
  t.is(r.code, 2, `exit code; stderr: ${r.stderr.slice(0, 500)}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  t.is(lines.length, 1, `one stderr line, got: ${JSON.stringify(r.stderr.slice(0, 500))}`);
  t.regex(lines[0] ?? '', pattern);
  t.notRegex(r.stderr, /\n\s+at |\[ioredis\]|Error:/);
}

for (const command of ['enqueue', 'status'] as const) {
  test(`${command} against a port nothing listens on: one line, exit 2, within seconds`, async (t) => {
    const port = await freePort();
    const args = command === 'enqueue' ? ['enqueue', await oneImage(), '--out', tempDir()] : ['status'];
    const r = await bnviz([...args, '--redis', `redis://127.0.0.1:${port}`]);
    oneLine(t, r, new RegExp(`^bnviz: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(connection refused\\)$`));
    t.is(r.stdout, '');
    t.log(`gave up after ${r.ms} ms`); // a hang is caught by HANG_MS; no tighter clock here, the machine may be busy
  });
}

test('a Redis that requires a password: wrong password and no password are each one line, exit 2, and no password is ever printed', async (t) => {
  t.timeout(10 * 60_000); // 25 commands, each a node start: minutes on a loaded machine
  const port = await passwordServer(t);
  const dir = await oneImage();
  const cases = [
    { url: `redis://:${WRONG}@127.0.0.1:${port}`, pattern: new RegExp(`^bnviz: Redis at 127\\.0\\.0\\.1:${port} refused the password \\(WRONGPASS[^)]*\\)$`) },
    { url: `redis://default:${WRONG}@127.0.0.1:${port}/0`, pattern: new RegExp(`^bnviz: Redis at 127\\.0\\.0\\.1:${port} refused the password \\(WRONGPASS[^)]*\\)$`) },
    { url: `redis://127.0.0.1:${port}`, pattern: new RegExp(`^bnviz: Redis at 127\\.0\\.0\\.1:${port} requires a password and none was given \\(NOAUTH\\)$`) },
  ];
  for (const { url, pattern } of cases) {
    // a worker too: these are settings to fix, not a Redis that is away for a while
    for (const args of [['status'], ['status', 'some-run'], ['enqueue', dir, '--out', tempDir()], ['worker', '--roots', dir, '--out', tempDir(), '--threads', '1']]) {
      // Through the flag and through the environment (what an operator's shell holds).
      for (const via of ['flag', 'env'] as const) {
        const r = await bnviz(via === 'flag' ? [...args, '--redis', url] : args, via === 'env' ? { BNVIZ_REDIS_URL: url } : {});
        const what = `${args[0]} via ${via} with ${url.replace(WRONG, '<wrong>')}`;
        t.log(what, '->', r.stderr.trim());
        oneLine(t, r, pattern);
        t.false(`${r.stdout}${r.stderr}`.includes(WRONG), `${what}: the password given is printed`);
        t.false(`${r.stdout}${r.stderr}`.includes(PASSWORD), `${what}: the server's password is printed`);
        t.log(`${what}: gave up after ${r.ms} ms`);
      }
    }
  }
  // The right password works, and is not printed either.
  const ok = await bnviz(['status', '--redis', `redis://:${PASSWORD}@127.0.0.1:${port}`, '--prefix', 'nothing-here']);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'no runs under this prefix\n');
  t.false(`${ok.stdout}${ok.stderr}`.includes(PASSWORD));
});

/** A good run and, next to it, runs whose records are malformed in different ways. */
async function damagedFleet(redis: Redis, prefix: string) {
  const enqueuedAt = new Date(Date.now() - 60_000).toISOString();
  const good = new RunStore(redis, prefix, 'good-run');
  await good.open({ root: '/data/good', options: {} as never, groupSize: 3, images: 6, queue: 'groups', partialGroups: [], enqueuedAt });
  await good.addGroups([{ groupId: 'g0', index: 0, files: ['a.png'] }, { groupId: 'g1', index: 1, files: ['b.png'] }]);
  await good.record({ groupId: 'g0', index: 0, status: 'done', files: [] });
  // its enqueue finished adding its groups (else status says it did not)
  await redis.hset(runKeys(prefix, 'good-run').meta, 'enqueueDone', enqueuedAt);
  const bad = runKeys(prefix, 'bad-options');
  await redis.hset(bad.meta, { root: '/data/bad', options: '{not json', groupSize: '3', images: '6', queue: 'groups', partialGroups: '[]', enqueuedAt, startedAt: enqueuedAt, total: '3', done: '2' });
  const odd = runKeys(prefix, 'bad-numbers');
  await redis.hset(odd.meta, { root: '/data/odd', options: '{}', groupSize: 'three', images: '6', queue: 'groups', partialGroups: '{"g0":1}', enqueuedAt });
  const wrongType = runKeys(prefix, 'bad-type');
  await redis.set(wrongType.meta, 'a string, not a hash');
  const now = Date.now();
  await redis.zadd(runsKey(prefix), now - 4000, 'good-run', now - 3000, 'bad-options', now - 2000, 'bad-numbers', now - 1000, 'bad-type');
  // A heartbeat that is not JSON is left out, not fatal.
  await redis.set(`${prefix}:worker:junk:1`, 'not json', 'EX', 60);
  await redis.zadd(workersKey(prefix), Date.now(), 'junk:1');
}

test('readRun and readRuns: a malformed run comes back damaged with its reason, next to the good one', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  await damagedFleet(s.redis, s.prefix);
  const runs = await readRuns(s.redis, s.prefix);
  t.deepEqual(runs.map((r) => [r.runId, r.status]), [['bad-type', 'damaged'], ['bad-numbers', 'damaged'], ['bad-options', 'damaged'], ['good-run', 'queued']]);
  const good = runs.find((r) => r.runId === 'good-run')!;
  t.like(good, { total: 2, done: 1, damaged: undefined, meta: { root: '/data/good', groupSize: 3 } });
  const bad = (await readRun(s.redis, s.prefix, 'bad-options'))!;
  t.like(bad, { status: 'damaged', damaged: 'meta.options is not JSON', meta: undefined, total: 3, done: 2, startedAt: runs[2]!.startedAt, partialMeta: { root: '/data/bad', queue: 'groups', groupSize: 3 } });
  const odd = (await readRun(s.redis, s.prefix, 'bad-numbers'))!;
  t.is(odd.damaged, 'meta.groupSize is not a whole number of at least 1 ("three"); meta.partialGroups is not a JSON array of group ids');
  t.like(await readRun(s.redis, s.prefix, 'bad-type'), { status: 'damaged', damaged: 'meta is not a hash' });
  t.is(await readRun(s.redis, s.prefix, 'no-such-run'), undefined);
  const status = (await readRunStatus(s.redis, s.prefix, 'bad-options'))!;
  t.like(status, { status: 'damaged', damaged: 'meta.options is not JSON', failures: [], workers: [] });
});

test('bnviz status lists a damaged run with its reason and the others normally; status of the damaged run prints what it can, exit 0', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  await damagedFleet(s.redis, s.prefix);
  const list = await bnviz(['status', '--redis', s.url, '--prefix', s.prefix]);
  t.is(list.code, 0, list.stderr);
  t.is(list.stderr, '');
  const lines = list.stdout.trim().split('\n');
  t.is(lines.length, 4, list.stdout);
  t.regex(lines[0]!, /^bad-type {2}damaged \(meta is not a hash\) 0\/0 groups/);
  t.regex(lines[1]!, /^bad-numbers {2}damaged \(meta\.groupSize is not a whole number of at least 1 \("three"\); meta\.partialGroups is not a JSON array of group ids\) /);
  t.regex(lines[2]!, /^bad-options {2}damaged \(meta\.options is not JSON\) 2\/3 groups {2}2 done {2}0 failed {2}started /);
  t.regex(lines[3]!, /^good-run {2}queued {3}1\/2 groups {2}1 done {2}0 failed {2}enqueued /);

  const one = await bnviz(['status', 'bad-options', '--redis', s.url, '--prefix', s.prefix]);
  t.is(one.code, 0, one.stderr);
  t.is(one.stderr, '');
  t.regex(one.stdout, /^run bad-options \(damaged\) from \/data\/bad, queue groups\ndamaged: meta\.options is not JSON\n\[#{20}\.{10}\] 2\/3 groups: 2 done, 0 already done, 0 failed\n/);
  t.regex(one.stdout, /workers alive: 0\n$/);

  const json = await bnviz(['status', 'bad-options', '--json', '--redis', s.url, '--prefix', s.prefix]);
  t.is(json.code, 0, json.stderr);
  t.like(JSON.parse(json.stdout), { runId: 'bad-options', status: 'damaged', damaged: 'meta.options is not JSON', done: 2 });

  const good = await bnviz(['status', 'good-run', '--redis', s.url, '--prefix', s.prefix]);
  t.is(good.code, 0, good.stderr);
  t.regex(good.stdout, /^run good-run \(queued\) from \/data\/good, queue groups\n\[/);
});

test('the dashboard answers 200 with every run, the damaged one with its status and reason; a damaged run\'s own page data is 200', async (t) => {
  const { app, scope } = await testDashboard(t);
  await damagedFleet(scope.redis, scope.prefix);
  const r = await app.inject('/api/runs');
  t.is(r.statusCode, 200, r.body);
  const runs = (r.json() as { runs: Array<{ runId: string; status: string; damaged?: string; root?: string; done: number }> }).runs;
  t.deepEqual(runs.map((x) => x.runId), ['bad-type', 'bad-numbers', 'bad-options', 'good-run']);
  t.like(runs[2], { status: 'damaged', damaged: 'meta.options is not JSON', root: '/data/bad', done: 2 });
  t.like(runs[3], { status: 'queued', root: '/data/good', done: 1 });
  t.false('damaged' in runs[3]!);
  for (const id of ['bad-options', 'bad-type']) {
    const one = await app.inject(`/api/runs/${id}`);
    t.is(one.statusCode, 200, one.body);
    t.like(one.json(), { run: { runId: id, status: 'damaged' }, failures: [], workers: [], groups: 0 });
  }
  const page = await app.inject('/');
  t.is(page.statusCode, 200);
  t.regex(page.body, /damaged \(/);
});

test('a Redis URL that is not one is refused in one line without its password', async (t) => {
  for (const url of [`redis//:${PASSWORD}:x@127.0.0.1:6379`, `http://:${PASSWORD}:x@127.0.0.1:6379`, `redis://:x:${PASSWORD}@127.0.0.1:port`, `redis://127.0.0.1:port?password=${PASSWORD}`]) {
    const r = await bnviz(['status', '--redis', url]);
    oneLine(t, r, /^bnviz: Expected a (URL as redis:\/\/\[:password@\]host\[:port\]\[\/db\]|redis:\/\/ or rediss:\/\/ URL) for --redis but received "[^"]*"$/);
    t.false(`${r.stdout}${r.stderr}`.includes(PASSWORD), `${r.stderr} shows the password`);
  }
});
