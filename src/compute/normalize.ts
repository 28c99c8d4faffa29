/**
 * Normalization of one group, in tfjs.
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
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { NormOptions, RgbImage } from '../types.js';
import { requireCjs } from '../util/require-cjs.js';

const tf = requireCjs('@tensorflow/tfjs-core') as typeof TF;

export interface NormResult {
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
export async function normalize(images: RgbImage[], options: NormOptions): Promise<NormResult> {
  const { width, height } = images[0];
  const n = images.length;
  const pixels = height * width * 3;
  // The wasm backend copies the values into its heap at once, so a buffer reused
  // from group to group is free again right after tensor4d; the cpu backend
  // keeps the array itself, so it gets a fresh one.
  const flat = tf.getBackend() === 'wasm' ? scratch(n * pixels) : new Float32Array(n * pixels);
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

/** The channel groups a method normalizes together, per image (batch: one set per channel over the whole batch). */
export function channelGroups(options: Pick<NormOptions, 'method' | 'groups'>): number {
  return options.method === 'instance' || options.method === 'batch' ? 3 : options.method === 'layer' ? 1 : options.groups;
}

/** The images of a normalized batch, as views into one buffer (no copy per image); disposes the tensor. */
async function imagesOf(out: TF.Tensor, n: number, pixels: number): Promise<Float32Array[]> {
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return Array.from({ length: n }, (_, i) => data.subarray(i * pixels, (i + 1) * pixels));
}

let scratchBuffer = new Float32Array(0);

/**
 * A buffer reused from group to group in this thread: a fresh 2.4 MB array a
 * group costs page faults and garbage collection. It is filled and copied
 * into the wasm heap synchronously, so no two calls hold it at once.
 */
function scratch(length: number): Float32Array {
  if (scratchBuffer.length < length) scratchBuffer = new Float32Array(length);
  return scratchBuffer.subarray(0, length);
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
function maskWeights(images: RgbImage[]): Float32Array {
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
