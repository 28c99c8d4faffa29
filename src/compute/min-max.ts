/**
 * The write-up's min-max scaled variant (section 4.3): the normalized group
 * mapped to [0, 1] with one minimum and one maximum over all of it,
 * `(x - min) / (max - min)`. It fits every value into what an image can show,
 * and so hides how far normalization moved them; bnviz draws it to show that.
 */
export interface MinMaxResult {
  scaled: Float32Array[];
  min: number;
  max: number;
}

export function minMaxScale(values: Float32Array[]): MinMaxResult {
  let min = Infinity;
  let max = -Infinity;
  for (const a of values) {
    for (let i = 0; i < a.length; ++i) {
      const v = a[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  // A constant group has no range: map it to 0 rather than divide by zero.
  const inv = max > min ? 1 / (max - min) : 0;
  const scaled = values.map((a) => {
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; ++i) out[i] = (a[i] - min) * inv;
    return out;
  });
  return { scaled, min, max };
}
