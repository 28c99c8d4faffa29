import type { ValueStats } from '../types.js';
import type { LevelTable } from './level-table.js';

/** Summary statistics of one channel's values, in float64: ValueStats without the density, and the count. */
export type Summary = Omit<ValueStats, 'bandwidth' | 'density'> & { n: number };

/** min, max, mean, std (two-pass, ddof 0) and the shares outside [0, 1] of a channel's values. */
export function summarize({ values, counts, n }: LevelTable): Summary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let below = 0;
  let above = 0;
  for (let i = 0; i < values.length; ++i) {
    const v = values[i];
    const c = counts[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < 0) below += c;
    else if (v > 1) above += c;
    sum += v * c;
  }
  const mean = sum / n;
  // Second pass: squared deviations from the mean, where sum(x^2) - n*mean^2 would cancel.
  let ss = 0;
  for (let i = 0; i < values.length; ++i) {
    const d = values[i] - mean;
    ss += d * d * counts[i];
  }
  return { n, min, max, mean, std: Math.sqrt(ss / n), below0: below / n, above1: above / n };
}
