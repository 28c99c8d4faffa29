import test from 'ava';
import { Queue } from 'bullmq';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type BnvizConfig } from '../src/config/load-config.js';
import { groupOptions } from '../src/config/derive-options.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';
import { jobIdOf, makeJobDocument, parseJobDocument } from '../src/fleet/job-document.js';
import { readRun, RunStore } from '../src/fleet/run-store.js';
import { startWorker, type WorkerEvents } from '../src/fleet/start-worker.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { redisScope, until, type RedisScope } from './helpers/redis.js';

async function dataset(n: number): Promise<string> {
  const dir = tempDir();
  for (let i = 0; i < n; i++) await writePng(join(dir, `img${String(i).padStart(2, '0')}.png`), 32, 32, i);
  return dir;
}

function configOf(s: RedisScope, extra: Record<string, unknown> = {}): Readonly<BnvizConfig> {
  return loadConfig({ env: {}, flags: { 'redis.url': s.url, 'redis.prefix': s.prefix, 'queue.name': s.queue, size: 64, figures: 'overview', threads: 1, ...extra } });
}

test('enqueueDataset adds one validated job per group; the same run enqueued again adds none', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(7);
  const config = configOf(s, { out: tempDir() });
  const first = await enqueueDataset(dir, config, { redis: s.redis, chunkSize: 2 });
  t.like(first, { groups: 3, added: 3, existing: 0, newRun: true, root: dir });
  const second = await enqueueDataset(dir, config, { redis: s.redis });
  t.like(second, { runId: first.runId, groups: 3, added: 0, existing: 3, newRun: false });
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const jobs = await queue.getPrioritized();
  t.is(jobs.length, 3);
  t.is(await queue.count(), 3);
  const store = new RunStore(s.redis, s.prefix, first.runId);
  for (const job of jobs) {
    const doc = parseJobDocument(job.data);
    t.deepEqual(doc, { v: 3, runId: first.runId, index: doc.index }, 'a job names its run and index, never pixels, paths or the run\'s options');
    t.is(job.id, `${first.runId}.${await store.groupAt(doc.index)}`, 'the run holds the job\'s group at its index');
    const files = await store.filesAt(doc.index);
    t.true(files !== undefined && files.length >= 1 && files.every((f) => !f.startsWith('/') && existsSync(join(dir, f))), 'the run keeps the group\'s files while it waits');
    t.is(job.opts.priority, 1, 'prioritized: BullMQ removes it from a sorted set, not by scanning the wait list');
    const stored = await s.redis.hgetall(`${s.prefix}:${s.queue}:${job.id}`);
    // the id is the job's key; a copy of it in the options BullMQ stores would cost every waiting job its length again
    t.false(stored.opts!.includes(job.id!), 'the stored options hold no copy of the job id');
    // every field within Redis' default hash-max-listpack-value: the waiting job is kept compact
    t.deepEqual(Object.entries(stored).filter(([, v]) => v.length > 64), [], 'no field over 64 bytes');
    t.not(await s.redis.object('ENCODING', `${s.prefix}:${s.queue}:${job.id}`), 'hashtable');
  }
  const run = await readRun(s.redis, s.prefix, first.runId);
  t.like(run, { total: 3, done: 0, failed: 0, status: 'queued' });
  t.deepEqual(run!.meta!.options, groupOptions(config));
  t.is(run!.meta!.root, dir);
});

