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
import * as tf from '@tensorflow/tfjs-core';
import type { NormOptions, RgbImage } from '../types.js';

export interface NormResult {
  /** One normalized image per input, same shape. */
  normalized: Float32Array[];
  /** Per channel mean and biased variance over N, H, W (what batch norm uses). */
  batchMean: number[];
  batchVariance: number[];
}

/** Normalizes a group of equally sized images; the inputs are left untouched. */
export async function normalize(images: RgbImage[], options: NormOptions): Promise<NormResult> {
  const { width, height } = images[0];
  const n = images.length;
  const pixels = height * width * 3;
  const flat = new Float32Array(n * pixels);
  images.forEach((img, i) => flat.set(img.data, i * pixels));

  const [out, mean, variance] = tf.tidy(() => {
    const x = tf.tensor4d(flat, [n, height, width, 3]);
    const batch = moments(x, [0, 1, 2]);
    const gamma = tf.tensor1d(perChannel(options.gamma));
    const beta = tf.tensor1d(perChannel(options.beta));
    let y: tf.Tensor;
    if (options.method === 'batch') {
      y = tf.batchNorm(x, tf.reshape(batch.mean, [3]), tf.reshape(batch.variance, [3]), beta, gamma, options.epsilon);
    } else {
      const groups = options.method === 'instance' ? 3 : options.method === 'layer' ? 1 : options.groups;
      const g = tf.reshape(x, [n, height, width, groups, 3 / groups]);
      const m = moments(g, [1, 2, 4]);
      const z = tf.mul(tf.sub(g, m.mean), tf.rsqrt(tf.add(m.variance, options.epsilon)));
      y = tf.add(tf.mul(tf.reshape(z, [n, height, width, 3]), gamma), beta);
    }
    return [y, batch.mean, batch.variance];
  });
  const data = (await out.data()) as Float32Array;
  const batchMean = Array.from(await mean.data());
  const batchVariance = Array.from(await variance.data());
  tf.dispose([out, mean, variance]);
  const normalized = images.map((_, i) => data.slice(i * pixels, (i + 1) * pixels));
  return { normalized, batchMean, batchVariance };
}

/**
 * Mean and biased variance over `axes`, keeping dims. Reduces the last image
 * axis (W) first and the rest after, so float32 sums run over a few hundred
 * values at a time rather than 200,000: the batch statistics then agree with
 * float64 to about 1e-7 relative, where one long float32 sum drifts to 1e-5.
 */
function moments(x: tf.Tensor, axes: number[]): { mean: tf.Tensor; variance: tf.Tensor } {
  const mean = stagedMean(x, axes);
  const variance = stagedMean(tf.squaredDifference(x, mean), axes);
  return { mean, variance };
}

function stagedMean(x: tf.Tensor, axes: number[]): tf.Tensor {
  const w = 2; // the W axis, present in every reduction bnviz makes
  const rest = axes.filter((a) => a !== w);
  return tf.mean(tf.mean(x, w, true), rest, true);
}

function perChannel(v: number | [number, number, number]): number[] {
  return typeof v === 'number' ? [v, v, v] : [...v];
}
