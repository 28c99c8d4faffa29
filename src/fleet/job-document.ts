/**
 * The job a fleet worker takes: a small, versioned document naming one group
 * (a run id, the dataset root, the group's files relative to it, the options),
 * never pixels. Anyone who can write to the queue can send one, so a worker
 * trusts nothing in it until `parseJobDocument` has checked every key.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { GroupOptions } from '../group/group-task.js';
import { checkRelative } from '../dataset/resolve-inside.js';

/** The document's version: a worker refuses versions it does not know. */
export const JOB_VERSION = 1;

/** Run and group ids become folder names and parts of job ids: no ':' (BullMQ) and no path tricks. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const safeId = z.string().regex(SAFE_ID, "letters, digits, '.', '_' or '-' (at most 100), starting with a letter or digit");

const relativeFile = z.string().max(4096).superRefine((file, ctx) => {
  try {
    checkRelative(file);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const perChannel = z.union([z.number().finite(), z.tuple([z.number().finite(), z.number().finite(), z.number().finite()])]);

/** The same bounds as the config schema (src/config/schema.ts), so a job asks nothing `bnviz run` would refuse. */
const groupOptions = z.strictObject({
  size: z.number().int().min(8).max(4096),
  fit: z.enum(['cover', 'contain', 'fill']),
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb'),
  method: z.enum(['batch', 'instance', 'layer', 'group']),
  epsilon: z.number().min(0).max(1),
  gamma: perChannel,
  beta: perChannel,
  groups: z.number().int().refine((g): boolean => [1, 3].includes(g), 'one of 1, 3'),
  gridSize: z.number().int().min(2).max(100000),
  bwAdjust: z.number().min(0.01).max(100),
  backend: z.enum(['auto', 'wasm', 'cpu', 'node']),
  figures: z.array(z.enum(['overview', 'panels', 'compare'])).min(1).max(3),
  formats: z.array(z.enum(['png', 'svg'])).min(1).max(2),
  scale: z.number().min(0.25).max(8),
  xRange: z.union([z.literal('auto'), z.number().positive().finite()]),
  markUnseen: z.boolean(),
  spec: z.boolean(),
}) satisfies z.ZodType<GroupOptions>;

const jobDocument = z.strictObject({
  v: z.literal(JOB_VERSION),
  runId: safeId,
  groupId: safeId,
  /** The dataset root as the enqueuer named it (absolute); a worker maps it onto its own roots. */
  root: z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p), 'an absolute path'),
  files: z.array(relativeFile).min(1).max(1024),
  options: groupOptions,
  /** Redo the group even when its outputs are there. */
  force: z.boolean().optional(),
});

export type JobDocument = z.infer<typeof jobDocument>;

/** The job id of a group of a run: BullMQ adds nothing for an id it holds, which makes enqueueing idempotent. */
export function jobIdOf(runId: string, groupId: string): string {
  return `${runId}.${groupId}`;
}

export function makeJobDocument(runId: string, groupId: string, root: string, files: string[], options: GroupOptions, force = false): JobDocument {
  return { v: JOB_VERSION, runId, groupId, root, files, options, ...(force ? { force } : {}) };
}

/**
 * Checks a job's data; throws InputError saying, for each bad key, what was
 * expected (the subject is the job id). The parsed document has no key that
 * was not checked.
 */
export function parseJobDocument(data: unknown, jobId = 'job'): JobDocument {
  const parsed = jobDocument.safeParse(data);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.slice(0, 5).map((issue) => {
    const key = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : 'the document';
    return `${key}: ${issue.message}`;
  });
  throw new InputError(jobId, `invalid job: ${reasons.join('; ')}`);
}

/** The run and group ids of a job that failed to parse, when they are at least safe, to record the failure against its run. */
export function idsOf(data: unknown): { runId?: string; groupId?: string; files?: string[] } {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const ok = (v: unknown) => (typeof v === 'string' && SAFE_ID.test(v) ? v : undefined);
  const files = Array.isArray(d.files) ? d.files.filter((f): f is string => typeof f === 'string').slice(0, 64) : undefined;
  return { runId: ok(d.runId), groupId: ok(d.groupId), files };
}
