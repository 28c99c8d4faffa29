/**
 * The figure tests' input, independent of the compute core: the reference
 * statistics (matplotlib/seaborn's own numbers, copied to fixtures/figures)
 * and the example images decoded with sharp and batch-normalized by hand
 * (Keras training mode: per-channel mean and biased variance over N, H, W;
 * epsilon 1e-3). The min-max variant is one affine map over the group, so its
 * statistics and densities follow exactly from the normalized ones.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { FigureInput } from '../../src/figure/index.js';
import type { GroupStats, RgbImage, ValueStats } from '../../src/types.js';

/** Tests run from the package root. */
export const FIXTURES = resolve('test', 'fixtures', 'figures');
const EXAMPLES = resolve('examples');

type ReferenceStats = Pick<GroupStats, 'epsilon'> & { batch: NonNullable<GroupStats['batch']> } & {
  images: Array<{ file: string; channels: Array<{ channel: 'R' | 'G' | 'B'; original: ValueStats; normalized: ValueStats }> }>;
};

async function decode(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, codes: new Uint8Array(data) };
}

/** A table of 8-bit levels (`[level * 3 + c]`) made by `f(level / 255 as float32, c)`, rounded to float32. */
function levelTable(f: (x: number, c: number) => number): Float32Array {
  const out = new Float32Array(256 * 3);
  for (let k = 0; k < 256; k++) for (let c = 0; c < 3; c++) out[k * 3 + c] = f(Math.fround(k / 255), c);
  return out;
}

/** Batch norm as a table of the levels, with the moments summed over every pixel in float64. */
function batchNorm(images: RgbImage[], epsilon: number): Float32Array {
  const sum = [0, 0, 0], sq = [0, 0, 0];
  let n = 0;
  for (const img of images) {
    for (let i = 0; i < img.codes.length; i += 3) for (let c = 0; c < 3; c++) { const x = Math.fround(img.codes[i + c]! / 255); sum[c]! += x; sq[c]! += x ** 2; }
    n += img.codes.length / 3;
  }
  const mean = sum.map((s) => s / n);
  const inv = sq.map((s, c) => 1 / Math.sqrt(s / n - mean[c]! ** 2 + epsilon));
  return levelTable((x, c) => (x - mean[c]!) * inv[c]!);
}

/** The statistics of a + b * v, given those of v (b > 0). */
function affine(s: ValueStats, a: number, b: number): ValueStats {
  return {
    min: a + b * s.min, max: a + b * s.max, mean: a + b * s.mean, std: b * s.std, bandwidth: b * s.bandwidth,
    // Every min-max scaled value lies in [0, 1].
    below0: 0, above1: 0,
    density: { x: s.density.x.map((v) => a + b * v), y: s.density.y.map((v) => v / b) },
  };
}

let cached: Promise<FigureInput> | undefined;

/** The three example images with the reference statistics; made once per test process. */
export function exampleInput(): Promise<FigureInput> {
  cached ??= (async () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, '..', 'reference', 'stats.json'), 'utf8')) as ReferenceStats;
    const images = await Promise.all(ref.images.map((im) => decode(join(EXAMPLES, im.file))));
    const table = batchNorm(images, ref.epsilon);
    let min = Infinity, max = -Infinity;
    for (const img of images) for (let i = 0; i < img.codes.length; i++) { const v = table[img.codes[i]! * 3 + (i % 3)]!; if (v < min) min = v; if (v > max) max = v; }
    const b = 1 / (max - min), a = -min * b;
    const scaled = table.map((v) => a + b * v);
    const original = images.map((img) => ({ ...img, values: levelTable((x) => x) }));
    const normalized = images.map((img) => ({ ...img, values: table }));
    const minmax = images.map((img) => ({ ...img, values: scaled }));
    const stats: GroupStats = {
      version: 'reference',
      options: { size: 256, fit: 'cover', background: '#000000', colorProfile: 'ignore', method: 'batch', epsilon: ref.epsilon, gamma: 1, beta: 0, groups: 1, gridSize: 200, bwAdjust: 1 },
      moments: [],
      epsilon: ref.epsilon, method: 'batch', backend: 'reference', batch: ref.batch, minmax: { min, max },
      images: ref.images.map((im) => ({ file: im.file, channels: im.channels.map((c) => ({ ...c, minmax: affine(c.normalized, a, b) })) })),
    };
    return { stats, arrays: { original, normalized, minmax } };
  })();
  return cached;
}

/** A group of `n` taken from the examples in turn (layout tests of sizes 1 to 6). */
export async function exampleInputOf(n: number): Promise<FigureInput> {
  const full = await exampleInput();
  const pick = <T>(list: T[]) => Array.from({ length: n }, (_, i) => list[i % list.length]!);
  return {
    stats: { ...full.stats, images: pick(full.stats.images) },
    arrays: { original: pick(full.arrays.original), normalized: pick(full.arrays.normalized), minmax: pick(full.arrays.minmax) },
  };
}
