/**
 * The fleet's second pass of `--draw worst:K` and `sample:K`: the chosen
 * groups drawn once every group of the run is counted, as jobs, like the
 * first pass of `--stats dataset` (fit-phase.ts).
 *
 * While groups are counted, each handler offers its group to the run's pick,
 * a sorted set kept at K members by rank (the largest unseen share, or for
 * a sample the smallest hash of the seed and the group's id), in one MULTI
 * before the group is counted, so the pick is whole when the last group is.
 * A member holds what a draw job needs (index, id, files): K members, never
 * the run. When the run is complete, finalizeFleetRun (under its lock) calls
 * advanceDrawPhase, which adds a draw job for each picked group not drawn
 * yet (`<run>~draw-<index>`: '~' is in no run or group id) and tells it to
 * wait; a draw job's handler draws the group in a pool thread (the group
 * done before with the same inputs is skipped), marks it drawn, and calls
 * finalizeFleetRun again. The reconciliation every worker runs calls it too,
 * so a draw job whose worker was killed (BullMQ hands it to another; after
 * repeated stalls it fails) or that went missing is counted or added again,
 * and the run always ends. A group that could not be drawn keeps its
 * numbers; only its figures are missing.
 */
import { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { describeIssues } from '../config/rules.js';
import type { GroupOptions } from '../config/rules.js';
import { isSafeId } from '../dataset/group-id.js';
import { InputError } from '../errors.js';
import { drawRank, parseDraw, type DrawChoice } from '../records/draw-choice.js';
import type { RunKeys } from './fleet-keys.js';
import { addJobs } from './add-jobs.js';
import { jobOpts, stalledOut, type GroupJobOptions } from './job-document.js';
import type { RedisClient } from './redis-options.js';

/** A draw job's BullMQ name. */
export const DRAW_JOB = 'draw';
export const DRAW_JOB_VERSION = 1;

/** The job id of a picked group's drawing. */
export function drawJobIdOf(runId: string, index: number): string {
  return `${runId}~draw-${index}`;
}

/** The keys of a run's second pass. */
function drawKeys(k: RunKeys): { pick: string; drawn: string; drawFailed: string } {
  return { pick: k.drawPick, drawn: k.drawn, drawFailed: k.drawFailed };
}

const drawJobDocument = z.strictObject({
  v: z.literal(DRAW_JOB_VERSION).describe(`version ${DRAW_JOB_VERSION}`),
  runId: z.string().refine(isSafeId).describe('a run id'),
  groupId: z.string().refine(isSafeId).describe('a group id'),
  index: z.number().int().nonnegative().max(1e9).describe('a group index'),
  files: z.array(z.string().max(4096)).min(1).max(1024).describe('a list of 1 to 1024 files'),
});
export type DrawJobDocument = z.infer<typeof drawJobDocument>;

export function parseDrawJobDocument(data: unknown, jobId = 'job'): DrawJobDocument {
  const parsed = drawJobDocument.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InputError(jobId, `invalid draw job: ${describeIssues(drawJobDocument, data, parsed.error).join('; ')}`);
}

/**
 * A pick member: the index first, written so that of equal ranks the earlier
 * group sorts last (Redis orders equal scores by member, and the lowest go
 * first when the set is cut to K), then the id and files.
 */
function pickMember(index: number, groupId: string, files: readonly string[]): string {
  return `${String(999_999_999 - index).padStart(9, '0')}|${JSON.stringify([groupId, files])}`;
}

function parsePickMember(member: string): { index: number; groupId: string; files: string[] } | undefined {
  const bar = member.indexOf('|');
  try {
    const [groupId, files] = JSON.parse(member.slice(bar + 1)) as [string, string[]];
    return { index: 999_999_999 - Number(member.slice(0, bar)), groupId, files };
  } catch {
    return undefined;
  }
}

/** Whether a run's draw setting asks for a second pass (worst:K, sample:K), and its K. */
export function secondPassOf(options: Pick<GroupOptions, 'draw'>): number | undefined {
  const choice = parseDraw(options.draw ?? 'all');
  return choice.mode === 'worst' || choice.mode === 'sample' ? choice.k : undefined;
}

/**
 * Offers a counted group to the run's pick (before it is counted), and marks
 * it drawn when it was drawn as it was counted (a run of K groups or fewer),
 * so the second pass does not draw it again. O(log K).
 */
export async function offerToPick(redis: RedisClient, k: RunKeys, choice: DrawChoice, seed: number, g: { groupId: string; index: number; files: readonly string[]; maxUnseen: number; drawn: boolean }): Promise<void> {
  if (choice.mode !== 'worst' && choice.mode !== 'sample') return;
  const keys = drawKeys(k);
  const tx = redis.multi()
    .zadd(keys.pick, drawRank(choice, seed, g), pickMember(g.index, g.groupId, g.files))
    .zremrangebyrank(keys.pick, '0', String(-(choice.k + 1)));
  if (g.drawn) tx.sadd(keys.drawn, String(g.index));
  await tx.exec();
}

/** Marks a picked group drawn (or failed to draw, with why); each once. */
export async function recordDrawn(redis: RedisClient, k: RunKeys, index: number, failure?: string): Promise<void> {
  const keys = drawKeys(k);
  if (failure === undefined) await redis.multi().sadd(keys.drawn, String(index)).hdel(keys.drawFailed, String(index)).exec();
  else await redis.hsetnx(keys.drawFailed, String(index), failure);
}

/**
 * Where the run's second pass stands, moving it on: 'ready' when the run
 * asks for none or every picked group is drawn (or failed to be); else
 * 'drawing', after adding the jobs of picked groups that are neither drawn,
 * failed, nor queued, and counting those BullMQ failed (stalled out) as
 * failed. O(K). Called by finalizeFleetRun under its lock.
 */
export async function advanceDrawPhase(redis: RedisClient, prefix: string, runId: string, k: RunKeys, meta: { options: GroupOptions; queue: string }): Promise<'ready' | 'drawing'> {
  if (secondPassOf(meta.options) === undefined) return 'ready';
  const keys = drawKeys(k);
  const members = await redis.zrange(keys.pick, '0', '-1');
  const picked = members.map(parsePickMember).filter((m) => m !== undefined);
  if (picked.length === 0) return 'ready';
  const queueKey = `${prefix}:${meta.queue}:`;
  const p = redis.pipeline();
  for (const g of picked) p.sismember(keys.drawn, String(g.index)).hexists(keys.drawFailed, String(g.index)).exists(queueKey + drawJobIdOf(runId, g.index)).zscore(`${queueKey}failed`, drawJobIdOf(runId, g.index));
  const replies = (await p.exec()) ?? [];
  const missing: typeof picked = [];
  let open = 0;
  const queue = new Queue(meta.queue, { connection: redis, prefix });
  queue.on('error', () => {});
  try {
    for (const [i, g] of picked.entries()) {
      const [drawn, failed, exists, inFailed] = [0, 1, 2, 3].map((j) => replies[4 * i + j]?.[1]);
      if (drawn === 1 || failed === 1) continue;
      open++;
      if (exists === 0) missing.push(g);
      else if (inFailed !== null && inFailed !== undefined) {
        const job = await Job.fromId(queue, drawJobIdOf(runId, g.index));
        if (!job?.failedReason) continue; // its reason not written yet: the next call sees it
        const stalled = stalledOut(job);
        await recordDrawn(redis, k, g.index, stalled ? `the worker drawing it ${stalled}` : job.failedReason);
        open--;
      }
    }
    if (missing.length) {
      const jobs = JSON.parse((await redis.hget(k.meta, 'jobOptions')) ?? '{}') as Partial<GroupJobOptions>;
      await addJobs(queue, missing.map((g) => ({
        name: DRAW_JOB,
        data: { v: DRAW_JOB_VERSION, runId, groupId: g.groupId, index: g.index, files: g.files } satisfies DrawJobDocument,
        opts: jobOpts(jobs),
        jobId: drawJobIdOf(runId, g.index),
      })));
      await redis.hsetnx(k.meta, 'drawStartedAt', new Date().toISOString());
    }
  } finally {
    await queue.close();
  }
  return open > 0 ? 'drawing' : 'ready';
}
