/**
 * The fleet's benchmark: how fast `enqueue` adds jobs (100,000 groups by
 * default, in enqueue's own bulk adds), and end-to-end groups/s with one and with
 * two `bnviz worker` processes on this machine, next to `bnviz run` on the
 * same data (every core, overview only, 256 px). Each part uses a key prefix
 * of its own and removes its keys after; it needs Redis (BNVIZ_REDIS_URL,
 * default redis://127.0.0.1:6379).
 *
 *   node dist/scripts/bench-fleet.js [groups-to-enqueue]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { RedisClient } from '../src/fleet/redis-options.js';
import { loadConfig } from '../src/config/load-config.js';
import { connectRedis } from '../src/fleet/connect-redis.js';
import { enqueuePlan } from '../src/fleet/enqueue-dataset.js';
import { readRun } from '../src/fleet/run-store.js';
import type { DatasetPlan } from '../src/dataset/plan-dataset.js';
import { benchDataset } from './bench-data.js';

const ROOT = resolve('.');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const WORK = join(ROOT, '.tmp', 'bench');
const URL_ = process.env.BNVIZ_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface FleetBench {
  /** Jobs added per second by enqueuePlan. */
  enqueuePerSecond: number;
  /** Groups counted, not drawn (--draw none), a second: bnviz run on every core, one worker process on every core, and their ratio (medians of 3). */
  countedRunPerSecond: number;
  countedFleetPerSecond: number;
  ratioCounted: number;
  /** Peak RSS growth while enqueueing (MB): stays flat as the chunks go. */
  enqueueRssMB: number;
  /** bnviz run on the same data, every core. */
  runGroupsPerSecond: number;
  /** One worker process with every core's threads. */
  groupsPerSecond1: number;
  /** Two worker processes sharing the cores. */
  groupsPerSecond2: number;
  /** groupsPerSecond1 / runGroupsPerSecond, and the same for two. */
  ratio1: number;
  ratio2: number;
}

