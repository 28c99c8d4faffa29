/**
 * Tick positions as matplotlib's AutoLocator picks them: MaxNLocator with
 * steps [1, 2, 2.5, 5, 10] (so a range of +-3.5 gets -2.5, 0, 2.5, where
 * d3's 1, 2, 5 steps give -2, 0, 2). A port of `MaxNLocator._raw_ticks` and
 * `tick_values` of matplotlib 3.6 (lib/matplotlib/ticker.py), in the
 * default autolimit mode ('data'), without pruning or integer ticks.
 */

/** AutoLocator's steps (matplotlib's default, not classic, mode). */
export const AUTO_STEPS: readonly number[] = [1, 2, 2.5, 5, 10];

/**
 * At most `nbins` intervals of a "nice" step from `steps` (times a power of
 * ten) over [vmin, vmax], the fewest that still put `minTicks` ticks inside
 * the range. As matplotlib's, the ticks returned reach one step beyond
 * each end of the range where the step does not meet it (its formatter reads
 * them too); ascending.
 */
export function maxNTicks(vmin: number, vmax: number, nbins: number, { steps = AUTO_STEPS, minTicks = 2 }: { steps?: readonly number[]; minTicks?: number } = {}): number[] {
  [vmin, vmax] = nonsingular(Math.min(vmin, vmax), Math.max(vmin, vmax));
  const { scale, offset } = scaleRange(vmin, vmax, nbins);
  const lo = vmin - offset;
  const hi = vmax - offset;
  const rawStep = (hi - lo) / nbins;
  // _staircase: the steps a tenth as large and ten times as large around them
  const extended = [...steps.slice(0, -1).map((s) => 0.1 * s), ...steps, 10 * steps[1]!].map((s) => s * scale);
  let istep = extended.findIndex((s) => s >= rawStep);
  let ticks: number[] = [];
  // The first step at least the raw one is an upper limit: smaller ones are taken while too few ticks fall inside.
  for (; istep >= 0; istep--) {
    const step = extended[istep]!;
    const best = pyDivmod(lo, step)[0] * step;
    const low = edgeLe(lo - best, step, offset);
    const high = edgeGe(hi - best, step, offset);
    ticks = [];
    for (let k = low; k <= high; k++) ticks.push(k * step + best);
    if (ticks.filter((t) => t >= lo && t <= hi).length >= minTicks) break;
  }
  return ticks.map((t) => t + offset);
}

/** matplotlib's scale_range: the power of ten of a bin, and an offset for a range far from 0. */
function scaleRange(vmin: number, vmax: number, n: number, threshold = 100): { scale: number; offset: number } {
  const dv = Math.abs(vmax - vmin);
  const meanv = (vmax + vmin) / 2;
  const offset = Math.abs(meanv) / dv < threshold ? 0 : Math.sign(meanv) * 10 ** Math.floor(Math.log10(Math.abs(meanv)));
  return { scale: 10 ** Math.floor(Math.log10(dv / n)), offset };
}

/** matplotlib's transforms.nonsingular(expander=1e-13, tiny=1e-14), as tick_values calls it. */
function nonsingular(vmin: number, vmax: number, expander = 1e-13, tiny = 1e-14): [number, number] {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) return [-expander, expander];
  const maxAbs = Math.max(Math.abs(vmin), Math.abs(vmax));
  // (1e6 / tiny) * the smallest normal double
  if (maxAbs < (1e6 / tiny) * 2.2250738585072014e-308) return [-expander, expander];
  if (vmax - vmin <= maxAbs * tiny) {
    if (vmax === 0 && vmin === 0) return [-expander, expander];
    return [vmin - expander * Math.abs(vmin), vmax + expander * Math.abs(vmax)];
  }
  return [vmin, vmax];
}

/** Python's divmod for floats (floor division; the remainder takes the divisor's sign). */
function pyDivmod(x: number, y: number): [number, number] {
  let mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) {
    mod += y;
    div -= 1;
  }
  let floordiv = Math.floor(div);
  if (div - floordiv > 0.5) floordiv += 1;
  return [floordiv, mod];
}

/** _Edge_integer.closeto: more slack when the offset is large against the step. */
function closeTo(ms: number, edge: number, step: number, offset: number): boolean {
  const tol = Math.abs(offset) > 0 ? Math.min(0.4999, Math.max(1e-10, 10 ** (Math.log10(Math.abs(offset) / step) - 12))) : 1e-10;
  return Math.abs(ms - edge) < tol;
}

/** The largest n with n * step <= x (_Edge_integer.le). */
function edgeLe(x: number, step: number, offset: number): number {
  const [d, m] = pyDivmod(x, step);
  return closeTo(m / step, 1, step, offset) ? d + 1 : d;
}

/** The smallest n with n * step >= x (_Edge_integer.ge). */
function edgeGe(x: number, step: number, offset: number): number {
  const [d, m] = pyDivmod(x, step);
  return closeTo(m / step, 0, step, offset) ? d : d + 1;
}
