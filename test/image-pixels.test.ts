import test from 'ava';
import { imageSize, writeImageRgba } from '../src/figure/image-pixels.js';
import { UNSEEN_MARK_COLORS } from '../src/figure/style.js';
import type { GroupArrays, RgbImage } from '../src/types.js';

/** A 4 x 2 image of RGB floats, with its 8-bit codes when every value is one. */
function image(values: number[], codes?: number[]): RgbImage {
  return { width: 4, height: 2, data: Float32Array.from(values), ...(codes ? { codes: Uint8Array.from(codes) } : {}) };
}

const arrays = (original: RgbImage, normalized: RgbImage): GroupArrays => ({ original: [original], normalized: [normalized], minmax: [normalized] });

test('writeImageRgba of a split image: left half original, right half normalized clipped to [0, 1] and rounded', (t) => {
  const original = image(Array.from({ length: 24 }, (_, i) => (i * 10) / 255));
  const normalized = image([-1, 0.5, 2, 0.2, 0.4, 0.6, -0.5, -0.2, -0.1, 1.5, 1.2, 1.1, 0, 0, 0, 1, 1, 1, 0.1, 0.2, 0.3, -2, 3, 0.5]);
  const out = new Uint8ClampedArray(4 * 2 * 4);
  writeImageRgba({ kind: 'split', index: 0, markUnseen: false }, arrays(original, normalized), out);
  // 0.1, 0.2, 0.3 as float32 times 255 are 25.5000004, 51.0000008, 76.5000031; 0.5 * 255 = 127.5 rounds to even
  t.deepEqual([...out], [
    0, 10, 20, 255, 30, 40, 50, 255, 0, 0, 0, 255, 255, 255, 255, 255,
    120, 130, 140, 255, 150, 160, 170, 255, 26, 51, 77, 255, 0, 255, 128, 255,
  ]);
  writeImageRgba({ kind: 'split', index: 0, markUnseen: true }, arrays(original, normalized), out);
  t.deepEqual([...out.subarray(8, 16)], [...UNSEEN_MARK_COLORS.below, 255, ...UNSEEN_MARK_COLORS.above, 255]);
  t.deepEqual(imageSize({ kind: 'split', index: 0, markUnseen: false }, arrays(original, normalized)), { width: 4, height: 2 });
});

test('writeImageRgba draws an image with 8-bit codes exactly as its floats: every code 0-255', (t) => {
  const codes = Array.from({ length: 256 * 3 }, (_, i) => i % 256);
  const floats = Float32Array.from(codes, (c) => c / 255);
  const withCodes: RgbImage = { width: 16, height: 16, data: floats, codes: Uint8Array.from(codes) };
  const without: RgbImage = { width: 16, height: 16, data: floats };
  const a = new Uint8ClampedArray(16 * 16 * 4), b = new Uint8ClampedArray(16 * 16 * 4);
  writeImageRgba({ kind: 'whole', array: 'original', index: 0 }, arrays(withCodes, withCodes), a);
  writeImageRgba({ kind: 'whole', array: 'original', index: 0 }, arrays(without, without), b);
  t.deepEqual(a, b);
  t.deepEqual([...a.subarray(0, 8)], [0, 1, 2, 255, 3, 4, 5, 255]);
});

test('writeImageRgba refuses a buffer of the wrong size, naming the sizes', (t) => {
  const img = image(new Array(24).fill(0));
  t.throws(() => writeImageRgba({ kind: 'whole', array: 'original', index: 0 }, arrays(img, img), new Uint8ClampedArray(10)), { message: 'expected 32 bytes for a 4x2 image but received 10' });
});