async function deleteUnder(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** `--draw`: all (every group drawn, the rows before it existed) or none (counted, not drawn). */
type Draw = 'all' | 'none';

function scope(draw: Draw = 'all') {
  const prefix = `bnviz-bench-${randomBytes(4).toString('hex')}`;
  return { prefix, queue: 'groups', config: loadConfig({ env: {}, flags: { 'redis.url': URL_, 'redis.prefix': prefix, figures: 'overview', draw } }) };
}

/** Enqueue rate for `groups` synthetic groups of three files (no files are read: the enqueuer plans, the workers read). */
export async function benchEnqueue(groups: number): Promise<{ perSecond: number; rssMB: number }> {
  const { prefix, config } = scope();
  const redis = connectRedis(URL_);
  try {
    const plan: DatasetPlan = {
      root: '/data/bench',
      images: groups * 3,
      groups: Array.from({ length: groups }, (_, index) => {
        const id = String(index + 1).padStart(6, '0');
        return { groupId: `${id}-${randomBytes(4).toString('hex')}`, index, files: [0, 1, 2].map((k) => `part-${id.slice(0, 3)}/img-${id}-${k}.png`), partial: false };
      }),
    };
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const t0 = performance.now();
    const r = await enqueuePlan(plan, 'bench', config, { redis, onProgress: () => { peak = Math.max(peak, process.memoryUsage().rss); } });
    const seconds = (performance.now() - t0) / 1000;
    if (r.added !== groups) throw new Error(`added ${r.added} of ${groups}`);
    return { perSecond: groups / seconds, rssMB: (peak - rss0) / 2 ** 20 };
  } finally {
    await deleteUnder(redis, prefix);
    await redis.quit();
  }
}

function runLocal(dataset: string, draw: Draw = 'all'): number {
  const out = join(WORK, 'out-fleet-run');
  rmSync(out, { recursive: true, force: true });
  const res = spawnSync(process.execPath, [CLI, 'run', dataset, '--out', out, '--run', 'bench', '--figures', 'overview', '--draw', draw, '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  rmSync(out, { recursive: true, force: true });
  const end = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; timings?: { groupsPerSecond: number } }).find((e) => e.event === 'end');
  if (!end?.timings) throw new Error(`bnviz run failed: ${res.stderr}`);
  return end.timings.groupsPerSecond;
}

/** Groups/s of `processes` worker processes sharing the cores, from the first job taken to the run's files written. */
export async function benchWorkers(dataset: string, processes: number, draw: Draw = 'all'): Promise<number> {
  const { prefix, queue, config } = scope(draw);
  const out = join(WORK, `out-fleet-${processes}`);
  rmSync(out, { recursive: true, force: true });
  const redis = connectRedis(URL_);
  const threads = Math.max(1, Math.floor(availableParallelism() / processes));
  const env = { ...process.env, BNVIZ_REDIS_URL: URL_, BNVIZ_REDIS_PREFIX: prefix, BNVIZ_QUEUE: queue };
  const children = Array.from({ length: processes }, () => spawn(process.execPath, [CLI, 'worker', '--json', '--roots', dataset, '--out', out, '--threads', String(threads)], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
  try {
    await Promise.all(children.map((c) => new Promise<void>((ok, fail) => {
      c.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('"event":"ready"')) ok(); });
      c.on('exit', (code) => fail(new Error(`worker exited ${code}`)));
    })));
    const r = await enqueuePlanOf(dataset, config, redis);
    for (;;) {
      const run = await readRun(redis, prefix, r);
      if (run?.finishedAt) {
        if (run.done !== run.total) throw new Error(`${run.failed} groups failed`);
        return run.done / ((Date.parse(run.finishedAt) - Date.parse(run.startedAt!)) / 1000);
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    await Promise.all(children.map((c) => new Promise((ok) => { c.once('exit', ok); c.kill('SIGTERM'); })));
    await deleteUnder(redis, prefix);
    await redis.quit();
    rmSync(out, { recursive: true, force: true });
  }
}

async function enqueuePlanOf(dataset: string, config: ReturnType<typeof loadConfig>, redis: RedisClient): Promise<string> {
  const { enqueueDataset } = await import('../src/fleet/enqueue-dataset.js');
  return (await enqueueDataset(dataset, { ...config, runId: 'bench' }, { redis })).runId;
}

export async function benchFleet(o: { dataset?: string; runGroupsPerSecond?: number; groups?: number; countedDataset?: string } = {}): Promise<FleetBench> {
  const enqueue = await benchEnqueue(o.groups ?? 100_000);
  const dataset = o.dataset ?? (await benchDataset(join(WORK, 'data-200'), 200));
  const runGroupsPerSecond = o.runGroupsPerSecond ?? runLocal(dataset);
  const groupsPerSecond1 = await benchWorkers(dataset, 1);
  const groupsPerSecond2 = await benchWorkers(dataset, 2);
  // counted, not drawn (--draw none): bnviz run and one worker process of every core, taken in turn
  const counted = o.countedDataset ?? dataset;
  const countedRun: number[] = [];
  const countedFleet: number[] = [];
  for (let r = 0; r < 3; r++) {
    countedRun.push(runLocal(counted, 'none'));
    countedFleet.push(await benchWorkers(counted, 1, 'none'));
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  return {
    countedRunPerSecond: med(countedRun),
    countedFleetPerSecond: med(countedFleet),
    ratioCounted: med(countedFleet) / med(countedRun),
    enqueuePerSecond: enqueue.perSecond,
    enqueueRssMB: enqueue.rssMB,
    runGroupsPerSecond,
    groupsPerSecond1,
    groupsPerSecond2,
    ratio1: groupsPerSecond1 / runGroupsPerSecond,
    ratio2: groupsPerSecond2 / runGroupsPerSecond,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const groups = Number(process.argv[2] ?? 100_000);
  const r = await benchFleet({ groups });
  console.log(`enqueue ${groups} groups: ${Math.round(r.enqueuePerSecond)} jobs/s (RSS +${r.enqueueRssMB.toFixed(0)} MB)`);
  console.log(`bnviz run, 200 groups, every core: ${r.runGroupsPerSecond.toFixed(1)} groups/s`);
  console.log(`1 worker process:  ${r.groupsPerSecond1.toFixed(1)} groups/s (${(r.ratio1 * 100).toFixed(0)}% of bnviz run)`);
  console.log(`2 worker processes: ${r.groupsPerSecond2.toFixed(1)} groups/s (${(r.ratio2 * 100).toFixed(0)}% of bnviz run)`);
}
