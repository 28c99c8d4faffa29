/**
 * Generated datasets for the benchmarks: smooth random colour fields with
 * noise, 256x256, as JPEG (quality 92, what most image datasets hold) or PNG,
 * seeded so every run makes the same images. Larger
 * datasets reuse the same files as hard links under new names (the pipeline
 * reads each as its own file; generating 6,000 PNGs would only time sharp's
 * encoder).
 */
import { existsSync, linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type BenchFormat = 'jpg' | 'png';

export async function syntheticImage(file: string, seed: number, size = 256): Promise<void> {
  const rand = mulberry32(seed);
  const waves = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => [rand() * 0.05, rand() * 0.05, rand() * 6.28, rand()]));
  const bias = [rand(), rand(), rand()];
  const buf = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    for (let c = 0; c < 3; c++) {
      let v = bias[c] * 0.6;
      for (const [fx, fy, ph, amp] of waves[c]) v += 0.25 * amp * Math.sin(fx * x + fy * y + ph);
      v += (rand() - 0.5) * 0.08;
      buf[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255 + 40)));
    }
  }
  const image = sharp(buf, { raw: { width: size, height: size, channels: 3 } });
  await (file.endsWith('.png') ? image.png() : image.jpeg({ quality: 92 })).toFile(file);
}

/** A folder of `groups` x 3 images: `distinct` generated ones, the rest hard links to them. */
export async function benchDataset(dir: string, groups: number, format: BenchFormat = 'jpg', distinct = 600): Promise<string> {
  const images = groups * 3;
  if (existsSync(dir) && readdirSync(dir).length === images) return dir;
  mkdirSync(dir, { recursive: true });
  const source = join(dir, '..', `source-${format}-${distinct}`);
  mkdirSync(source, { recursive: true });
  for (let i = 0; i < Math.min(distinct, images); i++) {
    const f = join(source, `s${String(i).padStart(5, '0')}.${format}`);
    if (!existsSync(f)) await syntheticImage(f, i + 1);
  }
  for (let i = 0; i < images; i++) {
    const f = join(dir, `img${String(i).padStart(6, '0')}.${format}`);
    if (!existsSync(f)) linkSync(join(source, `s${String(i % distinct).padStart(5, '0')}.${format}`), f);
  }
  return dir;
}
