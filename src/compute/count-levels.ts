/**
 * How many of an image's own pixels hold each level, per channel: the one
 * pass over the pixels the numbers need. Batch moments, the normalized
 * statistics, the densities and the unseen shares are all sums over levels
 * weighted by these counts, so they cost the same for a 256 x 256 image as
 * for a 4096 x 4096 one.
 */
import type { LevelCountsDoc, RgbImage } from '../types.js';
import { levelCount } from './level-values.js';

export interface LevelCounts {
  /** `counts[level * 3 + channel]`: pixels of that level in that channel. */
  counts: Uint32Array;
  /** The image's own pixels (letterbox bars, mask 0, are not counted). */
  n: number;
}

/**
 * Counts an image's levels (into a fresh array: 3 KB for 8-bit codes; a
 * buffer kept for the thread would be shared by its two groups in hand,
 * whose computes interleave at each await).
 * @example
 * const counts = countLevels(await decodeImage('a.png', decodeOptions(config))); // each channel's level histogram
 */
export function countLevels(image: RgbImage): LevelCounts {
  const { codes, mask } = image;
  const counts = new Uint32Array(levelCount(codes) * 3);
  if (mask) return { counts, n: countMasked(codes, mask, counts) };
  // one loop a channel: the slot index then stays a plain multiply-add V8 keeps in registers
  for (let c = 0; c < 3; ++c) {
    for (let i = c; i < codes.length; i += 3) counts[codes[i]! * 3 + c]!++;
  }
  return { counts, n: codes.length / 3 };
}

/**
 * A group's level counts summed over its images, as plain data: what a run
 * that normalizes each batch by its own statistics sums the dataset's from
 * (fit/level-counts.ts), so its report can set the dataset's statistics
 * beside the batches' without a pass of its own. About 768 pairs for 8-bit
 * images.
 * @example
 * const levels = groupLevels(counts); // {images: 3, levels8: [[[0, 12], [1, 40], ...], [...], [...]], levels16: [[], [], []]}
 */
export function groupLevels(counts: readonly LevelCounts[]): LevelCountsDoc {
  const sum8 = new Float64Array(256 * 3);
  let sum16: Float64Array | undefined;
  for (const { counts: c } of counts) {
    const into = c.length === sum8.length ? sum8 : (sum16 ??= new Float64Array(65536 * 3));
    for (let i = 0; i < c.length; ++i) into[i]! += c[i]!;
  }
  const pairs = (sum: Float64Array | undefined) => [0, 1, 2].map((ch) => {
    const out: Array<[number, number]> = [];
    if (sum) for (let level = 0, i = ch; i < sum.length; ++level, i += 3) if (sum[i]! > 0) out.push([level, sum[i]!]);
    return out;
  });
  return { images: counts.length, levels8: pairs(sum8), levels16: pairs(sum16) };
}

function countMasked(codes: RgbImage['codes'], mask: Uint8Array, counts: Uint32Array): number {
  let n = 0;
  for (let p = 0, i = 0; p < mask.length; ++p, i += 3) {
    if (!mask[p]) continue;
    n++;
    counts[codes[i]! * 3]!++;
    counts[codes[i + 1]! * 3 + 1]!++;
    counts[codes[i + 2]! * 3 + 2]!++;
  }
  return n;
}
