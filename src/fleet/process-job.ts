/**
 * The fleet worker's job handler: it checks the job, hands the group to the
 * thread pool (the very task `bnviz run` runs), writes the job's stage
 * progress and the run's records to Redis, and writes the run's files when
 * the run's last group is counted. It computes nothing itself, so the event
 * loop stays free and BullMQ keeps renewing the job locks.
 *
 * How a job ends:
 * - bad input of the group's own (a corrupt image, an invalid job, a group
 *   over the pixel budget) fails the job at once with BullMQ's
 *   UnrecoverableError and counts the group as failed;
 * - a job this worker cannot serve (its roots do not cover the job's root,
 *   its output folder is not writable) goes back to the queue, delayed, for
 *   another worker, without using an attempt; after `handBacks` hand-backs
 *   it fails, counted, saying no worker could serve it;
 * - anything else is thrown as it is, so BullMQ retries it with backoff, and
 *   the group is counted as failed only when its last attempt fails.
 */
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { RedisClient } from './redis-options.js';
import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRelative, resolveAllInside } from '../dataset/resolve-inside.js';
import { InputError, ServeError, isBnvizError, messageOf } from '../errors.js';
import { groupErrorOf } from '../group/failed-result.js';
import { STAGES, type GroupResult, type GroupTask, type Stage } from '../group/group-task.js';
import type { GroupPool } from '../pool/group-pool.js';
import { unseenShares } from '../records/unseen-spread.js';
import { finalizeFleetRun } from './finalize-fleet-run.js';
import { runKeys } from './fleet-keys.js';
import { endFitPhase, recordSlice, type FitPhaseContext } from './fit-phase.js';
import { FIT_JOB, fitJobIdOf, idsOf, jobIdOf, NAMED_JOB_VERSION, parseFitJobDocument, parseJobDocument, type FitJobDocument } from './job-document.js';
import { mapJobRoot, type AllowedRoots } from './map-root.js';
import { checkPixelBudget, decodeOnly } from './pixel-budget.js';
import { parseRunSettings, type RunSettings } from './job-document.js';
import { isComplete, RunStore, splitFiles, type Outcome } from './run-store.js';
import { DRAW_JOB, drawJobIdOf, offerToPick, parseDrawJobDocument, recordDrawn, type DrawJobDocument } from './draw-phase.js';
import { drawsInFirstPass, parseDraw, type DrawChoice } from '../records/draw-choice.js';
import type { GroupLevels } from '../types.js';
import type { LevelSink } from './level-sink.js';

export interface JobContext {
  /** Records and progress (not the queue's blocking connection). */
  redis: RedisClient;
  prefix: string;
  /** The worker's queue on `redis` (the first pass adds the group jobs to it). */
  queue: Queue;
  pool: GroupPool;
  roots: AllowedRoots;
  /** Absolute output folder: a run writes only under `<out>/<runId>/`. */
  outRoot: string;
  /** The queue's lock time (the run's finalization lock lives as long). */
  lockMs: number;
  /** Largest job this worker takes, in pixels (pixel-budget.ts: its images, figures and densities). */
  maxPixels: number;
  /** Times a job may be handed back before it fails as unservable. */
  handBacks: number;
  /** Seconds a finished run's records stay in Redis; 0 keeps them. */
  retentionSeconds: number;
  /** Told once per distinct reason when this worker hands a job back. */
  onHandBack?(reason: string, jobId: string): void;
  /** Told each stage a job's group enters (what the worker is doing now, for its heartbeat). */
  onStage?(jobId: string, stage: Stage): void;
  /** Where the level counts of the groups counted here go (a run that normalizes each batch by its own statistics; level-sink.ts). */
  levels?: LevelSink;
}

/** What a job returns (kept small: BullMQ stores it with the job). */
export interface JobReturn {
  groupId: string;
  status: GroupResult['status'];
  outputs: string[];
  maxUnseen: number;
  totalMs?: number;
}

/** Job progress as `job.progress` holds it. */
export interface JobProgressDoc {
  stage: Stage;
  step: number;
  of: number;
}

/** How long a job handed back waits before a worker may take it again. */
export const HAND_BACK_DELAY_MS = 1000;

