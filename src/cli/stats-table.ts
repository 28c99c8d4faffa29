/** A readable table of one group's statistics, for `bnviz inspect` without --json. */
import type { GroupStats, ValueStats } from '../types.js';

const pct = (share: number) => `${(share * 100).toFixed(2)}%`;
const num = (v: number) => v.toFixed(4).padStart(8);

export function statsTable(stats: GroupStats): string {
  const lines: string[] = [];
  const given = stats.normalizedWith;
  lines.push(given
    ? `${stats.method} normalization with ${given.label}, epsilon ${given.epsilon}, backend ${stats.backend}, bnviz ${stats.version}`
    : `${stats.method} normalization, epsilon ${stats.epsilon}, backend ${stats.backend}, bnviz ${stats.version}`);
  if (given) {
    lines.push(`mean           R ${num(given.mean[0])}  G ${num(given.mean[1])}  B ${num(given.mean[2])}`);
    lines.push(`variance       R ${num(given.variance[0])}  G ${num(given.variance[1])}  B ${num(given.variance[2])}`);
  } else if (stats.batch) {
    lines.push(`batch mean     R ${num(stats.batch.mean[0])}  G ${num(stats.batch.mean[1])}  B ${num(stats.batch.mean[2])}`);
    lines.push(`batch variance R ${num(stats.batch.variance[0])}  G ${num(stats.batch.variance[1])}  B ${num(stats.batch.variance[2])}`);
  } else {
    for (const m of stats.moments) lines.push(`${m.image} ${m.channels.join('')} over ${m.over}: mean ${num(m.mean)}  variance ${num(m.variance)}`);
  }
  const header = ['image', 'ch', 'values', 'min', 'max', 'mean', 'std', '< 0', '> 1'];
  const rows: string[][] = [];
  for (const image of stats.images) {
    for (const ch of image.channels) {
      const row = (kind: string, s: ValueStats) => [image.file, ch.channel, kind, num(s.min), num(s.max), num(s.mean), num(s.std), pct(s.below0), pct(s.above1)];
      rows.push(row('original', ch.original), row('normalized', ch.normalized));
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  lines.push('', fmt(header), ...rows.map(fmt));
  lines.push('', 'values below 0 show as black and above 1 as white: an image cannot display them.');
  return lines.join('\n');
}
