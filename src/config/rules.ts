/**
 * The rules every setting is checked by: zod schemas, each described in the
 * words of its error message ("an integer between 8 and 4096"). The convict
 * schema (config file, environment, flags) and the fleet's job documents both
 * check with these, so a job can ask nothing `bnviz run` would refuse.
 */
import { z } from 'zod';
import { expectedMessage } from '../errors.js';
import { ALPHA_MODES, BACKENDS, COLOR_PROFILES, FIGURE_FORMATS, FIGURE_KINDS, FITS, MAX_NAMED_GROUPS, METHODS } from '../types.js';

export const intBetween = (min: number, max: number) => z.number().int().min(min).max(max).describe(`an integer between ${min} and ${max}`);
export const numberBetween = (min: number, max: number) => z.number().min(min).max(max).describe(`a number between ${min} and ${max}`);
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values).describe(`one of ${values.join(', ')}`);
export const listOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.array(z.enum(values)).min(1).max(values.length).describe(`a non-empty list of ${values.join(', ')}`);
export const flag = () => z.boolean().describe('true or false');

/** One number for every channel, or three (R, G, B). */
const perChannel = z.union([z.number().finite(), z.tuple([z.number().finite(), z.number().finite(), z.number().finite()])])
  .describe('a number or three numbers (R,G,B)');

/** `--draw`'s forms but names:FILE (draw-choice.ts): a group id is a safe id (dataset/group-id.ts isSafeId). */
const DRAW_CHOICE = /^(all|none|(worst|sample):[1-9][0-9]{0,6}|ids:[A-Za-z0-9][A-Za-z0-9._-]{0,99}(,[A-Za-z0-9][A-Za-z0-9._-]{0,99})*)$/;
const namedWithin = (draw: string) => !draw.startsWith('ids:') || draw.split(',').length <= MAX_NAMED_GROUPS;

/**
 * Everything that decides a group's outputs besides its files: the settings
 * of decode, compute and the figures. A GroupTask and a job document carry
 * exactly these.
 */
export const groupOptionRules = {
  size: intBetween(8, 4096),
  fit: oneOf(FITS),
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/).describe('a colour as #rrggbb'),
  colorProfile: oneOf(COLOR_PROFILES),
  alpha: oneOf(ALPHA_MODES),
  method: oneOf(METHODS),
  epsilon: numberBetween(0, 1),
  gamma: perChannel,
  beta: perChannel,
  groups: z.union([z.literal(1), z.literal(3)]).describe('one of 1, 3'),
  gridSize: intBetween(2, 100000),
  bwAdjust: numberBetween(0.01, 100),
  backend: oneOf(BACKENDS),
  figures: listOf(FIGURE_KINDS),
  formats: listOf(FIGURE_FORMATS),
  scale: numberBetween(0.25, 8),
  /** WebP figures (formats webp): lossless, or lossy at a quality from 1 to 100. */
  webpQuality: z.union([z.literal('lossless'), z.number().int().min(1).max(100)]).describe('"lossless" or an integer between 1 and 100'),
  xRange: z.union([z.literal('auto'), z.number().positive().finite()]).describe('"auto" or a positive number'),
  markUnseen: flag(),
  spec: flag(),
  /** Which groups get figures (draw-choice.ts); every group is counted whatever it says. As a run's options hold it: `names:FILE` read into `ids:`. */
  draw: z.string().regex(DRAW_CHOICE).refine(namedWithin, `at most ${MAX_NAMED_GROUPS} group ids`).describe(`all, none, worst:K, sample:K (K a whole number from 1 to 9999999) or ids:ID,ID,... (at most ${MAX_NAMED_GROUPS} group ids)`),
};

/** `--draw` as it is given (flags, environment, config file): also `names:FILE`, a file of group ids, one a line. */
export const drawSetting = z.union([groupOptionRules.draw, z.string().regex(/^names:.+$/s)])
  .describe(`all, none, worst:K, sample:K (K a whole number from 1 to 9999999), ids:ID,ID,... or names:FILE (at most ${MAX_NAMED_GROUPS} group ids, in the file one a line)`);

