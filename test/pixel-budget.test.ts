/**
 * The pixel budget bounds a job's memory: its images, and also its figures
 * (which grow with the square of the scale) and its density grids. The
 * three cases a worker was seen take 3.3 to 6.7 GB with are refused.
 */
import test from 'ava';
import { checkPixelBudget, DEFAULT_MAX_PIXELS, jobPixels, type BudgetOptions } from '../src/fleet/pixel-budget.js';
import { FIGURE_KINDS } from '../src/types.js';

const defaults: BudgetOptions = { size: 256, figures: [...FIGURE_KINDS], formats: ['png'], scale: 1, gridSize: 200 };

test('jobPixels: figures grow with the square of the scale, densities with the grid, an SVG adds a figure at scale 1', (t) => {
  const one = jobPixels(3, { ...defaults, size: 8 });
  const eight = jobPixels(3, { ...defaults, size: 8, scale: 8 });
  t.is(eight.images, one.images);
  t.is(eight.figures, 64 * one.figures);
  t.is(jobPixels(3, { ...defaults, gridSize: 100_000 }).densities, 500 * jobPixels(3, defaults).densities);
  t.is(jobPixels(3, { ...defaults, formats: ['png', 'svg'] }).figures, 2 * jobPixels(3, defaults).figures);
  t.is(jobPixels(3, { ...defaults, figures: [] }).figures, 0);
  t.is(jobPixels(6, defaults).total, 2 * jobPixels(3, defaults).total, 'every part grows with the images');
});

test('checkPixelBudget at the default budget: refuses what took a worker 3.3 to 6.7 GB, takes the default group', (t) => {
  const seen: Array<[string, number, BudgetOptions, RegExp]> = [
    ['one 8 x 8 image at scale 8 (3.3 GB)', 1, { ...defaults, size: 8, scale: 8 }, /^job j: 1 image of 8 x 8 is 64 pixels, their figures \(overview, panels, compare as png at scale 8\) [\d,]+: [\d,]+ in all, over the budget of 8,388,608 per group .*use smaller --size or --group-size or --scale or --figures, or raise/],
    ['three 1672 images at scale 8 (5.5 GB)', 3, { ...defaults, size: 1672, scale: 8 }, /their figures/],
    ['three 1672 images, a grid of 100,000 (1.57 GB)', 3, { ...defaults, size: 1672, figures: [], gridSize: 100_000 }, /their densities \(a grid of 100,000\) [\d,]+: .* --grid-size/],
    ['the edited job: 3 at 1672, scale 8, svg, a grid of 100,000 (6.7 GB)', 3, { ...defaults, size: 1672, scale: 8, formats: ['png', 'svg'], gridSize: 100_000 }, /their figures .* and their densities/],
  ];
  for (const [what, files, options, message] of seen) {
    t.true(3 * 1672 * 1672 <= DEFAULT_MAX_PIXELS || files === 1, 'the old count (files x size x size) took it');
    const err = t.throws(() => checkPixelBudget(files, options, DEFAULT_MAX_PIXELS, 'job j', 'maxPixels'), undefined, what);
    t.is(err?.name, 'InputError', what);
    t.regex(err?.message ?? '', message, what);
  }
  t.notThrows(() => checkPixelBudget(3, defaults, DEFAULT_MAX_PIXELS, 'job j', 'maxPixels'), 'three images of 256, every figure');
  t.notThrows(() => checkPixelBudget(3, { ...defaults, size: 1600 }, DEFAULT_MAX_PIXELS, 'job j', 'maxPixels'), 'three images of 1600, every figure');
});
