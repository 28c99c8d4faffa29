/** summary.csv: one row per image and channel, the statistics and the unseen shares (csv-stringify quotes as RFC 4180 asks). */
import { stringify } from 'csv-stringify/sync';
import type { SummaryRow } from '../group/group-task.js';

export const SUMMARY_COLUMNS = ['group', 'file', 'channel', 'min', 'max', 'mean', 'std', 'norm_min', 'norm_max', 'norm_mean', 'norm_std', 'below0', 'above1', 'unseen'];

export const SUMMARY_HEADER = stringify([SUMMARY_COLUMNS]);

/** 8 significant digits; empty for a value that is not a number. */
const n = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(8)) : '');

/** One group's lines, each ending in a newline. */
export function summaryLines(groupId: string, rows: SummaryRow[]): string {
  return stringify(rows.map((r) => [groupId, r.file, r.channel, n(r.min), n(r.max), n(r.mean), n(r.std), n(r.normMin), n(r.normMax), n(r.normMean), n(r.normStd), n(r.below0), n(r.above1), n(r.below0 + r.above1)]));
}
