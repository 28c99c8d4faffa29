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

/** The tables of one channel: original and normalized. */
export type ChannelTables = [LevelTable, LevelTable];

/**
 * Builds the tables of each channel of an image and of its normalized
 * version (derived from it pixel by pixel), in one pass.
 *
 * @param codes the integer levels of `original` (see RgbImage.codes); without
 *              them every pixel is its own entry
 * @returns one entry a channel (R, G, B)
 */
export function levelTables(original: Float32Array, codes: Uint8Array | Uint16Array | undefined, normalized: Float32Array, mask?: Uint8Array): ChannelTables[] {
  if (mask) return maskedTables(original, codes, normalized, mask);
  if (codes && codes.length === original.length) {
    const levels = codes instanceof Uint16Array ? 65536 : 256;
    const counts = new Uint32Array(levels * 3);
    const first = new Int32Array(levels * 3);
    // the normalized value of each slot (level * 3 + channel), kept small and hot
    const valueOf = new Float32Array(levels * 3);
    const unequal = countLevels(codes, normalized, counts, first, valueOf);
    if (unequal === 0) {
      const n = original.length / 3;
      const channels: ChannelTables[] = [];
      for (let channel = 0; channel < 3; ++channel) channels.push(slotTables(channel, counts, first, original, normalized, n));
      return channels;
    }
  }
  return [0, 1, 2].map((channel) => [pixelTable(original, channel), pixelTable(normalized, channel)]);
}

/**
 * Counts each (level, channel) slot, notes its first pixel and normalized
 * value, and returns 1 when two pixels of one slot came out unequal. A small
 * function of its own, one channel at a time: V8 compiles it tight.
 */
function countLevels(codes: Uint8Array | Uint16Array, normalized: Float32Array, counts: Uint32Array, first: Int32Array, valueOf: Float32Array): number {
  let unequal = 0;
  for (let c = 0; c < 3; ++c) {
    for (let j = c; j < codes.length; j += 3) {
      const slot = codes[j] * 3 + c;
      const v = normalized[j];
      if (counts[slot]++ === 0) {
        first[slot] = j;
        valueOf[slot] = v;
      } else unequal |= +(v !== valueOf[slot]);
    }
  }
  return unequal;
}

/**
 * One channel's tables from the counted slots: its used levels in order, the
 * original and normalized value of each (read at its first pixel) and its
 * count. Plain loops, no callback made per call: V8 compiles them once.
 */
function slotTables(channel: number, counts: Uint32Array, first: Int32Array, original: Float32Array, normalized: Float32Array, n: number): ChannelTables {
  let used = 0;
  for (let slot = channel; slot < counts.length; slot += 3) if (counts[slot] > 0) used++;
  const c = new Float64Array(used);
  const o = new Float64Array(used);
  const z = new Float64Array(used);
  for (let slot = channel, k = 0; slot < counts.length; slot += 3) {
    if (counts[slot] === 0) continue;
    const j = first[slot];
    c[k] = counts[slot];
    o[k] = original[j];
    z[k++] = normalized[j];
  }
  return [{ values: o, counts: c, n }, { values: z, counts: c, n }];
}

/**
 * The tables of the pixels whose mask is 1 (letterbox bars left out): the
 * same tables, built from those pixels alone.
 */
function maskedTables(original: Float32Array, codes: Uint8Array | Uint16Array | undefined, normalized: Float32Array, mask: Uint8Array): ChannelTables[] {
  let kept = 0;
  for (const m of mask) kept += m;
  const pick = <T extends Float32Array | Uint8Array | Uint16Array>(a: T, make: (n: number) => T): T => {
    const out = make(kept * 3);
    for (let p = 0, k = 0; p < mask.length; ++p) {
      if (mask[p]) out.set(a.subarray(p * 3, p * 3 + 3), 3 * k++);
    }
    return out;
  };
  const keptCodes = codes && codes.length === original.length
    ? pick(codes, (n) => (codes instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n)) as typeof codes)
    : undefined;
  return levelTables(pick(original, (n) => new Float32Array(n)), keptCodes, pick(normalized, (n) => new Float32Array(n)));
}

/** The fallback: one entry a pixel. */
function pixelTable(a: Float32Array, channel: number): LevelTable {
  const n = a.length / 3;
  const values = new Float64Array(n);
  for (let i = 0, j = channel; i < n; ++i, j += 3) values[i] = a[j];
  return { values, counts: new Float64Array(n).fill(1), n };
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
