/**
 * The thumbnail's cost, the way bnviz makes it against the way it did
 * (libvips' Lanczos-3 straight from the full overview, WebP at effort 4),
 * alternating in one process: median CPU ms of each (this process, all its
 * threads), the file sizes, and the SSIM of each against Lanczos-3 from the
 * full figure before encoding; and the way the pipeline makes it, halved
 * straight from the figure's canvas as drawn (canvas), against the same from
 * the figure's pixels copied back into a canvas (pixels).
 * `npm run build && node dist/scripts/bench-thumbnail.js`
 */
import type { Canvas } from '@napi-rs/canvas';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { buildFigure, DEFAULT_FIGURE_OPTIONS } from '../src/figure/index.js';
import { renderRgba } from '../src/figure/render-rgba.js';
import { halvedFrom, makeThumbnail, THUMBNAIL_WIDTH, type RgbaPixels } from '../src/records/thumbnail.js';
import { exampleGroup } from './bench-figures.js';

const RUNS = 31;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const raw = (p: RgbaPixels) => sharp(p.data, { raw: { width: p.width, height: p.height, channels: 4 } });
const before = (p: RgbaPixels) => raw(p).resize({ width: 360 }).webp({ quality: 75 }).toBuffer();

async function main(): Promise<void> {
  sharp.concurrency(1);
  sharp.cache(false);
  const input = await exampleGroup();
  let drawn: Canvas | undefined;
  // the overview's canvas, as drawn: nothing else of its size draws here, so it keeps the figure
  const pixels = renderRgba(buildFigure('overview', input, DEFAULT_FIGURE_OPTIONS), input.arrays, DEFAULT_FIGURE_OPTIONS, (canvas) => (drawn = canvas));
  const ways = { before, pixels: makeThumbnail, canvas: () => makeThumbnail(halvedFrom(drawn!, THUMBNAIL_WIDTH)) };
  const samples = { before: [] as number[], pixels: [] as number[], canvas: [] as number[] };
  for (let i = 0; i < RUNS + 3; i++) {
    for (const [name, make] of Object.entries(ways) as Array<[keyof typeof ways, typeof before]>) {
      const t0 = cpuMs();
      await make(pixels);
      if (i >= 3) samples[name].push(cpuMs() - t0);
    }
  }
  const reference = await raw(pixels).resize({ width: 360 }).raw().toBuffer();
  const view = (b: Buffer, width: number, height: number) => ({ data: new Uint8ClampedArray(b.buffer, b.byteOffset, b.length), width, height });
  console.log(`thumbnail of the examples overview (${pixels.width} x ${pixels.height}), one libvips thread, median of ${RUNS} alternating runs:`);
  for (const [name, make] of Object.entries(ways) as Array<[keyof typeof ways, typeof before]>) {
    const webp = await make(pixels);
    const { data, info } = await sharp(webp).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { mssim } = ssim(view(reference, 360, info.height), view(data, info.width, info.height));
    console.log(`  ${name.padEnd(7)} ${median(samples[name]).toFixed(2).padStart(6)} ms CPU  ${String(webp.length).padStart(6)} bytes  SSIM ${mssim.toFixed(4)} against Lanczos-3 unencoded`);
  }
}

await main();
