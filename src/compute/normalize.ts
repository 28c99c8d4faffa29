/**
 * Normalization of one group, as a table: each level's normalized value.
 *
 * batch     Keras BatchNormalization in training mode (the write-up's
 *           `model(imgs, training=True)`): per channel, the mean and the
 *           biased variance over N, H, W; then
 *           `(x - mean) / sqrt(var + epsilon) * gamma + beta`
 *           (keras/layers/normalization/batch_normalization.py via
 *           tf.nn.batch_normalization; epsilon default 1e-3).
 * instance  per image and channel, over H, W (Ulyanov et al. 2016).
 * layer     per image, over H, W, C (Ba et al. 2016, as Wu & He 2018 draw it
 *           for images; note Keras's LayerNormalization defaults to the last
 *           axis only).
 * group     per image, over H, W and each of `groups` channel groups
 *           (Wu & He 2018); 1 group is layer, 3 groups instance.
 *
 * Every method maps a pixel's value through an affine function of its
 * channel (and, but for batch, of its image), and a value is a level
 * (level-values.ts). So the moments are taken over the level counts, in
 * float64 and exactly (two-pass, as numpy's `var`), and tfjs applies the
 * same op Keras does, `tf.batchNorm`, to a tensor of the levels,
 * `[levels, 3]`, instead of `[N, H, W, 3]`: 768 values for 8-bit images
 * whatever their size. test/table-normalize.test.ts checks the tables
 * against tfjs on the whole tensor, method by method.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { NormOptions, RgbImage } from '../types.js';
import { requireCjs } from '../util/require-cjs.js';
import { countLevels, type LevelCounts } from './count-levels.js';
import { levelValues, originalValues } from './level-values.js';

const tf = requireCjs('@tensorflow/tfjs-core') as typeof TF;

export interface NormResult {
  /**
   * Per image, the normalized value of each level, `tables[i][level * 3 + c]`
   * (float32, as tfjs computes it); images normalized alike (batch, one
   * depth) share one array.
   */
  tables: Float32Array[];
  /**
   * The means and biased variances the method used, one per set of values
   * normalized together: for batch, one per channel (over N, H, W); for the
   * others, per image (image-major) one per channel group (instance: 3,
   * layer: 1, group: `groups`), over H, W and the group's channels.
   */
  mean: number[];
  variance: number[];
  /** Per channel mean and biased variance over N, H, W, whichever the method (what batch norm uses). */
  batchMean: number[];
  batchVariance: number[];
}

/**
 * Normalizes a group of images, of one size or not, 8- or 16-bit or both.
 * @param counts each image's level counts, when the caller has them (countLevels)
 * @example
 * const { tables, mean, variance } = await normalize(images, computeOptions(config)); // each level's normalized value, per image
 */
export async function normalize(images: RgbImage[], options: NormOptions, counts: LevelCounts[] = images.map((img) => countLevels(img))): Promise<NormResult> {
  const parts = images.map((img, i) => ({ counts: counts[i]!.counts, values: levelValues(img.codes) }));
  const gamma = perChannel(options.gamma);
  const beta = perChannel(options.beta);
  const batch = [0, 1, 2].map((c) => momentsOver(parts, [c]));
  const batchMean = batch.map((m) => m.mean);
  const batchVariance = batch.map((m) => m.variance);
  if (options.method === 'batch') {
    // given statistics (--stats): a trained model at inference time, or Normalize(mean, std)
    const g = options.normStats;
    const [mean, variance] = g ? [[...g.mean], [...g.variance]] : [batchMean, batchVariance];
    const apply = g ? { gamma: g.gamma ?? gamma, beta: g.beta ?? beta, epsilon: g.epsilon } : { gamma, beta, epsilon: options.epsilon };
    // one table a depth present (a group may mix 8- and 16-bit images)
    const byDepth = new Map<number, Float32Array>();
    const tables = images.map((img) => {
      const key = levelValues(img.codes).length;
      let table = byDepth.get(key);
      if (!table) byDepth.set(key, (table = batchNormTable(originalValues(img.codes), mean, variance, apply.gamma, apply.beta, apply.epsilon)));
      return table;
    });
    return { tables, mean, variance, batchMean, batchVariance };
  }
  const groups = channelGroups(options);
  const per = 3 / groups;
  const mean: number[] = [];
  const variance: number[] = [];
  const tables = images.map((img, i) => {
    // the image's moments a channel group, then each channel given its group's
    const own = Array.from({ length: groups }, (_, g) => momentsOver([parts[i]!], Array.from({ length: per }, (_, k) => g * per + k)));
    for (const m of own) mean.push(m.mean), variance.push(m.variance);
    const channel = (c: number) => own[Math.floor(c / per)]!;
    return batchNormTable(originalValues(img.codes), [0, 1, 2].map((c) => channel(c).mean), [0, 1, 2].map((c) => channel(c).variance), gamma, beta, options.epsilon);
  });
  return { tables, mean, variance, batchMean, batchVariance };
}

/** The channel groups a method normalizes together, per image (batch: one set per channel over the whole batch). */
export function channelGroups(options: Pick<NormOptions, 'method' | 'groups'>): number {
  return options.method === 'instance' || options.method === 'batch' ? 3 : options.method === 'layer' ? 1 : options.groups;
}

/**
 * `tf.batchNorm` of every level: `values` is `[levels, 3]` (originalValues),
 * the result the normalized value of each level a channel, in the same layout.
 */
function batchNormTable(values: Float32Array, mean: number[], variance: number[], gamma: number[], beta: number[], epsilon: number): Float32Array {
  // The tidy returns the tensor, not the table: tfjs walks what a tidy
  // returns for tensors, key by key (for...in), which for a table of 768
  // numbers (196,608 for 16-bit images) cost more than the normalization.
  const out = tf.tidy(() => {
    const x = tf.tensor2d(values, [values.length / 3, 3]);
    return tf.batchNorm(x, tf.tensor1d(mean), tf.tensor1d(variance), tf.tensor1d(beta), tf.tensor1d(gamma), epsilon);
  });
  try {
    // a copy: a backend may hand out its own buffer, which dispose() frees
    return Float32Array.from(out.dataSync() as Float32Array);
  } finally {
    out.dispose();
  }
}

/**
 * Mean and biased variance of the values in `channels` of every part, from
 * the level counts: two passes in float64, as numpy's `mean` and `var` over
 * the pixels. Each product count x value is exact (a float32 value has 24
 * significant bits, a count under 2^29 adds at most 29), so the sums round
 * only once a level, where a float32 sum over 200,000 pixels would drift.
 */
function momentsOver(parts: Array<{ counts: Uint32Array; values: Float32Array }>, channels: number[]): { mean: number; variance: number } {
  let n = 0;
  let sum = 0;
  for (const { counts, values } of parts) {
    for (const c of channels) {
      for (let k = 0, slot = c; k < values.length; ++k, slot += 3) {
        const m = counts[slot]!;
        if (m === 0) continue;
        n += m;
        sum += m * values[k]!;
      }
    }
  }
  const mean = sum / n;
  let ss = 0;
  for (const { counts, values } of parts) {
    for (const c of channels) {
      for (let k = 0, slot = c; k < values.length; ++k, slot += 3) {
        const m = counts[slot]!;
        if (m === 0) continue;
        const d = values[k]! - mean;
        ss += m * d * d;
      }
    }
  }
  return { mean, variance: ss / n };
}

function perChannel(v: number | [number, number, number]): number[] {
  return typeof v === 'number' ? [v, v, v] : [...v];
}
