/**
 * The write-up's min-max scaled variant (section 4.3): the normalized group
 * mapped to [0, 1] with one minimum and one maximum over all of it,
 * `(x - min) / (max - min)`. It fits every value into what an image can show,
 * and so hides how far normalization moved them; bnviz draws it to show that.
 */
import type { LevelTable } from './level-table.js';

/** The map from a normalized value to its min-max scaled value, rounded to float32 as the images' values are. */
export function minMaxMap(min: number, max: number): (v: number) => number {
  // A constant group has no range: map it to 0 rather than divide by zero.
  const inv = max > min ? 1 / (max - min) : 0;
  return (v) => Math.fround((v - min) * inv);
}

/**
 * A table's values mapped by minMaxMap(min, max), in one loop (no function
 * made a group for V8 to compile again); the same pixels, the same counts.
 */
export function minMaxTable(table: LevelTable, min: number, max: number): LevelTable {
  const inv = max > min ? 1 / (max - min) : 0;
  const values = new Float64Array(table.values.length);
  for (let i = 0; i < values.length; ++i) values[i] = Math.fround((table.values[i]! - min) * inv);
  return { values, counts: table.counts, n: table.n };
}

/** Every level's value of a normalized table (`[level * 3 + c]`) mapped by minMaxMap(min, max). */
export function minMaxValues(values: Float32Array, min: number, max: number): Float32Array {
  const inv = max > min ? 1 / (max - min) : 0;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; ++i) out[i] = (values[i]! - min) * inv;
  return out;
}