/** A Redis node as `host:port` (an IPv6 host in brackets: `[::1]:26379`). */
export const redisNode = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([1-9][0-9]{0,4})$/)
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535).describe('host:port');

/** Sentinels or cluster nodes: a list of host:port, possibly empty. */
export const redisNodes = z.array(redisNode).max(100).describe('a list of host:port (comma-separated)');

/** `--stats`: batch, dataset, imagenet, or the path of a JSON file. */
export const statsChoice = z.string().min(1).max(4096).describe('batch, dataset, imagenet or the path of a JSON file');

const triple = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

/** `--order`: the dataset's images in sorted order, or shuffled (with `--seed`) before they are grouped. */
export const ORDERS = ['sorted', 'shuffle'] as const;
/** `--group-by`: groups cut from the whole dataset, or within each folder (class-per-folder datasets). */
export const GROUP_BYS = ['dataset', 'folder'] as const;

/** Statistics to normalize with instead of the batch's own, resolved from `--stats` (see fit/norm-stats.ts). */
export const normStatsSchema = z.strictObject({
  source: z.enum(['dataset', 'imagenet', 'file']),
  label: z.string().max(500),
  mean: triple,
  variance: z.tuple([z.number().nonnegative().finite(), z.number().nonnegative().finite(), z.number().nonnegative().finite()]),
  epsilon: z.number().nonnegative().finite(),
  gamma: triple.optional(),
  beta: triple.optional(),
  images: z.number().int().nonnegative().optional(),
  file: z.string().max(4096).optional(),
}).describe('per channel statistics (source, label, mean, variance, epsilon)');

// draw is optional in a run's records: a run enqueued before it existed drew every group
// alpha: options written before the setting existed flattened (the default was then flatten)
export const groupOptionsSchema = z.strictObject({ ...groupOptionRules, alpha: groupOptionRules.alpha.default('flatten'), draw: groupOptionRules.draw.optional(), normStats: normStatsSchema.optional() });

/** The options of a group: what `bnviz run` passes each group and a job document carries. */
export type GroupOptions = z.infer<typeof groupOptionsSchema>;

/**
 * A failed parse as messages of the one shape, "Expected X for KEY but
 * received Y", at most `max` of them. KEY is the deepest described field on
 * the issue's path: an item that has a rule of its own, else the whole list
 * (so the message shows the value the user wrote).
 */
export function describeIssues(schema: z.ZodType, data: unknown, error: z.ZodError, max = 5): string[] {
  return error.issues.slice(0, max).map((issue) => {
    let node: unknown = schema;
    let value: unknown = data;
    let found: { what: string; key: string; value: unknown } | undefined;
    const path: PropertyKey[] = [];
    for (const key of issue.path) {
      node = childOf(node, key);
      value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
      path.push(key);
      const what = (node as z.ZodType | undefined)?.description;
      if (what) found = { what, key: keyText(path), value };
    }
    // a rule's own reason (a custom check) says more than its description alone
    if (found) return `${expectedMessage(found.what, found.key, found.value)}${issue.code === 'custom' && issue.message !== 'Invalid input' ? ` (${issue.message})` : ''}`;
    if (issue.code === 'unrecognized_keys') return `Unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}${path.length ? ` in ${keyText(path)}` : ''}`;
    return expectedMessage(issue.message.replace(/^Invalid input: expected /, 'a '), path.length ? keyText(path) : 'the document', value);
  });
}

function childOf(node: unknown, key: PropertyKey): unknown {
  const n = node as { shape?: Record<string, unknown>; element?: unknown } | undefined;
  if (typeof key === 'number') return n?.element;
  return n?.shape?.[key as string];
}

function keyText(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}
