/**
 * What the figures draw of an image's pixels: an enlarged small image as
 * blocks of its own colours (as matplotlib's imshow does), and a seam
 * between the halves that shows on any background. Real PNGs, written and
 * decoded by sharp, through computeFiles as `bnviz render` runs them.
 */
import test from 'ava';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildFigure, type AxesSpec, type FigureInput } from '../src/figure/index.js';
import { imageFilter } from '../src/figure/image-filter.js';
import { renderRgba } from '../src/figure/render-rgba.js';
import { computeFiles } from '../src/group/compute-files.js';
import { tempDir } from './helpers/paths.js';

const OPTIONS = { xRange: 3.5, markUnseen: false, scale: 1 } as const;
const COMPUTE = { fit: 'cover' as const, background: '#000000', method: 'batch' as const, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 50, bwAdjust: 1, backend: 'cpu' as const };

/** An 8 x 8 PNG of distinct colours, no two neighbours alike (each level known by construction). */
async function checker(file: string): Promise<Buffer> {
  const raw = Buffer.alloc(8 * 8 * 3);
  for (let p = 0; p < 64; p++) raw.set([(p * 37) % 256, (p * 91 + 40) % 256, ((p % 2) ^ ((p >> 3) % 2)) * 255], p * 3);
  await sharp(raw, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(file);
  return raw;
}

async function group(files: string[], size: number): Promise<FigureInput> {
  return computeFiles(files, { ...COMPUTE, size });
}

/** The RGB of the figure's pixel at (x, y) figure units (scale 1). */
function pixelAt(fig: { width: number; data: Buffer }, x: number, y: number): number[] {
  const i = (Math.floor(y) * fig.width + Math.floor(x)) * 4;
  return [fig.data[i]!, fig.data[i + 1]!, fig.data[i + 2]!];
}

test('imageFilter: blocks when enlarged by 1, 2 or 3 and more along both axes; smooth when reduced or enlarged by less than 3 (matplotlib\'s antialiased)', (t) => {
  t.is(imageFilter({ w: 8, h: 8 }, { w: 300, h: 300 }), 'nearest');
  t.is(imageFilter({ w: 8, h: 8 }, { w: 16, h: 16 }), 'nearest');
  t.is(imageFilter({ w: 8, h: 8 }, { w: 8, h: 8 }), 'nearest');
  t.is(imageFilter({ w: 256, h: 256 }, { w: 380, h: 380 }), 'smooth');
  t.is(imageFilter({ w: 256, h: 256 }, { w: 100, h: 100 }), 'smooth');
  t.is(imageFilter({ w: 8, h: 8 }, { w: 300, h: 20 }), 'smooth', 'both axes must allow it');
});

for (const kind of ['overview', 'panels', 'compare'] as const) {
  test(`renderRgba(${kind}) draws an 8x8 image at --size 8 as 8 x 8 blocks of its own colours`, async (t) => {
    const dir = tempDir();
    const raw = await checker(join(dir, 'a.png'));
    const input = await group([join(dir, 'a.png')], 8);
    const spec = buildFigure(kind, input, OPTIONS);
    const fig = renderRgba(spec, input.arrays, { scale: 1 });
    // the original image: the overview's left half, the others' whole image (panels) or inset (compare)
    const axes = spec.axes.find((a) => a.marks.some((m) => m.type === 'image' && (m.source.kind === 'split' || m.source.array === 'original')))!;
    const cols = kind === 'overview' ? 4 : 8;
    let checked = 0;
    for (let row = 0; row < 8; row++) for (let col = 0; col < cols; col++) {
      const want = [...raw.subarray((row * 8 + col) * 3, (row * 8 + col) * 3 + 3)];
      // near two opposite corners of the block and at its centre: one colour, the pixel's
      for (const f of [0.25, 0.5, 0.75]) {
        const x = axes.box.x + ((col + f) / 8) * axes.box.w;
        const y = axes.box.y + ((row + f) / 8) * axes.box.h;
        const got = pixelAt(fig, x, y);
        t.true(got.every((v, c) => Math.abs(v - want[c]!) <= 1), `${kind} pixel (${col}, ${row}) at ${f}: ${got} is not ${want}`);
        checked++;
      }
    }
    t.is(checked, 8 * cols * 3);
  });
}

function seamOf(spec: ReturnType<typeof buildFigure>, i: number): { axes: AxesSpec; x: number } {
  const axes = spec.axes.find((a) => a.id === `image-${i}`)!;
  const seam = axes.marks.filter((m) => m.type === 'vline');
  return { axes, x: seam[0]!.type === 'vline' ? seam[0]!.x : NaN };
}

test('buildFigure(overview): the seam is a light line under the dark dashes, at the halves\' meeting edge', async (t) => {
  const dir = tempDir();
  await checker(join(dir, 'a.png'));
  const spec = buildFigure('overview', await group([join(dir, 'a.png')], 8), OPTIONS);
  const seam = spec.axes.find((a) => a.id === 'image-0')!.marks.filter((m) => m.type === 'vline');
  t.deepEqual(seam.map((m) => m.type === 'vline' && [m.x, m.color, m.dash.length > 0]), [[3.5, '#ffffff', false], [3.5, '#000000', true]]);
});

for (const [name, colour] of [['black', '#000000'], ['white', '#ffffff'], ['dark grey', '#202020']] as const) {
  test(`renderRgba(overview) of a ${name} image: the seam shows both light and dark pixels along its length`, async (t) => {
    const dir = tempDir();
    const file = join(dir, `${name}.png`);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: colour } }).png().toFile(file);
    const input = await group([file], 32);
    const spec = buildFigure('overview', input, OPTIONS);
    const fig = renderRgba(spec, input.arrays, { scale: 1 });
    const { axes, x } = seamOf(spec, 0);
    const px = axes.box.x + ((x + 0.5) / 32) * axes.box.w;
    let light = 0, dark = 0;
    for (let y = Math.ceil(axes.box.y) + 2; y < axes.box.y + axes.box.h - 2; y++) {
      const lum = Math.max(...[-1, 0, 1].map((d) => pixelAt(fig, px + d, y).reduce((a, b) => a + b, 0) / 3));
      const low = Math.min(...[-1, 0, 1].map((d) => pixelAt(fig, px + d, y).reduce((a, b) => a + b, 0) / 3));
      if (lum > 200) light++;
      if (low < 60) dark++;
    }
    const rows = axes.box.h - 4;
    t.true(light > rows * 0.2, `light seam pixels on ${light} of ${rows} rows`);
    t.true(dark > rows * 0.2, `dark seam pixels on ${dark} of ${rows} rows`);
  });
}
