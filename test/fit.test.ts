/**
 * bnviz fit: exact per-channel moments of a folder, checked against float64
 * two-pass sums over every stored value, written here, on generated images,
 * 16-bit images, the examples (and the write-up's own batch statistics), a
 * folder with a bad file, and any number of threads.
 */
import test from 'ava';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { fitDataset, type FitOptions } from '../src/fit/fit-dataset.js';
import { LevelCounts } from '../src/fit/level-counts.js';
import { countLevels, groupLevels, groupLevelsOf, levelsDoc } from '../src/compute/count-levels.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { levelsOfRecord, levelsRecord } from '../src/records/group-record.js';
import { InputError } from '../src/errors.js';
import { groupErrorOf } from '../src/group/failed-result.js';
import { gradient, writePng } from './helpers/make-images.js';
import { EXAMPLES, REFERENCE, tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

const AS_STORED: FitOptions = { size: 64, fit: 'cover', background: '#000000', colorProfile: 'ignore' };

/** numpy's mean and var (ddof 0) per channel in float64, two passes over every value. */
function exactMoments(images: Array<{ values: Float64Array }>): { mean: number[]; variance: number[]; pixels: number } {
  const mean = [0, 0, 0];
  const variance = [0, 0, 0];
  let pixels = 0;
  for (const { values } of images) pixels += values.length / 3;
  for (const { values } of images) for (let i = 0; i < values.length; i++) mean[i % 3]! += values[i]!;
  for (let c = 0; c < 3; c++) mean[c]! /= pixels;
  for (const { values } of images) for (let i = 0; i < values.length; i++) variance[i % 3]! += (values[i]! - mean[i % 3]!) ** 2;
  for (let c = 0; c < 3; c++) variance[c]! /= pixels;
  return { mean, variance, pixels };
}

/** The stored values of a file already at its size (no resize), read with sharp: 8-bit / 255, 16-bit / 65535. */
async function storedValues(file: string): Promise<{ values: Float64Array }> {
  const meta = await sharp(file).metadata();
  const deep = meta.depth === 'ushort';
  const { data } = await sharp(file).removeAlpha().toColourspace(deep ? 'rgb16' : 'srgb').raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const codes = deep ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  return { values: Float64Array.from(codes, (c) => c / (deep ? 65535 : 255)) };
}

function close(t: { true(v: boolean, m?: string): void }, got: number[], want: number[], what: string, rel = 1e-9): void {
  for (let c = 0; c < 3; c++) t.true(Math.abs(got[c]! - want[c]!) <= rel * Math.abs(want[c]!), `${what}[${c}]: ${got[c]} vs ${want[c]}`);
}

async function deepPng(file: string, w: number, h: number, seed: number): Promise<string> {
  const words = new Uint16Array(w * h * 3);
  for (let i = 0; i < words.length; i++) words[i] = (i * 7919 + seed * 104729) % 65536;
  await sharp(words, { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toFile(file);
  return file;
}

test('generated 8-bit and 16-bit images: mean and variance equal float64 sums over every stored value to 1e-9', async (t) => {
  const dir = tempDir();
  const files = [
    await writePng(join(dir, 'a.png'), 64, 64, 1),
    await writePng(join(dir, 'b.png'), 64, 64, 2),
    await deepPng(join(dir, 'c.png'), 64, 64, 3),
  ];
  // a JPEG too: its decoded values, whatever the codec makes of them, are what is counted
  const jpeg = join(dir, 'd.jpg');
  await sharp(gradient(64, 64, 4), { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 80 }).toFile(jpeg);
  files.push(jpeg);
  const want = exactMoments(await Promise.all(files.map(storedValues)));
  const r = await fitDataset(dir, AS_STORED);
  t.is(r.images, 4);
  t.is(r.pixels, want.pixels);
  close(t, r.mean, want.mean, 'mean');
  close(t, r.variance, want.variance, 'variance');
  close(t, r.std, want.variance.map(Math.sqrt), 'std');
  t.deepEqual(r.skipped, []);
  t.like(r.options, { size: 64, fit: 'cover', colorProfile: 'ignore' });
});

test('the examples: equal to float64 sums, and to the write-up\'s own batch mean and variance of the same three images', async (t) => {
  const r = await fitDataset(EXAMPLES, { ...AS_STORED, size: 256 });
  const names = ['astronaut.png', 'chelsea.png', 'coffee.png'];
  const want = exactMoments(await Promise.all(names.map((n) => storedValues(join(EXAMPLES, n)))));
  close(t, r.mean, want.mean, 'mean');
  close(t, r.variance, want.variance, 'variance');
  const reference = JSON.parse(readFileSync(join(REFERENCE, 'stats.json'), 'utf8')) as { batch: { mean: number[]; variance: number[] } };
  close(t, r.mean, reference.batch.mean, 'reference mean', 1e-9);
  close(t, r.variance, reference.batch.variance, 'reference variance', 1e-9);
});

test('resized and letterboxed: the counts are of the decoded values, the bars left out', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'wide.png');
  await sharp(gradient(96, 32, 5), { raw: { width: 96, height: 32, channels: 3 } }).png().toFile(file);
  for (const fit of ['cover', 'contain', 'fill'] as const) {
    const options = { ...AS_STORED, size: 48, fit };
    const image = await decodeImage(file, options);
    const own = Float64Array.from(image.codes!, (c) => c / 255).filter((_, i) => !image.mask || image.mask[Math.floor(i / 3)] === 1);
    const want = exactMoments([{ values: own }]);
    const r = await fitDataset(dir, options);
    t.is(r.pixels, want.pixels, fit);
    close(t, r.mean, want.mean, `${fit} mean`);
    close(t, r.variance, want.variance, `${fit} variance`);
  }
  t.is((await fitDataset(dir, { ...AS_STORED, size: 48, fit: 'contain' })).pixels, 48 * 16, 'a 3:1 image letterboxed into 48 x 48 has 48 x 16 pixels of its own');
});

test('the same numbers, to the last bit, on 1 and on 2 threads, and from counts merged after a round trip through JSON', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 9; i++) await writePng(join(dir, `i${i}.png`), 40 + i, 48, i);
  await deepPng(join(dir, 'deep.png'), 48, 48, 9);
  const one = await fitDataset(dir, { ...AS_STORED, size: 32, threads: 1 });
  const two = await fitDataset(dir, { ...AS_STORED, size: 32, threads: 2 });
  t.deepEqual(two, one);
  // counted in two halves (as two fleet workers would), sent as JSON, merged
  const halves = [new LevelCounts(), new LevelCounts()];
  for (let i = 0; i < 10; i++) {
    const file = join(dir, i < 9 ? `i${i}.png` : 'deep.png');
    halves[i % 2]!.add(await decodeImage(file, { ...AS_STORED, size: 32 }), file);
  }
  const merged = LevelCounts.fromJSON(JSON.parse(JSON.stringify(halves[0]!.toJSON())));
  merged.merge(LevelCounts.fromJSON(JSON.parse(JSON.stringify(halves[1]!.toJSON()))));
  const m = merged.moments();
  t.deepEqual([m.mean, m.variance, m.pixels], [one.mean, one.variance, one.pixels]);
  t.is(merged.images, 10);
});

