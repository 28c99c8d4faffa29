/**
 * The dashboard's mirror of a run's finished groups, and the lists cut from
 * it: each group's status code and largest unseen share in millionths, in
 * typed arrays by index (five bytes a group), filtered in one pass and sorted
 * by share with a stable radix sort, so a list of 430,000 groups is a few
 * milliseconds. Pure.
 */
import type { GroupState } from '../fleet/run-store.js';
import { sortByKey } from '../util/sort-by-key.js';
import type { GroupQuery } from './query-groups.js';

/** A finished group's status code in the mirror (0: not finished). */
export const STATUS_CODE = { done: 1, skipped: 2, failed: 3 } as const;
export const STATUS_OF = [undefined, 'done', 'skipped', 'failed'] as const;

/** Shares are kept in millionths (as Redis keeps them: lua/record-outcome.lua), at most SHARE_CAP (a share is at most a million). */
export const MICRO = 1e6;
export const SHARE_CAP = 2 ** 21 - 1;

/** Each group's status code and largest unseen share in millionths, by index; `count`: the groups finished. */
export interface Mirror {
  status: Uint8Array;
  unseen: Uint32Array;
  count: number;
}

/** A share (0..1) as the mirror keeps it. */
export function toMicro(share: number, status: Exclude<GroupState, ''>): number {
  return status === 'failed' ? 0 : Math.min(SHARE_CAP, Math.max(0, Math.round(share * MICRO)));
}

/**
 * The indexes of the finished groups that pass the query's status and
 * unseen filters and `keep` (a search by name), in the query's order: dataset
 * order, or by share (most or least unseen first), equal shares in dataset order.
 * @example
 * groupList({ status: Uint8Array.of(1, 3, 1), unseen: Uint32Array.of(5, 0, 9), count: 3 }, { sort: 'unseen-desc' }); // Uint32Array [2, 0, 1]
 */
export function groupList(m: Mirror, q: Pick<GroupQuery, 'status' | 'minUnseen' | 'maxUnseen' | 'sort'>, keep?: (index: number) => boolean): Uint32Array {
  let allowed = 0;
  for (const s of q.status ?? ['done', 'skipped', 'failed'] as const) allowed |= 1 << STATUS_CODE[s];
  const min = q.minUnseen === undefined ? -1 : Math.round(q.minUnseen * MICRO);
  const max = q.maxUnseen === undefined ? Infinity : Math.round(q.maxUnseen * MICRO);
  const { status, unseen } = m;
  const out = new Uint32Array(m.count);
  let n = 0;
  for (let i = 0; i < status.length && n < out.length; i++) {
    const s = status[i]!;
    if (s === 0 || (allowed & (1 << s)) === 0) continue;
    const u = unseen[i]!;
    if (u < min || u > max || (keep && !keep(i))) continue;
    out[n++] = i;
  }
  const list = out.slice(0, n);
  if (q.sort === 'order') return list;
  // By share (its complement, for most unseen first): the list is in dataset order, the sort stable.
  const keys = new Uint32Array(n);
  const desc = q.sort === 'unseen-desc';
  for (let j = 0; j < n; j++) {
    const u = Math.min(SHARE_CAP, unseen[list[j]!]!);
    keys[j] = desc ? SHARE_CAP - u : u;
  }
  return sortByKey(list, keys);
}
