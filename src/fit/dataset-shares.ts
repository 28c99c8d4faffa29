/**
 * What normalizing with the dataset's own statistics would push out of
 * [0, 1], for a run that normalized each batch by its own (`--stats batch`):
 * its report sets the two side by side, as a `--stats dataset` run sets the
 * batches' beside the dataset's. Made from the level counts of every image
 * counted (LevelCounts, summed from the groups' as they are counted), with
 * no pass over the images of its own.
 *
 * The statistics are those `--stats dataset` takes (norm-stats.ts): the mean
 * and the population variance over every pixel (LevelCounts.moments),
 * epsilon 0, with the run's gamma and beta. Each level is classified as
 * ownBatchShares (compute/compute-group.ts) classifies them: its value
 * (float32, code / 255 or / 65535) mapped by `x * scale + shift`, rounded to
 * float32, below 0 or above 1. The shares are over all pixels; the report's
 * other rows average each image's, which is the same when every image has
 * size x size pixels (not quite under `--fit contain`, whose bars are left
 * out).
 */
import type { DatasetShares } from '../types.js';
import type { LevelCounts } from './level-counts.js';

type PerChannel = number | readonly [number, number, number];

/**
 * @param groups how many groups the counts were summed over (for the report to say)
 * @example
 * const shares = datasetShares(counts, 12, { gamma: 1, beta: 0 }); // {below0: [0.47, ...], above1: [0.16, ...], ...}
 */
export function datasetShares(counts: LevelCounts, groups: number, { gamma, beta }: { gamma: PerChannel; beta: PerChannel }): DatasetShares | undefined {
  const m = counts.moments();
  if (!(m.pixels > 0) || m.variance.some((v) => !(v > 0))) return undefined;
  const pick = (v: PerChannel, c: number) => (typeof v === 'number' ? v : v[c]!);
  const below0: [number, number, number] = [0, 0, 0];
  const above1: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const scale = pick(gamma, c) / Math.sqrt(m.variance[c]!);
    const shift = pick(beta, c) - m.mean[c]! * scale;
    let below = 0;
    let above = 0;
    for (const { value, count } of counts.levelsOf(c)) {
      const y = Math.fround(Math.fround(value) * scale + shift);
      if (y < 0) below += count;
      else if (y > 1) above += count;
    }
    below0[c] = below / m.pixels;
    above1[c] = above / m.pixels;
  }
  return { mean: m.mean, variance: m.variance, below0, above1, groups, images: counts.images };
}