test('RunStore.record counts a group once whatever its jobs do, and ignores groups the run does not have', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const store = new RunStore(s.redis, s.prefix, 'r1');
  t.is(await store.addGroups([{ groupId: 'g1', index: 0, files: ['a.png'] }, { groupId: 'g2', index: 1, files: ['b.png', 'sub/b 2.png'] }]), 2);
  t.is(await store.addGroups([{ groupId: 'g1', index: 0, files: ['a.png'] }]), 0, 'registered once');
  await t.throwsAsync(store.addGroups([{ groupId: 'other', index: 1, files: ['c.png'] }]), { name: 'UsageError', message: /run r1 was enqueued before with other groups \(group 2 is g2 there, not other\)/ });
  t.deepEqual([await store.filesAt(0), await store.filesAt(1), await store.filesAt(2)], [['a.png'], ['b.png', 'sub/b 2.png'], undefined], 'each group\'s files kept while it waits');
  t.like(await store.record({ groupId: 'g1', index: 0, status: 'done', files: ['a.png'] }), { effect: 'added', done: 1, total: 2 });
  t.is(await store.filesAt(0), undefined, 'a group counted: its files let go (its log entry keeps them)');
  t.is(await store.addGroups([{ groupId: 'g1', index: 0, files: ['a.png'] }]), 0);
  t.is(await store.filesAt(0), undefined, 'enqueued again: a counted group\'s files are not kept again');
  t.like(await store.record({ groupId: 'g1', index: 0, status: 'done', files: ['a.png'] }), { effect: 'counted', done: 1 });
  t.like(await store.record({ groupId: 'g1', index: 0, status: 'failed', files: ['a.png'], error: { name: 'Error', message: 'late' } }), { effect: 'counted', done: 1, failed: 0 });
  t.like(await store.record({ groupId: 'g2', index: 1, status: 'failed', files: ['b.png'], error: { name: 'InputError', message: 'b.png: corrupt' } }), { effect: 'added', done: 1, failed: 1 });
  t.is(await store.filesAt(1), undefined);
  // counted failed again by a job that no longer finds its files (the reconciliation of a stalled-out job): the latest reason, the files it had
  t.like(await store.record({ groupId: 'g2', index: 1, status: 'failed', files: [], error: { name: 'Stalled', message: 'stopped 2 times' } }), { effect: 'counted', failed: 1 });
  t.deepEqual((await store.failuresOf(['g2']))[0], { groupId: 'g2', index: 1, files: ['b.png'], error: { name: 'Stalled', message: 'stopped 2 times' } });
  t.like(await store.record({ groupId: 'g2', index: 1, status: 'failed', files: ['b.png'], error: { name: 'InputError', message: 'b.png: corrupt' } }), { effect: 'counted', failed: 1 });
  t.like(await store.record({ groupId: 'nope', index: 1, status: 'done', files: [] }), { effect: 'unknown', done: 1, failed: 1 }, 'another id at a real index');
  t.like(await store.record({ groupId: 'g1', index: 5, status: 'done', files: [] }), { effect: 'unknown' }, 'a real id at another index');
  t.deepEqual(await store.failuresPage(), { count: 1, failures: [{ groupId: 'g2', index: 1, files: ['b.png'], error: { name: 'InputError', message: 'b.png: corrupt' } }] });
  // a retry that ends done moves the group, and its failure goes
  t.deepEqual(await store.uncountFailed([{ groupId: 'g2', index: 1, files: ['b.png'] }, { groupId: 'g1', index: 0, files: ['a.png'] }]), ['g2'], 'only a failed group is uncounted');
  t.like(await store.read(), { done: 1, failed: 0, total: 2 });
  t.deepEqual([await store.filesAt(0), await store.filesAt(1)], [undefined, ['b.png']], 'the group uncounted has its files kept again, for its job');
  t.like(await store.record({ groupId: 'g2', index: 1, status: 'done', files: ['b.png'], maxUnseen: 0.25, unseen: [0.25, 0.1, 0], timings: { decodeMs: 20, computeMs: 30, figureMs: 40, writeMs: 5, totalMs: 95 } as never }), { effect: 'added', done: 2, failed: 0 });
  t.deepEqual(await store.failuresPage(), { count: 0, failures: [] });
  t.deepEqual(await s.redis.keys(`${s.prefix}:run:r1:files:*`), [], 'no group waits: no files kept');
  const states = [];
  for await (const g of store.inOrder()) states.push(g);
  t.deepEqual(states, [{ groupId: 'g1', index: 0, state: 'done' }, { groupId: 'g2', index: 1, state: 'done' }]);
  const agg = await store.aggregates();
  t.is(agg.unseenBins[250], 1, 'the group\'s largest share in its 0.1% bin');
  t.deepEqual([agg.spread.counts.R[5], agg.spread.counts.G[2], agg.spread.counts.B[0], agg.spread.images], [1, 1, 1, 1]);
  t.is(agg.stages.totalMs!.bins[3], 1, '95 ms is in the bin up to 0.1 s');
  const log = await store.readLog(0);
  t.deepEqual(log.entries.map((e) => [e.index, e.groupId, e.status, e.maxUnseen]), [[0, 'g1', 'done', 0], [1, 'g2', 'failed', 0], [1, 'g2', 'done', 0.25]]);
});

