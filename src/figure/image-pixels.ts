/**
 * The 8-bit RGBA pixels of an image mark. Float values are clipped to [0, 1]
 * for display, as matplotlib's imshow does with float RGB: below 0 shows
 * black, above 1 white. That is exactly the loss the figures point at, so the
 * split image can mark the pixels lost entirely (see UNSEEN_MARK_COLORS).
 */
import type { GroupArrays, RgbImage } from '../types.js';
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
    writeAny(img, out, 0, img.width * img.height);
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
    writeAny(original, out, row, row + half);
    if (source.markUnseen) writeMarkedPixels(normalized.data, out, row + half, row + width);
    else writePixels(normalized.data, out, row + half, row + width);
  }
}

function pick(list: RgbImage[], index: number): RgbImage {
  const img = list[index];
  if (!img) throw new RangeError(`no image ${index} among ${list.length}`);
  return img;
}

function checkLength(img: RgbImage, out: Uint8ClampedArray): void {
  if (out.length !== img.width * img.height * 4) throw new RangeError(`expected ${img.width * img.height * 4} bytes for a ${img.width}x${img.height} image but received ${out.length}`);
}

/**
 * Writes pixels [from, to) of an image: from its 8-bit codes when it has them
 * (each value is code / 255, which the display clip maps back to the code
 * exactly), else from its floats.
 */
function writeAny(img: RgbImage, out: Uint8ClampedArray, from: number, to: number): void {
  if (img.codes instanceof Uint8Array) writeCodes(img.codes, out, from, to);
  else writePixels(img.data, out, from, to);
}

function writeCodes(codes: Uint8Array, out: Uint8ClampedArray, from: number, to: number): void {
  for (let i = from * 3, o = from * 4, end = to * 4; o < end; i += 3, o += 4) {
    out[o] = codes[i]!;
    out[o + 1] = codes[i + 1]!;
    out[o + 2] = codes[i + 2]!;
    out[o + 3] = 255;
  }
}

/** Writes pixels [from, to) of RGB floats as opaque RGBA bytes at the same pixel positions. */
function writePixels(data: Float32Array, out: Uint8ClampedArray, from: number, to: number): void {
  // Uint8ClampedArray clips below 0 and above 255 and rounds, which is the display clip.
  for (let i = from * 3, o = from * 4, end = to * 4; o < end; i += 3, o += 4) {
    out[o] = data[i]! * 255;
    out[o + 1] = data[i + 1]! * 255;
    out[o + 2] = data[i + 2]! * 255;
    out[o + 3] = 255;
  }
}

const [BELOW_R, BELOW_G, BELOW_B] = UNSEEN_MARK_COLORS.below;
const [ABOVE_R, ABOVE_G, ABOVE_B] = UNSEEN_MARK_COLORS.above;

/** As writePixels, but a pixel whose every channel is below 0 (or above 1) gets the unseen mark's colour. */
function writeMarkedPixels(data: Float32Array, out: Uint8ClampedArray, from: number, to: number): void {
  for (let i = from * 3, o = from * 4, end = to * 4; o < end; i += 3, o += 4) {
    const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
    if (r < 0 && g < 0 && b < 0) {
      out[o] = BELOW_R;
      out[o + 1] = BELOW_G;
      out[o + 2] = BELOW_B;
    } else if (r > 1 && g > 1 && b > 1) {
      out[o] = ABOVE_R;
      out[o + 1] = ABOVE_G;
      out[o + 2] = ABOVE_B;
    } else {
      out[o] = r * 255;
      out[o + 1] = g * 255;
      out[o + 2] = b * 255;
    }
    out[o + 3] = 255;
  }
}
