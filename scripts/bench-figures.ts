/**
 * Figure benchmark: median milliseconds to lay out, draw and encode each
 * figure (overview, panels, compare) of the example group, and the PNG's
 * size. Run alone with `npm run build && node dist/scripts/bench-figures.js`;
 * scripts/bench.ts calls benchOverview().
 *
 * `--base DIR` also times another build of the figure modules (DIR is its
 * `dist`, e.g. one of an earlier commit, built inside this checkout so that
 * it finds the same node_modules), alternating with this one in the same
 * process, so before -> after comes from one run. It checks that both draw
 * exactly the same pixels and that each PNG decodes to exactly its RGBA.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { computeGroup } from '../src/compute/compute-group.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { encodePng } from '../src/figure/encode-png.js';
import { buildFigure, DEFAULT_FIGURE_OPTIONS, drawFigures, type DrawFiguresOptions, type FigureInput, type FigureKind, type FigureOptions, type FigureSpec } from '../src/figure/index.js';
import { renderRgba } from '../src/figure/render-rgba.js';
import type { GroupArrays, ValueStats } from '../src/types.js';
import { halvedFrom, makeThumbnail, THUMBNAIL_WIDTH } from '../src/records/thumbnail.js';
import type { Canvas } from '@napi-rs/canvas';

const EXAMPLES = ['astronaut.png', 'coffee.png', 'chelsea.png'];
const KINDS: FigureKind[] = ['overview', 'panels', 'compare'];

export interface FigureBench {
  medianMs: { layout: number; draw: number; encode: number; total: number };
  /** The overview's thumbnail as a group makes it (halved from the figure's canvas, resampled, WebP): wall and CPU ms (benchOverview only). */
  thumbnail?: { medianMs: number; medianCpuMs: number };
  /** CPU time of the process (all its threads) over each stage: what a busy machine's waiting does not inflate. */
  medianCpuMs: { layout: number; draw: number; encode: number; total: number };
  pngBytes: number;
  runs: number;
}

type Rgba = { width: number; height: number; data: Buffer };

/** The three stages of one figure, as one build of the figure modules exposes them. */
interface FigureStages {
  label: string;
  build(kind: FigureKind, input: FigureInput, options: FigureOptions): FigureSpec;
  render(spec: FigureSpec, arrays: GroupArrays, options: { scale: number }): Rgba;
  encode(rgba: Rgba, scale?: number): Promise<Buffer>;
  /** What a group's worker calls: every figure, drawn and encoded. */
  drawFigures(input: FigureInput, options: DrawFiguresOptions): Promise<Array<{ name: string; bytes: Buffer }>>;
}

const THIS_BUILD: FigureStages = { label: 'this build', build: buildFigure, render: renderRgba, encode: encodePng, drawFigures };

async function stagesOf(dist: string): Promise<FigureStages> {
  const url = (file: string) => pathToFileURL(join(resolve(dist), 'src', 'figure', file)).href;
  const [index, render, encode] = await Promise.all([import(url('index.js')), import(url('render-rgba.js')), import(url('encode-png.js'))]);
  return { label: dist, build: index.buildFigure, render: render.renderRgba, encode: encode.encodePng, drawFigures: index.drawFigures };
}

export async function exampleGroup(): Promise<FigureInput> {
  const files = EXAMPLES.map((f) => join(resolve('examples'), f));
  const images = await Promise.all(files.map((f) => decodeImage(f, { size: 256, fit: 'cover', background: '#000000' })));
  const { stats, arrays } = await computeGroup(images, files, {
    method: 'batch', epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 200, bwAdjust: 1, backend: 'auto',
  });
  return { stats, arrays };
}

/**
 * `n` groups that differ as groups of a run do: the example's statistics,
 * each a new object with its densities scaled a little (so each has its own
 * y ranges and ticks, and no memo of an earlier group serves it), with the
 * same pixels.
 */
