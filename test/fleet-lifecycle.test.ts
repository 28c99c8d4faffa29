/**
 * A fleet run's whole life against real Redis and real worker processes:
 * every job's end counted whatever ends it, finalization that survives its
 * writer, hand-backs of jobs a worker cannot serve, retry, clean, the pixel
 * budget and what enqueue says of an existing run.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKeys } from '../src/fleet/fleet-keys.js';
import { readRun, RunStore } from '../src/fleet/run-store.js';
import type { RunRecord } from '../src/records/run-record.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until, type RedisScope } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.js';

const LOCK_MS = String(BUSY_LOCK_MS);

async function scope(t: ExecutionContext): Promise<RedisScope> {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  return s;
}

function worker(t: ExecutionContext, s: RedisScope, args: string[], extraEnv: Record<string, string> = {}): WorkerProcess {
  const w = spawnWorker(['--threads', '1', ...args], { ...s.env, BNVIZ_LOCK_MS: LOCK_MS, ...extraEnv });
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  return w;
}

async function enqueue(s: RedisScope, dir: string, out: string, extra: string[] = []) {
  const r = await runCli(['enqueue', dir, '--out', out, '--size', '32', '--figures', 'overview', '--group-size', '2', '--json', ...extra], { env: { ...process.env, ...s.env } });
  if (r.code !== 0) throw new Error(`enqueue exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { runId: string; added: number };
}

const runJson = (out: string, runId: string) => JSON.parse(readFileSync(join(out, runId, 'run.json'), 'utf8')) as RunRecord;

/** Waits for the run to be marked finished in Redis, as long as `w` lives. */
function runFinished(s: RedisScope, runId: string, w: WorkerProcess): Promise<true> {
  return until('the run to finish', async () => (await readRun(s.redis, s.prefix, runId))?.status === 'finished', { unless: w.exited.then((c) => `worker exited ${c}`) });
}

test('a job whose worker is killed twice is counted failed, the run finishes with its records; bnviz retry redoes it once the file is fixed', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (const n of ['a0', 'a1']) await writePng(join(dir, `${n}.png`), 32, 32, 1);
  await writePng(join(dir, 'b0.png'), 32, 32, 2);
  // b1 is a named pipe: reading it blocks until someone writes, so its job stays in progress until its worker is killed
  execFileSync('mkfifo', [join(dir, 'b1.png')]);
  // a manifest names it (a folder scan takes regular files only)
  const manifest = join(tempDir(), 'groups.txt');
  writeFileSync(manifest, 'a0.png,a1.png\nb0.png,b1.png\n');
  const { runId } = await enqueue(s, dir, out, ['--manifest', manifest]);
  const store = new RunStore(s.redis, s.prefix, runId);
  const k = store.k;
  const blocked = (await store.groupAt(1))!;

  for (let kill = 1; kill <= 2; kill++) {
    const w = worker(t, s, ['--roots', dir, '--out', out]);
    await w.ready;
    // taken by this worker: BullMQ names the worker that took the job last (processedBy, 'pb'), which only moves forward
    await until(`the blocked job to be taken by worker ${w.pid} (kill ${kill})`, async () => (await s.redis.hget(`${s.prefix}:${s.queue}:${runId}.${blocked}`, 'pb'))?.endsWith(`:${w.pid}`), { unless: w.exited.then((c) => `worker exited ${c}`), seen: () => s.redis.hmget(`${s.prefix}:${s.queue}:${runId}.${blocked}`, 'pb', 'ats') });
    if (kill === 1) {
      const clean = await runCli(['clean', runId], { env: { ...process.env, ...s.env } });
      t.is(clean.code, 2, 'a run with a job in hand is not cleaned');
      t.is(clean.stderr, `bnviz: run ${runId} has 1 job in progress; clean it once it ends (bnviz status ${runId})\n`);
    }
    w.child.kill('SIGKILL');
    await w.exited;
  }
  // A third worker finds the job stalled a second time: BullMQ fails it, and the run counts it.
  const w3 = worker(t, s, ['--roots', dir, '--out', out]);
  await w3.ready;
  // the files are written first, then the run is marked finished in Redis
  await until('run.json and the run marked finished', async () => existsSync(join(out, runId, 'run.json')) && runJson(out, runId).status === 'finished' && (await readRun(s.redis, s.prefix, runId))?.status === 'finished', { unless: w3.exited.then((c) => `worker exited ${c}`) });
  const record = runJson(out, runId);
  t.is(record.counts.done, 1);
  t.is(record.counts.failed, 1);
  t.regex(record.failures[0]!.error.message, /stopped 2 times before it ended \(killed, or out of memory\); bnviz retry/, 'killed twice: stopped 2 times');
  t.true(existsSync(join(out, runId, 'summary.csv')) && existsSync(join(out, runId, 'index.html')));
  const state = await readRun(s.redis, s.prefix, runId);
  t.is(state?.status, 'finished');

  // Fixed file, then bnviz retry: the group is done and the run's records say so.
  rmSync(join(dir, 'b1.png'));
  await writePng(join(dir, 'b1.png'), 32, 32, 3);
  const retry = await runCli(['retry', runId, '--json'], { env: { ...process.env, ...s.env } });
  t.is(retry.code, 0, retry.stderr);
  t.deepEqual(JSON.parse(retry.stdout).retried.length, 1);
  await until('the retried run to finish again', () => {
    const r = existsSync(join(out, runId, 'run.json')) ? runJson(out, runId) : undefined;
    return r && r.counts.done === 2 && r.counts.failed === 0 && r.status === 'finished';
  }, { unless: w3.exited.then((c) => `worker exited ${c}`) });
  t.deepEqual(runJson(out, runId).failures, []);
  t.is(readFileSync(join(out, runId, 'summary.csv'), 'utf8').trim().split('\n').length, 1 + 4 * 3, 'a line per image and channel');
  t.false(readFileSync(join(out, runId, 'index.html'), 'utf8').includes('Failed groups'));
  w3.child.kill('SIGTERM');
  t.is(await w3.exited, 0);
});

