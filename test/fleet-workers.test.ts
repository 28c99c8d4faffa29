import test, { type ExecutionContext } from 'ava';
import { Queue } from 'bullmq';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readWorkers } from '../src/fleet/read-status.js';
import { readRun } from '../src/fleet/run-store.js';
import { COUNTED_DIR, type CountedLine } from '../src/records/counted-rows.js';
import { defaultRunId } from '../src/dataset/run-id.js';
import { makeCases, writePng } from './helpers/make-images.js';
import { assertWhole, walk } from './helpers/output-tree.js';
import { tempDir } from './helpers/paths.js';
import { firstProgress, queueEvents } from './helpers/queue-events.js';
import { BUSY_LOCK_MS, redisScope, until, type RedisScope } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.js';

const FAST = ['--size', '64', '--figures', 'overview'];
/**
 * Slow enough groups (big images, every figure: about 2 s each here) that a
 * signal sent when the first job reports its stage lands while it is in hand.
 */
const SLOW = ['--size', '1024'];

async function dataset(n: number, side = 32): Promise<string> {
  const dir = tempDir();
  for (let i = 0; i < n; i++) await writePng(join(dir, `img${String(i).padStart(2, '0')}.png`), side, side, i);
  return dir;
}

async function enqueue(t: ExecutionContext, s: RedisScope, dir: string, args: string[], env: Record<string, string> = {}): Promise<{ runId: string; added: number; existing: number; groups: number }> {
  const r = await runCli(['enqueue', dir, '--json', ...args], { env: { ...s.env, ...env } });
  t.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { runId: string; added: number; existing: number; groups: number };
}

function worker(t: ExecutionContext, s: RedisScope, dir: string, out: string, env: Record<string, string> = {}): WorkerProcess {
  const w = spawnWorker(['--roots', dir, '--out', out, '--threads', '1'], { ...s.env, ...env });
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  return w;
}

/** Why waiting on the run is hopeless: every worker that could finish it has exited. */
const allExited = (workers: WorkerProcess[]) => Promise.all(workers.map((w) => w.exited)).then((codes) =>
  `every worker exited (${codes.join(', ')}); stderr: ${workers.map((w) => w.stderr().trim() || '(empty)').join(' | ')}`);

/** The run's record once it says finished (Redis state: polled, with no time limit), while any of `workers` lives. */
const finished = (s: RedisScope, runId: string, workers: WorkerProcess[]) => until(`run ${runId} to finish`, async () => {
  const run = await readRun(s.redis, s.prefix, runId);
  return run?.finishedAt ? run : undefined;
}, { unless: allExited(workers) });