/** Least time between two progress writes of one job. */
export const PROGRESS_EVERY_MS = 1000;

/** A job's first progress write waits this long: a job done by then writes none. */
export const PROGRESS_FIRST_MS = 250;

/**
 * A job's stages as progress writes: the first once the job has run firstMs,
 * then at most one a PROGRESS_EVERY_MS, the latest stage last. A group takes
 * about 0.1 s, and a write for each of its five stages made a job 7 scripts
 * in Redis instead of 3 (its command time 1.0 ms instead of 0.4, by Redis'
 * commandstats over 120 jobs); a group counted and not drawn takes about
 * 15 ms, and its one write at once was a fifth of its round trips to Redis.
 * A slow group still shows each stage it stays in, a second late at most;
 * the worker's heartbeat shows the stage of every job in hand either way.
 */
export function stageReporter(write: (stage: Stage) => void, everyMs = PROGRESS_EVERY_MS, firstMs = PROGRESS_FIRST_MS): { stage(stage: Stage): void; end(): void } {
  // as if a write had been made (everyMs - firstMs) ago: the first waits firstMs
  let sentAt = performance.now() - everyMs + firstMs;
  let pending: Stage | undefined;
  let timer: NodeJS.Timeout | undefined;
  // a stage message may come in after the group's result (another channel): it is too late then
  let ended = false;
  const send = (stage: Stage) => {
    sentAt = performance.now();
    pending = undefined;
    write(stage);
  };
  return {
    stage(stage) {
      if (ended) return;
      if (performance.now() - sentAt >= everyMs) {
        send(stage);
        return;
      }
      pending = stage;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending) send(pending);
      }, everyMs - (performance.now() - sentAt));
    },
    end() {
      ended = true;
      clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}

/** What a fit job returns. */
export interface FitJobReturn {
  slice: number;
  status: 'done';
  /** Images counted, and images that could not be read (listed in the run's records). */
  images: number;
  unreadable: number;
}

/**
 * The handler. `signal` aborts when this worker no longer owns the job (its
 * lock could not be renewed, so another worker may have taken it up): the
 * job's thread is stopped, and nothing of it is counted or written here.
 */
export function makeProcessor(ctx: JobContext): (job: Job, token?: string, signal?: AbortSignal) => Promise<JobReturn | FitJobReturn> {
  return (job, token, signal) => (job.name === FIT_JOB ? processFitJob(ctx, job, token, signal) : job.name === DRAW_JOB ? processDrawJob(ctx, job, token, signal) : processGroupJob(ctx, job, token, signal));
}

/** What a job whose lock was lost throws: its outcome is no longer this worker's to record. */
function lockLost(job: Job, err: unknown): Error {
  return new Error(`job ${job.id}: stopped, its lock was lost (another worker may have it)`, { cause: err });
}

