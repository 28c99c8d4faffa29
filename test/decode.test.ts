import test from 'ava';
import { decodeImage } from '../src/decode/decode-image.js';
import { isBnvizError } from '../src/errors.js';
import { imageValues } from '../src/compute/level-values.js';
import type { RgbImage } from '../src/types.js';
import { makeCases } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';

const cases = makeCases(tempDir());
const opts = { size: 8, fit: 'cover' as const, background: '#000000' };
/** The values of pixel (x, y), to 3 decimals. */
const px = (img: RgbImage, width: number, x: number, y: number) => Array.from(imageValues(img).subarray((y * width + x) * 3, (y * width + x) * 3 + 3)).map((v) => +v.toFixed(3));

test('decodeImage applies EXIF orientation before resizing', async (t) => {
  const f = await cases;
  // stored: left half black, right half white, orientation 6 -> displayed: top black, bottom white
  const img = await decodeImage(f.exif, { ...opts, fit: 'fill' });
  t.true(px(img, 8, 4, 0)[0] < 0.1, 'top is black');
  t.true(px(img, 8, 4, 7)[0] > 0.9, 'bottom is white');
});

test('decodeImage repeats a grayscale channel to RGB', async (t) => {
  const img = await decodeImage((await cases).gray, opts);
  t.is(img.codes.length, 8 * 8 * 3);
  t.deepEqual(px(img, 8, 3, 3), [0.502, 0.502, 0.502]);
});

test('decodeImage with alpha flatten flattens alpha onto the background colour', async (t) => {
  const f = await cases;
  const black = await decodeImage(f.alpha, { ...opts, background: '#000000', alpha: 'flatten' });
  const white = await decodeImage(f.alpha, { ...opts, background: '#ffffff', alpha: 'flatten' });
  t.deepEqual(px(black, 8, 4, 0), [0, 0, 0]);
  t.deepEqual(px(white, 8, 4, 0), [1, 1, 1]);
  t.deepEqual(px(white, 8, 4, 7), [1, 0, 0]);
});

test('decodeImage keeps 16-bit images at 16 bits, their values scaled by 65535', async (t) => {
  const img = await decodeImage((await cases).deep, opts);
  t.true(img.codes instanceof Uint16Array);
  t.is(img.codes[0], 32768);
  const value = imageValues(img)[0]!;
  t.true(Math.abs(value - 32768 / 65535) < 1e-7, `got ${value}`);
});

test('decodeImage expands palette images and takes the first frame of an animation', async (t) => {
  const f = await cases;
  const pal = await decodeImage(f.palette, opts);
  t.is(pal.codes.length, 8 * 8 * 3);
  const anim = await decodeImage(f.animated, opts);
  t.is(anim.codes.length, 8 * 8 * 3);
  t.deepEqual(px(anim, 8, 4, 4), [1, 0, 0]);
});

test('decodeImage resizes to size x size with cover, contain or fill', async (t) => {
  const f = await cases;
  for (const fit of ['cover', 'contain', 'fill'] as const) {
    const img = await decodeImage(f.wide, { ...opts, fit, background: '#00ff00' });
    t.is(img.width, 8);
    t.is(img.height, 8);
    const corner = px(img, 8, 0, 0);
    if (fit === 'contain') t.deepEqual(corner, [0, 1, 0], 'letterbox in the background colour');
    else t.notDeepEqual(corner, [0, 1, 0]);
  }
});

const bad: Array<[string, RegExp]> = [
  ['truncated', /truncated\.png: corrupt or truncated image data/],
  ['corrupt', /corrupt\.png: .+/],
  ['empty', /empty\.png: empty file \(0 bytes\)/],
  ['text', /notes\.jpg: not an image/],
];
for (const [name, pattern] of bad) {
  test(`decodeImage of a ${name} file throws an InputError naming the file and the reason`, async (t) => {
    const f = await cases;
    const err = await t.throwsAsync(decodeImage(f[name], opts));
    t.true(isBnvizError(err, 'InputError'));
    t.regex(err!.message, pattern);
  });
}

test('decodeImage of a missing file says not found', async (t) => {
  const err = await t.throwsAsync(decodeImage('/nonexistent/x.png', opts));
  t.is(err!.message, '/nonexistent/x.png: file not found');
});
