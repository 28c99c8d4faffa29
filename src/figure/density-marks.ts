/**
 * Marks of a density panel: one filled area per channel, as seaborn's
 * kdeplot(fill=True, cut=0) draws it, and the unseen spans (x < 0 shows black,
 * x > 1 white) of normalized data.
 */
import { CHANNELS, type ValueStats } from '../types.js';

import type { Mark } from './spec.js';
import { CHANNEL_COLORS, STYLE } from './style.js';


/**
 * One area a channel, coordinates rounded to 5 significant digits to keep
 * specs small and stable. Memoized per statistics object: the grid layout
 * builds each panel several times while it settles.
 *
 * A channel with one value only (a constant image, all black, all white, a
 * saturated colour) has no density: it is drawn as a spike at its value, a
 * solid line over the panel's height. Spikes of channels that share a value
 * narrow from R to B, so each stays visible.
 */
export function densityMarks(channels: ValueStats[]): Mark[] {
  const curves: Mark[] = [];
  const spikes: Mark[] = [];
  channels.forEach((s, c) => {
    if (isSpike(s)) {
      spikes.push({ type: 'vline', x: round5(s.min), color: CHANNEL_COLORS[c]!, lineWidth: (3 - c) * STYLE.densityLineWidth, dash: [], channel: CHANNELS[c]! });
    } else {
      curves.push({
        type: 'area' as const, ...roundedCurve(s), color: CHANNEL_COLORS[c]!,
        fillAlpha: STYLE.densityFillAlpha, lineWidth: STYLE.densityLineWidth, channel: CHANNELS[c]!,
      });
    }
  });
  return [...curves, ...spikes];
}

/** A channel drawn as a spike: one value, so no density curve. */
export function isSpike(s: ValueStats): boolean {
  return s.density.x.length === 0;
}

/** Shaded spans over the values no image can show, from the domain's edge to 0 and from 1 to the other edge. */
export function unseenSpans(domain: [number, number], alpha: number): Mark[] {
  const spans: Mark[] = [];
  if (domain[0] < 0) spans.push({ type: 'span', x0: domain[0], x1: Math.min(0, domain[1]), color: '#000000', alpha, role: 'unseen-below' });
  if (domain[1] > 1) spans.push({ type: 'span', x0: Math.max(1, domain[0]), x1: domain[1], color: '#000000', alpha, role: 'unseen-above' });
  return spans;
}

/**
 * The largest density value of any channel over [x0, x1] (0 when no curve
 * reaches it), the grid points next to the range included, so a steep curve
 * between grid points is not missed. The overview's share blocks ask this for
 * every place along their span, so an ascending grid (as the densities' is) is
 * searched, not scanned; any other is scanned.
 */
export function densityMaxWithin(channels: ValueStats[], x0: number, x1: number): number {
  let max = 0;
  for (const s of channels) {
    const { x, y } = s.density;
    const n = x.length;
    if (!isAscending(x)) {
      for (let i = 0; i < n; i++) {
        const inside = x[i]! >= x0 && x[i]! <= x1;
        const near = (i + 1 < n && x[i + 1]! >= x0 && x[i]! < x0) || (i > 0 && x[i - 1]! <= x1 && x[i]! > x1);
        if (inside || near) max = Math.max(max, y[i]!);
      }
      continue;
    }
    // lo: the first point at or past x0; hi: the last at or before x1; and the neighbour outside each
    const lo = firstAtLeast(x, x0);
    const hi = firstAbove(x, x1) - 1;
    const from = lo > 0 && lo < n ? lo - 1 : lo;
    const to = hi >= 0 && hi + 1 < n ? hi + 1 : hi;
    for (let i = from; i <= to; i++) max = Math.max(max, y[i]!);
  }
  return max;
}

const ascending = new WeakMap<readonly number[], boolean>();

/** Whether a grid's points only grow (memoized per array). */
function isAscending(x: readonly number[]): boolean {
  let known = ascending.get(x);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < x.length; i++) if (!(x[i]! > x[i - 1]!)) { known = false; break; }
    ascending.set(x, known);
  }
  return known;
}

/** The first index whose value is at least v (the length when none), in an ascending array. */
function firstAtLeast(x: readonly number[], v: number): number {
  let a = 0, b = x.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (x[m]! >= v) b = m;
    else a = m + 1;
  }
  return a;
}

/** The first index whose value is above v (the length when none), in an ascending array. */
function firstAbove(x: readonly number[], v: number): number {
  let a = 0, b = x.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (x[m]! > v) b = m;
    else a = m + 1;
  }
  return a;
}

/**
 * The largest density value of all channels of all panels; 1 when no channel
 * has a curve (spikes only), so the y range stays a plain [0, 1.05] instead
 * of a sliver whose ticks read 0.0000000010.
 */
export function densityMax(panels: ValueStats[][]): number {
  let max = 0;
  for (const s of panels.flat()) for (const v of s.density.y) if (v > max) max = v;
  return max > 0 ? max : 1;
}

/** The half-width of a symmetric x range that holds every curve, with matplotlib's 5 % margin. */
export function autoRange(panels: ValueStats[][]): number {
  const reach = Math.max(1e-6, ...panels.flat().flatMap((s) => [Math.abs(s.min), Math.abs(s.max)]));
  return reach * 1.05;
}

const rounded = new WeakMap<ValueStats, { x: number[]; y: number[] }>();

function roundedCurve(s: ValueStats): { x: number[]; y: number[] } {
  let curve = rounded.get(s);
  if (!curve) {
    curve = { x: s.density.x.map(round5), y: s.density.y.map(round5) };
    rounded.set(s, curve);
  }
  return curve;
}

/**
 * 10 ** k for every k that round5 can ask for (finite doubles have decimal
 * exponents -324 to 308), computed by the same `10 ** k` once: a table read
 * instead of a power for each of the thousands of curve points of a figure.
 */
const POW10_MIN = -340;
const POW10 = Float64Array.from({ length: 700 }, (_, i) => 10 ** (i + POW10_MIN));

/** 5 significant digits, without toPrecision's string round trip. */
function round5(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const p = POW10[4 - Math.floor(Math.log10(Math.abs(v))) - POW10_MIN]!;
  return Math.round(v * p) / p;
}
