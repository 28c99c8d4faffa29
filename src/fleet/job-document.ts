/**
 * The job a fleet worker takes: a small, versioned document naming one group
 * by its run and its index in the run, never pixels. The group's id is in the
 * job's id (`jobIdOf`); its files, the dataset root and the options are the
 * run's, kept in its records (run-store.ts; the files until the group is
 * counted), not in every job. So every field of a waiting job's hash stays
 * under Redis' default `hash-max-listpack-value` (64 bytes) and Redis keeps
 * it compact: a waiting group costs Redis 450-610 bytes. Version 2, which
 * named the group's id and files in the job, is still served (jobs enqueued
 * by an earlier bnviz). Anyone who can write to the queue can send one, so a
 * worker trusts nothing in it until `parseJobDocument` has checked every key,
 * and checks the run's records as well.
 */
import { z } from 'zod';
import { describeIssues, groupOptionsSchema, type GroupOptions } from '../config/rules.js';
import { isSafeId } from '../dataset/group-id.js';
import { InputError } from '../errors.js';
import { checkRelative } from '../dataset/resolve-inside.js';

/** The group document's version: a worker refuses versions it does not know (2 and 3 it knows). */
export const JOB_VERSION = 3;

/** The version that named the group's id and files in the job (still served). */
export const NAMED_JOB_VERSION = 2;

/** The fit document's version. */
export const FIT_JOB_VERSION = 1;

/** Run and group ids become folder names and parts of job ids: no ':' (BullMQ) and no path tricks. */
const safeId = z.string().refine(isSafeId).describe("an id of letters, digits, '.', '_' or '-' (at most 100), starting with a letter or digit");

const relativeFile = z.string().max(4096).superRefine((file, ctx) => {
  try {
    checkRelative(file);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as InputError).reason });
  }
}).describe('a path relative to the dataset root');

/** The dataset root as the enqueuer named it (absolute); a worker maps it onto its own roots. */
export const datasetRoot = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p)).describe('an absolute path');

const groupIndex = z.number().int().nonnegative().max(1e9).describe('a group index');

const jobDocument = z.strictObject({
  v: z.literal(JOB_VERSION).describe(`version ${JOB_VERSION}`),
  runId: safeId,
  /** The group's index in the dataset (0-based): where the run keeps its id, files and state. */
  index: groupIndex,
  /** Redo the group even when its outputs are there. */
  force: z.boolean().optional(),
});

/** A group job: its run and index (its id is the job's, its files the run's records'). */
export type JobDocument = z.infer<typeof jobDocument>;

const namedJobDocument = z.strictObject({
  v: z.literal(NAMED_JOB_VERSION).describe(`version ${NAMED_JOB_VERSION}`),
  runId: safeId,
  groupId: safeId,
  index: groupIndex,
  files: z.array(relativeFile).min(1).max(1024).describe('a list of 1 to 1024 files'),
  force: z.boolean().optional(),
});

/** A group job of version 2, which named the group's id and files itself. */
export type NamedJobDocument = z.infer<typeof namedJobDocument>;

/**
 * A job of the first pass of `--stats dataset`: count the levels of one
 * slice of the dataset's images (see fit-phase.ts). Its options are the
 * run's, for the decode.
 */
const fitJobDocument = z.strictObject({
  v: z.literal(FIT_JOB_VERSION).describe(`version ${FIT_JOB_VERSION}`),
  runId: safeId,
  slice: z.number().int().nonnegative().max(1e9).describe('a slice number'),
  root: datasetRoot,
  files: z.array(relativeFile).min(1).max(4096).describe('a list of 1 to 4096 files'),
  options: groupOptionsSchema,
});

export type FitJobDocument = z.infer<typeof fitJobDocument>;

/** A fit job's BullMQ name; group jobs are named 'group'. */
export const FIT_JOB = 'fit';

/** The job id of a slice of a run's first pass: '~' is in no run or group id, so it never equals a group's. */
export function fitJobIdOf(runId: string, slice: number): string {
  return `${runId}~fit-${slice}`;
}

export function makeFitJobDocument(runId: string, slice: number, root: string, files: string[], options: GroupOptions): FitJobDocument {
  return { v: FIT_JOB_VERSION, runId, slice, root, files, options };
}

export function parseFitJobDocument(data: unknown, jobId = 'job'): FitJobDocument {
  const parsed = fitJobDocument.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InputError(jobId, `invalid fit job: ${describeIssues(fitJobDocument, data, parsed.error).join('; ')}`);
}

/** BullMQ's reason for a job that stalled more often than maxStalledCount allows. */
export const STALLED_OUT = 'job stalled more than allowable limit';

/**
 * What a job BullMQ failed as stalled out went through, for a failure's
 * reason ("stopped 2 times before it ended (killed, or out of memory)");
 * undefined for a job that failed otherwise. The times are BullMQ's count of
 * the job's stalls (stalledCounter): its starts (attemptsStarted) also count
 * hand-backs and the start of a worker that was then killed, so a job killed
 * twice was said "stopped 3 times".
 */
export function stalledOut(job: { failedReason?: string; attemptsStarted: number; stalledCounter?: number }): string | undefined {
  if (job.failedReason !== STALLED_OUT) return undefined;
  const times = job.stalledCounter ?? 0;
  return `stopped ${times > 1 ? `${times} times` : 'more than once'} before it ended (killed, or out of memory)`;
}

/**
 * The job id of a group of a run: BullMQ adds nothing for an id it holds, which makes enqueueing idempotent.
 * A group job names its run, so its group's id is the rest of its job id (`groupIdOfJob`).
 * @example
 * jobIdOf('photos', '0001-1a2b3c4d'); // 'photos.0001-1a2b3c4d' (BullMQ ids hold no ':')
 */
