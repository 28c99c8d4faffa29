/**
 * Images with alpha, decoded as a model's loader reads them: by default the
 * alpha channel is dropped and the stored colours kept (PIL's
 * convert("RGB"), tf.io.decode_png(channels=3)), also where the image is
 * resized; `--alpha flatten` composites onto the background as PIL's
 * alpha_composite does, which rounds the exact blend half up. Every expected
 * value here is known by construction (the colours written, or the exact
 * blend rounded), never taken from the decoder.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { decodeOptions } from '../src/config/derive-options.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { readHeader } from '../src/decode/image-header.js';
import { tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

const dir = tempDir();
const ALPHAS = [0, 1, 2, 64, 100, 127, 128, 129, 191, 200, 250, 253, 254, 255, 30, 77];

/** 4 x 4 pixels of the colours given, with the 16 alphas above. */
async function rgbaPng(name: string, colour: (i: number) => [number, number, number], depth: 8 | 16 = 8): Promise<{ file: string; rgba: number[] }> {
  const rgba: number[] = [];
  for (let i = 0; i < 16; i++) rgba.push(...colour(i), depth === 16 ? ALPHAS[i]! * 257 : ALPHAS[i]!);
  const file = join(dir, name);
  if (depth === 16) await sharp(new Uint16Array(rgba), { raw: { width: 4, height: 4, channels: 4 } }).toColourspace('rgb16').png().toFile(file);
  else await sharp(Buffer.from(rgba), { raw: { width: 4, height: 4, channels: 4 } }).png().toFile(file);
  return { file, rgba };
}

/** An indexed PNG written byte by byte (no encoder that could change a transparent entry's colour): PLTE, tRNS, 8 bits an index. */
function indexedPng(width: number, height: number, palette: number[][], alphas: number[], indexes: number[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 3, 0, 0, 0], 8); // 8 bits, colour type 3 (indexed)
  const rows = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) rows.set(indexes.slice(y * width, (y + 1) * width), y * (width + 1) + 1); // filter 0
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('PLTE', Buffer.from(palette.flat())),
    chunk('tRNS', Buffer.from(alphas)), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const colourOf = (i: number): [number, number, number] => [(i * 37 + 11) % 256, (i * 91 + 200) % 256, (255 - i * 13) % 256];
const opts = { size: 4, fit: 'cover' as const, background: '#000000', colorProfile: 'ignore' as const };

test('alpha drop (the default): every pixel keeps the colour the file stores, whatever its alpha', async (t) => {
  const { file, rgba } = await rgbaPng('drop.png', colourOf);
  t.true(readHeader(readFileSync(file))!.alpha);
  const config = loadConfig({ env: {} });
  t.is(config.alpha, 'drop');
  const image = await decodeImage(file, { ...decodeOptions(config), size: 4 });
  const stored = rgba.filter((_, k) => k % 4 !== 3);
  t.deepEqual(Array.from(image.codes!), stored);
});

test('alpha flatten: each value is the exact blend onto the background, rounded half up (as PIL\'s alpha_composite gives it)', async (t) => {
  const { file, rgba } = await rgbaPng('flatten.png', colourOf);
  for (const background of ['#000000', '#ffffff', '#2580c4']) {
    const bg = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16));
    const image = await decodeImage(file, { ...opts, background, alpha: 'flatten' });
    const expected: number[] = [];
    for (let p = 0; p < 16; p++) {
      const a = rgba[p * 4 + 3]!;
      for (let c = 0; c < 3; c++) expected.push(Math.floor((rgba[p * 4 + c]! * a + bg[c]! * (255 - a)) / 255 + 0.5));
    }
    t.deepEqual(Array.from(image.codes!), expected, background);
  }
});

test('alpha drop before a resize: a uniform colour under any alpha stays that colour (no premultiplied resampling)', async (t) => {
  const raw = Buffer.alloc(16 * 16 * 4);
  for (let i = 0; i < 256; i++) raw.set([200, 100, 50, (i * 7) % 256], i * 4);
  const file = join(dir, 'uniform.png');
  await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } }).png().toFile(file);
  for (const size of [8, 32]) {
    const image = await decodeImage(file, { ...opts, size });
    const codes = Array.from(image.codes!);
    t.deepEqual(new Set(codes.filter((_, k) => k % 3 === 0)), new Set([200]), `size ${size}`);
    t.deepEqual(new Set(codes.filter((_, k) => k % 3 === 1)), new Set([100]), `size ${size}`);
    t.deepEqual(new Set(codes.filter((_, k) => k % 3 === 2)), new Set([50]), `size ${size}`);
  }
});

