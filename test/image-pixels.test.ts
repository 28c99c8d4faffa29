import test from 'ava';
import { imageSize, writeImageRgba } from '../src/figure/image-pixels.js';
import { UNSEEN_MARK_COLORS } from '../src/figure/style.js';
import type { GroupArrays, TableImage } from '../src/types.js';

/** An image of 8-bit levels whose level `codes[j]` in channel j % 3 has the value `values[j]`. */
function image(codes: number[], values: number[], width = 4, height = 2, mask?: number[]): TableImage {
  const table = new Float32Array(256 * 3);
  codes.forEach((code, j) => (table[code * 3 + (j % 3)] = values[j]!));
  return { width, height, codes: Uint8Array.from(codes), values: table, ...(mask ? { mask: Uint8Array.from(mask) } : {}) };
}

const arrays = (original: TableImage, normalized: TableImage): GroupArrays => ({ original: [original], normalized: [normalized], minmax: [normalized] });
const CODES = Array.from({ length: 24 }, (_, i) => i * 10);

test('writeImageRgba of a split image: left half original, right half normalized clipped to [0, 1] and rounded', (t) => {
  const original = image(CODES, CODES.map((c) => c / 255));
  const normalized = image(CODES, [-1, 0.5, 2, 0.2, 0.4, 0.6, -0.5, -0.2, -0.1, 1.5, 1.2, 1.1, 0, 0, 0, 1, 1, 1, 0.1, 0.2, 0.3, -2, 3, 0.5]);
  const out = new Uint8ClampedArray(4 * 2 * 4);
  writeImageRgba({ kind: 'split', index: 0, markUnseen: false }, arrays(original, normalized), out);
  // 0.1, 0.2, 0.3 as float32 times 255 are 25.5000004, 51.0000008, 76.5000031; 0.5 * 255 = 127.5 rounds to even
  t.deepEqual([...out], [
    0, 10, 20, 255, 30, 40, 50, 255, 0, 0, 0, 255, 255, 255, 255, 255,
    120, 130, 140, 255, 150, 160, 170, 255, 26, 51, 77, 255, 0, 255, 128, 255,
  ]);
  writeImageRgba({ kind: 'split', index: 0, markUnseen: true }, arrays(original, normalized), out);
  t.deepEqual([...out.subarray(8, 16)], [...UNSEEN_MARK_COLORS.below, 255, ...UNSEEN_MARK_COLORS.above, 255]);
  t.deepEqual([...out.subarray(24, 32)], [26, 51, 77, 255, 0, 255, 128, 255], 'a pixel with only some channels out of range is not marked');
  t.deepEqual(imageSize({ kind: 'split', index: 0, markUnseen: false }, arrays(original, normalized)), { width: 4, height: 2 });
});

test('writeImageRgba draws every 8-bit level k of value k / 255 as the code k', (t) => {
  const codes = Array.from({ length: 256 * 3 }, (_, i) => i % 256);
  const img = image(codes, codes.map((c) => Math.fround(c / 255)), 16, 16);
  const out = new Uint8ClampedArray(16 * 16 * 4);
  writeImageRgba({ kind: 'whole', array: 'original', index: 0 }, arrays(img, img), out);
  t.deepEqual([...out].filter((_, o) => o % 4 !== 3), codes);
});

test('writeImageRgba draws letterbox bars (mask 0) as the original, unmarked, on the normalized half and the whole normalized image', (t) => {
  // pixels 0 and 4 are bars of level 0; the normalized table sends level 0 below 0 in every channel
  const mask = [0, 1, 1, 1, 0, 1, 1, 1];
  const codes = CODES.map((c, j) => (Math.floor(j / 3) % 4 === 0 ? 0 : c));
  const original = image(codes, codes.map((c) => c / 255), 4, 2, mask);
  const normalized = image(codes, codes.map((c) => (c === 0 ? -3 : 0.5)), 4, 2, mask);
  const out = new Uint8ClampedArray(4 * 2 * 4);
  writeImageRgba({ kind: 'whole', array: 'normalized', index: 0 }, arrays(original, normalized), out);
  t.deepEqual([...out.subarray(0, 8)], [0, 0, 0, 255, 128, 128, 128, 255]);
  const bright = image(codes, codes.map((c) => (c === 0 ? 0.8 : c / 255)), 4, 2, mask);
  const marked = image(codes, codes.map(() => -3), 4, 2, mask);
  writeImageRgba({ kind: 'whole', array: 'normalized', index: 0 }, arrays(bright, marked), out);
  t.deepEqual([...out.subarray(0, 8)], [204, 204, 204, 255, 0, 0, 0, 255], 'the bar takes the original\'s value, the rest the normalized one');
  writeImageRgba({ kind: 'split', index: 0, markUnseen: true }, arrays(bright, marked), out);
  t.deepEqual([...out.subarray(8, 16)], [...UNSEEN_MARK_COLORS.below, 255, ...UNSEEN_MARK_COLORS.below, 255], 'own pixels are marked');
  t.deepEqual([...out.subarray(16, 20)], [204, 204, 204, 255], 'a bar in the left half is the original');
});

test('writeImageRgba draws 16-bit levels by their values clipped and rounded, as 8-bit ones', (t) => {
  const codes = Uint16Array.of(0, 257, 65535, 32768, 100, 65000);
  const values = new Float32Array(65536 * 3);
  codes.forEach((code, j) => (values[code * 3 + (j % 3)] = code / 65535));
  const img: TableImage = { width: 2, height: 1, codes, values };
  const out = new Uint8ClampedArray(2 * 4);
  writeImageRgba({ kind: 'whole', array: 'original', index: 0 }, arrays(img, img), out);
  // 32768 / 65535 * 255 = 127.50195 -> 128; 100 / 65535 * 255 = 0.389 -> 0; 65000 / 65535 * 255 = 252.9 -> 253
  t.deepEqual([...out], [0, 1, 255, 255, 128, 0, 253, 255]);
});

test('writeImageRgba refuses a buffer of the wrong size, naming the sizes', (t) => {
  const img = image(new Array(24).fill(0), new Array(24).fill(0));
  t.throws(() => writeImageRgba({ kind: 'whole', array: 'original', index: 0 }, arrays(img, img), new Uint8ClampedArray(10)), { message: 'expected 32 bytes for a 4x2 image but received 10' });
});
