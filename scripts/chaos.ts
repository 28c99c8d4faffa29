/**
 * The fleet's fault soak: several `bnviz worker` processes work one run of a
 * few hundred groups while the soak breaks things the way production does,
 * then checks that the run ended truthfully and whole.
 *
 * Faults, each set off by the run's progress (not by the clock, so a busy
 * machine only makes it slower):
 * - SIGKILLs of random workers (each replaced at once, as a supervisor would);
 * - one job killed twice: its file is a named pipe, so the job stays in hand
 *   until its worker is killed; the soak kills its holder, then the next
 *   holder (BullMQ names a job's holder: processedBy), and BullMQ fails it as
 *   stalled; later the file is made a real image and `bnviz retry` redoes it;
 * - a SIGKILL of the worker writing the run's records, in each
 *   finalization (the first, and the one after the retry), as soon as it
 *   stages a file (the lock's value names its holder);
 * - a Redis restart (SHUTDOWN and start again; the soak's own redis-server,
 *   append-only file in a temporary folder, so the queue survives as it
 *   would in production) and CLIENT KILLs of every connection.
 *
 * At the end: the run's counts add up (total = done + skipped + failed),
 * run.json, summary.csv and index.html agree with Redis, every group folder
 * is whole and was written once, no temporary file is left anywhere, no job
 * is left waiting or in hand, no lock is held.
 *
 *   npm run chaos [-- --groups 300 --workers 3 --kills 8 --client-kills 2 --redis-restarts 1 --lock-ms 2000 --seed 1 --stuck-ms 120000 --quiet]
 *
 * It needs redis-server on the PATH and runs on Linux. Exit 0 when every
 * check passes; 1 with the problems listed otherwise.
 */
import { execFileSync } from 'node:child_process';
import { PAGES_DIR } from '../src/records/gallery-pages.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { jobIdOf } from '../src/fleet/job-document.js';
import { readRun, RunStore, type RunState } from '../src/fleet/run-store.js';
import type { RunRecord } from '../src/records/run-record.js';
import { writePng } from '../test/helpers/make-images.js';
import { isTemporary, runFolderProblems, walk } from '../test/helpers/output-tree.js';
import { tempDir } from '../test/helpers/paths.js';
import { startRedisServer } from '../test/helpers/redis.js';
import { runCli } from '../test/helpers/run-cli.js';
import { spawnWorker, type WorkerProcess } from '../test/helpers/worker-process.js';

export interface ChaosOptions {
  /** Groups of two images each. */
  groups: number;
  /** Worker processes kept running (one thread each). */
  workers: number;
  /** SIGKILLs of random workers, spread over the run. */
  kills: number;
  /** CLIENT KILLs of every connection, spread over the run. */
  clientKills: number;
  redisRestarts: number;
  /** The queue's lock time: how soon a dead worker's job or lock is taken over. */
  lockMs: number;
  seed: number;
  /** Fails as stuck when the run's counts do not move for this long while nothing is in hand. */
  stuckMs: number;
  /** Told each fault as it happens. */
  log?(line: string): void;
}

export interface ChaosReport {
  options: ChaosOptions;
  groups: number;
  images: number;
  workerProcesses: number;
  kills: { random: number; sameJob: number; finalizing: number; finalizingBeforeWritten: number };
  redisRestarts: number;
  clientKills: number;
  connectionsKilled: number;
  /** Counts when the run first finished, before the retry. */
  firstEnd: { done: number; skipped: number; failed: number };
  retried: number;
  seconds: { firstEnd: number; total: number };
  /** Every check that failed, as a sentence; empty when the run came out whole. */
  problems: string[];
}

export const DEFAULTS: ChaosOptions = { groups: 300, workers: 3, kills: 8, clientKills: 2, redisRestarts: 1, lockMs: 2000, seed: 1, stuckMs: 120_000 };

