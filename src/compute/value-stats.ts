/** Statistics and density of one image's values in one channel. */
import type { DensityOptions, ValueStats } from '../types.js';
import { density } from './density.js';
import type { LevelTable } from './level-table.js';
import { scottBandwidth } from './scott-bandwidth.js';
import { summarize } from './summarize.js';

export function valueStats(table: LevelTable, options: DensityOptions): ValueStats {
  const s = summarize(table);
  const bandwidth = scottBandwidth(s.std, s.n, options.bwAdjust);
  return {
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
    below0: s.below0,
    above1: s.above1,
    bandwidth,
    density: density(table, s.min, s.max, bandwidth, options.gridSize),
  };
}
