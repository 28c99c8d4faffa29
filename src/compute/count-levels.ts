/**
 * How many of an image's own pixels hold each level, per channel: the one
 * pass over the pixels the numbers need. Batch moments, the normalized
 * statistics, the densities and the unseen shares are all sums over levels
 * weighted by these counts, so they cost the same for a 256 x 256 image as
 * for a 4096 x 4096 one.
 */
import type { GroupLevels, LevelCountsDoc, RgbImage } from '../types.js';
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
  return { counts, n: mask ? countMasked(codes, mask, counts) : countAll(codes, counts) };
}

/**
 * One pass over the pixels, three increments each (three 256 x 256 photos:
 * 0.56 ms, against 0.89 with a pass a channel; two tables for even and odd
 * pixels, to break the waits between increments of one level, gained
 * nothing). Nothing but the loop, and the pixel count taken before it: V8
 * compiles the loop while the first image is counted, before the lines after
 * it have ever run, and when those lines built the result that compiled loop
 * gave up at them at every later call (twice as slow a count, and a
 * deoptimization an image in `--trace-deopt`).
 */
function countAll(codes: RgbImage['codes'], counts: Uint32Array): number {
  const n = codes.length / 3;
  for (let i = 0; i < codes.length; i += 3) {
    counts[codes[i]! * 3]!++;
    counts[codes[i + 1]! * 3 + 1]!++;
    counts[codes[i + 2]! * 3 + 2]!++;
  }
  return n;
}

/**
 * A group's level counts summed over its images: what a run that normalizes
 * each batch by its own statistics sums the dataset's from
 * (fit/level-counts.ts), so its report can set the dataset's statistics
 * beside the batches' without a pass of its own. 6 KB for 8-bit images.
 * @example
 * const levels = groupLevels(images.map(countLevels)); // {images: 3, counts8: Float64Array(768)}
 */
export function groupLevels(counts: readonly LevelCounts[]): GroupLevels {
  const counts8 = new Float64Array(256 * 3);
  let counts16: Float64Array | undefined;
  for (const { counts: c } of counts) {
    const into = c.length === counts8.length ? counts8 : (counts16 ??= new Float64Array(65536 * 3));
    for (let i = 0; i < c.length; ++i) into[i]! += c[i]!;
  }
  return { images: counts.length, counts8, ...(counts16 ? { counts16 } : {}) };
}

/** A group's level counts as JSON keeps them (group.json): per channel, the levels with a count as [level, pixels] pairs. */
export function levelsDoc({ images, counts8, counts16 }: GroupLevels): LevelCountsDoc {
  const pairs = (sum: Float64Array | undefined) => [0, 1, 2].map((ch) => {
    const out: Array<[number, number]> = [];
    if (sum) for (let level = 0, i = ch; i < sum.length; ++level, i += 3) if (sum[i]! > 0) out.push([level, sum[i]!]);
    return out;
  });
  return { images, levels8: pairs(counts8), levels16: pairs(counts16) };
}

/** The other way: a group's level counts read back from its group.json (undefined: it has none, or not as levelsDoc writes them). */
export function groupLevelsOf(doc: LevelCountsDoc | undefined): GroupLevels | undefined {
  if (!doc || !Array.isArray(doc.levels8) || !Array.isArray(doc.levels16)) return undefined;
  const fill = (pairs: Array<Array<[number, number]>>, levels: number) => {
    if (!pairs.some((p) => p?.length)) return undefined;
    const out = new Float64Array(levels * 3);
    pairs.forEach((channel, c) => { for (const [level, n] of channel ?? []) if (level >= 0 && level < levels) out[level * 3 + c] = n; });
    return out;
  };
  const counts16 = fill(doc.levels16, 65536);
  return { images: doc.images, counts8: fill(doc.levels8, 256) ?? new Float64Array(768), ...(counts16 ? { counts16 } : {}) };
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
