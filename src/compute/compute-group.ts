/**
 * One group's compute: normalization, the min-max variant, and per image and
 * channel the statistics and densities of all three. Plain arrays in, plain
 * data out; the caller decodes and writes.
 */
import { basename } from 'node:path';
import { CHANNELS, type DensityOptions, type GroupArrays, type GroupStats, type NormOptions, type RgbImage } from '../types.js';
import { initBackend, type BackendChoice } from './backend.js';
import { minMaxScale } from './min-max.js';
import { normalize } from './normalize.js';
import { levelTables } from './level-table.js';
import { valueStats } from './value-stats.js';

export interface ComputeOptions extends NormOptions, DensityOptions {
  backend: BackendChoice;
}

export interface ComputeTimings {
  normalizeMs: number;
  statsMs: number;
}

export interface ComputeResult {
  stats: GroupStats;
  arrays: GroupArrays;
  timings: ComputeTimings;
}

/**
 * @param images equally sized RGB images in [0, 1] (see decodeImage)
 * @param files  their paths, in the same order (names go into the statistics)
 */
export async function computeGroup(images: RgbImage[], files: string[], options: ComputeOptions): Promise<ComputeResult> {
  if (images.length === 0) throw new RangeError('computeGroup: expected at least one image');
  const { width, height } = images[0];
  for (const [i, img] of images.entries()) {
    if (img.width !== width || img.height !== height) {
      throw new RangeError(`computeGroup: expected every image ${width}x${height} but ${files[i]} is ${img.width}x${img.height}`);
    }
  }
  const backend = await initBackend(options.backend);
  const t0 = performance.now();
  const norm = await normalize(images, options);
  const mm = minMaxScale(norm.normalized);
  const t1 = performance.now();
  const wrap = (data: Float32Array): RgbImage => ({ width, height, data });
  const arrays: GroupArrays = {
    original: images,
    normalized: norm.normalized.map(wrap),
    minmax: mm.scaled.map(wrap),
  };
  const stats: GroupStats = {
    epsilon: options.epsilon,
    method: options.method,
    backend,
    batch: { mean: norm.batchMean, variance: norm.batchVariance },
    minmax: { min: mm.min, max: mm.max },
    images: images.map((img, i) => {
      const tables = levelTables(img.data, norm.normalized[i], mm.scaled[i], img.levels ?? 0);
      return {
      file: basename(files[i]),
      path: files[i],
      channels: CHANNELS.map((channel, c) => {
        const [original, normalized, minmax] = tables[c];
        return {
          channel,
          original: valueStats(original, options),
          normalized: valueStats(normalized, options),
          minmax: valueStats(minmax, options),
        };
      }),
      };
    }),
  };
  return { stats, arrays, timings: { normalizeMs: t1 - t0, statsMs: performance.now() - t1 } };
}
