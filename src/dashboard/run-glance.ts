/**
 * The run at a glance, from its finished groups: how unseen shares spread
 * over the dataset (a histogram) and how many groups were counted per time
 * slice (the rate over time). Pure functions of the groups.
 */
import type { RunStatus } from '../fleet/read-status.js';
import { normalizationLabel } from '../records/gallery-html.js';
import { UnseenSpread } from '../records/unseen-spread.js';
import type { IndexedGroup } from './run-index.js';

export interface Histogram {
  /** Bin edges as unseen shares: bin i holds [edges[i], edges[i+1]), the last one closed. */
  edges: number[];
  counts: number[];
}

/**
 * Counts of groups by largest unseen share, in `bins` equal bins from 0 to
 * the largest share seen rounded up to a tenth (so a run whose shares are
 * all small still spreads over the bins), at most 1.
 */
export function unseenHistogram(groups: Iterable<IndexedGroup>, bins = 20): Histogram {
  const shares: number[] = [];
  for (const g of groups) if (g.status !== 'failed') shares.push(Math.min(1, Math.max(0, g.maxUnseen)));
  const top = Math.min(1, Math.max(0.1, Math.ceil(Math.max(0, ...shares) * 10) / 10));
  const edges = Array.from({ length: bins + 1 }, (_, i) => +((top * i) / bins).toFixed(6));
  const counts = new Array<number>(bins).fill(0);
  for (const s of shares) counts[Math.min(bins - 1, Math.floor((s / top) * bins))]++;
  return { edges, counts };
}

/**
 * How each image's unseen share spreads, per channel, as index.html draws it
 * (an SVG figure with its caption); '' before any group with shares is known.
 */
export function unseenSpreadFigure(groups: Iterable<IndexedGroup>, label: string): string {
  const spread = new UnseenSpread();
  for (const g of groups) if (g.status === 'done' && g.unseen) spread.addShares(g.unseen);
  return String(spread.svg(label));
}

/** The caption's words for what the run normalized with (its options in Redis; a run known only by its folder has none). */
export function statsLabel(status: RunStatus | undefined): string {
  const options = status?.meta?.options ?? status?.partialMeta?.options;
  return options ? normalizationLabel(options) : 'under the run\'s statistics';
}

export interface RateSeries {
  /** Start of the first slice (ms since the epoch). */
  start: number;
  /** Length of one slice (ms). */
  sliceMs: number;
  /** Groups counted in each slice. */
  counts: number[];
}

/**
 * Groups counted per slice from the first to the last count, the slice
 * length chosen (1 s, 5 s, 15 s, 1 min, 5 min, 15 min, 1 h, ...) so that
 * there are at most `maxSlices`.
 */
export function rateSeries(groups: Iterable<IndexedGroup>, maxSlices = 60): RateSeries {
  const times: number[] = [];
  for (const g of groups) if (g.at) times.push(g.at);
  if (times.length === 0) return { start: 0, sliceMs: 1000, counts: [] };
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const steps = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600].map((s) => s * 1000);
  const sliceMs = steps.find((s) => (last - first) / s < maxSlices) ?? Math.ceil((last - first + 1) / maxSlices);
  const start = Math.floor(first / sliceMs) * sliceMs;
  const counts = new Array<number>(Math.floor((last - start) / sliceMs) + 1).fill(0);
  for (const t of times) counts[Math.floor((t - start) / sliceMs)]++;
  return { start, sliceMs, counts };
}
