/**
 * The reference the level tables are checked against: normalization applied
 * by tfjs to the whole group as one tensor, [N, H, W, 3], one float a value,
 * with its moments summed in float32 by tfjs (staged, then float64), as bnviz
 * normalized before it normalized levels. Letterbox bars (mask 0) are
 * normalized with the rest and count in no moment.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { NormOptions } from '../../src/types.js';
import { channelGroups } from '../../src/compute/normalize.js';
import { requireCjs } from '../../src/util/require-cjs.js';

const tf = requireCjs('@tensorflow/tfjs-core') as typeof TF;

/** An image as one float a value, as a model's input tensor holds it. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
  mask?: Uint8Array;
}

export interface TensorNormResult {
  /** One normalized image per input, same shape. */
  normalized: Float32Array[];
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

/** Normalizes a group of equally sized images; the inputs are left untouched. */
export async function tensorNormalize(images: FloatImage[], options: NormOptions): Promise<TensorNormResult> {
  const { width, height } = images[0];
  const n = images.length;
  const pixels = height * width * 3;
  const flat = new Float32Array(n * pixels);
  images.forEach((img, i) => flat.set(img.data, i * pixels));

  const x = tf.tensor4d(flat, [n, height, width, 3]);
  // letterbox bars (RgbImage.mask) are normalized with the rest but count in no moment
  const weights = images.some((img) => img.mask) ? maskWeights(images) : undefined;
  try {
    const gamma = perChannel(options.gamma);
    const beta = perChannel(options.beta);
    const { mean: batchMean, variance: batchVariance } = await batchMoments(x, weights);
    if (options.method === 'batch' && options.normStats) {
      // given statistics (--stats): a trained model at inference time, or Normalize(mean, std)
      const g = options.normStats;
      const out = tf.tidy(() => tf.batchNorm(x, tf.tensor1d(g.mean), tf.tensor1d(g.variance), tf.tensor1d(g.beta ?? beta), tf.tensor1d(g.gamma ?? gamma), g.epsilon));
      return { normalized: await imagesOf(out, n, pixels), mean: [...g.mean], variance: [...g.variance], batchMean, batchVariance };
    }
    if (options.method === 'batch') {
      const out = tf.tidy(() => tf.batchNorm(x, tf.tensor1d(batchMean), tf.tensor1d(batchVariance), tf.tensor1d(beta), tf.tensor1d(gamma), options.epsilon));
      return { normalized: await imagesOf(out, n, pixels), mean: batchMean, variance: batchVariance, batchMean, batchVariance };
    }
    const groups = channelGroups(options);
    const [out, m, v] = tf.tidy(() => {
      const g = tf.reshape(x, [n, height, width, groups, 3 / groups]);
      const m = weights ? weightedMoments(g, tf.tensor5d(weights, [n, height, width, 1, 1])) : moments(g, [1, 2, 4]);
      const z = tf.mul(tf.sub(g, m.mean), tf.rsqrt(tf.add(m.variance, options.epsilon)));
      return [tf.add(tf.mul(tf.reshape(z, [n, height, width, 3]), tf.tensor1d(gamma)), tf.tensor1d(beta)), m.mean, m.variance];
    });
    const [mean, variance] = [Array.from(await m.data()), Array.from(await v.data())];
    tf.dispose([m, v]);
    return { normalized: await imagesOf(out, n, pixels), mean, variance, batchMean, batchVariance };
  } finally {
    x.dispose();
  }
}

/** The images of a normalized batch, as views into one buffer (no copy per image); disposes the tensor. */
async function imagesOf(out: TF.Tensor, n: number, pixels: number): Promise<Float32Array[]> {
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return Array.from({ length: n }, (_, i) => data.subarray(i * pixels, (i + 1) * pixels));
}

/**
 * Per channel mean and biased variance over N, H, W (what batch norm uses).
 *
 * Each image row is summed by a batched matMul with ones (sums of x and of
 * x^2 over W, 256 values each: float32 stays exact to ~1e-7 there), and the
 * few hundred row sums are added in float64. One float32 sum over all 200,000
 * values of a channel would drift to ~1e-4 relative; a reduction over
 * non-innermost axes would also cost a transpose of the whole batch.
 * var = E[x^2] - mean^2 is formed in float64; for pixel data (values in
 * [0, 1]) it agrees with the two-pass float64 variance to ~1e-6 relative.
 */
async function batchMoments(x: TF.Tensor4D, weights?: Float32Array): Promise<{ mean: number[]; variance: number[] }> {
  const [n, height, width] = x.shape;
  const [s1, s2] = tf.tidy(() => {
    const rows = tf.reshape(x, [n * height, width, 3]);
    // a row of weights: ones, or the mask (0 leaves a letterbox pixel out of the sums)
    const ones = weights ? tf.tensor3d(weights, [n * height, 1, width]) : tf.ones([n * height, 1, width]);
    return [tf.matMul(ones, rows), tf.matMul(ones, tf.square(rows))];
  });
  const [sums, squares] = [(await s1.data()) as Float32Array, (await s2.data()) as Float32Array];
  tf.dispose([s1, s2]);
  const count = weights ? weights.reduce((a, b) => a + b, 0) : n * height * width;
  const mean = [0, 0, 0];
  const meanSq = [0, 0, 0];
  for (let i = 0; i < sums.length; ++i) {
    mean[i % 3] += sums[i];
    meanSq[i % 3] += squares[i];
  }
  for (let c = 0; c < 3; ++c) {
    mean[c] /= count;
    meanSq[c] /= count;
  }
  return { mean, variance: mean.map((m, c) => Math.max(0, meanSq[c] - m * m)) };
}