const SIZE = 48;
/** Where a job is when it has not ended. */
const UNENDED = ['active', 'wait', 'delayed', 'prioritized', 'waiting-children'] as const;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a soak can be run again as it was. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => {});
  const rand = random(o.seed);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)]!;
  const t0 = performance.now();
  const problems: string[] = [];
  const report: ChaosReport = {
    options: o, groups: o.groups, images: o.groups * 2, workerProcesses: 0,
    kills: { random: 0, sameJob: 0, finalizing: 0, finalizingBeforeWritten: 0 },
    redisRestarts: 0, clientKills: 0, connectionsKilled: 0,
    firstEnd: { done: 0, skipped: 0, failed: 0 }, retried: 0, seconds: { firstEnd: 0, total: 0 }, problems,
  };

  // The dataset: groups of two small PNGs, named in a manifest; one file is a named pipe.
  const data = tempDir('bnviz-chaos-data-');
  const out = tempDir('bnviz-chaos-out-');
  const redisDir = tempDir('bnviz-chaos-redis-');
  const lines: string[] = [];
  const blockedAt = Math.floor(o.groups / 5);
  const pipe = join(data, `g${String(blockedAt).padStart(5, '0')}-b.png`);
  for (let g = 0; g < o.groups; g++) {
    const [a, b] = ['a', 'b'].map((s) => `g${String(g).padStart(5, '0')}-${s}.png`);
    await writePng(join(data, a!), SIZE + (g % 17), SIZE, g * 2);
    if (g === blockedAt) execFileSync('mkfifo', [pipe]);
    else await writePng(join(data, b!), SIZE, SIZE + (g % 13), g * 2 + 1);
    lines.push(`${a},${b}`);
  }
  const manifest = join(tempDir('bnviz-chaos-manifest-'), 'groups.txt');
  writeFileSync(manifest, `${lines.join('\n')}\n`);

  let server = await startRedisServer({ dir: redisDir });
  const prefix = 'bnviz-chaos';
  const queueName = 'groups';
  const env = { BNVIZ_REDIS_URL: server.url, BNVIZ_REDIS_PREFIX: prefix, BNVIZ_QUEUE: queueName, BNVIZ_LOCK_MS: String(o.lockMs) };
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {}); // down during the restart, on purpose; commands wait for it
  // its own connection, so reading who holds the lock waits behind nothing
  const lockReader = new Redis(server.url, { maxRetriesPerRequest: null });
  lockReader.on('error', () => {});
  const queue = new Queue(queueName, { connection: redis, prefix });
  queue.on('error', () => {});

  const workers = new Map<string, WorkerProcess>();
  const retired: WorkerProcess[] = [];
  const idOf = (w: WorkerProcess) => `${hostname()}:${w.pid}`;
  const spawnOne = () => {
    const w = spawnWorker(['--roots', data, '--out', out, '--threads', '1'], env);
    workers.set(idOf(w), w);
    report.workerProcesses++;
    return w;
  };
  const kill = async (w: WorkerProcess, why: string) => {
    if (!workers.delete(idOf(w))) return;
    w.child.kill('SIGKILL');
    await w.exited;
    retired.push(w);
    log(`killed worker ${w.pid} (${why})`);
    spawnOne();
  };

  let runId = '';
  let watcher: FSWatcher | undefined;
  try {
    for (let i = 0; i < o.workers; i++) spawnOne();
    await Promise.all([...workers.values()].map((w) => w.ready));
    const enq = await runCli(['enqueue', data, '--manifest', manifest, '--out', out, '--size', String(SIZE), '--figures', 'overview', '--group-size', '2', '--draw', 'all', '--json'], { env: { ...process.env, ...env } });
    if (enq.code !== 0) throw new Error(`enqueue exited ${enq.code}: ${enq.stderr}`);
    runId = (JSON.parse(enq.stdout) as { runId: string }).runId;
    const store = new RunStore(redis, prefix, runId);
    const k = store.k;
    const blockedGroup = (await store.groupAt(blockedAt))!;
    const blockedJob = `${prefix}:${queueName}:${jobIdOf(runId, blockedGroup)}`;

    // The writer of the run's records is killed once in each finalization, as soon as it stages a file
    // (a hidden .tmp- in the run's folder, which is watched). The lock's value names its holder.
    let finalizePhase = 0;
    let killedInPhase = -1;
    const killWriter = () => {
      if (killedInPhase === finalizePhase) return;
      killedInPhase = finalizePhase;
      void (async () => {
        const holder = String(await lockReader.get(k.finalize)).split(':').slice(0, 2).join(':');
        const w = workers.get(holder);
        if (!w) {
          killedInPhase = -1; // released already, or not one of ours: wait for the next sign
          return;
        }
        await kill(w, 'writing the run\'s records');
        report.kills.finalizing++;
        if ((await redis.hget(k.meta, 'finishedAt')) === null) report.kills.finalizingBeforeWritten++;
      })().catch((err: unknown) => problems.push(`killing the writer: ${(err as Error).message}`));
    };
    const runDir = join(out, runId);
    mkdirSync(runDir, { recursive: true });
    watcher = watch(runDir, (_event, name) => {
      if (name?.startsWith('.tmp-')) killWriter();
    });

    // The progress points at which each fault fires.
    const faults: Array<{ at: number; what: 'kill' | 'client-kill' | 'restart' }> = [
      ...Array.from({ length: o.kills }, () => ({ at: 0.05 + 0.8 * rand(), what: 'kill' as const })),
      ...Array.from({ length: o.clientKills }, (_, i) => ({ at: (i + 1) / (o.clientKills + 1), what: 'client-kill' as const })),
      ...Array.from({ length: o.redisRestarts }, (_, i) => ({ at: (i + 0.6) / (o.redisRestarts + 0.6), what: 'restart' as const })),
    ].sort((a, b) => a.at - b.at);

    const holderOfBlocked = new Set<string>();
    const waitForEnd = async (phase: string) => {
      let last = '';
      let still = performance.now();
      for (;;) {
        const run = await readRun(redis, prefix, runId);
        if (!run) throw new Error(`run ${runId} has no records`);
        // The end: the run finished, and no job left in hand or waiting (the killed writer's own job is taken up after its lock lapses).
        if (run.status === 'finished' && !Object.values(await queue.getJobCounts(...UNENDED)).some(Boolean)) return run;
        const ended = run.done + run.skipped + run.failed;
        while (faults.length && ended >= faults[0]!.at * o.groups) {
          const f = faults.shift()!;
          if (f.what === 'kill') {
            // not the blocked job's holder: that job is killed exactly twice, by its own fault below
            const blockedHolder = await redis.hget(blockedJob, 'pb');
            const others = [...workers.values()].filter((w) => idOf(w) !== blockedHolder);
            await kill(pick(others.length ? others : [...workers.values()]), `random, at ${ended} groups`);
            report.kills.random++;
          } else if (f.what === 'client-kill') {
            const n = Number(await redis.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
            report.clientKills++;
            report.connectionsKilled += n;
            log(`CLIENT KILL: ${n} connections, at ${ended} groups`);
          } else {
            await server.stop();
            log(`Redis stopped at ${ended} groups`);
            await pause(1000);
            server = await startRedisServer({ port: server.port, dir: redisDir });
            report.redisRestarts++;
            log('Redis started again');
          }
        }
        // The blocked job: kill whoever holds it, up to twice.
        const [started, holder] = await redis.hmget(blockedJob, 'ats', 'pb');
        const w = holder ? workers.get(holder) : undefined;
        if (w && Number(started) <= 2 && !holderOfBlocked.has(`${started}`) && (await redis.lpos(`${prefix}:${queueName}:active`, blockedJob.slice(`${prefix}:${queueName}:`.length))) !== null) {
          holderOfBlocked.add(`${started}`);
          await kill(w, `holding the blocked job, start ${started}`);
          report.kills.sameJob++;
        }
        const now = `${ended}/${await redis.llen(`${prefix}:${queueName}:active`)}`;
        if (now !== last) {
          last = now;
          still = performance.now();
        } else if (performance.now() - still > o.stuckMs) {
          throw new Error(`the run is stuck in ${phase}: ${JSON.stringify(stateOf(run))}, queue ${JSON.stringify(await queue.getJobCounts())}`);
        }
        await pause(50);
      }
    };

    const first = await waitForEnd('the first pass');
    report.seconds.firstEnd = (performance.now() - t0) / 1000;
    report.firstEnd = { done: first.done, skipped: first.skipped, failed: first.failed };
    await checkRun(problems, 'first end', redis, prefix, queue, out, first, { allDone: false });
    const failedIds: string[] = [];
    for await (const ids of store.failedIds()) failedIds.push(...ids);
    if (!failedIds.includes(blockedGroup)) problems.push(`first end: the job killed twice (group ${blockedGroup}) is not counted failed`);

    // Repair: the pipe becomes a real image, and bnviz retry puts the failed groups back.
    rmSync(pipe);
    await writePng(pipe, SIZE, SIZE, blockedAt * 2 + 1);
    finalizePhase++;
    const retry = await runCli(['retry', runId, '--json'], { env: { ...process.env, ...env } });
    if (retry.code !== 0) throw new Error(`retry exited ${retry.code}: ${retry.stderr}`);
    report.retried = (JSON.parse(retry.stdout) as { retried: string[] }).retried.length;
    log(`retried ${report.retried} failed groups`);
    const final = await waitForEnd('the retry');
    await checkRun(problems, 'after retry', redis, prefix, queue, out, final, { allDone: true });

    // Written once: no group was done by two workers (a group found written is "skipped").
    await Promise.all([...workers.values()].map(async (w) => {
      await w.ready; // a replacement still starting has no handler for SIGTERM yet
      w.child.kill('SIGTERM');
      const code = await w.exited;
      if (code !== 0) problems.push(`worker ${w.pid} exited ${code} on SIGTERM: ${w.stderr().trim()}`);
    }));
    const doneBy = new Map<string, number>();
    for (const w of [...retired, ...workers.values()]) {
      for (const e of w.events) if (e.event === 'job' && e.status === 'done') doneBy.set(String(e.groupId), (doneBy.get(String(e.groupId)) ?? 0) + 1);
    }
    for (const [g, n] of doneBy) if (n > 1) problems.push(`group ${g} was written ${n} times`);
    for (const f of walk(data)) if (isTemporary(f)) problems.push(`leftover in the dataset: ${f}`);
    if ((await redis.exists(k.finalize)) === 1) problems.push('the finalization lock is still held');
  } finally {
    watcher?.close();
    for (const w of workers.values()) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await queue.close().catch(() => {});
    redis.disconnect();
    lockReader.disconnect();
    await server.stop();
    for (const dir of [data, out, redisDir]) rmSync(dir, { recursive: true, force: true });
  }
  report.seconds.total = (performance.now() - t0) / 1000;
  return report;
}