async function processGroupJob(ctx: JobContext, job: Job, token: string | undefined, signal?: AbortSignal): Promise<JobReturn> {
  let checked: CheckedJob;
  try {
    checked = await checkJob(ctx, job);
  } catch (err) {
    if (!isBnvizError(err, 'ServeError')) throw err;
    return handBack(ctx, job, token, err as ServeError, async (message) => {
      // only the group's own job counts it (see checkJob)
      const own = await ownGroup(ctx, job);
      if (own) await count(ctx, own.runId, { ...own, status: 'failed', error: { name: 'ServeError', message } });
    });
  }
  if (checked.counted) {
    // Counted before (its worker died after counting it, before its job ended): nothing to redo, and its
    // files are let go. Its run's records are written if it was the last (count does that for a group counted before).
    const { runId, groupId, index } = checked.group;
    await count(ctx, runId, { groupId, index, status: 'skipped', files: [] });
    return { groupId, status: 'skipped', outputs: [], maxUnseen: 0 };
  }
  const { group, root, options, seed, draw, drawNow, started } = checked;
  // a round trip the first jobs of a run make (and the first after a retry reopened it), not every job
  if (!started) await new RunStore(ctx.redis, ctx.prefix, group.runId).markStarted();
  const task: GroupTask = {
    runId: group.runId,
    groupId: group.groupId,
    index: group.index,
    root,
    files: group.files,
    runDir: join(ctx.outRoot, group.runId),
    options,
    force: group.force,
    draw: drawNow,
  };
  const progress = stageReporter((stage) => {
    const doc: JobProgressDoc = { stage, step: STAGES.indexOf(stage) + 1, of: STAGES.length };
    job.updateProgress(doc).catch(() => {}); // progress is advisory; the outcome is what counts
  });
  let result: GroupResult;
  try {
    result = await ctx.pool.run(task, (stage) => {
      ctx.onStage?.(job.id ?? '', stage);
      progress.stage(stage);
    }, signal);
  } catch (err) {
    progress.end();
    if (signal?.aborted) throw lockLost(job, err);
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      await count(ctx, group.runId, { groupId: group.groupId, index: group.index, status: 'failed', files: group.files, error: groupErrorOf(err) });
    }
    throw err;
  }
  progress.end();
  if (signal?.aborted) throw lockLost(job, signal.reason);
  // offered to the second pass's pick before it is counted: the pick is whole when the run's last group is
  if (result.status !== 'failed') await offerToPick(ctx.redis, runKeys(ctx.prefix, group.runId), draw, seed, { groupId: group.groupId, index: group.index, files: group.files, maxUnseen: result.maxUnseen, drawn: result.outputs.length > 0 });
  // batch normalization by each batch's own statistics: the dataset's summed from the groups' level counts, for the report
  const levels = ctx.levels && options.method === 'batch' && !options.normStats && result.status !== 'failed' ? result.levels : undefined;
  await count(ctx, group.runId, { groupId: group.groupId, index: group.index, status: result.status, files: group.files, error: result.error, timings: result.timings, maxUnseen: result.maxUnseen, unseen: unseenShares(result.rows), levels: levels !== undefined }, result.backend, levels);
  if (result.status === 'failed') throw new UnrecoverableError(result.error?.message ?? 'bad input');
  return { groupId: group.groupId, status: result.status, outputs: result.outputs, maxUnseen: result.maxUnseen, totalMs: result.timings?.totalMs };
}

/**
 * The group a job may count as failed: the one whose own job it is (the id
 * enqueue gives it: a job forged under another id must not fail a group it
 * does not own), with its files (the job's own, version 2, or those the run
 * keeps); undefined when the job names no group of its own.
 */
async function ownGroup(ctx: JobContext, job: Job, known?: string[]): Promise<{ runId: string; groupId: string; index: number; files: string[] } | undefined> {
  const { runId, groupId, index, files } = idsOf(job.data, job.id);
  if (!runId || !groupId || index === undefined || job.id !== jobIdOf(runId, groupId)) return undefined;
  const kept = known ?? files ?? (await new RunStore(ctx.redis, ctx.prefix, runId).filesAt(index));
  return { runId, groupId, index, files: kept ?? [] };
}

/**
 * A slice of the first pass of `--stats dataset`: its images decoded and
 * counted in a pool thread, the counts added to the run's once, and
 * the pass ended when this was its last slice (fit-phase.ts).
 */
async function processFitJob(ctx: JobContext, job: Job, token: string | undefined, signal?: AbortSignal): Promise<FitJobReturn> {
  let checked: { doc: FitJobDocument; root: string };
  try {
    checked = await checkFitJob(ctx, job);
  } catch (err) {
    if (!isBnvizError(err, 'ServeError')) throw err;
    return handBack(ctx, job, token, err as ServeError, (message) => failOwnSlice(ctx, job, message));
  }
  const { doc, root } = checked;
  const k = runKeys(ctx.prefix, doc.runId);
  await new RunStore(ctx.redis, ctx.prefix, doc.runId).markStarted();
  try {
    const { size, fit, background, colorProfile, alpha } = doc.options;
    const counted = await ctx.pool.count({ root, files: doc.files, decode: { size, fit, background, colorProfile, alpha } }, signal);
    if (signal?.aborted) throw lockLost(job, signal.reason);
    const r = await recordSlice(ctx.redis, k, { slice: doc.slice, status: 'done', counted });
    if (r.done + r.failed >= r.slices) await endFitPhase(fitContext(ctx), doc.runId);
    return { slice: doc.slice, status: 'done', images: counted.images, unreadable: counted.skipped.length };
  } catch (err) {
    if (signal?.aborted) throw lockLost(job, err);
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await failOwnSlice(ctx, job, messageOf(err));
    throw err;
  }
}

