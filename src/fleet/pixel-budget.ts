/**
 * A memory budget per job, as pixels: files x size x size. Each pixel costs
 * about a hundred bytes on its way through a group (the decoded codes and
 * floats, the normalized and min-max copies, level tables, the figures'
 * image tiles): 8 images at 4096 x 4096 took 14 GB. The default, 2^23 pixels
 * (128 images at 256, or 3 at 1672), keeps a job well under 2 GB.
 */
import { InputError } from '../errors.js';

export const DEFAULT_MAX_PIXELS = 2 ** 23;

/** Throws InputError naming the job's pixels, the limit and how to raise it. */
export function checkPixelBudget(files: number, size: number, maxPixels: number, subject: string, how: string): void {
  const pixels = files * size * size;
  if (pixels > maxPixels) {
    throw new InputError(subject, `${files} images of ${size} x ${size} are ${pixels.toLocaleString('en-US')} pixels, over the budget of ${maxPixels.toLocaleString('en-US')} per group (about 100 bytes each in memory); use smaller --size or --group-size, or raise ${how}`);
  }
}
