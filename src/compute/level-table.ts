/**
 * One channel's values as (value, count) pairs.
 *
 * Decoded pixels are quantized: an 8-bit channel takes at most 256 levels
 * (65,536 for 16-bit). Every normalization bnviz offers maps equal inputs of
 * one image and channel to equal outputs, so the normalized and the min-max
 * values take at most as many distinct values as the original. Statistics and
 * densities over the pairs equal those over every pixel, at a fraction of the
 * cost. Where that does not hold (unquantized input, or two equal inputs that
 * came out unequal), the table falls back to one entry a pixel.
 */
export interface LevelTable {
  /** Distinct values (one a pixel in the fallback). */
  values: Float64Array;
  /** How many pixels hold each value. */
  counts: Float64Array;
  /** Pixels in all. */
  n: number;
}

/** The tables of one channel: original, normalized, min-max scaled. */
export type ChannelTables = [LevelTable, LevelTable, LevelTable];

/**
 * Builds the tables of each channel of an image and of two versions derived
 * from it pixel by pixel (the normalized and the min-max values), in one pass.
 *
 * @param levels 256 for 8-bit input, 65536 for 16-bit, 0 when not quantized
 * @returns one entry a channel (R, G, B)
 */
export function levelTables(original: Float32Array, normalized: Float32Array, scaled: Float32Array, levels: number): ChannelTables[] {
  if (levels > 0) {
    const top = levels - 1;
    const counts = new Float64Array(levels * 3);
    const first = new Int32Array(levels * 3).fill(-1);
    let consistent = true;
    for (let p = 0; p < original.length; p += 3) {
      for (let c = 0; c < 3; ++c) {
        const j = p + c;
        const slot = ((original[j] * top + 0.5) | 0) * 3 + c; // level * 3 + channel
        const f = first[slot];
        if (f < 0) first[slot] = j;
        // scaled is a function of normalized alone, so checking normalized covers both
        else if (normalized[j] !== normalized[f]) consistent = false;
        counts[slot]++;
      }
    }
    if (consistent) {
      const n = original.length / 3;
      return [0, 1, 2].map((channel) => {
        const used: number[] = [];
        for (let slot = channel; slot < counts.length; slot += 3) if (counts[slot] > 0) used.push(slot);
        const c = Float64Array.from(used, (slot) => counts[slot]);
        const table = (a: Float32Array): LevelTable => ({ values: Float64Array.from(used, (slot) => a[first[slot]]), counts: c, n });
        return [table(original), table(normalized), table(scaled)];
      });
    }
  }
  return [0, 1, 2].map((channel) => [pixelTable(original, channel), pixelTable(normalized, channel), pixelTable(scaled, channel)]);
}

/** The fallback: one entry a pixel. */
function pixelTable(a: Float32Array, channel: number): LevelTable {
  const n = a.length / 3;
  const values = new Float64Array(n);
  for (let i = 0, j = channel; i < n; ++i, j += 3) values[i] = a[j];
  return { values, counts: new Float64Array(n).fill(1), n };
}
