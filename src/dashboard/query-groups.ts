/**
 * The query of a page of a run's finished groups: filtered by status, unseen
 * share and name, sorted, and cut to `limit` from `offset` (run-index.ts
 * answers it, with the number that match, so a page can say "41-80 of 1,234").
 */
import { z } from 'zod';

export const GROUP_SORTS = ['order', 'unseen-desc', 'unseen-asc'] as const;
export const GROUP_STATUSES = ['done', 'skipped', 'failed'] as const;
/** Most groups one request returns. */
export const MAX_LIMIT = 500;

const share = z.coerce.number().min(0).max(1);

/** The query string of `GET /api/runs/:runId/groups`; every key optional. */
export const GroupQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(60),
  sort: z.enum(GROUP_SORTS).default('order'),
  /** One status or several, comma-separated. */
  status: z.string().optional().transform((s, ctx) => {
    if (s === undefined || s === '') return undefined;
    const list = s.split(',').map((x) => x.trim());
    const bad = list.filter((x) => !(GROUP_STATUSES as readonly string[]).includes(x));
    if (bad.length) ctx.addIssue({ code: 'custom', message: `Expected ${GROUP_STATUSES.join(', ')} (comma-separated) but received ${JSON.stringify(bad.join(','))}` });
    return list as Array<(typeof GROUP_STATUSES)[number]>;
  }),
  /** Unseen share at least this (0..1). */
  minUnseen: share.optional(),
  /** Unseen share at most this (0..1). */
  maxUnseen: share.optional(),
  /** A substring of one of the group's file names or of its id, any case. */
  q: z.string().max(200).optional(),
  /** The group's index, when the viewer knows it (its links carry it). */
  at: z.coerce.number().int().min(0).optional(),
});
export type GroupQuery = z.infer<typeof GroupQuery>;

