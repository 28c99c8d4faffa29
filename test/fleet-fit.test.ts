/**
 * The fleet's first pass of `--stats dataset`, against real Redis and real
 * worker processes: fit jobs count the dataset's levels, the counts are
 * summed in Redis once per slice, and the statistics equal `bnviz fit`'s bit
 * for bit; a slice whose worker is killed twice fails, the pass still ends
 * without its images, and every group is drawn.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { countLevels, fitDataset } from '../src/fit/fit-dataset.js';
import { LevelCounts } from '../src/fit/level-counts.js';
import { recordSlice } from '../src/fleet/fit-phase.js';
import { cleanRun } from '../src/fleet/clean-run.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { runKeys } from '../src/fleet/fleet-keys.js';
import { readRunStatus } from '../src/fleet/read-status.js';
import { formatRun } from '../src/fleet/status-view.js';
import { runView } from '../src/dashboard/run-view.js';
import { readRun } from '../src/fleet/run-store.js';
import type { RunRecord } from '../src/records/run-record.js';
import type { NormStats } from '../src/types.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { BUSY_LOCK_MS, redisScope, until, type RedisScope } from './helpers/redis.js';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.js';

const LOCK_MS = String(BUSY_LOCK_MS);
const SIZE = 32;

async function scope(t: ExecutionContext): Promise<RedisScope> {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  return s;
}

function worker(t: ExecutionContext, s: RedisScope, dir: string, out: string): WorkerProcess {
  const w = spawnWorker(['--threads', '1', '--roots', dir, '--out', out], { ...s.env, BNVIZ_LOCK_MS: LOCK_MS });
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  return w;
}

function config(s: RedisScope, extra: Record<string, unknown> = {}) {
  return loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, size: SIZE, figures: 'overview', groupSize: 2, stats: 'dataset', ...extra } });
}

/** A 16-bit PNG of varied values, so the 16-bit levels go through Redis too. */
async function deepPng(file: string, seed: number): Promise<void> {
  const words = new Uint16Array(SIZE * SIZE * 3);
  for (let i = 0; i < words.length; i++) words[i] = (i * 7919 + seed * 104729) % 65536;
  await sharp(words, { raw: { width: SIZE, height: SIZE, channels: 3 } }).toColourspace('rgb16').png().toFile(file);
}

const runJson = (out: string, runId: string) => JSON.parse(readFileSync(join(out, runId, 'run.json'), 'utf8')) as RunRecord;

function finished(s: RedisScope, runId: string, ...workers: WorkerProcess[]): Promise<true> {
  return until('the run to finish', async () => (await readRun(s.redis, s.prefix, runId))?.status === 'finished', {
    unless: Promise.race(workers.map((w) => w.exited.then((c) => `worker exited ${c}`))),
  });
}

