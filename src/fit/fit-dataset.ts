/**
 * `bnviz fit DIR`, as a library call: the exact per-channel mean, variance and
 * std over every pixel of every image under a folder, decoded as `bnviz run`
 * decodes them (size, fit, background, colour profile), ready for
 * torchvision's `Normalize(mean, std)` or a Keras `Normalization` layer.
 * Images are decoded a few at a time and counted by level (LevelCounts), so
 * memory stays flat whatever the folder's size. A file that cannot be read is
 * skipped and listed, as `run` fails only its group.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeImage, type DecodeOptions } from '../decode/decode-image.js';
import { IMAGE_EXTENSIONS, scanImages } from '../dataset/scan-images.js';
import { InputError, messageOf } from '../errors.js';
import { forEachBounded } from '../util/bounded.js';
import { VERSION } from '../version.js';
import { LevelCounts, type ChannelMoments } from './level-counts.js';

export interface FitOptions extends DecodeOptions {
  /** The images to count, relative to root (default: every image under it). */
  files?: string[];
  /** Decoding threads to keep busy (default: every core); two images are in flight for each. */
  threads?: number;
  /** Told after each image, read or skipped. */
  onImage?(progress: { file: string; done: number; of: number; skipped?: string }): void;
}

export interface FitResult extends ChannelMoments {
  images: number;
  /** What shaped the numbers, so two fits can be told apart. */
  options: { size: number; fit: DecodeOptions['fit']; background: string; colorProfile: string; alpha: string; bnviz: string };
  /** Files that could not be read, with the reason; not counted. */
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * @example
 * const { mean, std } = await fitDataset('photos', { size: 256, fit: 'cover', background: '#000000', colorProfile: 'ignore', alpha: 'drop' });
 * // Normalize(mean, std) as torchvision takes it, values on the [0, 1] scale
 */
export async function fitDataset(root: string, options: FitOptions): Promise<FitResult> {
  const base = resolve(root);
  const files = options.files ?? (await scanImages(base));
  if (files.length === 0) throw new InputError(base, `no images found (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')}, in subfolders too)`);
  const decode: DecodeOptions = { size: options.size, fit: options.fit, background: options.background, colorProfile: options.colorProfile, alpha: options.alpha };
  const threads = options.threads && options.threads > 0 ? options.threads : availableParallelism();
  const { counts, skipped } = await countLevels(base, files, decode, threads, options.onImage);
  if (counts.images === 0) throw new InputError(base, `none of its ${files.length} images could be read (first: ${skipped[0]?.file}: ${skipped[0]?.reason})`);
  return { ...counts.moments(), images: counts.images, options: fitOptionsOf(decode), skipped };
}

/** What shaped a fit's numbers, as FitResult.options says it. */
export function fitOptionsOf(decode: DecodeOptions): FitResult['options'] {
  return { size: decode.size, fit: decode.fit, background: decode.background, colorProfile: decode.colorProfile ?? 'ignore', alpha: decode.alpha ?? 'drop', bnviz: VERSION };
}

/**
 * Decodes the files (relative to base) and counts their levels, two in
 * flight for each of `threads`: libvips decodes one while this thread counts
 * the other. Files that cannot be read are listed, sorted, not counted.
 */
export async function countLevels(base: string, files: readonly string[], decode: DecodeOptions, threads: number, onImage?: FitOptions['onImage']): Promise<{ counts: LevelCounts; skipped: FitResult['skipped'] }> {
  const counts = new LevelCounts();
  const skipped: FitResult['skipped'] = [];
  let done = 0;
  await forEachBounded(files, 2 * Math.max(1, threads), async (file) => {
    try {
      counts.add(await decodeImage(join(base, file), decode), file);
      return undefined;
    } catch (err) {
      return err instanceof InputError ? err.reason : messageOf(err);
    }
  }, (reason, file) => {
    done++;
    if (reason !== undefined) skipped.push({ file, reason });
    onImage?.({ file, done, of: files.length, ...(reason !== undefined ? { skipped: reason } : {}) });
  });
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { counts, skipped };
}
