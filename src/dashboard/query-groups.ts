/**
 * One page of a run's finished groups: filtered by status, unseen share and
 * file name, sorted, and cut to `limit` from `offset`; with the number that
 * match, so a page can say "41-80 of 1,234". Pure: it takes the groups in
 * dataset order and the query.
 */
import { z } from 'zod';
import type { IndexedGroup } from './run-index.js';

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
});
export type GroupQuery = z.infer<typeof GroupQuery>;

export interface GroupPage {
  /** Groups that match the filters (all pages). */
  total: number;
  offset: number;
  limit: number;
  groups: IndexedGroup[];
}

/** The groups that pass the query's filters, in dataset order. */
export function filterGroups(inOrder: readonly IndexedGroup[], q: Omit<GroupQuery, 'offset' | 'limit' | 'sort'>): IndexedGroup[] {
  const needle = q.q?.trim().toLowerCase();
  if (!q.status && q.minUnseen === undefined && q.maxUnseen === undefined && !needle) return inOrder as IndexedGroup[];
  return inOrder.filter((g) => (!q.status || q.status.includes(g.status))
    && (q.minUnseen === undefined || g.maxUnseen >= q.minUnseen)
    && (q.maxUnseen === undefined || g.maxUnseen <= q.maxUnseen)
    && (!needle || g.groupId.toLowerCase().includes(needle) || g.files.some((f) => f.toLowerCase().includes(needle))));
}

export function queryGroups(inOrder: readonly IndexedGroup[], q: GroupQuery): GroupPage {
  const matching = filterGroups(inOrder, q);
  // A stable sort keeps dataset order among equal shares.
  const sorted = q.sort === 'order' ? matching : [...matching].sort(q.sort === 'unseen-desc' ? (a, b) => b.maxUnseen - a.maxUnseen : (a, b) => a.maxUnseen - b.maxUnseen);
  return { total: matching.length, offset: q.offset, limit: q.limit, groups: sorted.slice(q.offset, q.offset + q.limit) };
}

/** The position of a group among the query's results (for previous/next in the viewer), or -1. */
export function positionOf(inOrder: readonly IndexedGroup[], q: GroupQuery, groupId: string): { position: number; total: number; previous?: string; next?: string } {
  const all = queryGroups(inOrder, { ...q, offset: 0, limit: Number.MAX_SAFE_INTEGER }).groups;
  const position = all.findIndex((g) => g.groupId === groupId);
  return { position, total: all.length, previous: position > 0 ? all[position - 1].groupId : undefined, next: position >= 0 && position + 1 < all.length ? all[position + 1].groupId : undefined };
}
