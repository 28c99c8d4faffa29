/**
 * One image file to its RGB levels, H x W x 3, with sharp: 8-bit codes, or
 * 16-bit ones for 16-bit sources. Their values in [0, 1] (code / 255, or /
 * 65535) are a table a level (compute/level-values.ts), never a float a pixel:
 * the pipeline normalizes levels.
 *
 * What real folders hold: EXIF orientation is applied; grayscale is repeated
 * to three channels; alpha is dropped, keeping the stored colours, as PIL's
 * convert("RGB") and tf.io.decode_png(channels=3) do (or, with `alpha:
 * 'flatten'`, composited onto `background` as PIL's alpha_composite rounds),
 * before the image is resized, as those loaders do; 16-bit images are
 * kept at 16 bits (their values are scaled by 65535, not 255); palette images are expanded; animated images give
 * their first frame; CMYK and other colour spaces are converted to sRGB.
 *
 * The values are the ones the file stores, as a model's input pipeline reads
 * them: tf.io.decode_png/decode_jpeg, PIL's Image.open and torchvision's
 * read_image apply no colour profile. An embedded ICC profile (Display P3 from
 * phones, Adobe RGB from cameras) is ignored unless `colorProfile` is
 * 'convert', which converts to sRGB as a colour-managed viewer shows it.
 * Anything sharp cannot read fully (corrupt, truncated, empty, not an image)
 * throws an InputError that names the file and the reason.
 */
import { readFile, stat } from 'node:fs/promises';
import { InputError, oneLineReason } from '../errors.js';
import type { AlphaMode, ColorProfile, RgbImage } from '../types.js';
import { readHeader, type ImageHeader } from './image-header.js';
import type Sharp from 'sharp';
import { requireCjs } from '../util/require-cjs.js';

const sharp = requireCjs('sharp') as typeof Sharp;
type SharpImage = ReturnType<typeof sharp>;

export interface DecodeOptions {
  /** Output is size x size pixels. */
  size: number;
  /** cover crops the centre, contain letterboxes on `background` (and masks the bars: RgbImage.mask), fill stretches. */
  fit: 'cover' | 'contain' | 'fill';
  /** #rrggbb behind transparent pixels and letterboxes. */
  background: string;
  /** 'ignore' reads the stored values (default); 'convert' applies an embedded ICC profile, to sRGB. */
  colorProfile?: ColorProfile;
  /** 'drop' keeps the stored colours of transparent pixels (default); 'flatten' composites them onto `background`. */
  alpha?: AlphaMode;
}

/**
 * @example
 * const image = await decodeImage('photos/a.jpg', { size: 256, fit: 'cover', background: '#000000', colorProfile: 'ignore' });
 * image.width; // 256; image.codes: the stored levels, as a model's input pipeline reads them
 */