export function jobIdOf(runId: string, groupId: string): string {
  return `${runId}.${groupId}`;
}

/**
 * The group id a group job's id names, given its run (undefined: the job id is not one of the run's).
 * @example
 * groupIdOfJob('photos.0001-1a2b3c4d', 'photos'); // '0001-1a2b3c4d'
 */
export function groupIdOfJob(jobId: string | undefined, runId: string): string | undefined {
  if (!jobId?.startsWith(`${runId}.`)) return undefined;
  const id = jobId.slice(runId.length + 1);
  return isSafeId(id) ? id : undefined;
}

/**
 * A group job's document: its run and index (the files are kept in the
 * run's records as its groups are added: RunStore.addGroups). 45 bytes for
 * a run id of 12 characters and an index of 6 digits.
 * @example
 * const doc = makeJobDocument('photos', 0); // { v: 3, runId: 'photos', index: 0 }
 */
export function makeJobDocument(runId: string, index: number, force = false): JobDocument {
  return { v: JOB_VERSION, runId, index, ...(force ? { force } : {}) };
}

/**
 * Checks a job's data (version 3, or 2); throws InputError saying, for each
 * bad key, what was expected (the subject is the job id). The parsed
 * document has no key that was not checked.
 * @example
 * const doc = parseJobDocument(job.data, job.id); // throws InputError naming the field at fault
 */
export function parseJobDocument(data: unknown, jobId = 'job'): JobDocument | NamedJobDocument {
  const schema = (data as { v?: unknown } | null)?.v === NAMED_JOB_VERSION ? namedJobDocument : jobDocument;
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InputError(jobId, `invalid job: ${describeIssues(schema, data, parsed.error).join('; ')}`);
}

/**
 * The run and group ids (and index, and files when the job names them) of a
 * job that may not parse, when they are at least safe, to record a failure
 * against its run. A job that does not name its group's id (version 3) names
 * it by its job id.
 */
export function idsOf(data: unknown, jobId?: string): { runId?: string; groupId?: string; index?: number; files?: string[] } {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const ok = (v: unknown) => (typeof v === 'string' && isSafeId(v) ? v : undefined);
  const files = Array.isArray(d.files) ? d.files.filter((f): f is string => typeof f === 'string').slice(0, 64) : undefined;
  const index = typeof d.index === 'number' && Number.isInteger(d.index) && d.index >= 0 && d.index <= 1e9 ? d.index : undefined;
  const runId = ok(d.runId);
  const groupId = ok(d.groupId) ?? (runId && d.groupId === undefined ? groupIdOfJob(jobId, runId) : undefined);
  return { runId, groupId, index, files };
}

const runSettings = z.strictObject({ root: datasetRoot, options: groupOptionsSchema });

/** What every group job of a run shares, kept once in the run's records: the dataset root and the options. */
export type RunSettings = z.infer<typeof runSettings>;

/**
 * The run's root and options as its records hold them (options as JSON),
 * checked as strictly as a job document: whoever can write to Redis can
 * write them. Throws InputError naming the run.
 */
export function parseRunSettings(root: string | null, options: string | null, runId: string): RunSettings {
  let parsedOptions: unknown;
  try {
    parsedOptions = options === null ? undefined : JSON.parse(options);
  } catch {
    throw new InputError(`run ${runId}`, 'its options in Redis are not JSON');
  }
  const data = { root: root ?? undefined, options: parsedOptions };
  const parsed = runSettings.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InputError(`run ${runId}`, `invalid run records: ${describeIssues(runSettings, data, parsed.error).join('; ')}`);
}

/** How group jobs are added: BullMQ's retry settings and whether groups are redone (kept in the run's meta as `jobOptions`). */
export interface GroupJobOptions {
  attempts: number;
  backoffMs: number;
  force: boolean;
}

/**
 * BullMQ priority of group jobs. A prioritized job waits in a sorted set, not
 * in the wait list, so BullMQ removes it in O(log n) (removeJobFromAnyState
 * looks in the sorted sets first) instead of scanning a list that may hold a
 * million other jobs: `bnviz clean` of a waiting run then costs what the run
 * holds, not what the queue holds.
 */
export const JOB_PRIORITY = 1;

/**
 * The backoff type of bnviz's jobs: exponential from the run's `backoffMs`
 * (its meta's jobOptions), which the worker's strategy reads
 * (`runBackoff`). BullMQ's own exponential type keeps its delay in every
 * job's options, which then pass Redis' 64 bytes (`{"priority":1,"backoff":
 * {"delay":2000,"type":"exponential"},"attempts":3}`: 74).
 */
export const RUN_BACKOFF = 'run';

/** The options of a group, fit or draw job as BullMQ stores them in the job (its id is given beside them: add-jobs.ts): 52 bytes. */
export function jobOpts(jobs: Partial<Pick<GroupJobOptions, 'attempts'>>) {
  return { attempts: jobs.attempts ?? 3, backoff: { type: RUN_BACKOFF }, priority: JOB_PRIORITY };
}

/**
 * The delay before a job's next attempt: BullMQ's exponential backoff
 * (2^(attempt - 1) x delay) from the run's `backoffMs`, or the default
 * 2,000 ms when the run's records do not say.
 * @example
 * backoffDelay(2, '{"attempts":3,"backoffMs":500,"force":false}'); // 1000
 */
export function backoffDelay(attemptsMade: number, jobOptions: string | null): number {
  let delay = 2000;
  try {
    const ms = jobOptions === null ? undefined : (JSON.parse(jobOptions) as { backoffMs?: unknown }).backoffMs;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) delay = ms;
  } catch {
    // malformed records: the default
  }
  return Math.round(Math.pow(2, Math.max(0, attemptsMade - 1)) * delay);
}