/** Checks a fit job as checkJob does a group job (the first pass writes nothing, so no output folder). */
async function checkFitJob(ctx: JobContext, job: Job): Promise<{ doc: FitJobDocument; root: string }> {
  try {
    const doc = parseFitJobDocument(job.data, `job ${job.id}`);
    const slices = await ctx.redis.hget(runKeys(ctx.prefix, doc.runId).meta, 'fitSlices');
    if (slices === null) throw new InputError(`job ${job.id}`, `run ${doc.runId} has no first pass (it was not enqueued with --stats dataset under prefix ${ctx.prefix})`);
    if (doc.slice >= Number(slices)) throw new InputError(`job ${job.id}`, `slice ${doc.slice} is not a slice of run ${doc.runId} (it has ${slices})`);
    // two images in flight
    checkPixelBudget(Math.min(2, doc.files.length), decodeOnly(doc.options.size), ctx.maxPixels, `job ${job.id}`, 'this worker\'s maxPixels (BNVIZ_MAX_PIXELS)');
    const root = await mapJobRoot(doc.root, ctx.roots);
    await resolveAllInside(root, doc.files);
    return { doc, root };
  } catch (err) {
    if (!isBnvizError(err, 'InputError')) throw err;
    await failOwnSlice(ctx, job, messageOf(err));
    throw new UnrecoverableError(messageOf(err));
  }
}

/** Counts a fit job's slice failed, when the job is the slice's own (a forged id counts nothing), and ends the pass if it can. */
async function failOwnSlice(ctx: JobContext, job: Job, reason: string): Promise<void> {
  const d = (typeof job.data === 'object' && job.data !== null ? job.data : {}) as { runId?: unknown; slice?: unknown; files?: unknown };
  const { runId } = idsOf(job.data);
  if (!runId || typeof d.slice !== 'number' || job.id !== fitJobIdOf(runId, d.slice)) return;
  const images = Array.isArray(d.files) ? d.files.length : 0;
  const r = await recordSlice(ctx.redis, runKeys(ctx.prefix, runId), { slice: d.slice, status: 'failed', reason, images });
  if (r.done + r.failed >= r.slices) await endFitPhase(fitContext(ctx), runId);
}

function fitContext(ctx: JobContext): FitPhaseContext {
  return { redis: ctx.redis, prefix: ctx.prefix, queue: ctx.queue, outRoot: ctx.outRoot, lockMs: ctx.lockMs, retentionSeconds: ctx.retentionSeconds };
}

/** A group job with what its document leaves to the run's records filled in. */
interface GroupJob {
  runId: string;
  groupId: string;
  index: number;
  files: string[];
  force: boolean;
}

/** A job checked: its group and what serving it takes, or its group counted already (its files let go: nothing to do but see its run's records written). */
type CheckedJob =
  | { counted: false; group: GroupJob; root: string; options: RunSettings['options']; seed: number; draw: DrawChoice; drawNow: boolean; started: boolean }
  | { counted: true; group: GroupJob };

/** Most files a group may have (a job of version 2 is held to it by its schema). */
const MAX_FILES = 1024;

/**
 * Trusts nothing in the job: a valid document, a run enqueued under this
 * prefix whose records hold the group at the job's index (under the job's
 * id, for version 3) with its files, the run's root inside the worker's
 * roots, every file inside that root (by its text here, symlinks followed by
 * the thread before it reads), and a size within the pixel budget. Throws
 * ServeError when this worker cannot serve the job (nothing is wrong with
 * the group); UnrecoverableError naming the reason for bad input, after
 * counting the group as failed when the job is the group's own.
 */
