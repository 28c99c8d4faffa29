/**
 * Figure benchmark: median milliseconds to lay out, draw and encode the
 * overview PNG of the example group, and the PNG's size. Run alone with
 * `npm run build && node dist/scripts/bench-figures.js`; scripts/bench.ts
 * calls benchOverview().
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeGroup } from '../src/compute/compute-group.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { encodePng } from '../src/figure/encode-png.js';
import { buildFigure, DEFAULT_FIGURE_OPTIONS, type FigureInput } from '../src/figure/index.js';
import { renderRgba } from '../src/figure/render-rgba.js';

const EXAMPLES = ['astronaut.png', 'coffee.png', 'chelsea.png'];

export interface FigureBench {
  medianMs: { layout: number; draw: number; encode: number; total: number };
  pngBytes: number;
  runs: number;
}

async function exampleGroup(): Promise<FigureInput> {
  const files = EXAMPLES.map((f) => join(resolve('examples'), f));
  const images = await Promise.all(files.map((f) => decodeImage(f, { size: 256, fit: 'cover', background: '#000000' })));
  const { stats, arrays } = await computeGroup(images, files, {
    method: 'batch', epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 200, bwAdjust: 1, backend: 'auto',
  });
  return { stats, arrays };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/** Times `runs` overview figures (after `warmup` untimed ones) in this thread. */
export async function benchOverview(runs = 21, warmup = 3): Promise<FigureBench> {
  const input = await exampleGroup();
  const options = DEFAULT_FIGURE_OPTIONS;
  const layout: number[] = [], draw: number[] = [], encode: number[] = [], total: number[] = [];
  let pngBytes = 0;
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const spec = buildFigure('overview', input, options);
    const t1 = performance.now();
    const rgba = renderRgba(spec, input.arrays, options);
    const t2 = performance.now();
    const png = await encodePng(rgba);
    const t3 = performance.now();
    if (i < warmup) continue;
    layout.push(t1 - t0);
    draw.push(t2 - t1);
    encode.push(t3 - t2);
    total.push(t3 - t0);
    pngBytes = png.length;
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    medianMs: { layout: round(median(layout)), draw: round(median(draw)), encode: round(median(encode)), total: round(median(total)) },
    pngBytes,
    runs,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchOverview();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
