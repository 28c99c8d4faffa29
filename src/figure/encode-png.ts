/**
 * PNG encoding of a rendered figure, chosen by measurement (one thread, the
 * fastest of 41 alternating runs, on a busy machine; overview 1200 x 600,
 * panels 1200 x 2400, compare 1200 x 800; `.png()` of each):
 *
 * | encoder                                        | overview     | panels        | compare      |
 * |------------------------------------------------|--------------|---------------|--------------|
 * | sharp png compressionLevel 1, RGB, no filter   | 11.3 ms 648K | 36.8 ms 2114K |  8.4 ms 251K |
 * | @napi-rs/image fast, Up filter                 |  4.3 ms 632K | 12.4 ms 1913K |  3.2 ms 343K |
 * | @napi-rs/image fast, Paeth filter              |  4.0 ms 551K | 13.5 ms 1651K |  3.0 ms 258K |
 * | @napi-rs/image fast, adaptive filter           |  4.9 ms 542K | 19.6 ms 1633K |  4.7 ms 250K |
 * | @napi-rs/image default compression, Paeth      | 35.4 ms 496K |  194 ms 1493K | 16.5 ms 217K |
 *
 * Earlier, on the overview: Skia's `canvas.encode('png')` (zlib 6) ~80 ms,
 * sharp at compressionLevel 2 ~17 ms, 9 ~78 ms, node zlib level 1 with the Up
 * filter by hand ~31 ms, sharp's palette (lossy) ~150 ms.
 *
 * @napi-rs/image (the Rust png crate, fdeflate on its fast setting) with the
 * Paeth filter: about as fast as with Up, the cheapest filter, and its files
 * nearly as small as the adaptive filter's (Up makes the compare figure a
 * third larger). The PNG keeps the alpha channel (all 255): the encoder takes
 * RGBA only, and dropping it first costs a pass over the pixels for no gain.
 * Lossless: the file decodes to exactly the pixels drawn (test/encode-png.test.ts).
 */
import { requireCjs } from '../util/require-cjs.js';

const { CompressionType, FilterType, Transformer } = requireCjs('@napi-rs/image') as typeof import('@napi-rs/image');

/**
 * A figure unit is 1/100 inch (the write-up's 12 x 6 inch figure at
 * matplotlib's 100 dpi), so a PNG drawn at `scale` pixels per unit has
 * 100 x scale pixels per inch. Written as the PNG's pHYs (3937 px/m at
 * scale 1), so LaTeX and word processors size the figure at 12 x 6 inches.
 */
export const DPI_AT_SCALE_1 = 100;

export async function encodePng(rgba: { width: number; height: number; data: Buffer }, scale = 1): Promise<Buffer> {
  const png = await Transformer.fromRgbaPixels(rgba.data, rgba.width, rgba.height)
    .png({ compressionType: CompressionType.Fast, filterType: FilterType.Paeth });
  return withPhys(png, DPI_AT_SCALE_1 * scale);
}

/**
 * WebP of a rendered figure (libwebp through @napi-rs/image): lossless, the
 * pixels drawn exactly, or lossy at a quality from 1 to 100.
 */
export async function encodeWebp(rgba: { width: number; height: number; data: Buffer }, quality: number | 'lossless' = 'lossless'): Promise<Buffer> {
  const t = Transformer.fromRgbaPixels(rgba.data, rgba.width, rgba.height);
  return quality === 'lossless' ? t.webpLossless() : t.webp(quality);
}

const SIGNATURE_AND_IHDR = 8 + 4 + 4 + 13 + 4;

/**
 * `png` with a pHYs chunk stating `dpi` (in pixels per metre, unit metre)
 * right after its header chunk, where the PNG specification allows it (before
 * any IDAT). The encoder writes none of its own.
 */
export function withPhys(png: Buffer, dpi: number): Buffer {
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('withPhys: expected a PNG whose first chunk is IHDR');
  const perMetre = Math.round(dpi / 0.0254);
  const chunk = Buffer.alloc(4 + 4 + 9 + 4);
  chunk.writeUInt32BE(9, 0);
  chunk.write('pHYs', 4, 'latin1');
  chunk.writeUInt32BE(perMetre, 8);
  chunk.writeUInt32BE(perMetre, 12);
  chunk[16] = 1;
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)), 17);
  return Buffer.concat([png.subarray(0, SIGNATURE_AND_IHDR), chunk, png.subarray(SIGNATURE_AND_IHDR)]);
}

let crcTable: Uint32Array | undefined;

/** The CRC-32 of PNG chunks (ISO 3309, the PNG specification's sample code); node:zlib has one only from Node 20.15. */
export function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