async function checkJob(ctx: JobContext, job: Job): Promise<CheckedJob> {
  let files: string[] | undefined;
  try {
    const doc = parseJobDocument(job.data, `job ${job.id}`);
    const k = runKeys(ctx.prefix, doc.runId);
    const at = String(doc.index);
    const replies = (await ctx.redis.pipeline().hmget(k.meta, 'enqueuedAt', 'fitEndedAt', 'enqueueDone', 'total', 'startedAt', 'pausedAt')
      .hget(k.ids(doc.index), at).hget(k.files(doc.index), at).getrange(k.state, doc.index, doc.index).exec()) as Array<[Error | null, unknown]>;
    const [when, member, kept, state] = replies.map(([err, v]) => {
      if (err) throw err;
      return v;
    }) as [Array<string | null>, string | null, string | null, string];
    const [enqueuedAt, fitEndedAt, enqueueDone, total, startedAt, pausedAt] = when;
    if (!enqueuedAt) throw new InputError(`job ${job.id}`, `run ${doc.runId} was not enqueued (no records under prefix ${ctx.prefix})`);
    let groupId: string;
    if (doc.v === NAMED_JOB_VERSION) {
      if (member !== doc.groupId) throw new InputError(`job ${job.id}`, `group ${doc.groupId} is not group ${doc.index + 1} of run ${doc.runId}`);
      groupId = doc.groupId;
      files = doc.files;
    } else {
      if (member === null) throw new InputError(`job ${job.id}`, `run ${doc.runId} has no group ${doc.index + 1}`);
      if (job.id !== jobIdOf(doc.runId, member)) throw new InputError(`job ${job.id}`, `group ${doc.index + 1} of run ${doc.runId} is ${member}, whose job is ${jobIdOf(doc.runId, member)}`);
      groupId = member;
      files = splitFiles(kept);
      if (!files && (state === 'd' || state === 's')) {
        return { counted: true, group: { runId: doc.runId, groupId, index: doc.index, files: [], force: false } };
      }
      // counted failed, and retried by BullMQ itself (Bull Board): its failure keeps its files
      if (!files && state === 'f') files = (await new RunStore(ctx.redis, ctx.prefix, doc.runId).failuresOf([groupId]).catch(() => []))[0]?.files;
      if (!files?.length) throw new InputError(`job ${job.id}`, `run ${doc.runId} keeps no files for group ${groupId} (its records were damaged; bnviz clean ${doc.runId}, then bnviz enqueue, runs it anew)`);
      if (files.length > MAX_FILES) throw new InputError(`job ${job.id}`, `group ${groupId} of run ${doc.runId} has ${files.length} files in the run's records (at most ${MAX_FILES})`);
    }
    // The files by their text here, before anything is made; the thread resolves them (symlinks followed)
    // before it reads any, and fails the group with the same reason (processGroup): resolving them here
    // too cost more of this thread than the rest of a counted group's handling.
    for (const file of files) checkRelative(file);
    // the options change once, when the first pass of --stats dataset stores the statistics in them
    const settings = await runSettingsOf(ctx, doc.runId, `${enqueuedAt} ${fitEndedAt ?? ''}`);
    checkPixelBudget(files.length, settings.options, ctx.maxPixels, `job ${job.id}`, 'this worker\'s maxPixels (BNVIZ_MAX_PIXELS)');
    const root = await checkedPlace(ctx.roots, settings.root, join(ctx.outRoot, doc.runId));
    // drawn as it is counted: every group (all), each group named (ids), or each of a run of K groups or fewer, known once enqueued whole
    const drawNow = drawsInFirstPass(settings.draw, enqueueDone ? Number(total) : undefined, groupId);
    const group: GroupJob = { runId: doc.runId, groupId, index: doc.index, files, force: doc.force ?? false };
    // started, and not paused by a retry since: nothing for markStarted to do
    return { counted: false, group, root, options: settings.options, seed: settings.seed, draw: settings.draw, drawNow, started: startedAt !== null && pausedAt === null };
  } catch (err) {
    if (!isBnvizError(err, 'InputError')) throw err;
    const own = await ownGroup(ctx, job, files);
    if (own) await count(ctx, own.runId, { ...own, status: 'failed', error: groupErrorOf(err) });
    throw new UnrecoverableError(messageOf(err));
  }
}

/** A run's settings as a job handler uses them: its root and options, its seed, and its draw setting parsed (ids: a set). */
type HandlerSettings = RunSettings & { seed: number; draw: DrawChoice };

/** Each run's root and options, read again only when `version` moves (an enqueue anew, the first pass's end); a few runs kept. */
const settingsCache = new Map<string, { version: string; settings: HandlerSettings }>();

