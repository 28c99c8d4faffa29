/**
 * What the first bytes of a PNG or JPEG file say: its size, whether its
 * samples are 16-bit and whether it has alpha, read without decoding (as
 * libvips reads them: PNG's IHDR chunk and a tRNS chunk before the image
 * data, JPEG's start-of-frame marker). Anything else, or a header that
 * does not parse, gives undefined and the caller asks sharp.
 */
export interface ImageHeader {
  width: number;
  height: number;
  sixteenBit: boolean;
  /** An alpha channel (PNG colour type 4 or 6) or a transparent colour (tRNS). */
  alpha: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function readHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 29 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return pngHeader(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegHeader(bytes);
  return undefined;
}

function pngHeader(bytes: Uint8Array): ImageHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // the first chunk: length 13, type IHDR, width, height, bit depth
  if (view.getUint32(8) !== 13 || view.getUint32(12) !== 0x49484452) return undefined;
  const colourType = bytes[25];
  return { width: view.getUint32(16), height: view.getUint32(20), sixteenBit: bytes[24] === 16, alpha: colourType === 4 || colourType === 6 || hasTransparency(view) };
}

/** Whether a tRNS chunk comes before the first IDAT (where the PNG standard puts it). */
function hasTransparency(view: DataView): boolean {
  for (let at = 33; at + 8 <= view.byteLength;) {
    const type = view.getUint32(at + 4);
    if (type === 0x74524e53) return true; // tRNS
    if (type === 0x49444154 || type === 0x49454e44) return false; // IDAT, IEND
    at += 12 + view.getUint32(at);
  }
  return false;
}

/**
 * The size in the first start-of-frame marker (SOF0-SOF15 but DHT, JPG and
 * DAC); libjpeg decodes 8-bit samples, so never 16-bit.
 */
function jpegHeader(bytes: Uint8Array): ImageHeader | undefined {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or start of scan before any frame
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (bytes[i + 4] !== 8) return undefined; // 12-bit or other precision: let sharp tell
      return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8], sixteenBit: false, alpha: false };
    }
    i += 2 + length;
  }
  return undefined;
}
