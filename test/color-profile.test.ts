import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { imageValues } from '../src/compute/level-values.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { computeFiles } from '../src/group/compute-files.js';
import { tempDir } from './helpers/paths.js';
import { adobeRgb1998, displayP3, swatches, withJpegProfile, withPngProfile } from './helpers/profiled-images.js';

const W = 8;
const stored = swatches(W, W);
const opts = { size: W, fit: 'fill' as const, background: '#000000' };
const dir = tempDir();

const files = (async () => {
  const png = await sharp(stored, { raw: { width: W, height: W, channels: 3 } }).png().toBuffer();
  const jpeg = await sharp(stored, { raw: { width: W, height: W, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const profiles = { p3: await displayP3(), adobe: adobeRgb1998() };
  const write = (name: string, bytes: Buffer) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  return {
    plainPng: write('plain.png', png),
    plainJpeg: write('plain.jpg', jpeg),
    p3Png: write('p3.png', withPngProfile(png, profiles.p3)),
    adobePng: write('adobe.png', withPngProfile(png, profiles.adobe)),
    p3Jpeg: write('p3.jpg', withJpegProfile(jpeg, profiles.p3)),
    adobeJpeg: write('adobe.jpg', withJpegProfile(jpeg, profiles.adobe)),
  };
})();

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

test('the test files carry the profiles they were given', async (t) => {
  const f = await files;
  for (const [file, description] of [[f.p3Png, /P3/], [f.adobePng, /Adobe RGB/], [f.p3Jpeg, /P3/], [f.adobeJpeg, /Adobe RGB/]] as const) {
    const meta = await sharp(file).metadata();
    t.true(meta.hasProfile, file);
    t.regex(meta.icc!.toString('latin1').replace(/\0/g, ''), description, file); // mluc text is UTF-16
  }
  t.false((await sharp(f.plainPng).metadata()).hasProfile);
});

for (const name of ['p3Png', 'adobePng'] as const) {
  test(`decodeImage reads the stored values of a PNG with a ${name.startsWith('p3') ? 'Display P3' : 'Adobe RGB'} profile by default`, async (t) => {
    const img = await decodeImage((await files)[name], opts);
    t.deepEqual(Array.from(img.codes!), Array.from(stored));
    t.is(maxDiff(imageValues(img), Float32Array.from(stored, (v) => v / 255)), 0);
  });
}

for (const name of ['p3Jpeg', 'adobeJpeg'] as const) {
  test(`decodeImage reads the stored values of a JPEG with a ${name.startsWith('p3') ? 'Display P3' : 'Adobe RGB'} profile by default`, async (t) => {
    const f = await files;
    // the same JPEG data without the profile: nothing to convert, so its values are the stored ones
    const plain = await decodeImage(f.plainJpeg, opts);
    const img = await decodeImage(f[name], opts);
    t.deepEqual(Array.from(img.codes!), Array.from(plain.codes!));
  });
}

test('decodeImage with colorProfile convert converts a profiled image to sRGB', async (t) => {
  const f = await files;
  for (const name of ['p3Png', 'adobePng', 'p3Jpeg', 'adobeJpeg'] as const) {
    const kept = await decodeImage(f[name], { ...opts, colorProfile: 'ignore' });
    const converted = await decodeImage(f[name], { ...opts, colorProfile: 'convert' });
    // the wide-gamut green (0, 200, 0) lies outside sRGB: its red goes to 0 and its green rises
    t.true(maxDiff(kept.codes!, converted.codes!) >= 20, `${name}: the conversion moves saturated colours (max difference ${maxDiff(kept.codes!, converted.codes!)})`);
    // sharp's own conversion, the reference for what convert means
    const viewer = await sharp(f[name]).toColourspace('srgb').raw().toBuffer();
    t.deepEqual(Array.from(converted.codes!), Array.from(viewer), name);
  }
  // a file without a profile is the same either way
  const plain = await decodeImage(f.plainPng, { ...opts, colorProfile: 'convert' });
  t.deepEqual(Array.from(plain.codes!), Array.from(stored));
});

test('computeFiles: a profiled image gives the group the statistics of its stored values', async (t) => {
  const f = await files;
  const other = join(dir, 'other.png');
  await sharp(stored.map((v) => 255 - v), { raw: { width: W, height: W, channels: 3 } }).png().toFile(other);
  const options = { ...opts, method: 'batch' as const, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 50, bwAdjust: 1, backend: 'cpu' as const };
  const profiled = await computeFiles([f.adobePng, other], options);
  const plain = await computeFiles([f.plainPng, other], options);
  t.deepEqual(profiled.stats.batch, plain.stats.batch);
  t.deepEqual(profiled.stats.images.map((i) => i.channels), plain.stats.images.map((i) => i.channels));
  const converted = await computeFiles([f.adobePng, other], { ...options, colorProfile: 'convert' });
  t.notDeepEqual(converted.stats.batch, plain.stats.batch, 'converting changes the batch statistics, hence the other image too');
});
