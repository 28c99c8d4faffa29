/**
 * `bnviz fit`'s speed: images per second over a generated folder of 256x256
 * images (600 JPEG or PNG), in this process, median of three passes.
 *
 *   node dist/scripts/bench-fit.js
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fitDataset } from '../src/fit/fit-dataset.js';
import { benchDataset, type BenchFormat } from './bench-data.js';

const WORK = join(resolve('.'), '.tmp', 'bench');

/** Median images/s of `fitDataset` over `dir` with `threads` images decoded at once. */
export async function benchFit(dir: string, threads: number, passes = 3): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    const r = await fitDataset(dir, { size: 256, fit: 'cover', background: '#000000', colorProfile: 'ignore', threads });
    rates.push(r.images / ((performance.now() - t0) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(passes / 2)]!;
}

export async function benchFitAll(): Promise<Array<{ format: BenchFormat; threads: number; imagesPerSecond: number }>> {
  const out: Array<{ format: BenchFormat; threads: number; imagesPerSecond: number }> = [];
  for (const format of ['jpg', 'png'] as const) {
    const dir = await benchDataset(join(WORK, `fit-200-${format}`), 200, format);
    for (const threads of [1, availableParallelism()]) out.push({ format, threads, imagesPerSecond: await benchFit(dir, threads) });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log('bnviz fit, 600 generated 256x256 images, median of 3:');
  for (const r of await benchFitAll()) console.log(`  ${r.format.toUpperCase().padEnd(4)} ${String(r.threads).padStart(2)} threads: ${r.imagesPerSecond.toFixed(0)} images/s`);
}
