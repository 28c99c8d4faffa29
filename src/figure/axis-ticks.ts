/**
 * Readable ticks for a linear axis: d3-scale picks round steps (1, 2, 5 x 10^k)
 * and a label format with as many decimals as the step needs, which is what
 * matplotlib's MaxNLocator and ScalarFormatter show (0.0, 0.2, 0.4 ...).
 */
import { scaleLinear } from 'd3-scale';
import type { Tick } from './spec.js';
import { STYLE } from './style.js';
import { textWidth } from './text-width.js';

/**
 * Ticks for `domain` on an axis `length` figure units long. As matplotlib's
 * 'auto' nbins, the count follows the room (about a tick per 3.5 label
 * heights, which gives the reference figures' 0, 1, 2 and 0, 50, ... 250),
 * and drops further until neighbouring labels keep half an em apart.
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

function pickTicks(domain: [number, number], length: number, along: 'x' | 'y'): Tick[] {
  const size = STYLE.tickLabelSize;
  const span = Math.abs(domain[1] - domain[0]);
  let ticks: Tick[] = [];
  // At least three ticks where they fit: two leave a short axis hard to read.
  for (let count = Math.min(9, Math.max(3, Math.floor(length / (size * 3.5)))); count >= 1; count--) {
    ticks = ticksOf(domain, count);
    if (ticks.length < 2) break;
    const spacing = (length * Math.abs(ticks[1]!.value - ticks[0]!.value)) / span;
    const needed = along === 'x' ? Math.max(...ticks.map((t) => textWidth(t.label, size))) + size / 2 : size * 1.5;
    if (spacing >= needed) break;
  }
  return ticks;
}

function ticksOf(domain: [number, number], count: number): Tick[] {
  const scale = scaleLinear().domain(domain);
  const format = scale.tickFormat(count);
  const [lo, hi] = domain[0] <= domain[1] ? domain : [domain[1], domain[0]];
  return scale
    .ticks(count)
    .filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9)
    .map((value) => ({ value: roundTo(value), label: format(value) }));
}

/** Rounds to 6 significant digits, so specs compare and serialize stably. */
export function roundTo(v: number, digits = 6): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(digits));
}
