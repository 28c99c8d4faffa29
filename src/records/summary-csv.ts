/** summary.csv: one row per image and channel, the statistics and the unseen shares. */
import type { SummaryRow } from '../group/group-task.js';

export const SUMMARY_HEADER = 'group,file,channel,min,max,mean,std,norm_min,norm_max,norm_mean,norm_std,below0,above1,unseen';

/** CSV field quoting (RFC 4180): quote when the field has a comma, quote or line break. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const n = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(8)) : '');

export function summaryLines(groupId: string, rows: SummaryRow[]): string {
  return rows
    .map((r) => [field(groupId), field(r.file), r.channel, n(r.min), n(r.max), n(r.mean), n(r.std), n(r.normMin), n(r.normMax), n(r.normMean), n(r.normStd), n(r.below0), n(r.above1), n(r.below0 + r.above1)].join(','))
    .map((line) => `${line}\n`)
    .join('');
}
