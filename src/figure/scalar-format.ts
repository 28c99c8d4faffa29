/**
 * Tick labels as matplotlib's ScalarFormatter writes them: one number of
 * decimals for all ticks of an axis, the fewest that tell them apart
 * (-2.5, 0.0, 2.5; 0, 50, 100), and a true minus sign (U+2212, matplotlib's
 * axes.unicode_minus). A port of `ScalarFormatter._set_format` of
 * matplotlib 3.6 (lib/matplotlib/ticker.py).
 *
 * Two differences, both for readability of a label on its own: matplotlib
 * writes ticks beyond 1e6 or below 1e-5 as mantissas with one "1e6" for
 * the axis at its end, which is easily missed; here each such label carries
 * its own exponent (2.5e6). And no offset ("+1e3" for ticks 1000.1, 1000.2):
 * bnviz's axes start at 0 (densities), at -0.5 (pixels) or hold 0 (normalized
 * values), where matplotlib uses none either.
 */

/** axes.formatter.limits: powers of ten outside (-5, 6) go to scientific notation. */
const POWER_LIMITS = [-5, 6] as const;
const MINUS = '\u2212';

/**
 * Labels for `visible`, the ticks inside the axis' range; `locs` are all the
 * locator gave (one beyond each end, as MaxNLocator's), which set the
 * decimals as they do in matplotlib.
 */
export function scalarLabels(locs: number[], visible: number[]): string[] {
  if (visible.length === 0) return [];
  const top = Math.max(...visible.map(Math.abs));
  const oom = top === 0 ? 0 : Math.floor(Math.log10(top));
  const order = oom <= POWER_LIMITS[0] || oom >= POWER_LIMITS[1] ? oom : 0;
  const scaled = locs.map((v) => v / 10 ** order);
  const decimals = decimalsOf(scaled);
  return visible.map((v) => {
    const text = fixed(v / 10 ** order, decimals);
    return order === 0 || text === '0' || /^[0.]+$/.test(text) ? text : `${text}e${order < 0 ? MINUS : ''}${Math.abs(order)}`;
  });
}

/** _set_format's sigfigs: start from the range's power of ten, drop decimals while the ticks still round to themselves. */
function decimalsOf(locs: number[]): number {
  let range = Math.max(...locs) - Math.min(...locs);
  if (range === 0) range = Math.max(...locs.map(Math.abs));
  if (range === 0) range = 1;
  const rangeOom = Math.floor(Math.log10(range));
  const thresh = 1e-3 * 10 ** rangeOom;
  let sigfigs = Math.max(0, 3 - rangeOom);
  while (sigfigs >= 0) {
    if (Math.max(...locs.map((v) => Math.abs(v - roundHalfEven(v, sigfigs)))) < thresh) sigfigs--;
    else break;
  }
  return sigfigs + 1;
}

/** numpy's round (half to even at the given decimals), as _set_format uses it. */
function roundHalfEven(v: number, decimals: number): number {
  const p = 10 ** decimals;
  const x = v * p;
  const r = Math.round(x);
  // Math.round takes halves up; numpy takes them to the even neighbour
  const even = Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even / p;
}

/** '%1.Nf' with a true minus; no "-0.0" for a tick that is 0 but for rounding noise. */
function fixed(v: number, decimals: number): string {
  const text = v.toFixed(decimals);
  if (/^-0(\.0*)?$/.test(text)) return text.slice(1);
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}
