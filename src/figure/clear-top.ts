/**
 * Text inside a density panel stays off the curves: the y range's top is
 * raised just enough that every curve runs below the text's region.
 */
import type { ValueStats } from '../types.js';
import { densityMaxWithin, isSpike } from './density-marks.js';

/** A region of text in axes fractions: x0..x1 across, from y0 up to the top. */
export interface TextRegion {
  x0: number;
  x1: number;
  y0: number;
}

/**
 * The top of a y range that keeps every curve below the given text regions,
 * so stated numbers never hide a curve; at least `yTop`. Regions reaching
 * below a fifth of the height are not kept clear.
 */
export function clearTop(channels: ValueStats[], xDomain: [number, number], yTop: number, regions: readonly TextRegion[] | undefined): number {
  const [d0, d1] = xDomain;
  let top = yTop;
  for (const r of regions ?? []) {
    const under = densityMaxWithin(channels, d0 + r.x0 * (d1 - d0), d0 + r.x1 * (d1 - d0));
    if (r.y0 > 0.2) top = Math.max(top, (under * 1.03) / r.y0);
  }
  return top;
}

/**
 * Whether a spike (a channel of one value, drawn over the panel's whole
 * height) lies under a region, or within `pad` (axes fraction) of it: no y
 * range clears it.
 */
export function spikeUnder(channels: ValueStats[], xDomain: [number, number], region: Pick<TextRegion, 'x0' | 'x1'>, pad = 0): boolean {
  const [d0, d1] = xDomain;
  return channels.some((s) => {
    if (!isSpike(s)) return false;
    const f = (s.min - d0) / (d1 - d0);
    return f >= region.x0 - pad && f <= region.x1 + pad;
  });
}
