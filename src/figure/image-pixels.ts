/**
 * The 8-bit RGBA pixels of an image mark. Float values are clipped to [0, 1]
 * for display, as matplotlib's imshow does with float RGB: below 0 shows
 * black, above 1 white. That is exactly the loss the figures point at, so the
 * split image can mark the clipped pixels in colour.
 */
import type { GroupArrays, RgbImage } from '../types.js';
import type { ImageSource } from './spec.js';
import { UNSEEN_MARK_COLORS } from './style.js';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export function imageRgba(source: ImageSource, arrays: GroupArrays): Rgba {
  if (source.kind === 'whole') return toRgba(pick(arrays[source.array], source.index), 0, 0);
  const original = pick(arrays.original, source.index);
  const normalized = pick(arrays.normalized, source.index);
  const { width, height } = original;
  if (normalized.width !== width || normalized.height !== height) {
    throw new RangeError(`image ${source.index}: original is ${width}x${height} but normalized is ${normalized.width}x${normalized.height}`);
  }
  const half = Math.floor(width / 2);
  const out = toRgba(original, 0, half);
  const right = toRgba(normalized, half, width, source.markUnseen);
  // Both halves were written into full-size buffers; take the right half from the second.
  for (let y = 0; y < height; y++) {
    const row = y * width * 4;
    out.data.set(right.data.subarray(row + half * 4, row + width * 4), row + half * 4);
  }
  return out;
}

function pick(list: RgbImage[], index: number): RgbImage {
  const img = list[index];
  if (!img) throw new RangeError(`no image ${index} among ${list.length}`);
  return img;
}

/** RGBA of columns [from, to) of an image (all columns when to is 0); other pixels stay transparent. */
function toRgba(img: RgbImage, from: number, to: number, mark = false): Rgba {
  const { width, height, data } = img;
  const end = to === 0 ? width : to;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = from; x < end; x++) {
      const i = (y * width + x) * 3;
      const o = (y * width + x) * 4;
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      if (mark) {
        const below = r < 0 || g < 0 || b < 0;
        const above = r > 1 || g > 1 || b > 1;
        if (below || above) {
          const c = below && above ? UNSEEN_MARK_COLORS.both : below ? UNSEEN_MARK_COLORS.below : UNSEEN_MARK_COLORS.above;
          out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]; out[o + 3] = 255;
          continue;
        }
      }
      // Uint8ClampedArray clips below 0 and above 255 and rounds, which is the display clip.
      out[o] = r * 255; out[o + 1] = g * 255; out[o + 2] = b * 255; out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}
