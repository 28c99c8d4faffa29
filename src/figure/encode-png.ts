/**
 * PNG encoding of a rendered figure, chosen by measurement (1200 x 600
 * overview, 2 cores, median of 11):
 *
 * | encoder                                   | ms  | bytes   |
 * |-------------------------------------------|-----|---------|
 * | Skia `canvas.encode('png')` (zlib 6)      | ~80 | 529 kB  |
 * | sharp png compressionLevel 1, RGB         | ~12 | 715 kB  |
 * | sharp png compressionLevel 2, RGB         | ~17 | 659 kB  |
 * | sharp png compressionLevel 9, RGB         | ~78 | 629 kB  |
 * | node zlib level 1, filter Up (hand-made)  | ~31 | 534 kB  |
 * | sharp palette (quantized, lossy)          | ~150| 175 kB  |
 *
 * sharp at level 1 without alpha is six times faster than Skia's encoder for
 * a third more bytes; the figure is opaque, so the alpha channel is dropped.
 */
import sharp from 'sharp';

/** Compression level of the PNG (zlib 0-9); 1 is the measured best trade of time for size. */
export const PNG_COMPRESSION_LEVEL = 1;

/**
 * A figure unit is 1/100 inch (the write-up's 12 x 6 inch figure at
 * matplotlib's 100 dpi), so a PNG drawn at `scale` pixels per unit has
 * 100 x scale pixels per inch. Written as the PNG's pHYs (3937 px/m at
 * scale 1), so LaTeX and word processors size the figure at 12 x 6 inches.
 */
export const DPI_AT_SCALE_1 = 100;

export function encodePng(rgba: { width: number; height: number; data: Buffer }, scale = 1): Promise<Buffer> {
  return sharp(rgba.data, { raw: { width: rgba.width, height: rgba.height, channels: 4 } })
    .removeAlpha()
    .withDensity(DPI_AT_SCALE_1 * scale)
    .png({ compressionLevel: PNG_COMPRESSION_LEVEL, adaptiveFiltering: false })
    .toBuffer();
}
