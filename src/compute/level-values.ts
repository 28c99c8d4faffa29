/**
 * The value of each level: `code / 255` for 8-bit sources, `code / 65535` for
 * 16-bit ones, rounded to float32 once a level (as tf.image.convert_image_dtype
 * and torchvision's ToTensor scale them), not once a pixel. The tables are made
 * once a thread and shared: nobody writes into them.
 */
import type { RgbImage } from '../types.js';

type Codes = RgbImage['codes'];

let values8: Float32Array | undefined;
let values16: Float32Array | undefined;
let channels8: Float32Array | undefined;
let channels16: Float32Array | undefined;

/** 256 for 8-bit codes, 65,536 for 16-bit ones. */
export function levelCount(codes: Codes): number {
  return codes instanceof Uint16Array ? 65536 : 256;
}

/**
 * Each level's value, one a level.
 * @example
 * levelValues(new Uint8Array([0, 255]))[1]; // 1: an 8-bit level / 255
 */
export function levelValues(codes: Codes): Float32Array {
  return codes instanceof Uint16Array ? (values16 ??= scaled(65535)) : (values8 ??= scaled(255));
}

/**
 * Each level's value in the layout of a TableImage (`values[level * 3 + c]`,
 * the same in every channel): what the original image draws from.
 */
export function originalValues(codes: Codes): Float32Array {
  const make = () => {
    const one = levelValues(codes);
    const out = new Float32Array(one.length * 3);
    for (let k = 0; k < one.length; ++k) out.fill(one[k]!, k * 3, k * 3 + 3);
    return out;
  };
  return codes instanceof Uint16Array ? (channels16 ??= make()) : (channels8 ??= make());
}

/**
 * An image's values as RGB float32 in [0, 1], one a pixel (what a model's
 * input pipeline hands it). The pipeline never needs them; scripts and tests
 * that compare against whole tensors do.
 * @example
 * const values = imageValues(await decodeImage('a.png', decodeOptions(config))); // Float32Array in [0, 1], HxWx3
 */
export function imageValues(image: RgbImage): Float32Array {
  const table = levelValues(image.codes);
  const { codes } = image;
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; ++i) out[i] = table[codes[i]!]!;
  return out;
}

function scaled(top: number): Float32Array {
  const out = new Float32Array(top + 1);
  for (let k = 0; k <= top; ++k) out[k] = k / top;
  return out;
}
