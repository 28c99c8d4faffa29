/**
 * A group's thumbnail, `thumb.webp` beside its figures: its main figure made
 * small (360 px wide, WebP), at most 40 KB, so a gallery of thousands of
 * groups loads pictures, not full figures (an overview PNG is ~700 KB).
 * Written with the rest of the group's folder, in the same atomic rename.
 */
export const THUMBNAIL = 'thumb.webp';
export const THUMBNAIL_MAX_BYTES = 40 * 1024;

/** Width and WebP quality tried in turn until the thumbnail fits in THUMBNAIL_MAX_BYTES. */
const TRIES: ReadonlyArray<[width: number, quality: number]> = [[360, 75], [360, 55], [280, 45], [200, 35]];

/** A figure's pixels as drawn: RGBA, 8 bits a channel. */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Buffer;
}

/**
 * The thumbnail of a figure: its pixels as drawn (no PNG to decode again:
 * that took about a third of the thumbnail's time), or PNG or SVG bytes.
 */
export async function makeThumbnail(figure: Buffer | RgbaPixels): Promise<Buffer> {
  // loaded here, in the thread that draws: the dashboard reads THUMBNAIL from this file and loads no sharp
  const { default: sharp } = await import('sharp');
  const input = () => (Buffer.isBuffer(figure) ? sharp(figure) : sharp(figure.data, { raw: { width: figure.width, height: figure.height, channels: 4 } }));
  let out = Buffer.alloc(0);
  for (const [width, quality] of TRIES) {
    out = await input().resize({ width, withoutEnlargement: true }).webp({ quality }).toBuffer();
    if (out.length <= THUMBNAIL_MAX_BYTES) return out;
  }
  throw new Error(`a thumbnail of ${out.length} bytes at ${TRIES[TRIES.length - 1][0]} px, over ${THUMBNAIL_MAX_BYTES}`);
}
