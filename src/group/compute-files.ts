/**
 * The pipeline's entry for a group given as files: decode every file, then
 * normalize, densities and statistics. `bnviz inspect` and `render` call it
 * directly, and processGroup (the unit `bnviz run` and the fleet run) calls
 * it between resolving the files and drawing.
 */
import { computeGroup, type ComputeOptions, type ComputeResult } from '../compute/compute-group.js';
import { decodeImage, type DecodeOptions } from '../decode/decode-image.js';
import { InputError, isBnvizError } from '../errors.js';
import type { RgbImage } from '../types.js';

export interface ComputeFilesOptions extends DecodeOptions, ComputeOptions {}

/**
 * @param paths files to read
 * @param names how the statistics name them (default: the paths)
 * @param onStage hears 'decode', 'normalize' and 'density' as they start
 * @example
 * const config = loadConfig({ env: {} });
 * const result = await computeFiles(['a.png', 'b.png', 'c.png'], { ...decodeOptions(config), ...computeOptions(config) });
 * result.stats; // per image and channel: min, max, mean, std, shares below 0 and above 1
 */
export async function computeFiles(
  paths: string[],
  options: ComputeFilesOptions,
  names: string[] = paths,
  onStage: (stage: 'decode' | 'normalize' | 'density') => void = () => {},
): Promise<ComputeResult & { decodeMs: number }> {
  const t0 = performance.now();
  onStage('decode');
  const images = await decodeAll(paths, options);
  const decodeMs = performance.now() - t0;
  onStage('normalize');
  const { size, fit, background, colorProfile = 'ignore', alpha = 'drop' } = options;
  return { ...(await computeGroup(images, names, { ...options, decoded: { size, fit, background, colorProfile, alpha } }, onStage)), decodeMs };
}

/**
 * Decodes every file of the group. When some cannot be read, the error names
 * each of them, in the group's order (not whichever failed first).
 */
export async function decodeAll(paths: string[], options: DecodeOptions): Promise<RgbImage[]> {
  const settled = await Promise.allSettled(paths.map((p) => decodeImage(p, options)));
  const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const other = errors.find((e) => !isBnvizError(e, 'InputError'));
  if (other) throw other;
  if (errors.length > 0) {
    const [first, ...rest] = errors as InputError[];
    if (rest.length === 0) throw first;
    throw new InputError(first.subject, [first.reason, ...rest.map((e) => e.message)].join('; '), { cause: first });
  }
  return settled.map((r) => (r as PromiseFulfilledResult<RgbImage>).value);
}