test('bnviz fit: a bad file is skipped and listed, the numbers stand for the others; --json and --save give the same document', async (t) => {
  const dir = tempDir();
  for (const n of ['astronaut.png', 'coffee.png']) copyFileSync(join(EXAMPLES, n), join(dir, n));
  writeFileSync(join(dir, 'broken.png'), 'not an image');
  const saved = join(tempDir(), 'stats.json');
  const r = await runCli(['fit', dir, '--json', '--save', saved]);
  t.is(r.code, 1, 'as run: 1 when some inputs could not be used');
  const doc = JSON.parse(r.stdout) as { mean: number[]; variance: number[]; images: number; skipped: Array<{ file: string; reason: string }> };
  t.deepEqual(JSON.parse(readFileSync(saved, 'utf8')), doc);
  t.is(doc.images, 2);
  t.is(doc.skipped.length, 1);
  t.is(doc.skipped[0]!.file, 'broken.png');
  t.regex(r.stderr, /^bnviz: skipped broken\.png: .+\n$/);
  const want = exactMoments(await Promise.all(['astronaut.png', 'coffee.png'].map((n) => storedValues(join(EXAMPLES, n)))));
  close(t, doc.mean, want.mean, 'mean');
  close(t, doc.variance, want.variance, 'variance');

  const table = await runCli(['fit', EXAMPLES]);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^3 images, 196,608 pixels a channel \(size 256, fit cover, colour profile ignore\)\n/);
  t.regex(table.stdout, /\nNormalize\(mean=\[0\.579172, 0\.382314, 0\.291238\], std=\[0\.2507\d\d, 0\.2444\d\d, 0\.2455\d\d\]\)\n$/);
  const empty = await runCli(['fit', tempDir()]);
  t.is(empty.code, 2);
  t.regex(empty.stderr, /^bnviz: .*: no images found/);
});

