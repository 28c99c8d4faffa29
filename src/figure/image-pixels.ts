/**
 * The 8-bit RGBA pixels of an image mark. Values are clipped to [0, 1] for
 * display, as matplotlib's imshow does with float RGB: below 0 shows black,
 * above 1 white. That is exactly the loss the figures point at, so the split
 * image can mark the pixels lost entirely (see UNSEEN_MARK_COLORS).
 *
 * An image is levels and a table of each level's value (TableImage), so the
 * display code of a level is worked out once a level, not once a pixel: a
 * pixel is three table reads.
 */
import type { GroupArrays, TableImage } from '../types.js';
import type { ImageSource } from './spec.js';
import { UNSEEN_MARK_COLORS } from './style.js';

/** Width and height of an image mark's pixels. */
export function imageSize(source: ImageSource, arrays: GroupArrays): { width: number; height: number } {
  const { width, height } = pick(source.kind === 'whole' ? arrays[source.array] : arrays.original, source.index);
  return { width, height };
}

/**
 * Writes an image mark's pixels as opaque RGBA into `out` (`width * height * 4`
 * bytes, the size imageSize gives), in one pass, so the caller can hand in
 * the buffer it draws from (a canvas' ImageData) instead of a copy.
 */
export function writeImageRgba(source: ImageSource, arrays: GroupArrays, out: Uint8ClampedArray): void {
  if (source.kind === 'whole') {
    const img = pick(arrays[source.array], source.index);
    checkLength(img, out);
    writeLevels(img, pick(arrays.original, source.index), out, 0, img.width * img.height, false);
    return;
  }
  const original = pick(arrays.original, source.index);
  const normalized = pick(arrays.normalized, source.index);
  const { width, height } = original;
  if (normalized.width !== width || normalized.height !== height) {
    throw new RangeError(`image ${source.index}: original is ${width}x${height} but normalized is ${normalized.width}x${normalized.height}`);
  }
  checkLength(original, out);
  // The write-up's split: columns [0, half) of the original, [half, width) of the normalized.
  const half = Math.floor(width / 2);
  for (let y = 0, row = 0; y < height; y++, row += width) {
    writeLevels(original, original, out, row, row + half, false);
    writeLevels(normalized, original, out, row + half, row + width, source.markUnseen);
  }
}

function pick(list: TableImage[], index: number): TableImage {
  const img = list[index];
  if (!img) throw new RangeError(`no image ${index} among ${list.length}`);
  return img;
}

function checkLength(img: TableImage, out: Uint8ClampedArray): void {
  if (out.length !== img.width * img.height * 4) throw new RangeError(`expected ${img.width * img.height * 4} bytes for a ${img.width}x${img.height} image but received ${out.length}`);
}

/** Flags of a level in a channel: its value is below 0 (1), above 1 (2), or neither (0). */
const BELOW = 1;
const ABOVE = 2;

interface Display {
  /** The display code of each slot (`[level * 3 + c]`). */
  codes: Uint8Array;
  /** BELOW, ABOVE or 0 for each slot. */
  flags: Uint8Array;
}

/** Display tables by values table: a batch-normalized group's images share one. */
const displays = new WeakMap<Float32Array, Display>();

/**
 * Each slot's display code and flags. The code is what the display clip gives
 * the float32 value: a Uint8ClampedArray takes `value * 255` clipped to [0,
 * 255] and rounded half to even, as a pixel written from the value is.
 */
function displayOf(values: Float32Array): Display {
  let d = displays.get(values);
  if (!d) {
    const clamped = new Uint8ClampedArray(values.length);
    const flags = new Uint8Array(values.length);
    for (let i = 0; i < values.length; ++i) {
      const v = values[i]!;
      clamped[i] = v * 255;
      flags[i] = v < 0 ? BELOW : v > 1 ? ABOVE : 0;
    }
    d = { codes: new Uint8Array(clamped.buffer), flags };
    displays.set(values, d);
  }
  return d;
}

const [BELOW_R, BELOW_G, BELOW_B] = UNSEEN_MARK_COLORS.below;
const [ABOVE_R, ABOVE_G, ABOVE_B] = UNSEEN_MARK_COLORS.above;

/**
 * Writes pixels [from, to) of an image as opaque RGBA bytes at the same pixel
 * positions. With `mark`, a pixel whose every channel is below 0 (or above 1)
 * gets the unseen mark's colour. Letterbox bars (mask 0) are drawn as in
 * `original`, unmarked: they are not data.
 */
function writeLevels(img: TableImage, original: TableImage, out: Uint8ClampedArray, from: number, to: number, mark: boolean): void {
  const { codes: levels, mask } = img;
  const { codes, flags } = displayOf(img.values);
  const bars = mask ? displayOf(original.values).codes : codes;
  for (let p = from, i = from * 3, o = from * 4; p < to; p++, i += 3, o += 4) {
    const r = levels[i]! * 3;
    const g = levels[i + 1]! * 3 + 1;
    const b = levels[i + 2]! * 3 + 2;
    if (mask && !mask[p]) {
      out[o] = bars[r]!;
      out[o + 1] = bars[g]!;
      out[o + 2] = bars[b]!;
    } else if (mark && flags[r]! & flags[g]! & flags[b]!) {
      const below = flags[r] === BELOW;
      out[o] = below ? BELOW_R : ABOVE_R;
      out[o + 1] = below ? BELOW_G : ABOVE_G;
      out[o + 2] = below ? BELOW_B : ABOVE_B;
    } else {
      out[o] = codes[r]!;
      out[o + 1] = codes[g]!;
      out[o + 2] = codes[b]!;
    }
    out[o + 3] = 255;
  }
}
