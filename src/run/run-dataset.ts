/**
 * `bnviz run DIR`, as a library call: scan and group a folder, run every
 * group through the thread pool with backpressure, and write the run's
 * records. No server needed.
 */
import { median } from 'd3-array';
import { join, resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { groupOptions } from '../config/derive-options.js';
import { planDataset, type DatasetPlan } from '../dataset/plan-dataset.js';
import { UsageError, messageOf } from '../errors.js';
import type { GroupResult, GroupTask } from '../group/group-task.js';
import { removeStale, writeFileAtomic } from '../records/write-atomic.js';
import { finalizeRun } from '../records/finalize-run.js';
import { createGroupPool } from '../pool/group-pool.js';
import { checkRunId, defaultRunId } from '../dataset/run-id.js';
import type { RunRecord } from '../records/run-record.js';
import { versions } from '../records/versions.js';

export interface RunEvents {
  /** The plan is made and the pool started. */
  start?(info: { runId: string; runDir: string; groups: number; images: number; threads: number; partialGroups: string[] }): void;
  /** A group finished (done, skipped or failed). */
  group?(result: GroupResult, progress: { finished: number; total: number }): void;
}

export interface RunOutcome {
  record: RunRecord;
  runDir: string;
  /** Thread ids that ran groups. */
  threadIds: number[];
}

export async function runDataset(dir: string, config: Readonly<BnvizConfig>, events: RunEvents = {}, signal?: AbortSignal): Promise<RunOutcome> {
  const outRoot = resolve(config.out);
  const plan = await planDataset(dir, { groupSize: config.groupSize, manifest: config.manifest || undefined, exclude: [outRoot] });
  const runId = config.runId || defaultRunId(plan.root);
  const bad = checkRunId(runId);
  if (bad) throw new UsageError(bad);
  const runDir = join(outRoot, runId);
  await removeStale(join(runDir, 'groups'));
  await removeStale(runDir);

  const options = groupOptions(config);
  const partialGroups = plan.groups.filter((g) => g.partial).map((g) => g.groupId);
  const record: RunRecord = {
    runId,
    root: plan.root,
    status: 'running',
    startedAt: new Date().toISOString(),
    options,
    groupSize: config.groupSize,
    versions: versions(),
    counts: { groups: plan.groups.length, images: plan.images, done: 0, skipped: 0, failed: 0, partialGroups },
    failures: [],
  };
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);

  const pool = createGroupPool(config.threads);
  record.threads = pool.threads;
  events.start?.({ runId, runDir, groups: plan.groups.length, images: plan.images, threads: pool.threads, partialGroups });
  const t0 = performance.now();
  const stageTimes: Record<string, number[]> = { decodeMs: [], computeMs: [], figureMs: [], writeMs: [], totalMs: [] };
  let finished = 0;

  const onResult = (result: GroupResult) => {
    finished++;
    if (result.status === 'failed') {
      record.counts.failed++;
      record.failures.push({ groupId: result.groupId, files: result.files, error: result.error! });
    } else {
      record.counts[result.status]++;
      if (result.backend) record.backend = result.backend;
      if (result.status === 'done' && result.timings) for (const [k, v] of Object.entries(result.timings)) stageTimes[k]?.push(v);
    }
    events.group?.(result, { finished, total: plan.groups.length });
  };

  try {
    await feed(plan, (g) => {
      // the user's own folder: symlinks in it may lead elsewhere, as datasets built from links do
      const task: GroupTask = { runId, groupId: g.groupId, root: plan.root, files: g.files, runDir, options, force: config.force, linksOut: true };
      return pool.run(task).catch((err): GroupResult => ({
        runId, groupId: g.groupId, files: g.files, status: 'failed', outputs: [], rows: [], maxUnseen: 0,
        error: { name: (err as Error)?.name ?? 'Error', message: messageOf(err) },
      }));
    }, onResult, pool.threads * 2, signal);
  } finally {
    await pool.close();
  }

  const wallMs = performance.now() - t0;
  // failures in dataset order, not in the order threads happened to finish them
  const order = new Map(plan.groups.map((g) => [g.groupId, g.index]));
  record.failures.sort((a, b) => order.get(a.groupId)! - order.get(b.groupId)!);
  record.status = signal?.aborted ? 'interrupted' : 'finished';
  record.finishedAt = new Date().toISOString();
  record.timings = {
    wallMs,
    groupsPerSecond: record.counts.done / (wallMs / 1000),
    medianMs: Object.fromEntries(Object.entries(stageTimes).map(([k, v]) => [k, median(v) ?? 0])),
    // the whole process: main thread and every worker thread
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  await finalizeRun(runDir, record, plan.groups);
  return { record, runDir, threadIds: [...pool.threadIds] };
}

/**
 * Submits groups with at most `window` in flight, so memory stays bounded
 * whatever the dataset's size; stops submitting when `signal` aborts and
 * waits for what is in flight.
 */
async function feed<T>(plan: DatasetPlan, start: (g: DatasetPlan['groups'][number]) => Promise<T>, done: (r: T) => void, window: number, signal?: AbortSignal): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const g of plan.groups) {
    if (signal?.aborted) break;
    const p: Promise<void> = start(g).then(done).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}
