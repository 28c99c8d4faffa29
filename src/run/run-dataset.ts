/**
 * `bnviz run DIR`, as a library call: the local driver. Scan and group a
 * folder, run every group through the thread pool with backpressure, and
 * write the run's records. No server needed.
 */
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { decodeOptions, groupOptions } from '../config/derive-options.js';
import { resolveNormStats } from '../fit/norm-stats.js';
import { datasetShares } from '../fit/dataset-shares.js';
import { LevelCounts } from '../fit/level-counts.js';
import { planDataset } from '../dataset/plan-dataset.js';
import { checkRunId, defaultRunId } from '../dataset/run-id.js';
import { UsageError } from '../errors.js';
import { failedResult } from '../group/failed-result.js';
import type { GroupResult, GroupTask, GroupTimings } from '../group/group-task.js';
import { createGroupPool } from '../pool/group-pool.js';
import { COUNTED_DIR } from '../records/counted-rows.js';
import { compareForDrawing, drawRank, drawsInFirstPass, drawsInSecondPass, parseDraw } from '../records/draw-choice.js';
import { NamedGroupsCheck, resolveDrawNames } from '../records/draw-names.js';
import { finalizeRun } from '../records/finalize-run.js';
import { lockRunFolder } from './run-folder-lock.js';
import { TopK } from '../util/top-k.js';
import { buildRunRecord, groupingConflict, type Grouping, type RunFacts, type RunFailure, type RunRecord } from '../records/run-record.js';
import { removeStale, writeFileAtomic } from '../records/write-atomic.js';
import { forEachBounded } from '../util/bounded.js';

export interface RunEvents {
  /** The plan is made and the pool started. */
  start?(info: { runId: string; runDir: string; groups: number; images: number; threads: number; partialGroups: string[] }): void;
  /** With `--stats dataset`: the pass over every image that comes first. */
  fit?(info: { images: number }): void;
  /** A group finished (done, skipped or failed). */
  group?(result: GroupResult, progress: { finished: number; total: number }): void;
  /** With `--draw worst:K` or `sample:K` on a run of more than K groups: every group is counted, the chosen ones are drawn now. */
  drawStart?(info: { groups: number }): void;
  /** A group of the second pass drawn (or failed to). */
  drawn?(result: GroupResult, progress: { finished: number; total: number }): void;
}

export interface RunOutcome {
  record: RunRecord;
  runDir: string;
}

/**
 * @example
 * const config = loadConfig({ flags: { out: 'out', figures: 'overview' } });
 * const { record, runDir } = await runDataset('photos', config, { group: (r) => console.log(r.groupId, r.status) });
 */
export async function runDataset(dir: string, config: Readonly<BnvizConfig>, events: RunEvents = {}, signal?: AbortSignal): Promise<RunOutcome> {
  const outRoot = resolve(config.out);
  const grouping: Grouping = { order: config.order, seed: config.seed, groupBy: config.groupBy };
  const plan = await planDataset(dir, { groupSize: config.groupSize, manifest: config.manifest || undefined, exclude: [outRoot], ...grouping });
  const runId = config.runId || defaultRunId(plan.root);
  const bad = checkRunId(runId);
  if (bad) throw new UsageError(bad);
  const runDir = join(outRoot, runId);
  // --draw names:FILE read into the ids the run's record keeps; every id named must be a group of the plan, before any work
  const draw = await resolveDrawNames(config.draw ?? 'all');
  const named = new NamedGroupsCheck(parseDraw(draw));
  for (const g of plan.groups) named.see(g.groupId);
  named.end();
  // one bnviz run at a time in a run's folder (run-folder-lock.ts)
  const release = await lockRunFolder(runDir);
  try {
    return await runInFolder(config, events, signal, { plan, grouping, runId, runDir, outRoot, draw });
  } finally {
    await release();
  }
}