test.serial('enqueue and two worker processes: every group done once, counts right, outputs the same as bnviz run; enqueueing again adds nothing', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(12);
  const outRun = tempDir();
  const outFleet = tempDir();
  const local = await runCli(['run', dir, '--out', outRun, '--threads', '1', ...FAST]);
  t.is(local.code, 0, local.stderr);

  const workers = [worker(t, s, dir, outFleet), worker(t, s, dir, outFleet)];
  await Promise.all(workers.map((w) => w.ready));
  const alive = await readWorkers(s.redis, s.prefix);
  t.deepEqual(alive.map((b) => b.pid).sort(), workers.map((w) => w.pid).sort(), 'both heartbeats');
  t.like(alive[0], { threads: 1, active: 0, processed: 0, queue: s.queue });
  const enq = await enqueue(t, s, dir, FAST);
  t.like(enq, { groups: 4, added: 4, existing: 0 });
  const run = await finished(s, enq.runId, workers);
  t.like(run, { total: 4, done: 4, skipped: 0, failed: 0, status: 'finished' });
  for (const w of workers) w.child.kill('SIGTERM');
  t.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
  // A group a worker counts before the enqueue is whole (a worker may take the first jobs while it runs) is not
  // drawn as it is counted: a second-pass draw job (`<run>~draw-<index>`, draw-phase.ts) draws it once the run is
  // counted. So: each group counted once, and drawn by a draw job at most once.
  const all = workers.flatMap((w) => w.events.filter((e) => e.event === 'job'));
  const isDraw = (e: Record<string, unknown>) => String(e.jobId).includes('~draw-');
  const jobs = all.filter((e) => !isDraw(e));
  const draws = all.filter(isDraw);
  t.is(jobs.length, 4, `each group counted once; job events: ${JSON.stringify(all)}; other events: ${JSON.stringify(workers.map((w) => w.events.filter((e) => e.event !== 'job' && e.event !== 'ready')))}`);
  t.is(new Set(jobs.map((e) => e.groupId)).size, 4);
  t.is(new Set(draws.map((e) => e.groupId)).size, draws.length, `each group drawn by a draw job at most once: ${JSON.stringify(draws)}`);
  t.true(all.every((e) => e.status === 'done'));

  // The same tree as bnviz run: same groups, same figures byte for byte, same numbers.
  const a = join(outRun, enq.runId);
  const b = join(outFleet, enq.runId);
  // A group counted before the enqueue was whole also left its line in the fleet's counted/ files (bnviz run,
  // knowing the run's size from the start, draws every group of so small a run as it counts it): such lines must
  // belong to groups drawn since, whose folders hold the same numbers (summary.csv, compared below, is made from them).
  const treeA = walk(a);
  const extra = walk(b).filter((f) => f.startsWith(`${COUNTED_DIR}/`));
  for (const f of extra) {
    const bytes = readFileSync(join(b, f));
    const lines = (f.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const g = (JSON.parse(line) as CountedLine).g;
      t.true(treeA.some((p) => p.endsWith(`/${g}/group.json`)), `${f}: the line of ${g} is of a group drawn since`);
    }
  }
  t.deepEqual(walk(b).filter((f) => !extra.includes(f)).sort(), treeA.sort());
  for (const f of walk(a)) {
    if (f.endsWith('.png') || f.endsWith('stats.json') || f === 'summary.csv') t.true(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
    if (f.endsWith('group.json')) {
      const strip = (p: string) => ({ ...JSON.parse(readFileSync(p, 'utf8')), timings: undefined });
      t.deepEqual(strip(join(b, f)), strip(join(a, f)), f);
    }
  }
  const runA = JSON.parse(readFileSync(join(a, 'run.json'), 'utf8'));
  const runB = JSON.parse(readFileSync(join(b, 'run.json'), 'utf8'));
  for (const key of ['runId', 'root', 'status', 'options', 'groupSize', 'counts', 'failures']) t.deepEqual(runB[key], runA[key], key);
  t.is(await assertWhole(t, b), 4);

  const again = await enqueue(t, s, dir, FAST);
  t.like(again, { runId: enq.runId, added: 0, existing: 4 });
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  t.is(await queue.getWaitingCount(), 0);
  t.deepEqual(await readWorkers(s.redis, s.prefix), [], 'heartbeats removed on a clean stop');
  const status = await runCli(['status', enq.runId, '--json'], { env: s.env });
  t.is(status.code, 0, status.stderr);
  t.like(JSON.parse(status.stdout), { runId: enq.runId, status: 'finished', total: 4, done: 4, failed: 0, workers: [] });
});

test.serial('a corrupt image fails its group once with its reason, unretried; the other groups are done', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(5);
  const cases = await makeCases(tempDir());
  copyFileSync(cases.corrupt, join(dir, 'img05-corrupt.png'));
  const out = tempDir();
  const w = worker(t, s, dir, out);
  await w.ready;
  const enq = await enqueue(t, s, dir, FAST);
  const run = await finished(s, enq.runId, [w]).catch((err: Error) => {
    throw new Error(`${err.message}; events ${JSON.stringify(w.events)}`);
  });
  t.like(run, { total: 2, done: 1, failed: 1 });
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
  const failedEvents = w.events.filter((e) => e.event === 'job' && e.status === 'failed');
  t.is(failedEvents.length, 1, 'failed once');
  t.false(failedEvents[0].retry);
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const [job] = await queue.getFailed();
  t.is(job.attemptsMade, 1);
  t.is(job.opts.attempts, 3, 'retries were allowed, and not used');
  t.regex(job.failedReason, /img05-corrupt\.png: corrupt or truncated image data/);
  const record = JSON.parse(readFileSync(join(out, enq.runId, 'run.json'), 'utf8'));
  t.is(record.failures.length, 1);
  t.deepEqual(record.failures[0].files, ['img03.png', 'img04.png', 'img05-corrupt.png']);
  t.regex(record.failures[0].error.message, /img05-corrupt\.png: corrupt/);
  const status = await runCli(['status', enq.runId], { env: s.env });
  t.regex(status.stdout, /1 done, 0 already done, 1 failed/);
  t.regex(status.stdout, /img05-corrupt\.png: corrupt/);
});

