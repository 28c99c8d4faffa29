import test from 'ava';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { buildFigure, renderSvg } from '../src/figure/index.js';
import { renderRgba } from '../src/figure/render-rgba.js';
import { halvedFrom, halvedTo, makeThumbnail, THUMBNAIL_MAX_BYTES, THUMBNAIL_WIDTH, type RgbaPixels } from '../src/records/thumbnail.js';
import { exampleInput } from './helpers/figure-example-input.js';

const OPTIONS = { xRange: 3.5, markUnseen: true, scale: 1 } as const;

const view = (b: Buffer, width: number, height: number) => ({ data: new Uint8ClampedArray(b.buffer, b.byteOffset, b.length), width, height });

async function decoded(image: Buffer) {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return view(data, info.width, info.height);
}

test('halvedTo: each pixel is the mean of its 2 x 2 block (to rounding), halved while at least the width asked; an odd last row and column are dropped', async (t) => {
  const width = 203, height = 61;
  const data = Buffer.alloc(width * height * 4);
  let s = 777;
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 255 : (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const once = halvedTo({ width, height, data }, 60);
  t.deepEqual([once.width, once.height], [101, 30]);
  let worst = 0;
  for (let y = 0; y < once.height; y++) {
    for (let x = 0; x < once.width; x++) {
      for (let c = 0; c < 4; c++) {
        const at = (yy: number, xx: number) => data[(yy * width + xx) * 4 + c];
        const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        worst = Math.max(worst, Math.abs(once.data[(y * once.width + x) * 4 + c] - mean));
      }
    }
  }
  t.true(worst <= 1, `a pixel is ${worst} levels from its block's mean`);
  const twice = halvedTo({ width, height, data }, 50);
  t.deepEqual([twice.width, twice.height], [50, 15]);
  const none = halvedTo({ width, height, data }, 102);
  t.is(none.data, data, 'too narrow to halve: the pixels themselves');
});

test('the thumbnail of the examples overview: 360 px wide, under 40 KB, SSIM-equal to Lanczos-3 from the full figure', async (t) => {
  const input = await exampleInput();
  const rgba = renderRgba(buildFigure('overview', input, OPTIONS), input.arrays, OPTIONS);
  const thumb = await makeThumbnail(rgba);
  t.true(thumb.length <= THUMBNAIL_MAX_BYTES);
  const got = await decoded(thumb);
  t.deepEqual([got.width, got.height], [360, 180]);
  // the reference: libvips' Lanczos-3 straight from the full figure, not encoded
  const reference = await sharp(rgba.data, { raw: { width: rgba.width, height: rgba.height, channels: 4 } }).resize({ width: 360 }).raw().toBuffer();
  const { mssim } = ssim(view(reference, 360, 180), got);
  t.true(mssim >= 0.98, `SSIM ${mssim.toFixed(4)}`);
  // and the way there before WebP: the same resampling to within what the eye can tell
  const half = halvedTo(rgba, 360);
  const resampled = await sharp(half.data, { raw: { width: half.width, height: half.height, channels: 4 } }).resize({ width: 360 }).raw().toBuffer();
  t.true(ssim(view(reference, 360, 180), view(resampled, 360, 180)).mssim >= 0.99);
});

test('halvedFrom the figure\'s canvas as drawn gives the pixels halvedTo gives from the figure\'s RGBA, and keeps them when the canvas draws another figure', async (t) => {
  const input = await exampleInput();
  let half: RgbaPixels | undefined;
  const rgba = renderRgba(buildFigure('overview', input, OPTIONS), input.arrays, OPTIONS, (canvas) => (half = halvedFrom(canvas, THUMBNAIL_WIDTH)));
  const kept = Buffer.from(half!.data);
  const expected = halvedTo(rgba, THUMBNAIL_WIDTH);
  t.deepEqual([half!.width, half!.height], [600, 300]);
  t.true(half!.data.equals(expected.data), 'the same pixels');
  // the next figure of this size draws on the same canvases
  let other: RgbaPixels | undefined;
  renderRgba(buildFigure('overview', input, OPTIONS), { ...input.arrays, original: input.arrays.minmax }, OPTIONS, (canvas) => (other = halvedFrom(canvas, THUMBNAIL_WIDTH)));
  t.false(other!.data.equals(kept), 'the next figure differs');
  t.true(half!.data.equals(kept), 'a copy, not a view of the canvas');
  t.true((await makeThumbnail(half!)).equals(await makeThumbnail(rgba)), 'the same thumbnail');
});

test('the thumbnail of an SVG figure (librsvg draws it at 864 x 432): 360 px wide, under 40 KB, white where the figure is', async (t) => {
  const input = await exampleInput();
  const svg = renderSvg(buildFigure('overview', input, OPTIONS), input.arrays);
  const thumb = await makeThumbnail(svg);
  t.true(thumb.length <= THUMBNAIL_MAX_BYTES);
  const got = await decoded(thumb);
  t.deepEqual([got.width, got.height], [360, 180]);
  // the margin between the panels and the images, white in the figure
  const at = (10 * 360 + 10) * 4;
  t.true([...got.data.subarray(at, at + 3)].every((v) => v >= 240), `pixel (10, 10) is ${[...got.data.subarray(at, at + 4)]}`);
});