async function runInFolder(config: Readonly<BnvizConfig>, events: RunEvents, signal: AbortSignal | undefined, at: { plan: Awaited<ReturnType<typeof planDataset>>; grouping: Grouping; runId: string; runDir: string; outRoot: string; draw: string }): Promise<RunOutcome> {
  const { plan, grouping, runId, runDir, outRoot } = at;
  // a run resumed keeps its grouping: other groups would be another run
  const earlier = await readFile(join(runDir, 'run.json'), 'utf8').then((text) => JSON.parse(text) as RunRecord, () => undefined);
  const conflict = earlier && groupingConflict(earlier.grouping, grouping);
  if (conflict) throw new UsageError(`Run ${runId} exists in ${outRoot}: ${conflict}`);
  await removeStale(join(runDir, 'groups'));
  await removeStale(runDir);
  // every group not drawn is counted again (its line is cheap): an earlier run's lines would only meet its own
  await rm(join(runDir, COUNTED_DIR), { recursive: true, force: true });

  const options = { ...groupOptions(config), draw: at.draw };
  const choice = parseDraw(at.draw);
  const drawNow = (groupId: string) => drawsInFirstPass(choice, plan.groups.length, groupId);
  const secondPass = drawsInSecondPass(choice, plan.groups.length);
  // --stats: given statistics, or (dataset) the run's own images' in a first pass
  const files = plan.groups.flatMap((g) => g.files);
  const normStats = await resolveNormStats(config.stats, {
    method: config.method, root: plan.root, files, decode: decodeOptions(config), threads: config.threads, epsilon: config.epsilon,
    onFitStart: () => events.fit?.({ images: files.length }),
  });
  if (normStats) options.normStats = normStats;
  const partialGroups = plan.groups.filter((g) => g.partial).map((g) => g.groupId);
  const index = new Map(plan.groups.map((g) => [g.groupId, g.index]));
  const indexOf = (id: string) => index.get(id) ?? Number.MAX_SAFE_INTEGER;
  const facts: RunFacts & { failures: RunFailure[] } = {
    runId,
    root: plan.root,
    status: 'running',
    startedAt: new Date().toISOString(),
    options,
    groupSize: config.groupSize,
    grouping,
    counts: { groups: plan.groups.length, images: plan.images, done: 0, skipped: 0, failed: 0, partialGroups },
    failures: [],
    indexOf: (id) => index.get(id),
    timings: [],
  };
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(buildRunRecord(facts), null, 2)}\n`);

  const pool = createGroupPool(config.threads);
  facts.threads = pool.threads;
  events.start?.({ runId, runDir, groups: plan.groups.length, images: plan.images, threads: pool.threads, partialGroups });
  const t0 = performance.now();
  const timings: GroupTimings[] = [];
  let finished = 0;
  // the groups a second pass draws (worst:K, sample:K), kept as the groups are counted
  const chosen = new TopK<{ rank: number; index: number; groupId: string; files: string[] }>(secondPass && (choice.mode === 'worst' || choice.mode === 'sample') ? choice.k : 0, compareForDrawing);

  // batch normalization by each batch's own statistics: the dataset's summed from the groups' level counts, for the report to set beside them
  const sumsLevels = options.method === 'batch' && !options.normStats;
  const levels = new LevelCounts();
  let levelGroups = 0;

  const onResult = (result: GroupResult) => {
    finished++;
    if (sumsLevels && result.status !== 'failed' && result.levels) {
      levels.addGroup(result.levels);
      levelGroups++;
    }
    if (result.status !== 'failed') {
      const index = indexOf(result.groupId);
      chosen.add({ rank: drawRank(choice, config.seed, result), index, groupId: result.groupId, files: result.files });
    }
    if (result.status === 'failed') {
      facts.counts.failed++;
      facts.failures.push({ groupId: result.groupId, files: result.files, error: result.error! });
    } else {
      facts.counts[result.status]++;
      if (result.backend) facts.backend = result.backend;
      if (result.status === 'done' && result.timings) timings.push(result.timings);
    }
    events.group?.(result, { finished, total: plan.groups.length });
  };

  try {
    // as many groups in flight as the threads run at once: memory stays bounded
    await forEachBounded(plan.groups, pool.threads * pool.tasksPerThread, (g) => {
      // the user's own folder: symlinks in it may lead elsewhere, as datasets built from links do
      const task: GroupTask = { runId, groupId: g.groupId, index: g.index, root: plan.root, files: g.files, runDir, options, force: config.force, linksOut: true, draw: drawNow(g.groupId) };
      return pool.run(task).catch((err) => failedResult(task, err));
    }, onResult, signal);
    // the second pass: the chosen groups drawn, now that every group is counted
    if (secondPass && !signal?.aborted) {
      const drawing = chosen.sorted().sort((a, b) => a.index - b.index);
      events.drawStart?.({ groups: drawing.length });
      let drawnSoFar = 0;
      await forEachBounded(drawing, pool.threads * pool.tasksPerThread, (g) => {
        const task: GroupTask = { runId, groupId: g.groupId, index: g.index, root: plan.root, files: g.files, runDir, options, force: config.force, linksOut: true, draw: true };
        return pool.run(task).catch((err) => failedResult(task, err));
      }, (result) => {
        drawnSoFar++;
        events.drawn?.(result, { finished: drawnSoFar, total: drawing.length });
      }, signal);
    }
  } finally {
    await pool.close();
  }

  const record = buildRunRecord({
    ...facts,
    status: signal?.aborted ? 'interrupted' : 'finished',
    finishedAt: new Date().toISOString(),
    timings,
    wallMs: performance.now() - t0,
  });
  // each group in dataset order, a failed one with its failure (failures.csv, and the first ones in run.json)
  const failureOf = new Map(facts.failures.map((f) => [f.groupId, f]));
  const groups = plan.groups.map((g) => ({ groupId: g.groupId, index: g.index, failure: failureOf.get(g.groupId) }));
  const shares = levelGroups > 0 ? datasetShares(levels, levelGroups, options) : undefined;
  return { record: await finalizeRun(runDir, record, groups, shares ? { datasetShares: shares } : {}), runDir };
}