function distinctGroups(input: FigureInput, n: number): FigureInput[] {
  const scaled = (s: ValueStats, f: number): ValueStats => ({ ...s, density: { x: s.density.x, y: s.density.y.map((v) => v * f) } });
  return Array.from({ length: n }, (_, i) => {
    const f = 1 + (i + 1) / 1000;
    const images = input.stats.images.map((im) => ({
      ...im, channels: im.channels.map((c) => ({ ...c, original: scaled(c.original, f), normalized: scaled(c.normalized, f), minmax: scaled(c.minmax, f) })),
    }));
    return { stats: { ...input.stats, images }, arrays: input.arrays };
  });
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const round = (v: number) => Math.round(v * 100) / 100;

const STAGES = ['layout', 'draw', 'encode', 'total'] as const;
type Stage = typeof STAGES[number];

class Samples {
  wall: Record<Stage, number[]> = { layout: [], draw: [], encode: [], total: [] };
  cpu: Record<Stage, number[]> = { layout: [], draw: [], encode: [], total: [] };
  pngBytes = 0;

  /** Adds one run from its marks (wall and CPU ms at the start and after each stage). */
  add(wall: number[], cpu: number[]): void {
    STAGES.forEach((stage, i) => {
      const [from, to] = stage === 'total' ? [0, 3] : [i, i + 1];
      this.wall[stage].push(wall[to]! - wall[from]!);
      this.cpu[stage].push(cpu[to]! - cpu[from]!);
    });
  }

  result(runs: number): FigureBench {
    const medians = (v: Record<Stage, number[]>) => ({ layout: round(median(v.layout)), draw: round(median(v.draw)), encode: round(median(v.encode)), total: round(median(v.total)) });
    return { medianMs: medians(this.wall), medianCpuMs: medians(this.cpu), pngBytes: this.pngBytes, runs };
  }
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One figure through the three stages, timed into `into` (unless warming up); returns its RGBA and PNG. */
async function once(stages: FigureStages, kind: FigureKind, input: FigureInput, options: FigureOptions, into?: Samples): Promise<{ rgba: Rgba; png: Buffer }> {
  const wall = [performance.now()], cpu = [cpuMs()];
  const spec = stages.build(kind, input, options);
  wall.push(performance.now()), cpu.push(cpuMs());
  const rgba = stages.render(spec, input.arrays, options);
  wall.push(performance.now()), cpu.push(cpuMs());
  const png = await stages.encode(rgba, options.scale);
  wall.push(performance.now()), cpu.push(cpuMs());
  if (into) {
    into.add(wall, cpu);
    into.pngBytes = png.length;
  }
  return { rgba, png };
}

/** Times `runs` figures of each build (after `warmup` untimed ones), alternating builds run by run, each run a new group. */
async function benchKind(builds: FigureStages[], kind: FigureKind, input: FigureInput, options: FigureOptions, runs: number, warmup: number): Promise<FigureBench[]> {
  const samples = builds.map(() => new Samples());
  const groups = distinctGroups(input, warmup + runs);
  for (let i = 0; i < warmup + runs; i++) {
    for (let b = 0; b < builds.length; b++) await once(builds[b]!, kind, groups[i]!, options, i < warmup ? undefined : samples[b]);
  }
  return samples.map((s) => s.result(runs));
}

/** Median milliseconds of drawFigures for all three figures as PNG, each build in turn, each run a new group. */
async function benchAllFigures(builds: FigureStages[], input: FigureInput, runs: number, warmup: number): Promise<number[]> {
  const options: DrawFiguresOptions = { ...DEFAULT_FIGURE_OPTIONS, figures: KINDS, formats: ['png'], spec: false };
  const times: number[][] = builds.map(() => []);
  const groups = distinctGroups(input, warmup + runs);
  for (let i = 0; i < warmup + runs; i++) {
    for (let b = 0; b < builds.length; b++) {
      const t0 = performance.now();
      await builds[b]!.drawFigures(groups[i]!, options);
      if (i >= warmup) times[b]!.push(performance.now() - t0);
    }
  }
  return times.map(median);
}

/** Times `runs` overview figures (after `warmup` untimed ones) in this thread. */
export async function benchOverview(runs = 21, warmup = 3): Promise<FigureBench> {
  const input = await exampleGroup();
  const [result] = await benchKind([THIS_BUILD], 'overview', input, DEFAULT_FIGURE_OPTIONS, runs, warmup);
  return { ...result!, thumbnail: await benchThumbnail(input, runs, warmup) };
}

/** The overview's thumbnail, made as processGroup makes it from the figure's canvas as drawn: median wall and CPU ms. */
async function benchThumbnail(input: FigureInput, runs: number, warmup: number): Promise<{ medianMs: number; medianCpuMs: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (const [i, group] of distinctGroups(input, warmup + runs).entries()) {
    let canvas: Canvas | undefined;
    renderRgba(buildFigure('overview', group, DEFAULT_FIGURE_OPTIONS), group.arrays, DEFAULT_FIGURE_OPTIONS, (drawn) => (canvas = drawn));
    const w0 = performance.now(), c0 = cpuMs();
    await makeThumbnail(halvedFrom(canvas!, THUMBNAIL_WIDTH));
    if (i >= warmup) wall.push(performance.now() - w0), cpu.push(cpuMs() - c0);
  }
  return { medianMs: round(median(wall)), medianCpuMs: round(median(cpu)) };
}

/** The PNG's pixels as RGBA, decoded by sharp (libspng), not by the encoder that wrote it. */
async function decodedRgba(png: Buffer): Promise<Buffer> {
  return sharp(png).ensureAlpha().raw().toBuffer();
}

/** Throws unless every build draws the same pixels and each PNG decodes to exactly what was drawn. */
async function checkPixels(builds: FigureStages[], input: FigureInput): Promise<string[]> {
  const checked: string[] = [];
  for (const kind of KINDS) {
    for (const markUnseen of [false, true]) {
      if (markUnseen && kind !== 'overview') continue;
      const options = { ...DEFAULT_FIGURE_OPTIONS, markUnseen };
      const name = `${kind}${markUnseen ? ' (markUnseen)' : ''}`;
      const outputs = [];
      for (const stages of builds) outputs.push(await once(stages, kind, input, options));
      for (const [b, { rgba, png }] of outputs.entries()) {
        if (!(await decodedRgba(png)).equals(rgba.data)) throw new Error(`${name}: the PNG of ${builds[b]!.label} does not decode to the pixels it was given`);
        if (!rgba.data.equals(outputs[0]!.rgba.data)) throw new Error(`${name}: ${builds[b]!.label} draws other pixels than ${builds[0]!.label}`);
      }
      checked.push(name);
    }
  }
  return checked;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--base');
  const base = at >= 0 ? process.argv[at + 1] : undefined;
  const builds = base ? [await stagesOf(base), THIS_BUILD] : [THIS_BUILD];
  const runs = Number(process.env.BENCH_RUNS ?? 21);
  const input = await exampleGroup();
  const checked = await checkPixels(builds, input);
  process.stdout.write(`pixels: ${builds.length > 1 ? 'identical across builds, ' : ''}each PNG decodes to its RGBA: ${checked.join(', ')}\n`);
  process.stdout.write(`median of ${runs} runs, ms (PNG KiB)${builds.length > 1 ? `; ${builds.map((b) => b.label).join(' -> ')}` : ''}\n`);
  for (const kind of KINDS) {
    const results = await benchKind(builds, kind, input, DEFAULT_FIGURE_OPTIONS, runs, 3);
    const kib = results.map((r) => (r.pngBytes / 1024).toFixed(0)).join(' -> ');
    for (const clock of ['medianMs', 'medianCpuMs'] as const) {
      const cell = (k: Stage) => results.map((r) => r[clock][k].toFixed(1)).join(' -> ');
      const head = clock === 'medianMs' ? `${kind.padEnd(9)} wall` : `${''.padEnd(9)} cpu `;
      process.stdout.write(`  ${head} layout ${cell('layout')}  draw ${cell('draw')}  encode ${cell('encode')}  total ${cell('total')}${clock === 'medianMs' ? `  (${kib} KiB)` : ''}\n`);
    }
  }
  const all = await benchAllFigures(builds, input, runs, 3);
  process.stdout.write(`  drawFigures, all three as PNG (encodes overlap drawing where the build does so): ${all.map((v) => v.toFixed(1)).join(' -> ')} ms\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
