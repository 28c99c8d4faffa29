/**
 * SVG path data of a filled density (seaborn's fill_between polygon), with
 * every coordinate at two decimals. One Path2D parsed from a string costs one
 * native call instead of one a point.
 */

/** The polygon along the curve (x[i], y[i]) and back along y = 0, closed, in the units `px` and `py` project data to. */
export function areaPathData(x: number[], y: number[], px: (v: number) => number, py: (v: number) => number): string {
  const n = x.length;
  const base = fixed2(py(0));
  let d = `M${fixed2(px(x[0]!))} ${base}`;
  for (let i = 0; i < n; i++) d += `L${fixed2(px(x[i]!))} ${fixed2(py(y[i]!))}`;
  return `${d}L${fixed2(px(x[n - 1]!))} ${base}Z`;
}

/**
 * Exactly `v.toFixed(2)`, at a fraction of its cost for the figures' range
 * of values: rounded by integer arithmetic, formatted from small integers
 * (whose strings V8 caches). Where `v * 100` lies so close to a half that its
 * own rounding error could decide (or is not finite, or is huge), toFixed
 * decides, with its exact decimal rounding.
 */
export function fixed2(v: number): string {
  const s = v * 100;
  const k = Math.round(s);
  if (!(Math.abs(s - k) < 0.4999) || !(k < 0x40000000 && k > -0x40000000)) return v.toFixed(2);
  const a = k < 0 ? -k : k;
  const whole = (a / 100) | 0;
  const cents = a - whole * 100;
  return (v < 0 ? '-' : '') + whole + (cents < 10 ? '.0' : '.') + cents;
}
