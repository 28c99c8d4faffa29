/** Real image files of every kind a folder may hold, made with sharp for the tests. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from './paths.js';

/** A w x h RGB gradient, as raw bytes. */
export function gradient(w: number, h: number, seed = 0): Buffer {
  const buf = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    buf[i] = (x * 255) / Math.max(1, w - 1);
    buf[i + 1] = (y * 255) / Math.max(1, h - 1);
    buf[i + 2] = (seed * 37 + x + y) % 256;
  }
  return buf;
}

export async function writePng(file: string, w: number, h: number, seed = 0): Promise<string> {
  await sharp(gradient(w, h, seed), { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
  return file;
}

/** The kinds of good and bad files, written into `dir`; returns their paths by name. */
export async function makeCases(dir: string): Promise<Record<string, string>> {
  const p = (name: string) => join(dir, name);
  const files: Record<string, string> = {};
  // EXIF orientation 6 (rotate 90 clockwise to display): stored 8 wide x 4 high, displayed 4 x 8.
  const left = Buffer.alloc(8 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) left.fill(x < 4 ? 0 : 255, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
  await sharp(left, { raw: { width: 8, height: 4, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile((files.exif = p('exif.jpg')));
  await sharp(Buffer.alloc(16 * 16, 128), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile((files.gray = p('gray.png')));
  const rgba = Buffer.alloc(16 * 16 * 4);
  for (let i = 0; i < 16 * 16; i++) rgba.set([255, 0, 0, i < 128 ? 0 : 255], i * 4); // top half transparent
  await sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } }).png().toFile((files.alpha = p('alpha.png')));
  const words = new Uint16Array(16 * 16 * 3).fill(32768); // 16-bit mid grey: 32768/65535, not 128/255
  await sharp(words, { raw: { width: 16, height: 16, channels: 3 } }).toColourspace('rgb16').png().toFile((files.deep = p('deep.png')));
  await sharp(gradient(16, 16), { raw: { width: 16, height: 16, channels: 3 } }).png({ palette: true, colours: 16 }).toFile((files.palette = p('palette.png')));
  const red = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ff0000' } }).png().toBuffer();
  const blue = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#0000ff' } }).png().toBuffer();
  await sharp([red, blue], { join: { animated: true } }).gif().toFile((files.animated = p('animated.gif')));
  await sharp(gradient(32, 16), { raw: { width: 32, height: 16, channels: 3 } }).png().toFile((files.wide = p('wide.png')));
  // bad files
  const good = await sharp(gradient(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
  writeFileSync((files.truncated = p('truncated.png')), good.subarray(0, Math.floor(good.length / 2)));
  const corrupt = Buffer.from(good);
  for (let i = 60; i < corrupt.length - 20; i += 7) corrupt[i] ^= 0x5a; // damage the compressed data, keep the signature
  writeFileSync((files.corrupt = p('corrupt.png')), corrupt);
  writeFileSync((files.empty = p('empty.png')), Buffer.alloc(0));
  writeFileSync((files.text = p('notes.jpg')), 'these are not pixels\n');
  return files;
}

/**
 * A folder with one group of two, the second image a named pipe nobody
 * writes: a worker that takes the group blocks reading it, so the job stays
 * in hand in its first stage (decode). Returns the folder and a text
 * manifest of that group.
 */
export async function heldGroup(): Promise<{ data: string; manifest: string }> {
  const data = tempDir();
  await writePng(join(data, 'a0.png'), 32, 32, 1);
  execFileSync('mkfifo', [join(data, 'a1.png')]);
  const manifest = join(tempDir(), 'groups.txt');
  writeFileSync(manifest, 'a0.png,a1.png\n');
  return { data, manifest };
}
