/**
 * The `stats` setting resolved to numbers: what batch normalization
 * normalizes with when not the batch's own statistics.
 *
 * - batch: each group by its own statistics (Keras training mode); nothing to resolve.
 * - dataset: the whole folder's mean and std (bnviz fit), as a trained BN
 *   layer's moving averages converge to them or an input pipeline's
 *   `Normalize(mean, std)` uses them: `(x - mean) / std`, no epsilon.
 * - imagenet: torchvision's usual mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
 * - a JSON file: `{ "mean": [...], "std": [...] }` (or "variance"; bnviz
 *   fit's output has both) as a Normalize step uses them, or a BN layer's
 *   `{ "moving_mean": [...], "moving_variance": [...], "gamma": [...],
 *   "beta": [...], "epsilon": 0.001 }` as the layer uses them at inference:
 *   `(x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta`.
 *   Values are on the [0, 1] scale bnviz decodes to.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import type { DecodeOptions } from '../decode/decode-image.js';
import { InputError, UsageError } from '../errors.js';
import { CHANNELS, type NormMethod, type NormStats } from '../types.js';

export const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

type Triple = [number, number, number];
const triple = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
const meanStd = z.object({ mean: triple, std: triple.optional(), variance: triple.optional() }).refine((d) => d.std !== undefined || d.variance !== undefined, 'a "std" or a "variance" of three numbers');
const bnLayer = z.object({ moving_mean: triple, moving_variance: triple, gamma: triple.optional(), beta: triple.optional(), epsilon: z.number().nonnegative().finite().optional() });

export interface ResolveStatsContext {
  /** The normalization method: only batch normalization takes given statistics. */
  method: NormMethod;
  /** The dataset folder, for `dataset` (run and enqueue have one). */
  root?: string;
  /** The images of the dataset, relative to root (default: every image under it). */
  files?: string[];
  /** How the images are decoded (the dataset's statistics are of the decoded values). */
  decode: DecodeOptions;
  threads?: number;
  /** The epsilon setting, for a BN layer's file that does not state its own. */
  epsilon: number;
  /** Told before the dataset's pass (it reads every image once). */
  onFitStart?(): void;
}

/** The statistics `choice` names, or undefined for `batch` (the batch's own). */
export async function resolveNormStats(choice: string, ctx: ResolveStatsContext): Promise<NormStats | undefined> {
  if (choice === 'batch') return undefined;
  checkStatsMethod(choice, ctx.method);
  if (choice === 'imagenet') {
    return checkedStats({ source: 'imagenet', label: 'ImageNet\'s mean and std', mean: [...IMAGENET.mean], variance: IMAGENET.std.map((s) => s * s) as Triple, epsilon: 0 }, 'imagenet');
  }
  if (choice === 'dataset') {
    if (!ctx.root) throw new UsageError('--stats dataset needs the dataset\'s folder (bnviz run and enqueue have it); for render and inspect, save the statistics with bnviz fit DIR --save FILE and pass --stats FILE');
    ctx.onFitStart?.();
    // loaded here: the fleet's and the dashboard's modules use this file's checks, and must not load sharp
    const { fitDataset } = await import('./fit-dataset.js');
    const fit = await fitDataset(ctx.root, { ...ctx.decode, threads: ctx.threads, files: ctx.files });
    return checkedStats({ source: 'dataset', label: `the dataset's mean and std (${fit.images} images)`, mean: fit.mean, variance: fit.variance, epsilon: 0, images: fit.images }, `the dataset ${ctx.root}`);
  }
  return checkedStats(await readStatsFile(choice, ctx.epsilon), choice);
}

/** Given statistics replace a batch's own: other methods take each image's own, and refuse them. */
export function checkStatsMethod(choice: string, method: NormMethod): void {
  if (choice !== 'batch' && method !== 'batch') {
    throw new UsageError(`--stats ${choice} applies to --method batch (it replaces the batch's own statistics); ${method} normalization takes each image's own`);
  }
}

/** A statistics file: a mean and std (or variance), or a BN layer's moving statistics. */
export async function readStatsFile(file: string, epsilon: number): Promise<NormStats> {
  const path = resolve(file);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found (--stats takes batch, dataset, imagenet or a JSON file)' : err instanceof SyntaxError ? `not JSON (${err.message})` : (err as Error).message;
    throw new InputError(path, reason, { cause: err });
  }
  const layer = bnLayer.safeParse(doc);
  if (layer.success) {
    const d = layer.data;
    return {
      source: 'file', label: `the BN layer's moving statistics in ${basename(path)}`, file: path,
      mean: d.moving_mean, variance: d.moving_variance, epsilon: d.epsilon ?? epsilon,
      ...(d.gamma ? { gamma: d.gamma } : {}), ...(d.beta ? { beta: d.beta } : {}),
    };
  }
  const plain = meanStd.safeParse(doc);
  if (!plain.success) {
    throw new InputError(path, 'expected {"mean": [r, g, b], "std": [r, g, b]} (or "variance"; bnviz fit --save writes it), or a BN layer\'s {"moving_mean", "moving_variance", "gamma", "beta", "epsilon"}, three numbers each');
  }
  const d = plain.data;
  return { source: 'file', label: `the mean and std in ${basename(path)}`, file: path, mean: d.mean, variance: d.variance ?? (d.std!.map((s) => s * s) as Triple), epsilon: 0 };
}

/** Dividing by a zero std would make every value infinite: say which channel. */
export function checkedStats(stats: NormStats, what: string): NormStats {
  stats.variance.forEach((v, c) => {
    if (v < 0) throw new InputError(what, `channel ${CHANNELS[c]} has a negative variance (${v})`);
    if (v + stats.epsilon === 0) throw new InputError(what, `channel ${CHANNELS[c]} has variance 0 (every value the same), so nothing can be divided by its std`);
  });
  return stats;
}

/** The stats setting of a command that has no dataset folder (render, inspect): dataset is refused there. */
export function normStatsOf(config: Readonly<{ stats: string; method: NormMethod; epsilon: number } & DecodeOptions>): Promise<NormStats | undefined> {
  return resolveNormStats(config.stats, { method: config.method, decode: config, epsilon: config.epsilon });
}
