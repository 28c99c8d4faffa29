/**
 * Ticks for a linear axis as matplotlib draws them by default: AutoLocator
 * (MaxNLocator, steps 1, 2, 2.5, 5, 10, nbins 'auto') for the positions and
 * ScalarFormatter for the labels, so a panel of +-3.5 reads -2.5, 0.0, 2.5
 * as the write-up's figures do.
 */
import { maxNTicks } from './max-n-locator.js';
import { scalarLabels } from './scalar-format.js';
import type { Tick } from './spec.js';
import { PT, STYLE } from './style.js';
import { textWidth } from './text-width.js';

/**
 * Ticks for `domain` on an axis `length` figure units long. nbins 'auto' is
 * matplotlib's get_tick_space: the axis' length over three label sizes on
 * the x axis (labels no wider than 3:1, it assumes) and over two on the y
 * axis, clipped to 1..9. Where labels would still run into each other (a
 * wide label such as 0.0005 on a short axis), nbins drops until neighbouring
 * labels keep half an em apart: matplotlib would let them overlap.
 */
export function axisTicks(domain: [number, number], length: number, along: 'x' | 'y' = 'x'): Tick[] {
  // The layout asks again for the same axes as it settles, and every group
  // for the same x axes: remembered, and copied so no spec shares a tick.
  const key = `${along} ${domain[0]} ${domain[1]} ${length}`;
  let ticks = remembered.get(key);
  if (!ticks) {
    ticks = pickTicks(domain, length, along);
    if (remembered.size >= REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, ticks);
  }
  return ticks.map((t) => ({ ...t }));
}

const REMEMBERED = 256;
const remembered = new Map<string, Tick[]>();

/** matplotlib's Axis.get_tick_space, for a length in figure units and tick labels of STYLE.tickLabelSize. */
export function tickSpace(length: number, along: 'x' | 'y'): number {
  const labelPt = STYLE.tickLabelSize / PT;
  return Math.floor(length / PT / (labelPt * (along === 'x' ? 3 : 2)));
}

function pickTicks(domain: [number, number], length: number, along: 'x' | 'y'): Tick[] {
  const size = STYLE.tickLabelSize;
  const span = Math.abs(domain[1] - domain[0]);
  let ticks: Tick[] = [];
  for (let nbins = Math.min(9, Math.max(1, tickSpace(length, along))); nbins >= 1; nbins--) {
    ticks = ticksOf(domain, nbins);
    if (ticks.length < 2) break;
    const spacing = (length * Math.abs(ticks[1]!.value - ticks[0]!.value)) / span;
    const needed = along === 'x' ? Math.max(...ticks.map((t) => textWidth(t.label, size))) + size / 2 : size * 1.5;
    if (spacing >= needed) break;
  }
  return ticks;
}

function ticksOf(domain: [number, number], nbins: number): Tick[] {
  const [lo, hi] = domain[0] <= domain[1] ? domain : [domain[1], domain[0]];
  const locs = maxNTicks(lo, hi, nbins);
  // a tick at 0 is 0, not the rounding noise of k * step + start
  const step = locs.length > 1 ? locs[1]! - locs[0]! : 1;
  const snapped = locs.map((v) => (Math.abs(v) < step * 1e-9 ? 0 : v));
  // inside the range, as matplotlib's axis keeps them (within 1e-10 of it)
  const slack = 1e-10 * (hi - lo);
  const visible = snapped.filter((v) => v >= lo - slack && v <= hi + slack);
  const labels = scalarLabels(snapped, visible);
  const ticks = visible.map((value, i) => ({ value: roundTo(value), label: labels[i]! }));
  // in the domain's direction (an image's y axis runs downwards)
  return domain[0] <= domain[1] ? ticks : ticks.reverse();
}

/** Rounds to 6 significant digits, so specs compare and serialize stably. */
export function roundTo(v: number, digits = 6): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(digits));
}
