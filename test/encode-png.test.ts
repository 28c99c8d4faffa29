import test from 'ava';
import { Transformer } from '@napi-rs/image';
import sharp from 'sharp';
import { crc32, encodePng, encodeWebp, withPhys } from '../src/figure/encode-png.js';
import { buildFigure, type FigureKind } from '../src/figure/index.js';
import { renderRgba } from '../src/figure/render-rgba.js';
import { exampleInput } from './helpers/figure-example-input.js';

const OPTIONS = { xRange: 3.5, markUnseen: true, scale: 1 } as const;

async function decoded(png: Buffer) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

for (const kind of ['overview', 'panels', 'compare'] as FigureKind[]) {
  test(`encodePng of the rendered ${kind} decodes (with sharp) to exactly the RGBA drawn`, async (t) => {
    const input = await exampleInput();
    const rgba = renderRgba(buildFigure(kind, input, OPTIONS), input.arrays, OPTIONS);
    const png = await decoded(await encodePng(rgba));
    t.deepEqual([png.width, png.height], [rgba.width, rgba.height]);
    t.true(png.data.equals(rgba.data), 'the pixels differ');
  });
}

test('encodePng is lossless for pixels of every value, with alpha, on a size not a multiple of 8', async (t) => {
  const width = 37, height = 23;
  const data = Buffer.alloc(width * height * 4);
  // a fixed pseudo-random sequence (a linear congruential generator), so neighbours differ
  let s = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const png = await decoded(await encodePng({ width, height, data }));
  t.deepEqual([png.width, png.height], [width, height]);
  t.true(png.data.equals(data));
});

test('crc32 gives the standard check value and the CRC of an IEND chunk', (t) => {
  t.is(crc32(Buffer.from('123456789', 'latin1')), 0xcbf43926);
  t.is(crc32(Buffer.from('IEND', 'latin1')), 0xae426082);
});

const chunkTypes = (png: Buffer) => {
  const types: string[] = [];
  for (let o = 8; o < png.length; o += 12 + png.readUInt32BE(o)) types.push(png.toString('latin1', o + 4, o + 8));
  return types;
};

test('withPhys puts a pHYs chunk right after IHDR, which sharp reads as the dpi, and leaves the pixels', async (t) => {
  // the encoder's own output, before withPhys
  const plain = Transformer.fromRgbaPixels(Buffer.alloc(4 * 2 * 4, 128), 4, 2).pngSync();
  t.false(chunkTypes(plain).includes('pHYs'));
  const png = withPhys(plain, 300);
  t.deepEqual(chunkTypes(png).slice(0, 2), ['IHDR', 'pHYs']);
  t.is((await sharp(png).metadata()).density, 300);
  t.deepEqual(await sharp(png).raw().toBuffer(), await sharp(plain).raw().toBuffer());
});

test('encodePng writes one pHYs chunk, of 100 dpi times the scale', async (t) => {
  const rgba = { width: 3, height: 3, data: Buffer.alloc(36, 255) };
  for (const scale of [1, 2]) {
    const png = await encodePng(rgba, scale);
    t.deepEqual(chunkTypes(png).filter((c) => c !== 'IDAT'), ['IHDR', 'pHYs', 'IEND']);
    t.is((await sharp(png).metadata()).density, 100 * scale);
  }
});

test('withPhys refuses bytes that are not a PNG starting with IHDR', (t) => {
  t.throws(() => withPhys(Buffer.from('not a png at all, just forty bytes of text'), 100), { message: /IHDR/ });
});

test('encodeWebp lossless of the rendered compare decodes to exactly the RGBA drawn; a quality makes it smaller and lossy', async (t) => {
  const input = await exampleInput();
  const rgba = renderRgba(buildFigure('compare', input, OPTIONS), input.arrays, OPTIONS);
  const lossless = await encodeWebp(rgba, 'lossless');
  t.is((await sharp(lossless).metadata()).format, 'webp');
  const back = await decoded(lossless);
  t.true(back.data.equals(rgba.data), 'the pixels differ');
  const lossy = await encodeWebp(rgba, 75);
  t.true(lossy.length < lossless.length);
  t.true(lossy.length < (await encodePng(rgba)).length / 3);
});
