/**
 * The run at a glance: how unseen shares spread over the dataset (a
 * histogram) and how many groups were counted per time slice (the rate over
 * time), from the aggregates the run keeps as groups are counted (a fleet
 * run) or from the groups themselves (a run known by its folder). Pure.
 */
import type { RunStatus } from '../fleet/read-status.js';
import type { Aggregates } from '../fleet/run-store.js';
import { normalizationLabel } from '../records/gallery-html.js';
import { UnseenSpread } from '../records/unseen-spread.js';
import type { IndexedGroup } from './run-index.js';

export interface Histogram {
  /** Bin edges as unseen shares: bin i holds [edges[i], edges[i+1]), the last one closed. */
  edges: number[];
  counts: number[];
}

/** Fine bins the run keeps of its groups' largest unseen shares: 0.1% each. */
const FINE_BINS = 1000;

/** Groups' largest unseen shares counted into FINE_BINS bins (as the run's aggregates keep them). */
export function fineBins(shares: Iterable<number>): number[] {
  const bins = new Array<number>(FINE_BINS).fill(0);
  for (const s of shares) bins[Math.min(FINE_BINS - 1, Math.max(0, Math.floor(s * FINE_BINS)))]!++;
  return bins;
}

/**
 * Counts of groups by largest unseen share, in `bins` equal bins from 0 to
 * the largest share seen rounded up to a tenth (so a run whose shares are
 * all small still spreads over the bins), at most 1. From the fine bins:
 * a tenth is a whole number of them, so each falls in one bin.
 */
export function unseenHistogram(fine: readonly number[], bins = 20): Histogram {
  let last = -1;
  for (let i = 0; i < fine.length; i++) if (fine[i]! > 0) last = i;
  const tenths = Math.min(10, Math.max(1, Math.ceil(((last + 1) * 10) / FINE_BINS)));
  const top = tenths / 10;
  const edges = Array.from({ length: bins + 1 }, (_, i) => +((top * i) / bins).toFixed(6));
  const counts = new Array<number>(bins).fill(0);
  const per = (tenths * FINE_BINS) / 10 / bins;
  for (let i = 0; i <= last; i++) if (fine[i]) counts[Math.min(bins - 1, Math.floor(i / per))]! += fine[i]!;
  return { edges, counts };
}

/** How each image's unseen share spreads, per channel, as index.html draws it (an SVG figure with its caption); '' before any is known. */
export function unseenSpreadFigure(spread: Aggregates['spread'], label: string): string {
  return String(UnseenSpread.from(spread).svg(label));
}

/** The spread of a run known by its folder, from its groups' shares. */
export function folderSpread(groups: Iterable<IndexedGroup>): Aggregates['spread'] {
  const spread = new UnseenSpread();
  for (const g of groups) if (g.unseen) spread.addShares(g.unseen);
  return spread.totals();
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

/** Slice lengths a rate series may use (s). */
const RATE_STEPS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

/** The slice length for a run counted from `first` to `last` (ms): at most `maxSlices` slices. */
export function rateSlice(first: number, last: number, maxSlices = 60): number {
  return (RATE_STEPS.map((s) => s * 1000).find((s) => (last - first) / s < maxSlices)) ?? Math.ceil((last - first + 1) / maxSlices);
}

/**
 * Groups counted per slice from the first to the last count, the slice
 * length chosen (1 s, 5 s, 15 s, 1 min, 5 min, 15 min, 1 h, ...) so that
 * there are at most `maxSlices`; from counts by time (ms since the epoch),
 * each at most one slice long.
 */
export function rateSeries(counted: Iterable<[number, number]>, first: number, last: number, maxSlices = 60): RateSeries {
  if (!(last >= first)) return { start: 0, sliceMs: 1000, counts: [] };
  const sliceMs = rateSlice(first, last, maxSlices);
  const start = Math.floor(first / sliceMs) * sliceMs;
  const counts = new Array<number>(Math.floor((last - start) / sliceMs) + 1).fill(0);
  for (const [t, n] of counted) {
    const i = Math.floor((t - start) / sliceMs);
    if (i >= 0 && i < counts.length) counts[i]! += n;
  }
  return { start, sliceMs, counts };
}

/** The run's rate hash to read for a slice length: the coarsest of 1 s, 1 min, 1 h that divides it. */
export function rateResolution(sliceMs: number): 1 | 60 | 3600 {
  return sliceMs % 3600_000 === 0 ? 3600 : sliceMs % 60_000 === 0 ? 60 : 1;
}
