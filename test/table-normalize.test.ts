/**
 * Normalizing levels, not pixels: for every method, fit and kind of file, the
 * level tables give each pixel the value tfjs gives it when it normalizes the
 * whole group as one tensor (test/helpers/tensor-normalize.ts).
 */
import test from 'ava';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/compute/backend.js';
import { countLevels } from '../src/compute/count-levels.js';
import { imageValues } from '../src/compute/level-values.js';
import { channelGroups, normalize } from '../src/compute/normalize.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { FITS, type NormOptions, type NormStats, type RgbImage } from '../src/types.js';
import { gradient } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { requireCjs } from '../src/util/require-cjs.js';
import { pixelMoments64, tensorBatchNorm, tensorNormalize, type FloatImage } from './helpers/tensor-normalize.js';

const SIZE = 48;
const BASE: NormOptions = { method: 'batch', epsilon: 1e-3, gamma: [1.5, 1, 0.5], beta: [0, 0.25, -0.5], groups: 1 };
const GIVEN: NormStats = { source: 'file', label: 'a layer', mean: [0.4, 0.5, 0.6], variance: [0.05, 0.07, 0.09], epsilon: 1e-3, gamma: [2, 1, 1], beta: [0.1, 0, 0] };
const METHODS: Array<[string, Partial<NormOptions>]> = [
  ['batch', {}],
  ['batch with given statistics', { normStats: GIVEN }],
  ['instance', { method: 'instance' }],
  ['layer', { method: 'layer' }],
  ['group of 1', { method: 'group', groups: 1 }],
  ['group of 3', { method: 'group', groups: 3 }],
];

/** Noise with structure, so that levels repeat and spread: w x h x channels bytes. */
function noise(w: number, h: number, channels: number, seed: number): Buffer {
  let s = seed;
  const buf = Buffer.alloc(w * h * channels);
  for (let i = 0; i < buf.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    buf[i] = ((s >>> 24) * (1 + (i % channels))) % 256;
  }
  return buf;
}

const dir = tempDir();

/** One file of each kind, none of them square (so the fits differ). */
const files = (async () => {
  const p = (name: string) => join(dir, name);
  await sharp(gradient(70, 50, 3), { raw: { width: 70, height: 50, channels: 3 } }).png().toFile(p('rgb8.png'));
  const words = new Uint16Array(50 * 64 * 3);
  for (let i = 0; i < words.length; i++) words[i] = (i * 2654435761) % 65536;
  await sharp(words, { raw: { width: 50, height: 64, channels: 3 } }).toColourspace('rgb16').png().toFile(p('rgb16.png'));
  await sharp(noise(80, 60, 3, 1), { raw: { width: 80, height: 60, channels: 3 } }).jpeg({ quality: 80 }).toFile(p('photo.jpg'));
  await sharp(noise(40, 56, 1, 2), { raw: { width: 40, height: 56, channels: 1 } }).png().toFile(p('grey.png'));
  await sharp(noise(64, 40, 4, 3), { raw: { width: 64, height: 40, channels: 4 } }).png().toFile(p('alpha.png'));
  return ['rgb8.png', 'rgb16.png', 'photo.jpg', 'grey.png', 'alpha.png'].map(p);
})();

test.before(async () => {
  await initBackend('wasm');
});

test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const floats = (images: RgbImage[]): FloatImage[] => images.map((img) => ({ width: img.width, height: img.height, data: imageValues(img), ...(img.mask ? { mask: img.mask } : {}) }));

/** The value the tables give every pixel of every image. */
function tableValues(images: RgbImage[], tables: Float32Array[]): Float32Array[] {
  return images.map((img, i) => Float32Array.from(img.codes, (code, j) => tables[i]![code * 3 + (j % 3)]!));
}

/** The largest difference between a and b in float32 units in the last place of b's value. */
function worstUlps(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((values, i) => values.forEach((v, j) => {
    const r = b[i]![j]!;
    const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(r), 2 ** -126))) - 23);
    worst = Math.max(worst, Math.abs(v - r) / ulp);
  }));
  return worst;
}