test('a job naming files outside the worker\'s dataset roots fails at once as invalid input, reads and writes nothing', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const base = tempDir();
  const allowed = join(base, 'data');
  mkdirSync(allowed);
  for (let i = 0; i < 6; i++) await writePng(join(allowed, `img${i}.png`), 32, 32, i); // two groups: one failing leaves the run open
  const secret = join(base, 'private');
  mkdirSync(secret);
  await writePng(join(secret, 'secret.png'), 32, 32, 9);
  const out = join(base, 'out');
  // no hand-backs: a job no worker here can serve fails at once (by default it would go back to the queue for other workers)
  const config = configOf(s, { out, roots: allowed, 'queue.handBacks': 0 });
  const enq = await enqueueDataset(allowed, config, { redis: s.redis });
  // Wait with the real job: only forged ones are in the queue while the worker runs.
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  await queue.drain();
  const store = new RunStore(s.redis, s.prefix, enq.runId);
  const real = (await store.groupAt(0))!;
  // version 2 jobs named the group's files themselves (still served, so still checked)
  const named = (runId: string, groupId: string, index: number, files: string[]) => ({ v: 2, runId, groupId, index, files });
  const forged = [
    { id: 'dots', data: named(enq.runId, real, 0, ['img0.png', '../private/secret.png']), reason: /must not contain '\.\.'/ },
    { id: 'other-root', data: { ...named(enq.runId, real, 0, ['secret.png']), root: secret }, reason: /Unknown key root/ },
    { id: 'absolute', data: { ...named(enq.runId, real, 0, ['img0.png']), files: [join(secret, 'secret.png')] }, reason: /not absolute/ },
    { id: 'malformed', data: { v: 2, runId: enq.runId, groupId: real, index: 0, files: 'img0.png' }, reason: /invalid job: Expected a list of 1 to 1024 files for files but received "img0.png"/ },
    { id: 'no-such-run', data: named('other-run', real, 0, ['img0.png']), reason: /run other-run was not enqueued/ },
    { id: 'wrong-index', data: named(enq.runId, real, 1, ['img0.png']), reason: new RegExp(`group ${real} is not group 2 of run`) },
    // version 3: the job names an index; its id must be that group's, and it may bring no files of its own
    { id: 'v3-not-its-job', data: makeJobDocument(enq.runId, 0), reason: new RegExp(`group 1 of run ${enq.runId} is ${real}, whose job is ${jobIdOf(enq.runId, real)}$`) },
    { id: 'v3-files', data: { ...makeJobDocument(enq.runId, 0), files: ['../private/secret.png'] }, reason: /Unknown key files/ },
    { id: 'v3-no-such-group', data: makeJobDocument(enq.runId, 7), reason: new RegExp(`run ${enq.runId} has no group 8$`) },
    // under the group's own job id (the real job was drained), its files in the run's records made hostile: this one may count the group as failed
    { id: jobIdOf(enq.runId, real), data: makeJobDocument(enq.runId, 0), reason: /must not contain '\.\.'/ },
  ];
  await s.redis.hset(store.k.files(0), '0', ['img0.png', '../private/secret.png'].join('\0'));
  for (const f of forged) await queue.add('group', f.data, { jobId: f.id, attempts: 3, backoff: { type: 'fixed', delay: 10 } });
  // The worker tells of each job it ends, once the job is stored as failed.
  let ended = 0;
  let allEnded!: () => void;
  const allFailed = new Promise<void>((resolve) => { allEnded = resolve; });
  const worker = await startWorker(config, { job: () => { if (++ended === forged.length) allEnded(); } });
  t.teardown(() => worker.close());
  await allFailed;
  const failed = await queue.getFailed();
  t.is(failed.length, forged.length);
  for (const f of forged) {
    const job = failed.find((j) => j.id === f.id)!;
    t.regex(job.failedReason, f.reason, f.id);
    t.is(job.attemptsMade, 1, `${f.id} not retried`);
  }
  t.false(existsSync(out) && readdirSync(out).length > 0, 'nothing written under the output folder');
  // only the job under the group's own id counted it as failed, once, with its reason;
  // forged jobs under other ids did not touch the run's records
  const { failures, count } = await store.failuresPage();
  t.is(count, 1, 'counted once');
  t.is(failures[0].groupId, real);
  t.regex(failures[0].error.message, /must not contain '\.\.'/);
  t.is((await readRun(s.redis, s.prefix, enq.runId))!.failed, 1);
});

