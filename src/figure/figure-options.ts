/** What every figure builder takes. */
import { basename } from 'node:path';
import type { GroupArrays, GroupStats, ImageStats, NormMethod, NormStats } from '../types.js';

export interface FigureOptions {
  /** Half-width of the density panels' symmetric x range, or 'auto' to fit the data (default 3.5, the write-up's). */
  xRange: number | 'auto';
  /** Mark unseen pixels (below 0 or above 1) on the normalized half of each image. */
  markUnseen: boolean;
  /** PNG pixels per figure unit (1/100 inch): 1 gives the overview at 1200 x 600 px. */
  scale: number;
}

export const DEFAULT_FIGURE_OPTIONS: Readonly<FigureOptions> = Object.freeze({ xRange: 3.5, markUnseen: false, scale: 1 });

/** The group's numbers and arrays, as the compute core returns them. */
export interface FigureInput {
  stats: GroupStats;
  arrays: GroupArrays;
}

/**
 * Short and long names of the normalization, for titles ("batch norm.",
 * "batch normalized"); with given statistics (--stats), which ones
 * ("dataset norm.", "ImageNet normalization").
 */
export function methodNames(method: NormMethod | undefined, given?: NormStats): { short: string; long: string; noun: string } {
  if (given) {
    const short = given.source === 'imagenet' ? 'ImageNet' : given.source === 'dataset' ? 'dataset' : given.file ? basename(given.file) : 'given';
    // short: the overview's footer names the statistics in full
    return { short: `${short} norm.`, long: `${short} normalized`, noun: `${short} normalization` };
  }
  const m = method ?? 'batch';
  return { short: `${m} norm.`, long: `${m} normalized`, noun: `${m} normalization` };
}

/** What a figure calls an image: its path in the group (so two x.png of different folders differ), else its file name. */
export function nameOf(image: ImageStats): string {
  return image.path ?? image.file;
}