test('two workers count the dataset\'s statistics as fit jobs: bnviz fit\'s numbers bit for bit, then every group is drawn with them', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 10; i++) await writePng(join(dir, `i${String(i).padStart(2, '0')}.png`), SIZE, SIZE, i);
  await deepPng(join(dir, 'i10.png'), 1);
  writeFileSync(join(dir, 'i11.png'), 'not a png');
  const result = await enqueueDataset(dir, config(s), { redis: s.redis, sliceImages: 4 });
  t.is(result.fitJobs, 3, 'twelve images in slices of four');
  t.is(result.added, 0, 'no group job before the statistics');
  const runId = result.runId;
  const [w1, w2] = [worker(t, s, dir, out), worker(t, s, dir, out)];
  await finished(s, runId, w1, w2);

  const want = await fitDataset(dir, { size: SIZE, fit: 'cover', background: '#000000', colorProfile: 'ignore', threads: 1 });
  const stats = JSON.parse((await s.redis.hget(runKeys(s.prefix, runId).meta, 'normStats'))!) as NormStats;
  t.deepEqual([stats.mean, stats.variance, stats.images], [want.mean, want.variance, 11], 'the same float64 numbers as bnviz fit');
  t.is(stats.label, 'the dataset\'s mean and std (11 images)');
  // what the groups were drawn with, and what the run's records say
  const groupStats = JSON.parse(readFileSync(join(out, runId, 'groups', readdirSync(join(out, runId, 'groups'))[0]!, 'stats.json'), 'utf8')) as { normalizedWith?: NormStats };
  t.deepEqual(groupStats.normalizedWith, stats);
  const record = runJson(out, runId);
  t.deepEqual(record.options.normStats, stats);
  t.is(record.counts.done, 5);
  t.is(record.counts.failed, 1, 'the unreadable file fails its group');
  t.is(record.failures[0]!.files.includes('i11.png'), true);

  const status = (await readRunStatus(s.redis, s.prefix, runId))!;
  t.like(status.fit, { slices: 3, done: 3, failed: 0, images: 12, counted: 11, unreadable: 1 });
  t.regex(formatRun(status, Date.now()), /first pass ended .*: 11 of 12 images counted \(1 could not be read\); mean \(/);
  t.regex(runView(status, Date.now()).firstPass ?? '', /^first pass ended .*: 11 of 12 images counted/, 'the dashboard\'s run page says it too');

  // bnviz clean removes the fit jobs with the rest
  for (const w of [w1, w2]) w.child.kill('SIGTERM');
  await Promise.all([w1.exited, w2.exited]);
  // read once both have stopped: their last events are then printed and read
  const counted = [...w1.events, ...w2.events].filter((e) => e.event === 'job' && typeof e.slice === 'number');
  t.is(counted.reduce((n, e) => n + Number(e.images), 0), 11, 'each slice counted once');
  t.true((await s.redis.exists(`${s.prefix}:${s.queue}:${runId}~fit-0`)) === 1, 'a completed fit job is kept (keepCompleted)');
  await cleanRun(s.redis, config(s), runId);
  const left = await s.redis.keys(`${s.prefix}:*`);
  t.deepEqual(left.filter((key) => key.includes(runId)), [], 'nothing of the run is left');
});

test('a slice counted twice adds its counts once', async (t) => {
  const s = await scope(t);
  const k = runKeys(s.prefix, 'r');
  await s.redis.hset(k.meta, 'fitSlices', '2');
  const counts = new LevelCounts();
  counts.add({ width: 2, height: 1, codes: Uint8Array.from([1, 2, 3, 4, 5, 6]) } as never);
  const counted = { fields: counts.toFields(), images: counts.images, skipped: [] };
  const first = await recordSlice(s.redis, k, { slice: 0, status: 'done', counted });
  const again = await recordSlice(s.redis, k, { slice: 0, status: 'done', counted });
  const late = await recordSlice(s.redis, k, { slice: 0, status: 'failed', reason: 'x', images: 1 });
  t.deepEqual([first, again, late].map((r) => [r.added, r.done, r.failed, r.slices]), [[true, 1, 0, 2], [false, 1, 0, 2], [false, 1, 0, 2]]);
  t.deepEqual(await s.redis.hgetall(k.levels), { '8:0:1': '1', '8:0:4': '1', '8:1:2': '1', '8:1:5': '1', '8:2:3': '1', '8:2:6': '1' });
  t.is(await s.redis.hget(k.meta, 'fitCounted'), '1');
});