test('a writer killed while writing the run\'s records: another worker writes them within a lock time, and removes its temporaries', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 4; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const { runId } = await enqueue(s, dir, out);
  const k = runKeys(s.prefix, runId);
  const w1 = worker(t, s, ['--roots', dir, '--out', out]);
  await runFinished(s, runId, w1);
  w1.child.kill('SIGTERM');
  await w1.exited;
  // What a writer SIGKILLed half-way leaves: its lock, a temporary, no run.json, the run not marked finished.
  await s.redis.hdel(k.meta, 'finishedAt');
  await s.redis.set(k.finalize, 'a-dead-writer', 'PX', Number(LOCK_MS));
  rmSync(join(out, runId, 'run.json'));
  const leftover = join(out, runId, '.tmp-summary.csv-otherhost-4242-deadbeef');
  writeFileSync(leftover, 'group,file\n');
  const w2 = worker(t, s, ['--roots', dir, '--out', out]);
  // the files are written first, then the run is marked finished in Redis
  await until('run.json written again and the run marked finished', async () => existsSync(join(out, runId, 'run.json')) && (await readRun(s.redis, s.prefix, runId))?.status === 'finished', { unless: w2.exited.then((c) => `worker exited ${c}`) });
  t.is(runJson(out, runId).counts.done, 2);
  t.false(existsSync(leftover), 'the dead writer\'s temporary removed');
  t.deepEqual(readdirSync(join(out, runId)).filter((f) => f.startsWith('.')), []);
});

test('a worker that cannot serve a job hands it back once, loudly; a worker that can does it; nothing is counted failed', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const elsewhere = tempDir();
  const out = tempDir();
  for (let i = 0; i < 4; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const { runId } = await enqueue(s, dir, out);
  const wrong = worker(t, s, ['--roots', elsewhere, '--out', out]);
  const handed = await wrong.waitFor('a hand-back', (e) => e.event === 'hand-back');
  t.regex(String(handed.reason), /outside the roots this worker may read/);
  // Both jobs handed back by it (taken once each, now delayed, none in hand), then it stops: which worker
  // takes a delayed job is BullMQ's choice, so with both running the right one might wait many rounds.
  const ids: string[] = [];
  for await (const g of new RunStore(s.redis, s.prefix, runId).inOrder()) ids.push(g.groupId);
  const jobKeys = ids.map((g) => `${s.prefix}:${s.queue}:${runId}.${g}`);
  // a handed-back job is delayed (its 'delay' set when moved), never active again while this worker alone runs, until its delay ends
  await until('both jobs taken once', async () => (await Promise.all(jobKeys.map((key) => s.redis.hget(key, 'ats')))).every((n) => Number(n) >= 1), { unless: wrong.exited.then((c) => `worker exited ${c}`) });
  wrong.child.kill('SIGTERM');
  t.is(await wrong.exited, 0);
  t.is(wrong.events.filter((e) => e.event === 'hand-back').length, 1, 'said once, for two jobs');
  t.is(wrong.events.filter((e) => e.event === 'job' && e.status === 'failed').length, 0);
  const right = worker(t, s, ['--roots', dir, '--out', out]);
  await runFinished(s, runId, right);
  const state = (await readRun(s.redis, s.prefix, runId))!;
  t.is(state.done, 2);
  t.is(state.failed, 0);
  t.true(state.attempts!.handedBack >= 2, `each hand-back counted in the run's attempts: ${JSON.stringify(state.attempts)}`);
});

test('with no worker able to serve it, a job fails after its hand-backs, counted with the reason', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 2; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const { runId } = await enqueue(s, dir, out);
  const w = worker(t, s, ['--roots', tempDir(), '--out', out], { BNVIZ_HAND_BACKS: '2' });
  await runFinished(s, runId, w);
  const record = runJson(out, runId);
  t.is(record.counts.failed, 1);
  t.regex(record.failures[0]!.error.message, /^no worker could serve this job after 2 hand-backs: .*outside the roots/);
});

