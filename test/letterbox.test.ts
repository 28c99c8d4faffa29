import test from 'ava';
import { join } from 'node:path';
import sharp from 'sharp';
import { computeGroup } from '../src/compute/compute-group.js';
import { imageValues } from '../src/compute/level-values.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { writeImageRgba } from '../src/figure/image-pixels.js';
import { buildFigure, renderPng } from '../src/figure/index.js';
import { DEFAULT_FIGURE_OPTIONS } from '../src/figure/figure-options.js';
import { computeFiles } from '../src/group/compute-files.js';
import type { RgbImage, ValueStats } from '../src/types.js';
import { gradient, writePng } from './helpers/make-images.js';
import { lookup } from './helpers/exact.js';
import { tempDir } from './helpers/paths.js';

const dir = tempDir();
const SIZE = 32;
const decode = { size: SIZE, fit: 'contain' as const, background: '#000000', colorProfile: 'ignore' as const };
const compute = { method: 'batch' as const, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 60, bwAdjust: 1, backend: 'cpu' as const };
const files = (async () => {
  // a bright wide image: black bars would pull its mean down and put a spike at 0
  const wide = join(dir, 'wide.png');
  const w = 96, h = 24;
  const pixels = gradient(w, h, 3).map((v) => 128 + (v >> 1));
  await sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).png().toFile(wide);
  return { wide, square: await writePng(join(dir, 'square.png'), 40, 40, 5) };
})();

/** The wide image's own pixels at the letterboxed size (32 x 8), as sharp resizes them. */
async function ownPixels(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).resize(SIZE, SIZE, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, codes: new Uint8Array(data) };
}

function sameStats(t: import('ava').ExecutionContext, a: ValueStats, b: ValueStats, tolerance: number, what: string): void {
  for (const k of ['min', 'max', 'mean', 'std', 'below0', 'above1', 'bandwidth'] as const) {
    t.true(Math.abs(a[k] - b[k]) <= tolerance * Math.max(1, Math.abs(b[k])), `${what} ${k}: ${a[k]} vs ${b[k]}`);
  }
  const peak = Math.max(...b.density.y);
  t.true(a.density.y.every((y, i) => Math.abs(y - b.density.y[i]) <= tolerance * 10 * peak), `${what} density`);
}

test('decodeImage with fit contain letterboxes on the background and masks the bars', async (t) => {
  const { wide } = await files;
  const img = await decodeImage(wide, decode);
  const own = await ownPixels(wide);
  t.deepEqual([img.width, img.height, own.width, own.height], [SIZE, SIZE, SIZE, 8]);
  t.is(img.mask!.reduce((a, b) => a + b, 0), SIZE * 8, 'the image\'s own pixels');
  const top = (SIZE - 8) / 2;
  for (let y = 0; y < SIZE; y++) t.is(img.mask![y * SIZE], y >= top && y < top + 8 ? 1 : 0, `row ${y}`);
  t.deepEqual(Array.from(img.codes!.subarray(top * SIZE * 3, (top + 8) * SIZE * 3)), Array.from(own.codes!));
  t.deepEqual(Array.from(img.codes!.subarray(0, 3)), [0, 0, 0], 'the bars are the background');
  t.is((await decodeImage(wide, { ...decode, fit: 'cover' })).mask, undefined, 'no bars, no mask');
});

test('computeFiles under contain: a wide image\'s statistics equal those of its own pixels', async (t) => {
  const { wide } = await files;
  const boxed = await computeFiles([wide], { ...decode, ...compute, method: 'instance' });
  const bare = await computeGroup([await ownPixels(wide)], [wide], { ...compute, method: 'instance' });
  for (const [c, ch] of boxed.stats.images[0].channels.entries()) {
    const expected = bare.stats.images[0].channels[c];
    t.deepEqual(ch.original, expected.original, `${ch.channel} original: exactly the same values`);
    sameStats(t, ch.normalized, expected.normalized, 1e-5, `${ch.channel} normalized`);
  }
  t.true(boxed.stats.images[0].channels.every((ch) => ch.original.min >= 128 / 255), 'no value of the bars (0) among the data');
  for (const [k, m] of boxed.stats.moments.entries()) {
    t.true(Math.abs(m.mean - bare.stats.moments[k].mean) < 1e-6 && Math.abs(m.variance - bare.stats.moments[k].variance) < 1e-6, `moment ${k}`);
  }
});

test('computeFiles under contain: the batch moments count only the images\' own pixels', async (t) => {
  const { wide, square } = await files;
  const { stats, arrays } = await computeFiles([wide, square], { ...decode, ...compute });
  const own = [await ownPixels(wide), await decodeImage(square, decode)];
  t.is(own[1].mask, undefined, 'a square image has no bars');
  for (let c = 0; c < 3; c++) {
    let n = 0, sum = 0, sq = 0;
    for (const img of own) {
      const data = imageValues(img);
      for (let i = c; i < data.length; i += 3) { n++; sum += data[i]!; sq += data[i]! ** 2; }
    }
    const mean = sum / n;
    t.true(Math.abs(stats.batch!.mean[c] - mean) < 1e-6, `mean ${c}: ${stats.batch!.mean[c]} vs ${mean}`);
    t.true(Math.abs(stats.batch!.variance[c] - (sq / n - mean * mean)) < 1e-6, `variance ${c}`);
  }
  // the bars are drawn as they are: the background, on the normalized and min-max halves too
  for (const array of ['normalized', 'minmax'] as const) {
    const rgba = new Uint8ClampedArray(SIZE * SIZE * 4);
    writeImageRgba({ kind: 'whole', array, index: 0 }, arrays, rgba);
    t.deepEqual(Array.from(rgba.subarray(0, 4)), [0, 0, 0, 255], array);
    t.notDeepEqual(Array.from(lookup(arrays[array][0]!.codes.subarray(0, 3), arrays[array][0]!.values)), [0, 0, 0], `${array}: the table alone maps the bars' level elsewhere`);
  }
  const spec = buildFigure('overview', { stats, arrays }, DEFAULT_FIGURE_OPTIONS);
  const png = await renderPng(spec, arrays);
  t.true(png.length > 0);
});
