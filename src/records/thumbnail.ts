/**
 * A group's thumbnail, `thumb.webp` beside its figures: its main figure made
 * small (360 px wide, WebP), at most 40 KB, so a gallery of thousands of
 * groups loads pictures, not full figures (an overview PNG is ~700 KB).
 * Written with the rest of the group's folder, in the same atomic rename.
 *
 * How it is made, chosen by measurement (the 1200 x 600 overview, one
 * thread; `node dist/scripts/bench-thumbnail.js`): libvips' Lanczos-3 from
 * the full figure, then WebP at its default effort 4, cost about 14 ms of
 * CPU. Now the figure is first halved (an exact 2 x 2 box, Skia's bilinear
 * at scale 1/2) while it stays at least as wide as the thumbnail, Lanczos-3
 * takes it the rest of the way, and WebP encodes at effort 2: about 9.5 ms.
 * SSIM-equal: against Lanczos-3 from the full figure, unencoded, the
 * resampled pixels score 0.996 and the WebP 0.987 (the old WebP: 0.992);
 * test/thumbnail.test.ts. The file is under 1% larger.
 *
 * The pipeline halves the figure straight from the canvas it was drawn on
 * (halvedFrom, handed the canvas by drawFigures), rather than copying the
 * figure's pixels back into a canvas of its own (putImageData, 2.9 MB for
 * the overview): the same pixels, one copy fewer. Skia's one-step
 * downscales (smoothing 'medium' or 'high', 1200 to 360 px) were tried and
 * measured: 2-5 ms less, but SSIM 0.974 against Lanczos-3, under the 0.99 the
 * test asks.
 */
import type * as Canvas from '@napi-rs/canvas';
import type Sharp from 'sharp';
import { opaqueCanvases } from '../figure/canvas-cache.js';
import { requireCjs } from '../util/require-cjs.js';

export const THUMBNAIL = 'thumb.webp';
export const THUMBNAIL_MAX_BYTES = 40 * 1024;

/** Width and WebP quality tried in turn until the thumbnail fits in THUMBNAIL_MAX_BYTES. */
const TRIES: ReadonlyArray<[width: number, quality: number]> = [[360, 75], [360, 55], [280, 45], [200, 35]];
const WEBP_EFFORT = 2;

/** A figure's pixels as drawn: RGBA, 8 bits a channel. */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Buffer;
}

/**
 * The thumbnail of a figure: its pixels as drawn (no PNG to decode again),
 * or PNG or SVG bytes (decoded first, on white should they have transparent
 * parts; a PNG gives the same thumbnail as its pixels).
 */
export async function makeThumbnail(figure: Buffer | RgbaPixels): Promise<Buffer> {
  // loaded here, in the thread that draws: the dashboard reads THUMBNAIL from this file and loads no sharp
  const sharp = requireCjs('sharp') as typeof Sharp;
  let pixels: RgbaPixels;
  if (Buffer.isBuffer(figure)) {
    const { data, info } = await sharp(figure).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    pixels = { width: info.width, height: info.height, data };
  } else {
    pixels = figure;
  }
  const small = halvedTo(pixels, TRIES[0][0]);
  // opaque: as three channels, so that neither the resize nor libwebp (which
  // otherwise codes an alpha plane of 255s) spends anything on alpha
  const input = () => sharp(small.data, { raw: { width: small.width, height: small.height, channels: 4 } }).removeAlpha();
  let out = Buffer.alloc(0);
  for (const [width, quality] of TRIES) {
    out = await input().resize({ width, withoutEnlargement: true }).webp({ quality, effort: WEBP_EFFORT }).toBuffer();
    if (out.length <= THUMBNAIL_MAX_BYTES) return out;
  }
  throw new Error(`a thumbnail of ${out.length} bytes at ${TRIES[TRIES.length - 1][0]} px, over ${THUMBNAIL_MAX_BYTES}`);
}

/** Canvases kept for the next thumbnail in this thread: the figure's size and its halves. */
const canvasOf = opaqueCanvases(4);

/** The width the thumbnail is made at first (what halvedFrom halves down to, and no further). */
export const THUMBNAIL_WIDTH = TRIES[0][0];

/**
 * Opaque `pixels` halved (each pixel the mean of a 2 x 2 block) as many times as
 * leaves them at least `width` wide; the pixels themselves when once is too many.
 */
export function halvedTo(pixels: RgbaPixels, width: number): RgbaPixels {
  if (pixels.width >> 1 < width) return pixels;
  const { ImageData } = requireCjs('@napi-rs/canvas') as typeof Canvas;
  const from = canvasOf(pixels.width, pixels.height);
  from.ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length), pixels.width, pixels.height), 0, 0);
  return halvedFrom(from.canvas, width);
}

/**
 * The opaque picture on `canvas` halved as halvedTo halves pixels, read
 * straight from the canvas (a figure's, as drawn); a copy of its pixels
 * when once is too many.
 */
export function halvedFrom(canvas: Canvas.Canvas, width: number): RgbaPixels {
  let from = canvas;
  let w = canvas.width;
  let h = canvas.height;
  while (w >> 1 >= width) {
    // bilinear at exactly 1/2 samples the corner of four pixels: their mean
    const to = canvasOf(w >> 1, h >> 1);
    to.ctx.imageSmoothingEnabled = true;
    to.ctx.imageSmoothingQuality = 'low';
    to.ctx.drawImage(from, 0, 0, (w >> 1) * 2, (h >> 1) * 2, 0, 0, w >> 1, h >> 1);
    from = to.canvas;
    w >>= 1;
    h >>= 1;
  }
  return { width: w, height: h, data: from.data() };
}