/**
 * Mean and biased variance over `axes` (instance, layer and group norm), keeping dims. Reduces the last image
 * axis (W) first and the rest after, so float32 sums run over a few hundred
 * values at a time rather than 200,000: the batch statistics then agree with
 * float64 to about 1e-7 relative, where one long float32 sum drifts to 1e-5.
 */
function moments(x: TF.Tensor, axes: number[]): { mean: TF.Tensor; variance: TF.Tensor } {
  const mean = stagedMean(x, axes);
  const variance = stagedMean(tf.squaredDifference(x, mean), axes);
  return { mean, variance };
}

/**
 * Mean and biased variance of `g` ([n, h, w, groups, channels a group]) per
 * image and group over the pixels whose weight `m` ([n, h, w, 1, 1]) is 1;
 * staged over W first, as stagedMean.
 */
function weightedMoments(g: TF.Tensor, m: TF.Tensor): { mean: TF.Tensor; variance: TF.Tensor } {
  const sum = (t: TF.Tensor) => tf.sum(tf.sum(t, 2, true), [1, 4], true);
  const count = tf.mul(tf.sum(m, [1, 2], true), g.shape[4]!);
  const mean = tf.div(sum(tf.mul(g, m)), count);
  const variance = tf.div(sum(tf.mul(tf.squaredDifference(g, mean), m)), count);
  return { mean, variance };
}

/** One weight a pixel of the batch: an image's mask, or 1 for an image without one. */
function maskWeights(images: FloatImage[]): Float32Array {
  const pixels = images[0].width * images[0].height;
  const out = new Float32Array(images.length * pixels).fill(1);
  images.forEach((img, i) => {
    if (img.mask) out.set(img.mask, i * pixels);
  });
  return out;
}

function stagedMean(x: TF.Tensor, axes: number[]): TF.Tensor {
  const w = 2; // the W axis, present in every reduction bnviz makes
  const rest = axes.filter((a) => a !== w);
  return tf.mean(tf.mean(x, w, true), rest, true);
}

function perChannel(v: number | [number, number, number]): number[] {
  return typeof v === 'number' ? [v, v, v] : [...v];
}

/**
 * Per image, each channel's mean and biased variance as `method` takes them,
 * summed plainly over the pixels in float64, two-pass (numpy's `mean` and
 * `var`); letterbox bars left out. Batch moments are the same for every image.
 */
export function pixelMoments64(images: FloatImage[], method: NormOptions['method'], groups: number): { mean: number[][]; variance: number[][] } {
  const sets = (i: number, c: number): string => (method === 'batch' ? `c${c}` : method === 'layer' || (method === 'group' && groups === 1) ? `i${i}` : `i${i}c${c}`);
  const sum = new Map<string, { n: number; s: number; ss: number }>();
  const each = (fn: (key: string, v: number) => void) => images.forEach((img, i) => {
    for (let p = 0; p < img.width * img.height; p++) {
      if (img.mask && !img.mask[p]) continue;
      for (let c = 0; c < 3; c++) fn(sets(i, c), img.data[p * 3 + c]!);
    }
  });
  each((key, v) => {
    const e = sum.get(key) ?? { n: 0, s: 0, ss: 0 };
    e.n++;
    e.s += v;
    sum.set(key, e);
  });
  each((key, v) => {
    const e = sum.get(key)!;
    e.ss += (v - e.s / e.n) ** 2;
  });
  const of = (i: number, c: number) => sum.get(sets(i, c))!;
  return {
    mean: images.map((_, i) => [0, 1, 2].map((c) => of(i, c).s / of(i, c).n)),
    variance: images.map((_, i) => [0, 1, 2].map((c) => of(i, c).ss / of(i, c).n)),
  };
}

/**
 * tf.batchNorm applied to each whole image, [H, W, 3], with the given
 * per-channel moments of that image: every pixel, bars included.
 */
export function tensorBatchNorm(images: FloatImage[], mean: number[][], variance: number[][], gamma: number[], beta: number[], epsilon: number): Float32Array[] {
  return images.map((img, i) => tf.tidy(() => {
    const x = tf.tensor3d(img.data, [img.height, img.width, 3]);
    const out = tf.batchNorm(x, tf.tensor1d(mean[i]!), tf.tensor1d(variance[i]!), tf.tensor1d(beta), tf.tensor1d(gamma), epsilon);
    return Float32Array.from(out.dataSync() as Float32Array);
  }));
}
