/**
 * `--draw`: which of a run's groups get figures. Every group is counted (its
 * decode and numbers, a row in the run's records); figures cost about ten
 * times as much CPU and a megabyte and a half a group, so they are drawn
 * only where someone will look:
 * - `all`: every group, as it is counted;
 * - `none`: no group;
 * - `worst:K`: the K groups with the largest unseen share, which is known
 *   only once every group is counted: a second pass draws them;
 * - `sample:K`: K groups chosen at random, reproducibly: the K whose
 *   `sampleKey` (a hash of the seed and the group's id) is smallest, the same
 *   on any number of threads or workers, whatever order groups end in;
 * - `ids:ID,ID,...`: the groups named, by id (as summary.csv lists them), as
 *   they are counted: known before any group is, so no second pass. Given
 *   as `names:FILE` (one id a line), it is read into this form when a run
 *   starts (draw-names.ts), so a run's record holds the ids themselves.
 * A run with K groups or fewer draws every group as it is counted (the same
 * groups a second pass would draw).
 */
import { createHash } from 'node:crypto';

export type DrawChoice =
  | { mode: 'all' }
  | { mode: 'none' }
  | { mode: 'worst' | 'sample'; k: number }
  | { mode: 'ids'; ids: ReadonlySet<string> };

/** `'worst:100'` to `{mode: 'worst', k: 100}`; the setting is checked by its rule (config/rules.ts) before. */
export function parseDraw(text: string): DrawChoice {
  const colon = text.indexOf(':');
  const mode = colon < 0 ? text : text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (mode === 'worst' || mode === 'sample') return { mode, k: Number(rest) };
  if (mode === 'ids') return { mode, ids: new Set(rest.split(',')) };
  return { mode: mode === 'none' ? 'none' : 'all' };
}

/**
 * Whether a group is drawn as it is counted, in a run of `groups` groups
 * (undefined: not known yet); with `ids:`, whether `groupId` is named.
 */
export function drawsInFirstPass(choice: DrawChoice, groups?: number, groupId?: string): boolean {
  if (choice.mode === 'all') return true;
  if (choice.mode === 'none') return false;
  if (choice.mode === 'ids') return groupId !== undefined && choice.ids.has(groupId);
  return groups !== undefined && groups <= choice.k;
}

/** Whether the run draws in a second pass, once every group is counted. */
export function drawsInSecondPass(choice: DrawChoice, groups: number): boolean {
  return (choice.mode === 'worst' || choice.mode === 'sample') && groups > choice.k;
}

/** A group's place in `sample:K`: a number in [0, 2^48) from the seed and the group's id; the K smallest are drawn. */
export function sampleKey(seed: number, groupId: string): number {
  return createHash('sha256').update(`${seed}\n${groupId}`).digest().readUIntBE(0, 6);
}

/** What a second pass ranks a group by: larger is drawn first (for sample, the smaller key). */
export function drawRank(choice: DrawChoice, seed: number, g: { groupId: string; maxUnseen: number }): number {
  if (choice.mode === 'sample') return -sampleKey(seed, g.groupId);
  return Number.isFinite(g.maxUnseen) ? g.maxUnseen : -1;
}

/** Groups a second pass would draw, given by rank; of equal ranks, the earlier in the dataset. */
export function compareForDrawing(a: { rank: number; index: number }, b: { rank: number; index: number }): number {
  return b.rank - a.rank || a.index - b.index;
}
