/**
 * A channel's density as seaborn's `kdeplot(values, cut=0)` draws it: a
 * Gaussian KDE with Scott's bandwidth (see scott-bandwidth.ts), evaluated on
 * `gridSize` evenly spaced points from the minimum to the maximum.
 *
 * fast-kde bins the values linearly onto a grid and smooths the bins with
 * Deriche's recursive Gaussian filter, O(n + bins) instead of the exact sum's
 * O(n x gridSize). Binning error shrinks with the square of the bin width
 * relative to the bandwidth, so the values are binned on a grid `refine`
 * times finer than the output, whose points coincide with every refine-th
 * fine point; no interpolation is needed.
 */
import { dericheConfig, dericheConv1d } from 'fast-kde/src/deriche.js';
import type { Density } from '../types.js';
import type { LevelTable } from './level-table.js';

/** Fine bins per bandwidth that keep the binned estimate within ~0.05% of the exact sum. */
const BINS_PER_BANDWIDTH = 16;
const MAX_REFINE = 64;

export function density(table: LevelTable, min: number, max: number, bandwidth: number, gridSize: number): Density {
  if (!(max > min) || !(bandwidth > 0)) {
    // One distinct value: no density exists (scipy raises on it). Callers draw a spike at `min`.
    return { x: [], y: [] };
  }
  const step = (max - min) / (gridSize - 1);
  const refine = Math.min(MAX_REFINE, Math.max(1, Math.ceil((BINS_PER_BANDWIDTH * step) / bandwidth)));
  const bins = (gridSize - 1) * refine + 1;
  const binned = binLinear(table, min, max, bins);
  // fast-kde's density1d(values, { bandwidth, extent: [min, max], bins, weight: count / n }).grid(), step by step
  const delta = (max - min) / (bins - 1);
  const grid = dericheConv1d(dericheConfig(bandwidth / delta, binned.negative), binned.grid, bins);
  const scale = 1 / (step / refine);
  const x = new Array<number>(gridSize);
  const y = new Array<number>(gridSize);
  for (let i = 0; i < gridSize; ++i) {
    // min + i * step, as numpy's linspace computes it
    x[i] = i === gridSize - 1 ? max : min + i * step;
    y[i] = grid[i * refine] * scale;
  }
  return { x, y };
}

/**
 * Linear binning of the weighted values onto `bins` points from lo to hi,
 * each value's weight (count / n) split between its two neighbours: fast-kde's
 * bin1d (src/bin1d.js, BSD-3-Clause), the same arithmetic in the same order,
 * with the weights read from the table instead of through a function per
 * value (V8 compiles a function made a call anew each time it gets hot).
 */
function binLinear({ values, counts, n }: LevelTable, lo: number, hi: number, bins: number): { grid: Float64Array; negative: boolean } {
  const grid = new Float64Array(bins);
  const delta = (bins - 1) / (hi - lo);
  for (let i = 0; i < values.length; ++i) {
    const xi = values[i];
    const wi = counts[i] / n;
    // skip NaN and Infinite values
    if (!(Number.isFinite(xi) && Number.isFinite(wi))) continue;
    const p = (xi - lo) * delta;
    const u = Math.floor(p);
    const v = u + 1;
    if (0 <= u && v < bins) {
      grid[u] += (v - p) * wi;
      grid[v] += (p - u) * wi;
    } else if (u === -1) {
      grid[v] += (p - u) * wi;
    } else if (v === bins) {
      grid[u] += (v - p) * wi;
    }
  }
  let negative = false;
  for (let i = 0; i < bins; ++i) if (grid[i] < 0) negative = true;
  return { grid, negative };
}
