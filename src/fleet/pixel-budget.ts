/**
 * A memory budget per job, in pixels of about 100 bytes each. A group's
 * memory has three parts, each counted here (measured as the peak RSS of
 * `bnviz render` on three images, /usr/bin/time -f %M; README, Memory budget):
 * - its images: files x size x size pixels (the decoded codes and floats, the
 *   normalized and min-max copies, level tables): 8 images at 4096 took 14 GB;
 * - its figures: each PNG figure's canvas and its copies grow with the images
 *   in it and the square of `scale` (3 images of 8 x 8 took 166 MB at scale 1,
 *   959 MB at 4, 3.3 GB at 8); an SVG costs at most what a PNG at scale 1 does;
 * - its densities: points of the grid for each image, channel and curve, and
 *   the figures' paths through them (+106 MB for 3 images at 20,000 points).
 * The default, 2^23 pixels (3 images of 1672 with the default figures, or 40
 * of 256), keeps a job near 1 GB. Pure: plain numbers in, plain data out.
 */
import { InputError } from '../errors.js';
import type { FigureFormat, FigureKind } from '../types.js';
import { plural } from '../util/plural.js';

export const DEFAULT_MAX_PIXELS = 2 ** 23;

/**
 * Pixels (of 100 bytes) a figure costs for each image in it, at scale 1: its
 * growth with scale^2 from 1 to 4, over 3 images of 8 x 8, alone in the run
 * (overview 122 MB, panels 518 MB, compare 163 MB over 15 units of scale^2),
 * rounded up. Doubling the images doubled it (6 images: 1.8 GB at scale 4).
 */
export const FIGURE_PIXELS: Readonly<Record<FigureKind, number>> = { overview: 28_000, panels: 116_000, compare: 37_000 };

/** Pixels (of 100 bytes) a density grid point costs for each image: 106 MB for 3 images at 19,800 more points, rounded up. */
export const GRID_POINT_PIXELS = 18;

/** What a job's memory depends on: its options as the run keeps them. */
export interface BudgetOptions {
  size: number;
  figures: readonly FigureKind[];
  formats: readonly FigureFormat[];
  scale: number;
  gridSize: number;
}

export interface JobPixels {
  images: number;
  figures: number;
  densities: number;
  total: number;
}

/** A group of `files` images' memory, in pixels of about 100 bytes. */
export function jobPixels(files: number, { size, figures, formats, scale, gridSize }: BudgetOptions): JobPixels {
  const perImage = figures.reduce((sum, kind) => sum + FIGURE_PIXELS[kind], 0);
  // an SVG figure draws at scale 1 whatever the scale (its canvas is the figure's size in points)
  const figureScale = (formats.includes('png') || formats.includes('webp') ? scale * scale : 0) + (formats.includes('svg') ? 1 : 0);
  const images = files * size * size;
  const figurePixels = Math.ceil(files * perImage * figureScale);
  const densities = files * gridSize * GRID_POINT_PIXELS;
  return { images, figures: figurePixels, densities, total: images + figurePixels + densities };
}

/** Options that draw nothing and grid nothing: the first pass's slices, which only decode. */
export function decodeOnly(size: number): BudgetOptions {
  return { size, figures: [], formats: [], scale: 1, gridSize: 0 };
}

const n = (x: number) => x.toLocaleString('en-US');

/** Throws InputError naming the job's pixels (each part that is not nothing), the limit and how to raise it. */
export function checkPixelBudget(files: number, options: BudgetOptions, maxPixels: number, subject: string, how: string): void {
  const p = jobPixels(files, options);
  if (p.total <= maxPixels) return;
  // a part is named, and its setting suggested, when it is a tenth of the whole or more
  const large = (part: number) => part * 10 >= p.total;
  const parts: string[] = [];
  if (large(p.figures)) parts.push(`their figures (${options.figures.join(', ')} as ${options.formats.join(', ')}${options.formats.includes('png') ? ` at scale ${options.scale}` : ''}) ${n(p.figures)}`);
  if (large(p.densities)) parts.push(`their densities (a grid of ${n(options.gridSize)}) ${n(p.densities)}`);
  const all = parts.length ? `, ${parts.join(' and ')}: ${n(p.total)} in all` : p.total > p.images ? ` (${n(p.total)} with their figures and densities)` : '';
  const smaller = ['--size', '--group-size', ...(large(p.figures) ? ['--scale', '--figures'] : []), ...(large(p.densities) ? ['--grid-size'] : [])];
  throw new InputError(subject, `${plural(files, 'image')} of ${options.size} x ${options.size} ${files === 1 ? 'is' : 'are'} ${n(p.images)} pixels${all}, over the budget of ${n(maxPixels)} per group (about 100 bytes each in memory); use smaller ${smaller.join(' or ')}, or raise ${how}`);
}