test('a truncated JPEG\'s reason is one line, the same in bnviz fit (stderr and --json) and in a failed group', async (t) => {
  const dir = tempDir();
  copyFileSync(join(EXAMPLES, 'coffee.png'), join(dir, 'coffee.png'));
  const whole = await sharp(gradient(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
  const file = join(dir, 'cut.jpg');
  writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
  // libvips repeats its messages over several lines for such a file
  const err = await t.throwsAsync(decodeImage(file, { size: 32, fit: 'cover', background: '#000000' }), { instanceOf: InputError });
  const reason = (err as InputError).reason;
  t.regex(reason, /^corrupt or truncated image data \(.+\)$/);
  t.false(reason.includes('\n'), reason);
  t.is(groupErrorOf(err).message, `${file}: ${reason}`, 'a failed group says the same');
  const r = await runCli(['fit', dir, '--json']);
  t.is(r.code, 1);
  const doc = JSON.parse(r.stdout) as { skipped: Array<{ file: string; reason: string }> };
  t.deepEqual(doc.skipped, [{ file: 'cut.jpg', reason }]);
  t.is(r.stderr, `bnviz: skipped cut.jpg: ${reason}\n`);
});

test('a group\'s level counts (8- and 16-bit images mixed), summed by LevelCounts.addGroup, equal the images counted one by one; they read back from group.json\'s form unchanged', async (t) => {
  const dir = tempDir();
  const files = [await writePng(join(dir, 'a.png'), 32, 32, 1), await deepPng(join(dir, 'b.png'), 32, 32, 2), await writePng(join(dir, 'c.png'), 32, 32, 3)];
  const images = await Promise.all(files.map((f) => decodeImage(f, { ...AS_STORED, size: 32 })));
  const g = groupLevels(images.map(countLevels));
  t.is(g.images, 3);
  t.is(g.counts8.length, 768);
  t.is(g.counts16?.length, 65536 * 3);
  const one = new LevelCounts();
  for (const image of images) one.add(image);
  const summed = new LevelCounts();
  summed.addGroup(g);
  t.deepEqual(summed.toFields(), one.toFields());
  t.deepEqual(summed.moments(), one.moments());
  const back = groupLevelsOf(JSON.parse(JSON.stringify(levelsDoc(g))));
  t.deepEqual(back, g);
  t.is(groupLevelsOf(undefined), undefined);
  // as group.json keeps them: the 16-bit ones packed, read back the same
  t.deepEqual(levelsOfRecord(JSON.parse(JSON.stringify(levelsRecord(g)))), g);
  t.is(levelsOfRecord({ ...levelsRecord(g), packed16: 'not deflate' }), undefined, 'unreadable counts are none, not wrong ones');
});

test('group.json keeps 16-bit level counts packed: three 256x256 16-bit noise images (every level about three times) in a tenth of the pairs\' bytes, read back exactly', (t) => {
  const images = [0, 1, 2].map((seed) => {
    const codes = new Uint16Array(256 * 256 * 3);
    let x = 12345 + seed;
    for (let i = 0; i < codes.length; i++) codes[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16;
    return { width: 256, height: 256, codes };
  });
  const g = groupLevels(images.map((image) => countLevels(image)));
  const pairs = JSON.stringify(levelsDoc(g)).length;
  const packed = JSON.stringify(levelsRecord(g)).length;
  t.true(packed * 5 < pairs, `packed ${packed} bytes against ${pairs} as pairs`);
  t.deepEqual(levelsOfRecord(JSON.parse(JSON.stringify(levelsRecord(g)))), g);
});