test('a fit job whose worker is killed twice fails its slice: the pass ends without its images, and every group is drawn', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (const n of ['a0', 'a1', 'b0', 'c0', 'c1']) await writePng(join(dir, `${n}.png`), SIZE, SIZE, n.charCodeAt(0) + Number(n[1]));
  // b1 is a named pipe: reading it blocks until someone writes, so its slice's job stays in hand until its worker is killed
  const pipe = join(dir, 'b1.png');
  execFileSync('mkfifo', [pipe]);
  const manifest = join(tempDir(), 'groups.txt');
  writeFileSync(manifest, 'a0.png,a1.png\nb0.png,b1.png\nc0.png,c1.png\n');
  const { runId, fitJobs } = await enqueueDataset(dir, config(s, { manifest }), { redis: s.redis, sliceImages: 2 });
  t.is(fitJobs, 3);
  const jobKey = `${s.prefix}:${s.queue}:${runId}~fit-1`;
  for (let kill = 1; kill <= 2; kill++) {
    const w = worker(t, s, dir, out);
    // taken by this worker: BullMQ names the worker that took the job last (processedBy, 'pb'), which only moves forward
    await until(`the blocked slice to be taken by worker ${w.pid} (kill ${kill})`, async () => (await s.redis.hget(jobKey, 'pb'))?.endsWith(`:${w.pid}`), { unless: w.exited.then((c) => `worker exited ${c}`), seen: () => s.redis.hmget(jobKey, 'pb', 'ats') });
    if (kill === 1) {
      // the other two slices are counted while the second is in hand
      await until('the other slices to be counted', async () => (await s.redis.scard(runKeys(s.prefix, runId).fitDone)) >= 2, { unless: w.exited.then((c) => `worker exited ${c}`) });
      const during = (await readRunStatus(s.redis, s.prefix, runId))!;
      t.regex(formatRun(during, Date.now()), /first pass, the dataset's mean and std: \[#{20}\.{10}\] 2\/3 slices, 4 of 6 images counted\n\[\.{30}\] 0\/3 groups/);
    }
    w.child.kill('SIGKILL');
    await w.exited;
  }
  // The file is fixed before the groups are drawn; the slice's count is lost all the same.
  rmSync(pipe);
  await writePng(pipe, SIZE, SIZE, 99);
  const w3 = worker(t, s, dir, out);
  await finished(s, runId, w3);

  const status = (await readRunStatus(s.redis, s.prefix, runId))!;
  t.like(status.fit, { slices: 3, done: 2, failed: 1, counted: 4 });
  t.regex(status.fit!.failures[0]!.reason, /stopped .* before it ended \(killed, or out of memory\)/);
  const want = await fitDataset(dir, { size: SIZE, fit: 'cover', background: '#000000', colorProfile: 'ignore', files: ['a0.png', 'a1.png', 'c0.png', 'c1.png'] });
  const stats = runJson(out, runId).options.normStats!;
  t.deepEqual([stats.mean, stats.variance], [want.mean, want.variance], 'the statistics of the slices counted');
  t.is(stats.label, 'the dataset\'s mean and std (4 images; 2 in slices that failed are not counted)');
  t.like(runJson(out, runId).counts, { done: 3, failed: 0 });
  t.regex(formatRun(status, Date.now()), /slice 1 \(2 images, not counted\): the worker counting it stopped/);
  w3.child.kill('SIGTERM');
  t.is(await w3.exited, 0);
});

test('a worker that dies while ending the first pass: its lock lapses, and the reconciliation of another adds the group jobs', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 6; i++) await writePng(join(dir, `i${i}.png`), SIZE, SIZE, 40 + i);
  const { runId, fitJobs } = await enqueueDataset(dir, config(s), { redis: s.redis, sliceImages: 4 });
  t.is(fitJobs, 2);
  // What a finisher killed after the last slice was counted leaves: every slice counted, its lock, no group job.
  const k = runKeys(s.prefix, runId);
  const slices = [['i0.png', 'i1.png', 'i2.png', 'i3.png'], ['i4.png', 'i5.png']];
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  for (const [n, files] of slices.entries()) {
    const { counts, skipped } = await countLevels(dir, files, { size: SIZE, fit: 'cover', background: '#000000', colorProfile: 'ignore' }, 1);
    await recordSlice(s.redis, k, { slice: n, status: 'done', counted: { fields: counts.toFields(), images: counts.images, skipped } });
    t.is(await queue.remove(`${runId}~fit-${n}`), 1);
  }
  await s.redis.set(k.fitLock, 'a-dead-finisher', 'PX', Number(LOCK_MS));
  const w = worker(t, s, dir, out);
  await finished(s, runId, w);
  const want = await fitDataset(dir, { size: SIZE, fit: 'cover', background: '#000000', colorProfile: 'ignore' });
  t.deepEqual(runJson(out, runId).options.normStats?.mean, want.mean);
  t.like(runJson(out, runId).counts, { done: 3, failed: 0 });
  t.is(await s.redis.hlen(k.plan), 0, 'the plan is gone once its jobs are in');
});