test.serial('a worker SIGKILLed mid-job: another worker takes up its stalled job; every group done exactly once, no partial file', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(6, 600);
  const out = tempDir();
  const fastLocks = { BNVIZ_LOCK_MS: String(BUSY_LOCK_MS) };
  const a = worker(t, s, dir, out, fastLocks);
  await a.ready;
  const events = queueEvents(t, s);
  const enq = await enqueue(t, s, dir, SLOW);
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  // Kill once a job is in hand and its thread has reported a stage.
  const victim = await firstProgress(events, allExited([a]));
  a.child.kill('SIGKILL');
  await a.exited;
  const b = worker(t, s, dir, out, fastLocks);
  const run = await finished(s, enq.runId, [b]);
  t.like(run, { total: 2, done: 2, skipped: 0, failed: 0 });
  b.child.kill('SIGTERM');
  t.is(await b.exited, 0);
  const took = b.events.filter((e) => e.event === 'job').map((e) => e.jobId);
  t.true(took.includes(victim), 'the killed worker\'s job was finished by the other');
  t.false(a.events.some((e) => e.event === 'job' && e.jobId === victim), 'the killed worker never finished it');
  t.is((await queue.getJob(victim))!.finishedOn !== undefined, true);
  t.deepEqual(readdirSync(join(out, enq.runId, 'groups')).length, 2);
  t.is(await assertWhole(t, join(out, enq.runId)), 2);
});

test.serial('SIGTERM while a job is in hand: the worker finishes it, takes no more, exits 0; nothing is lost', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(12, 400);
  const out = tempDir();
  const a = worker(t, s, dir, out);
  await a.ready;
  const events = queueEvents(t, s);
  const enq = await enqueue(t, s, dir, SLOW);
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const inHand = await firstProgress(events, allExited([a]));
  a.child.kill('SIGTERM');
  t.is(await a.exited, 0, a.stderr());
  t.deepEqual(a.events.map((e) => e.event).filter((e) => e !== 'job'), ['ready', 'stopping', 'stopped']);
  const finishedByA = a.events.filter((e) => e.event === 'job');
  t.true(finishedByA.some((e) => e.jobId === inHand && e.status === 'done'), 'the job in hand was finished');
  // group jobs wait prioritized (see job-document.ts, JOB_PRIORITY)
  const counts = await queue.getJobCounts('active', 'waiting', 'prioritized', 'completed', 'failed');
  t.like(counts, { active: 0, failed: 0 });
  t.is(counts.waiting + counts.prioritized + counts.completed, 4, 'every job is either done or still waiting');
  const before = await readRun(s.redis, s.prefix, enq.runId);
  t.is(before!.done, finishedByA.length);
  t.true(before!.done < 4, 'it stopped before the end');
  const b = worker(t, s, dir, out);
  const run = await finished(s, enq.runId, [b]);
  t.like(run, { total: 4, done: 4, failed: 0 });
  b.child.kill('SIGTERM');
  t.is(await b.exited, 0);
  t.is(await assertWhole(t, join(out, enq.runId)), 4);
});

test.serial('a transient failure (the output folder unusable) is retried with backoff, and the group is counted once when it succeeds', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(3);
  const out = tempDir();
  const w = worker(t, s, dir, out);
  await w.ready;
  // Where the group folders go, a file: every write fails until it is removed.
  const runId = defaultRunId(dir);
  mkdirSync(join(out, runId), { recursive: true });
  writeFileSync(join(out, runId, 'groups'), 'in the way');
  await enqueue(t, s, dir, FAST, { BNVIZ_BACKOFF_MS: '1500' });
  const failure = await w.waitFor('a failed attempt', (e) => e.event === 'job' && e.status === 'failed');
  t.true(failure.retry, 'to be retried');
  rmSync(join(out, runId, 'groups'));
  const run = await finished(s, runId, [w]);
  t.like(run, { total: 1, done: 1, failed: 0 });
  // the run is counted just before BullMQ completes the job; the worker tells of it after
  await w.waitFor('the job done', (e) => e.event === 'job' && e.status === 'done');
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const [job] = await queue.getCompleted();
  t.true(job.attemptsMade >= 1, `attempts failed before: ${job.attemptsMade}`);
  t.is(job.returnvalue.status, 'done');
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
});