async function runSettingsOf(ctx: JobContext, runId: string, version: string): Promise<HandlerSettings> {
  const key = `${ctx.prefix}\n${runId}`;
  const hit = settingsCache.get(key);
  if (hit?.version === version) return hit.settings;
  const [root, options, grouping] = await ctx.redis.hmget(runKeys(ctx.prefix, runId).meta, 'root', 'options', 'grouping');
  const parsed = parseRunSettings(root, options, runId);
  const settings = { ...parsed, seed: seedOf(grouping), draw: parseDraw(parsed.options.draw ?? 'all') };
  settingsCache.delete(key);
  settingsCache.set(key, { version, settings });
  if (settingsCache.size > 32) settingsCache.delete(settingsCache.keys().next().value as string);
  return settings;
}

/** The seed of the run's grouping (sample:K draws by it); 0 when it has none. */
function seedOf(grouping: string | null): number {
  try {
    const seed = grouping === null ? 0 : (JSON.parse(grouping) as { seed?: unknown }).seed;
    return typeof seed === 'number' && Number.isInteger(seed) ? seed : 0;
  } catch {
    return 0;
  }
}

/**
 * A group of the second pass of `--draw worst:K` or `sample:K` drawn
 * (draw-phase.ts): checked as a group job is (the run holds the group at
 * that index, roots, files), drawn in a pool thread, marked drawn; the run's
 * records are written when it was the last.
 */
async function processDrawJob(ctx: JobContext, job: Job, token: string | undefined, signal?: AbortSignal): Promise<JobReturn> {
  let doc: DrawJobDocument;
  let root: string;
  let options: RunSettings['options'];
  try {
    doc = parseDrawJobDocument(job.data, `job ${job.id}`);
    if (job.id !== drawJobIdOf(doc.runId, doc.index)) throw new InputError(`job ${job.id}`, 'a draw job\'s id is its run\'s and its group\'s index');
    const k = runKeys(ctx.prefix, doc.runId);
    const [[, when], [, member]] = (await ctx.redis.pipeline().hmget(k.meta, 'enqueuedAt', 'fitEndedAt').hget(k.ids(doc.index), String(doc.index)).exec()) as [[Error | null, Array<string | null>], [Error | null, string | null]];
    if (!when[0]) throw new InputError(`job ${job.id}`, `run ${doc.runId} was not enqueued (no records under prefix ${ctx.prefix})`);
    if (member !== doc.groupId) throw new InputError(`job ${job.id}`, `group ${doc.groupId} is not group ${doc.index + 1} of run ${doc.runId}`);
    const settings = await runSettingsOf(ctx, doc.runId, `${when[0]} ${when[1] ?? ''}`);
    checkPixelBudget(doc.files.length, settings.options, ctx.maxPixels, `job ${job.id}`, 'this worker\'s maxPixels (BNVIZ_MAX_PIXELS)');
    root = await checkedPlace(ctx.roots, settings.root, join(ctx.outRoot, doc.runId));
    await resolveAllInside(root, doc.files);
    options = settings.options;
  } catch (err) {
    if (isBnvizError(err, 'ServeError')) return handBack(ctx, job, token, err as ServeError, async () => {});
    if (!isBnvizError(err, 'InputError')) throw err;
    throw new UnrecoverableError(messageOf(err));
  }
  const k = runKeys(ctx.prefix, doc.runId);
  const task: GroupTask = { runId: doc.runId, groupId: doc.groupId, index: doc.index, root, files: doc.files, runDir: join(ctx.outRoot, doc.runId), options, force: false, draw: true };
  let result: GroupResult;
  try {
    result = await ctx.pool.run(task, (stage) => ctx.onStage?.(job.id ?? '', stage), signal);
  } catch (err) {
    if (signal?.aborted) throw lockLost(job, err);
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await recordDrawn(ctx.redis, k, doc.index, messageOf(err));
    throw err;
  }
  await recordDrawn(ctx.redis, k, doc.index, result.status === 'failed' ? result.error?.message ?? 'failed' : undefined);
  await finalizeFleetRun(ctx.redis, ctx.prefix, doc.runId, join(ctx.outRoot, doc.runId), { lockMs: ctx.lockMs, retentionSeconds: ctx.retentionSeconds, backend: result.backend });
  return { groupId: doc.groupId, status: result.status, outputs: result.outputs, maxUnseen: result.maxUnseen, totalMs: result.timings?.totalMs };
}