export async function decodeImage(file: string, options: DecodeOptions): Promise<RgbImage> {
  try {
    // One read, one pipeline: sharp works on the bytes, and the header (PNG,
    // JPEG) tells the depth and size without a metadata pass of libvips.
    // Not readFileSync: a file that blocks (a named pipe, a hung network mount) must hold a libuv thread, not the group's own.
    const bytes = await readFile(file);
    // failOn 'error': a truncated or corrupt file is an error, not a grey band.
    // ignoreIcc: no transform from the embedded profile to sRGB (CMYK still converts, with sharp's own profile)
    const input = sharp(bytes, { failOn: 'error', pages: 1, ignoreIcc: (options.colorProfile ?? 'ignore') === 'ignore' });
    const header: ImageHeader = readHeader(bytes) ?? (await input.metadata().then((m) => ({ sixteenBit: m.depth === 'ushort', width: 0, height: 0, alpha: m.hasAlpha })));
    const { sixteenBit } = header;
    const depth = sixteenBit ? 'ushort' : 'uchar';
    // contain: resized inside the square here, letterboxed below, so the bars are known pixel by pixel
    const contain = options.fit === 'contain';
    // a square image already at size is left as it is (a turn by its EXIF orientation keeps it so)
    const atSize = header.width === options.size && header.height === options.size;
    // rotate: EXIF orientation
    const pipeline = header.alpha ? await withoutAlpha(input.rotate(), sixteenBit, options) : input.rotate();
    if (!atSize) pipeline.resize(options.size, options.size, { fit: contain ? 'inside' : options.fit });
    const { data, info } = await pipeline
      .toColourspace(sixteenBit ? 'rgb16' : 'srgb')
      .removeAlpha()
      .raw({ depth })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion but got ${info.channels}`);
    const codes = sixteenBit ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (contain && (info.width !== options.size || info.height !== options.size)) {
      return letterbox(codes, info.width, info.height, options.size, options.background);
    }
    return { width: info.width, height: info.height, codes };
  } catch (err) {
    throw new InputError(file, await reasonOf(file, err), { cause: err });
  }
}

/**
 * An image with alpha, at its own size, as three channels: its alpha dropped
 * or flattened here, before any resize (libvips would resize the colours
 * premultiplied by alpha, changing those a loader that drops alpha keeps).
 */
async function withoutAlpha(rotated: SharpImage, sixteenBit: boolean, options: DecodeOptions): Promise<SharpImage> {
  const colours = rotated.toColourspace(sixteenBit ? 'rgb16' : 'srgb');
  const depth = sixteenBit ? 'ushort' : 'uchar';
  // drop: libvips removes the band and keeps the stored colours (no resize here, so nothing is premultiplied)
  const flatten = options.alpha === 'flatten';
  const { data, info } = await (flatten ? colours.ensureAlpha() : colours.removeAlpha()).raw({ depth }).toBuffer({ resolveWithObject: true });
  const codes = sixteenBit ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return sharp(flatten ? flattenAlpha(codes, options.background) : codes, { raw: { width: info.width, height: info.height, channels: 3 } });
}

/**
 * RGBA composited onto an opaque `background` (#rrggbb). 8-bit: exactly as
 * PIL's Image.alpha_composite(background, image) computes it (integer
 * arithmetic with 7 bits of extra precision, libImaging/AlphaComposite.c);
 * with an opaque background its coefficients are alpha x 128 and
 * (255 - alpha) x 128. 16-bit (which alpha_composite does not take): the
 * exact blend rounded half up.
 */
export function flattenAlpha<T extends Uint8Array | Uint16Array>(rgba: T, background: string): T {
  const n = rgba.length / 4;
  const deep = rgba instanceof Uint16Array;
  const rgb = (deep ? new Uint16Array(n * 3) : new Uint8Array(n * 3)) as T;
  const bg = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16) * (deep ? 257 : 1));
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    const a = rgba[i + 3]!;
    for (let c = 0; c < 3; c++) {
      const v = rgba[i + c]!;
      if (deep) {
        rgb[j + c] = Math.floor((v * a + bg[c]! * (65535 - a)) / 65535 + 0.5);
      } else if (a === 0) {
        rgb[j + c] = bg[c]!;
      } else {
        const tmp = (v * a + bg[c]! * (255 - a)) * 128 + (0x80 << 7);
        rgb[j + c] = (((tmp >>> 8) + tmp) >>> 8) >>> 7;
      }
    }
  }
  return rgb;
}

/**
 * The image centred on a size x size square of `background` (sharp's
 * contain), with a mask that marks its own pixels: the bars are not data.
 */
function letterbox(codes: Uint8Array | Uint16Array, width: number, height: number, size: number, background: string): RgbImage {
  const deep = codes instanceof Uint16Array;
  const out = deep ? new Uint16Array(size * size * 3) : new Uint8Array(size * size * 3);
  const fill = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16) * (deep ? 257 : 1));
  for (let i = 0; i < size * size; i++) out.set(fill, i * 3);
  const mask = new Uint8Array(size * size);
  const left = Math.floor((size - width) / 2);
  const top = Math.floor((size - height) / 2);
  for (let y = 0; y < height; y++) {
    const row = (top + y) * size + left;
    out.set(codes.subarray(y * width * 3, (y + 1) * width * 3), row * 3);
    mask.fill(1, row, row + width);
  }
  return { width: size, height: size, codes: out, mask };
}

/** sharp's messages, made to read as a reason a user can act on. */
async function reasonOf(file: string, err: unknown): Promise<string> {
  // sharp is handed the file's bytes: its "Input buffer ..." is about the file
  // one line, as every reason (libvips repeats a damaged file's messages over several)
  const message = oneLineReason(err instanceof Error ? err.message : String(err)).replace(/^Input buffer/, 'Input file');
  const size = await stat(file).then((s) => (s.isFile() ? s.size : -1), () => undefined);
  if (size === undefined) return 'file not found';
  if (size === -1) return 'not a file';
  if (size === 0) return 'empty file (0 bytes)';
  if (/unsupported image format/i.test(message)) return 'not an image, or a format sharp cannot read';
  if (/premature end|truncated|not enough data|unexpected end|read error|corrupt|Unknown error/i.test(message)) {
    // libvips reports a cut-off or damaged stream in several ways, some as "Unknown error"
    return `corrupt or truncated image data (${message.replace(/:$/, '')})`;
  }
  return message;
}