test('an enqueue that died before adding its fit jobs, enqueued again, adds them and still no group job', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  for (let i = 0; i < 4; i++) await writePng(join(dir, `i${i}.png`), SIZE, SIZE, i);
  const first = await enqueueDataset(dir, config(s), { redis: s.redis, sliceImages: 2 });
  // What it leaves when killed right after the run's meta and group list: no plan, no fit job.
  const k = runKeys(s.prefix, first.runId);
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  for (const n of [0, 1]) t.is(await queue.remove(`${first.runId}~fit-${n}`), 1);
  await s.redis.del(k.plan);
  await s.redis.hdel(k.meta, 'fitSlices', 'fitImages', 'jobOptions', 'fitEnqueued');
  const again = await enqueueDataset(dir, config(s), { redis: s.redis, sliceImages: 2 });
  t.like(again, { newRun: false, fitJobs: 2, added: 0 });
  t.is(await s.redis.hlen(k.plan), 2);
  t.is(await queue.count(), 2, 'the two fit jobs, and no group job');
});

test('hostile fit jobs are refused, each saying why, and count nothing: the pass ends on the run\'s own slices', async (t) => {
  const s = await scope(t);
  const dir = tempDir();
  const out = tempDir();
  for (let i = 0; i < 4; i++) await writePng(join(dir, `i${i}.png`), SIZE, SIZE, 60 + i);
  const { runId } = await enqueueDataset(dir, config(s), { redis: s.redis, sliceImages: 2 });
  const own = (await s.redis.hget(`${s.prefix}:${s.queue}:${runId}~fit-0`, 'data'))!;
  const doc = JSON.parse(own) as Record<string, unknown>;
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const hostile: Array<[string, unknown, RegExp]> = [
    ['junk', 'not a document', /^job junk: invalid fit job: .* for the document/],
    [`${runId}~fit-99`, { ...doc, slice: 99 }, /slice 99 is not a slice of run .* \(it has 2\)/],
    ['escape', { ...doc, files: ['../../etc/passwd'] }, /Expected a path relative to the dataset root for files\[0\] .* must not contain '\.\.'/],
    ['huge', { ...doc, options: { ...(doc.options as object), size: 4096 } }, /2 images of 4096 x 4096 are 33,554,432 pixels, over the budget/],
  ];
  for (const [id, data] of hostile) await queue.add('fit', data, { jobId: id });
  const w = worker(t, s, dir, out);
  await finished(s, runId, w);
  // stopped before its events are read: a job's event is printed after the job is counted
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
  for (const [id, , reason] of hostile) {
    const e = w.events.find((ev) => ev.event === 'job' && ev.jobId === id);
    t.is(e?.status, 'failed', id);
    t.regex(String(e?.error), reason, id);
  }
  const status = (await readRunStatus(s.redis, s.prefix, runId))!;
  t.like(status.fit, { slices: 2, done: 2, failed: 0, counted: 4 });
  t.is(await recordSlice(s.redis, runKeys(s.prefix, runId), { slice: 7, status: 'failed', reason: 'forged', images: 1 }).then((r) => r.added), false, 'a slice the run does not have counts nothing');
});