for (const fit of FITS) {
  for (const [name, options] of METHODS) {
    test(`normalize (${name}, fit ${fit}) of 8- and 16-bit PNG, JPEG, grey and alpha: each pixel's table value is tfjs's on the whole tensor, to float32 rounding`, async (t) => {
      const images = await Promise.all((await files).map((f) => decodeImage(f, { size: SIZE, fit, background: '#204060' })));
      t.true(images[1]!.codes instanceof Uint16Array && images[0]!.codes instanceof Uint8Array, 'a group of 8- and 16-bit images');
      t.is(images.some((img) => img.mask), fit === 'contain', 'letterbox bars under contain alone');
      const opts = { ...BASE, ...options };
      const norm = await normalize(images, opts);
      const got = tableValues(images, norm.tables);
      const pixels = floats(images);
      // the same op on every pixel, with the moments summed plainly over the pixels in float64
      const given = opts.normStats;
      const exact = pixelMoments64(pixels, opts.method, opts.groups);
      const mean = given ? images.map(() => given.mean) : exact.mean;
      const variance = given ? images.map(() => given.variance) : exact.variance;
      const perChannel = (v: number | number[]) => (typeof v === 'number' ? [v, v, v] : v);
      const reference = tensorBatchNorm(pixels, mean, variance, perChannel(given?.gamma ?? opts.gamma), perChannel(given?.beta ?? opts.beta), given?.epsilon ?? opts.epsilon);
      const ulps = worstUlps(got, reference);
      t.true(ulps <= 1, `worst ${ulps} ulp`);
      // the moments the tables used are those float64 sums, to their rounding
      // (batch: one a channel; the others: per image, one a channel group, its first channel's in `exact`)
      const per = opts.method === 'batch' ? 1 : 3 / channelGroups(opts);
      const sets = opts.method === 'batch' ? [0, 1, 2].map((c) => ({ i: 0, c, m: norm.batchMean[c]!, v: norm.batchVariance[c]! }))
        : norm.mean.map((m, k) => ({ i: Math.floor(k / (3 / per)), c: (k % (3 / per)) * per, m, v: norm.variance[k]! }));
      t.is(sets.length, opts.method === 'batch' ? 3 : (images.length * 3) / per);
      for (const { i, c, m, v } of sets) {
        t.true(Math.abs(m - exact.mean[i]![c]!) <= 1e-13 * exact.mean[i]![c]!, `mean of image ${i} channel ${c}: ${m} vs ${exact.mean[i]![c]}`);
        t.true(Math.abs(v - exact.variance[i]![c]!) <= 1e-12 * exact.variance[i]![c]!, `variance of image ${i} channel ${c}: ${v} vs ${exact.variance[i]![c]}`);
      }
      // and tfjs's own moments on the whole tensor (float32 sums, as bnviz took them before) land within 2e-5
      const old = await tensorNormalize(pixels, opts);
      let moved = 0;
      got.forEach((values, i) => values.forEach((v, j) => (moved = Math.max(moved, Math.abs(v - old.normalized[i]![j]!)))));
      t.true(moved < 2e-5, `tfjs's own moments move a value by ${moved}`);
      t.log(`${ulps} ulp from the whole tensor with float64 moments; ${moved.toExponential(1)} from tfjs's float32 moments`);
    });
  }
}

test('countLevels counts each channel\'s levels over the image\'s own pixels', (t) => {
  const codes = Uint8Array.of(0, 255, 7, 0, 1, 7, 9, 9, 9);
  const all = countLevels({ width: 3, height: 1, codes });
  t.is(all.n, 3);
  t.deepEqual([all.counts[0 * 3], all.counts[9 * 3], all.counts[255 * 3 + 1], all.counts[1 * 3 + 1], all.counts[7 * 3 + 2]], [2, 1, 1, 1, 2]);
  t.is(all.counts.reduce((a, b) => a + b, 0), 9);
  const masked = countLevels({ width: 3, height: 1, codes, mask: Uint8Array.of(0, 1, 1) });
  t.is(masked.n, 2);
  t.deepEqual([masked.counts[0 * 3], masked.counts[9 * 3], masked.counts[7 * 3 + 2]], [1, 1, 1]);
  const deep = countLevels({ width: 1, height: 1, codes: Uint16Array.of(65535, 0, 300) });
  t.is(deep.counts.length, 65536 * 3);
  t.deepEqual([deep.counts[65535 * 3], deep.counts[1], deep.counts[300 * 3 + 2]], [1, 1, 1]);
});

test('countLevels on 8- and 16-bit images of an odd number of pixels: the same counts as one plain pass', (t) => {
  for (const [codes, levels] of [[Uint8Array.from(noise(37, 29, 3, 5)), 256], [Uint16Array.from(noise(37, 29, 3, 9), (v, i) => v * 257 + (i % 7)), 65536]] as const) {
    const plain = new Uint32Array(levels * 3);
    for (let i = 0; i < codes.length; i++) plain[codes[i]! * 3 + (i % 3)]!++;
    const got = countLevels({ width: 37, height: 29, codes });
    t.is(got.n, 37 * 29);
    t.true(got.counts.every((v, i) => v === plain[i]), `${levels} levels`);
  }
});

test.serial('normalize leaves no tensor behind, for 16-bit images too (serial: no other test makes tensors meanwhile)', async (t) => {
  const tf = requireCjs('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
  const images = await Promise.all((await files).map((f) => decodeImage(f, { size: SIZE, fit: 'cover', background: '#204060' })));
  for (const [, options] of METHODS) {
    const before = tf.memory().numTensors;
    await normalize(images, { ...BASE, ...options });
    t.is(tf.memory().numTensors, before);
  }
});