test('alpha in other forms: 16-bit RGBA, grey with alpha, a palette with a transparent entry (tRNS), lossless WebP', async (t) => {
  // 16-bit: dropped as stored; flattened as the exact blend rounded half up
  const { file: deep, rgba } = await rgbaPng('deep.png', (i) => [i * 4000 + 17, 65535 - i * 3000, 30000 + i], 16);
  const header = readHeader(readFileSync(deep))!;
  t.true(header.sixteenBit && header.alpha);
  const dropped = await decodeImage(deep, opts);
  t.true(dropped.codes instanceof Uint16Array);
  t.deepEqual(Array.from(dropped.codes!), rgba.filter((_, k) => k % 4 !== 3));
  const white = await decodeImage(deep, { ...opts, background: '#ffffff', alpha: 'flatten' });
  const expected: number[] = [];
  for (let p = 0; p < 16; p++) {
    const a = rgba[p * 4 + 3]!;
    for (let c = 0; c < 3; c++) expected.push(Math.floor((rgba[p * 4 + c]! * a + 65535 * (65535 - a)) / 65535 + 0.5));
  }
  t.deepEqual(Array.from(white.codes!), expected);

  // grey and alpha: the grey repeated, its alpha dropped
  const grey = join(dir, 'grey-alpha.png');
  const ga = Buffer.alloc(16 * 2);
  for (let i = 0; i < 16; i++) ga.set([i * 15, ALPHAS[i]!], i * 2);
  await sharp(ga, { raw: { width: 4, height: 4, channels: 2 } }).toColourspace('b-w').png().toFile(grey);
  t.is(readFileSync(grey)[25], 4, 'colour type 4: grey and alpha');
  t.deepEqual(Array.from((await decodeImage(grey, opts)).codes!), Array.from({ length: 16 }, (_, i) => [i * 15, i * 15, i * 15]).flat());

  // a palette PNG whose second colour is fully transparent: its stored colour is kept
  const palette = join(dir, 'palette.png');
  writeFileSync(palette, indexedPng(4, 4, [[240, 16, 128], [10, 220, 30]], [255, 0], Array.from({ length: 16 }, (_, i) => i % 2)));
  const bytes = readFileSync(palette);
  t.is(bytes[25], 3, 'an indexed PNG');
  t.true(readHeader(bytes)!.alpha, 'its tRNS chunk is seen');
  t.deepEqual(Array.from((await decodeImage(palette, opts)).codes!), Array.from({ length: 16 }, (_, i) => (i % 2 ? [10, 220, 30] : [240, 16, 128])).flat());
  t.deepEqual(Array.from((await decodeImage(palette, { ...opts, alpha: 'flatten' })).codes!), Array.from({ length: 16 }, (_, i) => (i % 2 ? [0, 0, 0] : [240, 16, 128])).flat());

  // WebP (no header of ours: sharp's metadata says it has alpha)
  const webp = join(dir, 'alpha.webp');
  const { rgba: w } = await rgbaPng('for-webp.png', colourOf);
  await sharp(Buffer.from(w), { raw: { width: 4, height: 4, channels: 4 } }).webp({ lossless: true, exact: true }).toFile(webp);
  t.deepEqual(Array.from((await decodeImage(webp, opts)).codes!), w.filter((_, k) => k % 4 !== 3));
});

test('--alpha on the command line: flatten and drop give different numbers for an image with alpha, stats.json states it, a bad value is one line', async (t) => {
  const { file } = await rgbaPng('cli.png', colourOf);
  const other = join(dir, 'cli-other.png');
  writeFileSync(other, await sharp({ create: { width: 4, height: 4, channels: 3, background: '#406080' } }).png().toBuffer());
  const inspect = async (...args: string[]) => {
    const r = await runCli(['inspect', file, other, '--size', '8', '--json', ...args]);
    t.is(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { batch: { mean: number[] }; options: { alpha?: string } };
  };
  const drop = await inspect();
  const flat = await inspect('--alpha', 'flatten');
  t.notDeepEqual(drop.batch.mean, flat.batch.mean);
  t.is(flat.options?.alpha, 'flatten');
  const bad = await runCli(['inspect', file, '--alpha', 'keep']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /alpha/);
  t.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
});
