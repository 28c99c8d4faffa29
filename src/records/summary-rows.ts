import type { GroupStats } from '../types.js';
import type { SummaryRow } from '../group/group-task.js';

/** summary.csv's rows for one group: one per image and channel. */
export function summaryRows(stats: GroupStats, files: string[]): SummaryRow[] {
  return stats.images.flatMap((img, i) => img.channels.map((ch) => ({
    file: files[i],
    channel: ch.channel,
    min: ch.original.min, max: ch.original.max, mean: ch.original.mean, std: ch.original.std,
    normMin: ch.normalized.min, normMax: ch.normalized.max, normMean: ch.normalized.mean, normStd: ch.normalized.std,
    below0: ch.normalized.below0, above1: ch.normalized.above1,
    ...(ch.ownBatch ? { batchBelow0: ch.ownBatch.below0, batchAbove1: ch.ownBatch.above1 } : {}),
  })));
}

/** The largest unseen share (below 0 plus above 1) over the group's images and channels. */
export function maxUnseen(rows: SummaryRow[]): number {
  return rows.reduce((m, r) => Math.max(m, r.below0 + r.above1), 0);
}