test('bnviz worker refuses at start roots that do not exist and an output folder it cannot write (exit 2)', async (t) => {
  const s = await scope(t);
  const missing = await runCli(['worker', '--roots', join(tempDir(), 'nope')], { env: { ...process.env, ...s.env } });
  t.is(missing.code, 2);
  t.regex(missing.stderr, /^bnviz: Expected an existing folder for --roots/);
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, '');
  const unwritable = await runCli(['worker', '--roots', tempDir(), '--out', join(file, 'out')], { env: { ...process.env, ...s.env } });
  t.is(unwritable.code, 2);
  t.regex(unwritable.stderr, /^bnviz: Expected a writable folder for --out but received ".*a-file\/out" \(ENOTDIR\)\n$/);
});

test('the pixel budget: enqueue refuses a group over it (exit 2, naming the limit and how to raise it); a worker fails such a job as bad input, unretried', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 2; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const big = await runCli(['enqueue', dir, '--out', out, '--size', '4096'], { env: { ...process.env, ...s.env } });
  t.is(big.code, 2);
  t.regex(big.stderr, /^bnviz: run .*: 2 images of 4096 x 4096 are 33,554,432 pixels.*over the budget of 8,388,608 per group .*raise maxPixels \(--max-pixels, BNVIZ_MAX_PIXELS\)/);
  const { runId } = await enqueue(s, dir, out);
  const w = worker(t, s, ['--roots', dir, '--out', out, '--max-pixels', '1000']);
  await runFinished(s, runId, w);
  const record = runJson(out, runId);
  t.is(record.counts.failed, 1);
  t.regex(record.failures[0]!.error.message, /2 images of 32 x 32 are 2,048 pixels.*over the budget of 1,000/);
  // the worker tells of the job once BullMQ has failed it, which may be just after the run was counted
  const failedEvent = await w.waitFor('the failed job', (e) => e.event === 'job' && e.status === 'failed');
  t.false(failedEvent.retry);
});

test('the pixel budget counts the figures\' scale: enqueue refuses --scale 8 on small images; a worker fails a run whose options were edited in Redis to scale 8, unretried', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 2; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const scaled = await runCli(['enqueue', dir, '--out', out, '--size', '8', '--scale', '8'], { env: { ...process.env, ...s.env } });
  t.is(scaled.code, 2);
  t.regex(scaled.stderr, /^bnviz: run .*: 2 images of 8 x 8 are 128 pixels, their figures \(overview, panels, compare as png at scale 8\) [\d,]+: [\d,]+ in all, over the budget of 8,388,608 per group .*--scale.*\n$/);
  const { runId } = await enqueue(s, dir, out);
  // what an attacker with write access to Redis could do: the run's options, within the old count of files x size x size
  const k = runKeys(s.prefix, runId);
  const options = JSON.parse((await s.redis.hget(k.meta, 'options'))!) as Record<string, unknown>;
  await s.redis.hset(k.meta, 'options', JSON.stringify({ ...options, scale: 8, figures: ['overview', 'panels', 'compare'], formats: ['png', 'svg'], gridSize: 100_000 }));
  const w = worker(t, s, ['--roots', dir, '--out', out]);
  await runFinished(s, runId, w);
  const record = runJson(out, runId);
  t.is(record.counts.failed, 1);
  t.regex(record.failures[0]!.error.message, /2 images of 32 x 32 are 2,048 pixels, their figures \(overview, panels, compare as png, svg at scale 8\) [\d,]+ and their densities \(a grid of 100,000\) [\d,]+: [\d,]+ in all, over the budget of 8,388,608/);
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
  const failed = w.events.filter((e) => e.event === 'job' && e.status === 'failed');
  t.is(failed.length, 1);
  t.false(failed[0]!.retry);
});

test('enqueue of an existing run says what it found; bnviz clean removes its jobs and records, and --outputs its folder', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 4; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  mkdirSync(join(dir, 'sub'));
  copyFileSync(join(dir, 'i0.png'), join(dir, 'sub', 'bad.png'));
  writeFileSync(join(dir, 'sub', 'bad.png'), 'not an image');
  const { runId } = await enqueue(s, dir, out);
  const w = worker(t, s, ['--roots', dir, '--out', out]);
  await runFinished(s, runId, w);
  const again = await runCli(['enqueue', dir, '--out', out, '--size', '32', '--figures', 'overview', '--group-size', '2'], { env: { ...process.env, ...s.env } });
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, new RegExp(`^bnviz: run ${runId}: 2 done, 1 failed; nothing added; use bnviz retry ${runId} to run the failed groups again\\n`));
  w.child.kill('SIGTERM');
  await w.exited;
  const clean = await runCli(['clean', runId, '--out', out, '--outputs'], { env: { ...process.env, ...s.env } });
  t.is(clean.code, 0, clean.stderr);
  t.is(await readRun(s.redis, s.prefix, runId), undefined);
  t.false(existsSync(join(out, runId)));
  const [, keys] = await s.redis.scan('0', 'MATCH', `${s.prefix}:run:${runId}:*`, 'COUNT', 1000);
  t.deepEqual(keys, []);
  t.is(await s.redis.zscore(`${s.prefix}:runs`, runId), null);
  const status = await runCli(['status', runId], { env: { ...process.env, ...s.env } });
  t.is(status.code, 2);
});