/** The worker's job events as they come, and a wait for one of them with a deadline and a message. */
function jobEvents() {
  type Info = Parameters<NonNullable<WorkerEvents['job']>>[0];
  const seen: Info[] = [];
  const waiters: Array<{ what: (e: Info) => boolean; resolve: (e: Info) => void }> = [];
  return {
    events: { job: (e: Info) => { seen.push(e); for (const w of waiters.filter((w) => w.what(e))) w.resolve(e); } } satisfies WorkerEvents,
    next(message: string, what: (e: Info) => boolean, ms = 30_000): Promise<Info> {
      const found = seen.find(what);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${message} (seen: ${JSON.stringify(seen)})`)), ms);
        waiters.push({ what, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
  };
}

/** A run of one group of three images, enqueued: its scope, folders, config, records and group id. */
async function oneGroupRun(t: import('ava').ExecutionContext, extra: Record<string, unknown> = {}) {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const dir = await dataset(3);
  const out = tempDir();
  const config = configOf(s, { out, roots: dir, ...extra });
  const { runId } = await enqueueDataset(dir, config, { redis: s.redis });
  const store = new RunStore(s.redis, s.prefix, runId);
  return { s, out, config, runId, store, groupId: (await store.groupAt(0))! };
}

/** Where the run's group folders go, a file: every write of a group fails, as a transient failure would, until it is removed. */
function blockGroupFolders(out: string, runId: string): string {
  mkdirSync(join(out, runId), { recursive: true });
  writeFileSync(join(out, runId, 'groups'), 'in the way');
  return join(out, runId, 'groups');
}

test('a job whose group was counted already (its worker died between counting it and ending the job) ends skipped without redoing it, and its run\'s records are written', async (t) => {
  const { s, out, config, runId, store, groupId } = await oneGroupRun(t);
  // what that worker left: the group counted (its files let go), its job still in the queue
  const files = (await store.filesAt(0))!;
  t.like(await store.record({ groupId, index: 0, status: 'done', files, maxUnseen: 0.1 }), { effect: 'added', done: 1, total: 1 });
  t.is(await store.filesAt(0), undefined);
  const jobs = jobEvents();
  const worker = await startWorker(config, jobs.events);
  t.teardown(() => worker.close());
  const ended = await jobs.next('the group\'s job to end', (e) => e.jobId === jobIdOf(runId, groupId));
  t.like(ended, { status: 'skipped' });
  t.like(await readRun(s.redis, s.prefix, runId), { total: 1, done: 1, skipped: 0, failed: 0, status: 'finished' });
  t.true(existsSync(join(out, runId, 'run.json')), 'the run\'s records written');
  t.false(existsSync(join(out, runId, 'groups', groupId)), 'the group not redone');
});

test('a failed group\'s job retried by BullMQ itself (as Bull Board does) takes its files from the group\'s failure, and the group moves to done', async (t) => {
  const { s, out, config, runId, store, groupId } = await oneGroupRun(t, { 'queue.attempts': 1 });
  // its one attempt fails
  const blocker = blockGroupFolders(out, runId);
  const jobs = jobEvents();
  const worker = await startWorker(config, jobs.events);
  t.teardown(() => worker.close());
  await jobs.next('the job to fail', (e) => e.status === 'failed');
  t.like(await store.read(), { failed: 1 });
  t.is(await store.filesAt(0), undefined, 'counted failed: its files are its failure\'s');
  const [failure] = (await store.failuresPage()).failures;
  t.is(failure?.files.length, 3);
  rmSync(blocker);
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  const [job] = await queue.getFailed();
  await job!.retry('failed');
  await jobs.next('the retried job done', (e) => e.status === 'done');
  t.like(await store.read(), { done: 1, failed: 0, attempts: { retried: 1 } });
  t.true(existsSync(join(out, runId, 'groups', groupId)), 'the group drawn');
});

test('a job whose backoff type is not bnviz\'s is not retried: it fails after its first failed attempt, and the worker goes on', async (t) => {
  const { s, out, config, runId, groupId } = await oneGroupRun(t);
  const queue = new Queue(s.queue, { connection: s.redis, prefix: s.prefix });
  t.teardown(() => queue.close());
  await queue.drain();
  await queue.add('group', makeJobDocument(runId, 0), { jobId: jobIdOf(runId, groupId), attempts: 3, backoff: { type: 'weird' }, priority: 1 });
  blockGroupFolders(out, runId);
  const errors: Error[] = [];
  const jobs = jobEvents();
  const worker = await startWorker(config, { ...jobs.events, error: (err) => errors.push(err) });
  t.teardown(() => worker.close());
  await jobs.next('the job to fail', (e) => e.status === 'failed');
  await until('the job stored as failed', async () => (await queue.getJobState(jobIdOf(runId, groupId))) === 'failed', { seen: () => queue.getJobState(jobIdOf(runId, groupId)) });
  t.is((await queue.getJob(jobIdOf(runId, groupId)))?.attemptsMade, 1, 'not retried');
  t.deepEqual(errors.map((e) => e.message), []);
});
