/**
 * One channel's values as (value, count) pairs.
 *
 * Decoded pixels are levels: an 8-bit channel takes at most 256 (65,536 for
 * 16-bit), and every normalization bnviz offers maps a level of one image and
 * channel to one value (normalize.ts). Statistics and densities over the
 * pairs equal those over every pixel, at a fraction of the cost.
 */
import type { LevelCounts } from './count-levels.js';

export interface LevelTable {
  /** Distinct levels' values, in level order. */
  values: Float64Array;
  /** How many pixels hold each value. */
  counts: Float64Array;
  /** Pixels in all. */
  n: number;
}

/** The tables of one channel: original and normalized. */
export type ChannelTables = [LevelTable, LevelTable];

/**
 * Builds each channel's tables from an image's level counts: its used levels
 * in order, the value of each in `original` and in `normalized` (both laid
 * out `[level * 3 + channel]`, as TableImage.values), and its count.
 *
 * @returns one entry a channel (R, G, B)
 */
export function levelTables({ counts, n }: LevelCounts, original: Float32Array, normalized: Float32Array): ChannelTables[] {
  const channels: ChannelTables[] = [];
  for (let channel = 0; channel < 3; ++channel) {
    let used = 0;
    for (let slot = channel; slot < counts.length; slot += 3) if (counts[slot]! > 0) used++;
    const c = new Float64Array(used);
    const o = new Float64Array(used);
    const z = new Float64Array(used);
    for (let slot = channel, k = 0; slot < counts.length; slot += 3) {
      if (counts[slot] === 0) continue;
      c[k] = counts[slot]!;
      o[k] = original[slot]!;
      z[k++] = normalized[slot]!;
    }
    channels.push([{ values: o, counts: c, n }, { values: z, counts: c, n }]);
  }
  return channels;
}

/** The smallest and largest value over tables. */
export function tablesRange(tables: Iterable<LevelTable>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const t of tables) {
    for (const v of t.values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}