const stateOf = (r: RunState) => ({ total: r.total, done: r.done, skipped: r.skipped, failed: r.failed, status: r.status });

/** The run's end as its records state it, checked against Redis and the files. */
async function checkRun(problems: string[], when: string, redis: Redis, prefix: string, queue: Queue, out: string, run: RunState, o: { allDone: boolean }): Promise<void> {
  const say = (p: string) => problems.push(`${when}: ${p}`);
  if (run.done + run.skipped + run.failed !== run.total) say(`total ${run.total} != done ${run.done} + skipped ${run.skipped} + failed ${run.failed}`);
  if (o.allDone && run.failed !== 0) say(`${run.failed} groups failed`);
  const counts = await queue.getJobCounts(...UNENDED);
  for (const [state, n] of Object.entries(counts)) if (n) say(`${n} jobs ${state}`);
  const runDir = join(out, run.runId);
  for (const name of ['run.json', 'summary.csv', 'index.html']) if (!existsSync(join(runDir, name))) say(`no ${name}`);
  if (!existsSync(join(runDir, 'run.json'))) return;
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  const want = { groups: run.total, done: run.done, skipped: run.skipped, failed: run.failed };
  const got = { groups: record.counts.groups, done: record.counts.done, skipped: record.counts.skipped, failed: record.counts.failed };
  if (JSON.stringify(got) !== JSON.stringify(want)) say(`run.json counts ${JSON.stringify(got)}, Redis ${JSON.stringify(want)}`);
  if (record.status !== 'finished') say(`run.json status ${record.status}`);
  const failed: string[] = [];
  for await (const ids of new RunStore(redis, prefix, run.runId).failedIds()) failed.push(...ids);
  failed.sort();
  const listed = record.failures.map((f) => f.groupId).sort();
  if (JSON.stringify(failed) !== JSON.stringify(listed)) say(`run.json lists failures ${listed.join(',')}, Redis ${failed.join(',')}`);
  const { problems: folder, groups } = await runFolderProblems(runDir);
  for (const p of folder) say(p);
  if (groups.length !== run.done + run.skipped) say(`${groups.length} group folders for ${run.done + run.skipped} groups done`);
  const csv = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n').slice(1);
  const inCsv = new Set(csv.map((line) => line.split(',')[0]!));
  if (csv.length !== groups.length * 2 * 3) say(`summary.csv has ${csv.length} rows for ${groups.length} groups of 2 images, 3 channels`);
  if (JSON.stringify([...inCsv].sort()) !== JSON.stringify([...groups].sort())) say('summary.csv\'s groups are not the group folders');
  // index.html shows the worst groups whole and pages every group from its page scripts (gallery-pages.ts)
  const pagesDir = join(runDir, PAGES_DIR);
  const pages = existsSync(pagesDir) ? readdirSync(pagesDir).map((f) => readFileSync(join(pagesDir, f), 'utf8')) : [];
  const gallery = [readFileSync(join(runDir, 'index.html'), 'utf8'), ...pages].join('\n');
  const missing = groups.filter((g) => !gallery.includes(g));
  if (missing.length) say(`index.html and its pages miss ${missing.length} groups (${missing.slice(0, 3).join(', ')})`);
  for (const g of failed) if (!gallery.includes(g)) say(`index.html does not list the failed group ${g}`);
}

