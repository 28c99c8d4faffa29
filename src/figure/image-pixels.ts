/**
 * The 8-bit RGBA pixels of an image mark. Float values are clipped to [0, 1]
 * for display, as matplotlib's imshow does with float RGB: below 0 shows
 * black, above 1 white. That is exactly the loss the figures point at, so the
 * split image can mark the pixels lost entirely (see UNSEEN_MARK_COLORS).
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
  if (source.kind === 'whole') {
    const img = pick(arrays[source.array], source.index);
    const out = new Uint8ClampedArray(img.width * img.height * 4);
    writeColumns(img, out, 0, img.width, false);
    return { width: img.width, height: img.height, data: out };
  }
  const original = pick(arrays.original, source.index);
  const normalized = pick(arrays.normalized, source.index);
  const { width, height } = original;
  if (normalized.width !== width || normalized.height !== height) {
    throw new RangeError(`image ${source.index}: original is ${width}x${height} but normalized is ${normalized.width}x${normalized.height}`);
  }
  // The write-up's split: columns [0, half) of the original, [half, width) of the normalized.
  const half = Math.floor(width / 2);
  const out = new Uint8ClampedArray(width * height * 4);
  writeColumns(original, out, 0, half, false);
  writeColumns(normalized, out, half, width, source.markUnseen);
  return { width, height, data: out };
}

function pick(list: RgbImage[], index: number): RgbImage {
  const img = list[index];
  if (!img) throw new RangeError(`no image ${index} among ${list.length}`);
  return img;
}

/** Writes columns [from, to) of an image as opaque RGBA into `out` (same width and height). */
function writeColumns(img: RgbImage, out: Uint8ClampedArray, from: number, to: number, mark: boolean): void {
  const { width, height, data } = img;
  for (let y = 0; y < height; y++) {
    for (let x = from; x < to; x++) {
      const p = y * width + x;
      const i = p * 3;
      const o = p * 4;
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      if (mark) {
        const below = r < 0 && g < 0 && b < 0;
        const above = r > 1 && g > 1 && b > 1;
        if (below || above) {
          const c = below ? UNSEEN_MARK_COLORS.below : UNSEEN_MARK_COLORS.above;
          out[o] = c[0];
          out[o + 1] = c[1];
          out[o + 2] = c[2];
          out[o + 3] = 255;
          continue;
        }
      }
      // Uint8ClampedArray clips below 0 and above 255 and rounds, which is the display clip.
      out[o] = r * 255;
      out[o + 1] = g * 255;
      out[o + 2] = b * 255;
      out[o + 3] = 255;
    }
  }
}