/** How long a run's root and folder, once found good, are taken as good without asking the file system again. */
export const PLACE_CHECKED_MS = 1000;

/** Good places a second: for each set of allowed roots, each job root and run folder to the real root and when it was checked. */
const placesChecked = new WeakMap<AllowedRoots, Map<string, { root: string; at: number }>>();

/**
 * A job's dataset root mapped onto this worker's roots (mapJobRoot) and its
 * run's folder made and writable (checkWritable); ServeError otherwise. A
 * good answer stands for PLACE_CHECKED_MS: asked for every group, the two
 * took about a twentieth of a counted group's CPU here (a realpath, a mkdir
 * and an access), and a folder made unwritable meanwhile fails the group's
 * write, which is retried as a transient failure is. Failures are never kept.
 */
async function checkedPlace(roots: AllowedRoots, jobRoot: string, runDir: string): Promise<string> {
  let places = placesChecked.get(roots);
  if (!places) placesChecked.set(roots, (places = new Map()));
  const key = `${jobRoot}\n${runDir}`;
  const now = performance.now();
  const hit = places.get(key);
  if (hit && now - hit.at < PLACE_CHECKED_MS) return hit.root;
  const root = await mapJobRoot(jobRoot, roots);
  await checkWritable(runDir);
  places.delete(key);
  places.set(key, { root, at: now });
  if (places.size > 32) places.delete(places.keys().next().value as string);
  return root;
}

/** The run's folder can be made and written here; ServeError otherwise. */
async function checkWritable(runDir: string): Promise<void> {
  try {
    await mkdir(runDir, { recursive: true });
    await access(runDir, constants.W_OK);
  } catch (err) {
    throw new ServeError(`cannot write the output folder ${runDir} (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err });
  }
}

/**
 * Puts the job back in the queue, delayed 1 s, without using an attempt
 * (BullMQ's DelayedError). A doubling delay made one misconfigured worker,
 * idle and so first to take each job, slow a fleet's run 60-fold (20 small
 * groups: 184 s); now the worker that hands jobs back pauses itself instead
 * (start-worker.ts). After `handBacks` times
 * the job fails: no worker could serve it, and the group is counted failed.
 */
async function handBack(ctx: JobContext, job: Job, token: string | undefined, err: ServeError, giveUp: (message: string) => Promise<void>): Promise<never> {
  // attemptsStarted counts every time a worker took the job; attemptsMade only real attempts
  const times = Math.max(0, (job.attemptsStarted ?? 1) - (job.attemptsMade ?? 0) - 1);
  if (times >= ctx.handBacks) {
    const message = `no worker could serve this job after ${times} hand-backs: ${err.message}; fix the workers' roots or output folder, then bnviz retry`;
    await giveUp(message);
    throw new UnrecoverableError(message);
  }
  ctx.onHandBack?.(err.message, job.id ?? '');
  const { runId } = idsOf(job.data, job.id);
  if (runId) await new RunStore(ctx.redis, ctx.prefix, runId).countAttempt('handedBack').catch(() => {}); // advisory, as progress is
  await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
  throw new DelayedError();
}

/**
 * Counts a group once, its level counts (when given) summed by this worker
 * when the count was its first, and writes the run's files when that
 * completes the run.
 */
async function count(ctx: JobContext, runId: string, outcome: Outcome, backend?: string, levels?: GroupLevels): Promise<void> {
  const runDir = join(ctx.outRoot, runId);
  const recorded = await new RunStore(ctx.redis, ctx.prefix, runId).record(outcome);
  if (levels && recorded.effect === 'added') ctx.levels?.add(runId, levels);
  // Also when the group was counted before: a worker that died while finalizing leaves the run to the next one here.
  if (recorded.effect !== 'unknown' && isComplete(recorded)) {
    // this worker's counts of the run first (the others' come within FLUSH_MS; the records wait for them)
    await ctx.levels?.flush(runId);
    await finalizeFleetRun(ctx.redis, ctx.prefix, runId, runDir, { lockMs: ctx.lockMs, retentionSeconds: ctx.retentionSeconds, backend });
  }
}