function print(r: ChaosReport): void {
  const k = r.kills;
  console.log(`groups ${r.groups} (${r.images} images) · worker processes ${r.options.workers} at a time, ${r.workerProcesses} started`);
  console.log(`kills: ${k.random} random, ${k.sameJob} of one job's holders (killed twice), ${k.finalizing} writing the run's records (${k.finalizingBeforeWritten} before they were all written)`);
  console.log(`Redis: ${r.redisRestarts} restarts, ${r.clientKills} CLIENT KILLs (${r.connectionsKilled} connections)`);
  console.log(`first end: ${r.firstEnd.done} done, ${r.firstEnd.skipped} found written, ${r.firstEnd.failed} failed, after ${r.seconds.firstEnd.toFixed(1)} s; retried ${r.retried}; ${r.seconds.total.toFixed(1)} s in all`);
  console.log(r.problems.length ? `${r.problems.length} problems:\n${r.problems.map((p) => `  ${p}`).join('\n')}` : 'every check passed');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      groups: { type: 'string' }, workers: { type: 'string' }, kills: { type: 'string' }, 'client-kills': { type: 'string' },
      'redis-restarts': { type: 'string' }, 'lock-ms': { type: 'string' }, seed: { type: 'string' }, 'stuck-ms': { type: 'string' }, quiet: { type: 'boolean' },
    },
  });
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const options: ChaosOptions = {
    groups: num(values.groups, DEFAULTS.groups), workers: num(values.workers, DEFAULTS.workers), kills: num(values.kills, DEFAULTS.kills),
    clientKills: num(values['client-kills'], DEFAULTS.clientKills), redisRestarts: num(values['redis-restarts'], DEFAULTS.redisRestarts),
    lockMs: num(values['lock-ms'], DEFAULTS.lockMs), seed: num(values.seed, DEFAULTS.seed), stuckMs: num(values['stuck-ms'], DEFAULTS.stuckMs),
    log: values.quiet ? undefined : (line) => console.log(`  ${line}`),
  };
  const r = await runChaos(options).catch((err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(1);
  });
  print(r);
  process.exit(r.problems.length ? 1 : 0);
}
