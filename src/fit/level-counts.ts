/**
 * Exact per-channel statistics of many images by counting levels: each
 * channel's integer codes (256 for 8-bit sources, 65,536 for 16-bit) are
 * counted, and the moments are taken over the counts. Counts are integers, so
 * they add up exactly in any order, across threads and machines, and the
 * memory is the same whatever the number of images.
 */
import type { GroupLevels, LevelCountsDoc, RgbImage } from '../types.js';

export type { LevelCountsDoc } from '../types.js';

export interface ChannelMoments {
  /** Per channel (R, G, B), values in [0, 1]: a code divided by 255 (or 65535 for 16-bit sources). */
  mean: [number, number, number];
  /** Population variance (numpy's `var`, ddof 0). */
  variance: [number, number, number];
  std: [number, number, number];
  /** Pixels counted per channel (letterbox bars are not). */
  pixels: number;
}

const CHANNELS = [0, 1, 2] as const;

export class LevelCounts {
  images = 0;
  private readonly counts8 = CHANNELS.map(() => new Float64Array(256));
  private counts16?: Float64Array[];

  /** Counts one decoded image's codes (its own pixels only, under a letterbox mask). */
  add(image: RgbImage, file = 'image'): void {
    const { codes, mask } = image;
    if (!codes) throw new Error(`${file}: no integer codes to count (the values are not quantized)`);
    const counts = codes instanceof Uint16Array ? (this.counts16 ??= CHANNELS.map(() => new Float64Array(65536))) : this.counts8;
    const [r, g, b] = counts as [Float64Array, Float64Array, Float64Array];
    const n = image.width * image.height;
    for (let p = 0, i = 0; p < n; p++, i += 3) {
      if (mask && mask[p] === 0) continue;
      r[codes[i]!]++;
      g[codes[i + 1]!]++;
      b[codes[i + 2]!]++;
    }
    this.images++;
  }

  /** Adds a group's summed counts (compute/count-levels.ts groupLevels), in place. */
  addGroup(g: GroupLevels): void {
    this.images += g.images;
    const into = (counts: Float64Array[], from: Float64Array) => {
      for (let level = 0, i = 0; i < from.length; ++level, i += 3) {
        counts[0]![level]! += from[i]!;
        counts[1]![level]! += from[i + 1]!;
        counts[2]![level]! += from[i + 2]!;
      }
    };
    into(this.counts8, g.counts8);
    if (g.counts16) into((this.counts16 ??= CHANNELS.map(() => new Float64Array(65536))), g.counts16);
  }

  /** Adds counts given as plain data (a fit job's), in place. */
  addDoc(doc: LevelCountsDoc): void {
    this.images += doc.images;
    for (const c of CHANNELS) {
      const into8 = this.counts8[c]!;
      for (const [code, n] of doc.levels8[c] ?? []) into8[code]! += n;
      const pairs16 = doc.levels16[c] ?? [];
      if (pairs16.length === 0) continue;
      const into16 = (this.counts16 ??= CHANNELS.map(() => new Float64Array(65536)))[c]!;
      for (const [code, n] of pairs16) into16[code]! += n;
    }
  }

  merge(other: LevelCounts): void {
    this.images += other.images;
    for (const c of CHANNELS) add(this.counts8[c]!, other.counts8[c]!);
    if (other.counts16) {
      this.counts16 ??= CHANNELS.map(() => new Float64Array(65536));
      for (const c of CHANNELS) add(this.counts16[c]!, other.counts16[c]!);
    }
  }

  /**
   * Mean, variance and std per channel. The mean is a sum of integers (exact)
   * divided once; the variance sums count x (value - mean)^2 over the levels,
   * in float64, as numpy's two-pass `var` does over the pixels.
   */
  moments(): ChannelMoments {
    const levels = CHANNELS.map((c) => this.levelsOf(c));
    const pixels = levels[0]!.reduce((s, l) => s + l.count, 0);
    const mean = levels.map((ls) => ls.reduce((s, l) => s + l.count * l.value, 0) / pixels);
    const variance = levels.map((ls, c) => ls.reduce((s, l) => s + l.count * (l.value - mean[c]!) ** 2, 0) / pixels);
    return {
      mean: mean as ChannelMoments['mean'],
      variance: variance as ChannelMoments['variance'],
      std: variance.map(Math.sqrt) as ChannelMoments['std'],
      pixels,
    };
  }

  toJSON(): LevelCountsDoc {
    const pairs = (counts: Float64Array) => Array.from(counts.entries()).filter(([, n]) => n > 0) as Array<[number, number]>;
    return { images: this.images, levels8: this.counts8.map(pairs), levels16: this.counts16?.map(pairs) ?? [[], [], []] };
  }

  /**
   * The counts as flat `field, count` pairs for a Redis hash (HINCRBY adds
   * integers exactly): the field is `<bits>:<channel>:<code>`, `8:0:17` or
   * `16:2:40000`. Only levels with a count.
   */
  toFields(): string[] {
    const out: string[] = [];
    const put = (bits: number, counts: Float64Array[] | undefined) => counts?.forEach((channel, c) => {
      for (let code = 0; code < channel.length; code++) if (channel[code]! > 0) out.push(`${bits}:${c}:${code}`, String(channel[code]));
    });
    put(8, this.counts8);
    put(16, this.counts16);
    return out;
  }

  /** Counts read back from such a hash (`images` is kept apart); throws naming a field that is not a level. */
  static fromFields(fields: Record<string, string>, images: number): LevelCounts {
    const counts = new LevelCounts();
    counts.images = images;
    for (const [field, value] of Object.entries(fields)) {
      const m = /^(8|16):([012]):(\d{1,5})$/.exec(field);
      const n = Number(value);
      const code = m ? Number(m[3]) : NaN;
      if (!m || !Number.isSafeInteger(n) || n < 0 || code >= (m[1] === '8' ? 256 : 65536)) throw new Error(`not a level count: ${field} = ${value}`);
      const table = m[1] === '8' ? counts.counts8 : (counts.counts16 ??= CHANNELS.map(() => new Float64Array(65536)));
      table[Number(m[2])]![code] = n;
    }
    return counts;
  }

  static fromJSON(doc: LevelCountsDoc): LevelCounts {
    const counts = new LevelCounts();
    counts.addDoc(doc);
    return counts;
  }

  /** The levels with a count, as values in [0, 1]: 8-bit codes / 255, 16-bit codes / 65535 (float64). */
  levelsOf(c: number): Array<{ value: number; count: number }> {
    const out: Array<{ value: number; count: number }> = [];
    const take = (counts: Float64Array | undefined, max: number) => {
      if (!counts) return;
      for (let code = 0; code < counts.length; code++) if (counts[code]! > 0) out.push({ value: code / max, count: counts[code]! });
    };
    take(this.counts8[c], 255);
    take(this.counts16?.[c], 65535);
    return out;
  }
}

function add(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += from[i]!;
}
