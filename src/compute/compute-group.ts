/**
 * One group's compute: normalization, the min-max variant, and per image and
 * channel the statistics and densities of all three. Plain arrays in, plain
 * data out; the caller decodes and writes.
 */
import { basename } from 'node:path';
import { VERSION } from '../version.js';
import { CHANNELS, type DensityOptions, type GroupArrays, type GroupLevels, type GroupStats, type Moment, type NormOptions, type NumberOptions, type RgbImage, type TableImage } from '../types.js';
import { initBackend, type BackendChoice } from './backend.js';
import { countLevels, groupLevels, type LevelCounts } from './count-levels.js';
import { levelTables, tablesRange } from './level-table.js';
import { levelValues, originalValues } from './level-values.js';
import { minMaxTable, minMaxValues } from './min-max.js';
import { channelGroups, normalize, type NormResult } from './normalize.js';
import { valueStats } from './value-stats.js';

export interface ComputeOptions extends NormOptions, DensityOptions {
  backend: BackendChoice;
  /**
   * How the images were decoded, for stats.json to state (computeFiles
   * passes them); absent when the caller decoded the images itself.
   */
  decoded?: Pick<NumberOptions, 'size' | 'fit' | 'background' | 'colorProfile' | 'alpha'>;
}

export interface ComputeResult {
  stats: GroupStats;
  /** The group's level counts summed over its images (a run sums the dataset's from them; see groupLevels). */
  levels: GroupLevels;
  /** The images as levels and tables (original, normalized, min-max scaled): what the figures draw. */
  arrays: GroupArrays;
}

/**
 * @param images equally sized images as levels (see decodeImage)
 * @param files  their paths, in the same order (names go into the statistics)
 * @param onStage hears when the densities and statistics start, after normalization
 * @example
 * const config = loadConfig({ env: {} });
 * const images = await Promise.all(files.map((f) => decodeImage(f, decodeOptions(config))));
 * const { stats, arrays } = await computeGroup(images, files, computeOptions(config)); // the numbers, and what the figures draw
 */
export async function computeGroup(images: RgbImage[], files: string[], options: ComputeOptions, onStage: (stage: 'density') => void = () => {}): Promise<ComputeResult> {
  if (images.length === 0) throw new RangeError('computeGroup: expected at least one image');
  const { width, height } = images[0]!;
  for (const [i, img] of images.entries()) {
    if (img.width !== width || img.height !== height) {
      throw new RangeError(`computeGroup: expected every image ${width}x${height} but ${files[i]} is ${img.width}x${img.height}`);
    }
  }
  const backend = await initBackend(options.backend);
  const counts = images.map((img) => countLevels(img));
  const norm = await normalize(images, options, counts);
  onStage('density');
  const tables = images.map((img, i) => levelTables(counts[i]!, originalValues(img.codes), norm.tables[i]!));
  // One min and max over the whole normalized group (its pixels' levels), as the write-up scales it.
  const range = tablesRange(tables.flatMap((channels) => channels.map(([, normalized]) => normalized)));
  const withValues = (img: RgbImage, values: Float32Array): TableImage => ({ width, height, codes: img.codes, values, ...(img.mask ? { mask: img.mask } : {}) });
  const arrays: GroupArrays = {
    original: images.map((img) => withValues(img, originalValues(img.codes))),
    normalized: images.map((img, i) => withValues(img, norm.tables[i]!)),
    minmax: images.map((img, i) => withValues(img, minMaxValues(norm.tables[i]!, range.min, range.max))),
  };
  const { method, groups, gridSize, bwAdjust } = options;
  // Given statistics bring their own epsilon (0 for a mean and std, a BN
  // layer's own) and may bring gamma and beta (normalize.ts uses them so):
  // stats.json states the numbers used, not the settings they replaced.
  const given = method === 'batch' ? options.normStats : undefined;
  const epsilon = given ? given.epsilon : options.epsilon;
  const gamma = given?.gamma ?? options.gamma;
  const beta = given?.beta ?? options.beta;
  const stats: GroupStats = {
    version: VERSION,
    options: { ...options.decoded, method, epsilon, gamma, beta, groups, gridSize, bwAdjust } as NumberOptions,
    epsilon,
    method,
    backend,
    moments: momentsOf(norm, options, files),
    ...(options.normStats ? { normalizedWith: options.normStats } : method === 'batch' ? { batch: { mean: norm.batchMean, variance: norm.batchVariance } } : {}),
    minmax: range,
    images: images.map((img, i) => ({
      file: basename(files[i]!),
      path: files[i]!,
      channels: CHANNELS.map((channel, c) => {
        const [original, normalized] = tables[i]![c]!;
        return {
          channel,
          original: valueStats(original, options),
          normalized: valueStats(normalized, options),
          minmax: valueStats(minMaxTable(normalized, range.min, range.max), options),
          ...(options.normStats && method === 'batch' ? { ownBatch: ownBatchShares(img, counts[i]!, c, norm, options) } : {}),
        };
      }),
    })),
  };
  return { stats, arrays, levels: groupLevels(counts) };
}

/** The moments the method used, named by what they were taken over. */
function momentsOf(norm: NormResult, options: NormOptions, files: string[]): Moment[] {
  if (options.method === 'batch') {
    // given statistics were taken over something else than this batch: their label says what
    const over = options.normStats ? options.normStats.label : 'N,H,W';
    return CHANNELS.map((channel, c) => ({ channels: [channel], over, mean: norm.mean[c], variance: norm.variance[c] }));
  }
  const groups = channelGroups(options);
  const per = 3 / groups;
  return norm.mean.map((mean, k) => {
    const g = k % groups;
    return {
      image: files[Math.floor(k / groups)],
      channels: CHANNELS.slice(g * per, (g + 1) * per),
      over: per === 1 ? 'H,W' : 'H,W,C',
      mean,
      variance: norm.variance[k],
    };
  });
}

/**
 * The shares below 0 and above 1 of one image's channel under the batch's
 * own statistics, `(x - mean) / sqrt(var + epsilon) * gamma + beta`, with the
 * epsilon, gamma and beta settings (what --stats batch would draw); own
 * pixels only, counted a level at a time.
 */
function ownBatchShares(img: RgbImage, { counts, n }: LevelCounts, c: number, norm: NormResult, options: NormOptions): { below0: number; above1: number } {
  const pick = (v: number | [number, number, number]) => (typeof v === 'number' ? v : v[c]!);
  const scale = pick(options.gamma) / Math.sqrt(norm.batchVariance[c]! + options.epsilon);
  const shift = pick(options.beta) - norm.batchMean[c]! * scale;
  const values = levelValues(img.codes);
  let below = 0;
  let above = 0;
  for (let k = 0, slot = c; k < values.length; ++k, slot += 3) {
    const m = counts[slot]!;
    if (m === 0) continue;
    const y = Math.fround(values[k]! * scale + shift);
    if (y < 0) below += m;
    else if (y > 1) above += m;
  }
  return { below0: n ? below / n : 0, above1: n ? above / n : 0 };
}
