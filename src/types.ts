/**
 * The plain-data shapes that bnviz's parts hand to each other. Nothing here
 * holds a handle (no file descriptors, no Redis, no tensors): every value can
 * cross a thread or be written as JSON.
 */

/** The three colour channels, in the order pixels store them. */
export const CHANNELS = ['R', 'G', 'B'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/*
 * The domain's choices, each listed once: the config schema, job documents,
 * flags' help and the steps' types all take them from here.
 */

/** How an image that is not square is resized: crop the centre, letterbox, stretch. */
export const FITS = ['cover', 'contain', 'fill'] as const;
export type Fit = (typeof FITS)[number];

/**
 * What decode does with an embedded ICC profile: ignore it and read the
 * stored values (what tf.io.decode_*, PIL and torchvision give a model), or
 * convert to sRGB (what a colour-managed viewer shows).
 */
export const COLOR_PROFILES = ['ignore', 'convert'] as const;
export type ColorProfile = (typeof COLOR_PROFILES)[number];

/**
 * What decode does with an image's alpha channel: drop it and keep the
 * stored colour values (PIL's convert("RGB"), so Keras' load_img and
 * torchvision's loaders; tf.io.decode_png(channels=3)), or flatten it onto
 * the background colour, rounded as PIL's alpha_composite rounds.
 */
export const ALPHA_MODES = ['drop', 'flatten'] as const;
export type AlphaMode = (typeof ALPHA_MODES)[number];

/** Which normalization to apply; see `src/compute/normalize.ts`. */
export const METHODS = ['batch', 'instance', 'layer', 'group'] as const;
export type NormMethod = (typeof METHODS)[number];

/** tfjs backends: auto uses tfjs-node when it is installed and works, else wasm. */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'node'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** The figures bnviz draws. */
export const FIGURE_KINDS = ['overview', 'panels', 'compare'] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];

/** The file formats of a figure. */
export const FIGURE_FORMATS = ['png', 'svg', 'webp'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/**
 * Most groups `--draw ids:` (or `names:FILE`) may name: the ids travel in the
 * run's options (run.json, the fleet's run record), 10,000 ids of 14
 * characters about 150 KB; to draw more, `sample:K` or `all`.
 */
export const MAX_NAMED_GROUPS = 10_000;

/**
 * Level counts as plain data (what a fit job and a counted group hand on):
 * per channel (R, G, B), the levels with a count as [code, pixels] pairs, 8-
 * and 16-bit codes apart (fit/level-counts.ts sums them).
 */
export interface LevelCountsDoc {
  images: number;
  levels8: Array<Array<[number, number]>>;
  levels16: Array<Array<[number, number]>>;
}

/**
 * A group's level counts summed over its images, as typed arrays (they cross
 * threads as bytes; as LevelCountsDoc's pairs, cloning them took longer than
 * computing them): `counts8[level * 3 + c]` pixels of that 8-bit level in
 * channel c, and `counts16` likewise when the group has 16-bit images.
 */
export interface GroupLevels {
  images: number;
  counts8: Float64Array;
  counts16?: Float64Array;
}

/**
 * Shares of all values normalization pushes below 0 and above 1, per channel
 * (R, G, B), under the dataset's own statistics: its mean and variance over
 * the groups counted (`groups`, `images`), as `--stats dataset` takes them
 * (fit/dataset-shares.ts).
 */
export interface DatasetShares {
  mean: [number, number, number];
  variance: [number, number, number];
  below0: [number, number, number];
  above1: [number, number, number];
  groups: number;
  images: number;
}

/**
 * One decoded image as the levels its file stores: RGB codes, row-major,
 * interleaved (`codes[(y * width + x) * 3 + c]`), so `codes.length ===
 * height * width * 3`. An 8-bit source gives 256 levels a channel (a
 * Uint8Array), a 16-bit one 65,536 (a Uint16Array). The value a model reads
 * is the level scaled to [0, 1], `code / 255` (or / 65535) as a float32
 * (compute/level-values.ts): every number bnviz computes is a function of the
 * level, so nothing holds a float a pixel.
 */
export interface RgbImage {
  width: number;
  height: number;
  codes: Uint8Array | Uint16Array;
  /**
   * One byte a pixel (`mask[y * width + x]`): 1 for the image's own pixels,
   * 0 for letterbox bars (`fit: contain`), which are drawn but are not data:
   * no moment, statistic or density counts them. Absent: every pixel counts.
   */
  mask?: Uint8Array;
}

/**
 * An image the figures draw: its levels and the value each level maps to, per
 * channel. The value of pixel p in channel c is `values[codes[p * 3 + c] * 3 +
 * c]` (float32); for letterbox bars (mask 0) it is the original value, as the
 * bars are drawn unchanged.
 */
export interface TableImage extends RgbImage {
  /** `values[level * 3 + channel]`: 256 x 3 entries for 8-bit codes, 65,536 x 3 for 16-bit. */
  values: Float32Array;
}

/** Options of the normalization step (all have defaults in the config schema). */
export interface NormOptions {
  method: NormMethod;
  /** Added to the variance before the square root; Keras's default is 1e-3. */
  epsilon: number;
  /** Scale per channel (Keras `gamma`); one number applies to every channel. */
  gamma: number | [number, number, number];
  /** Offset per channel (Keras `beta`). */
  beta: number | [number, number, number];
  /** Channel groups for `group` normalization (must divide 3: 1 or 3). */
  groups: number;
  /**
   * Statistics given instead of the batch's own (`--stats`): batch
   * normalization as a trained model does it at inference time, or an input
   * pipeline's `Normalize(mean, std)`. Only for method 'batch'.
   */
  normStats?: NormStats;
}

/** Per channel statistics to normalize with: `(x - mean) / sqrt(variance + epsilon) * gamma + beta`. */
export interface NormStats {
  /** Where they come from: the dataset's own (bnviz fit), ImageNet's, or a JSON file. */
  source: 'dataset' | 'imagenet' | 'file';
  /** What the figures and stats.json say: "the dataset's mean and std (600 images)". */
  label: string;
  mean: [number, number, number];
  variance: [number, number, number];
  /** 0 for a mean and std (Normalize); a BN layer's own epsilon for its moving statistics. */
  epsilon: number;
  /** A BN layer's own scale and offset; absent: the gamma and beta settings. */
  gamma?: [number, number, number];
  beta?: [number, number, number];
  /** Images the statistics were taken over (source 'dataset'). */
  images?: number;
  /** The file they were read from (source 'file'). */
  file?: string;
}

/** Options of the density step. */
export interface DensityOptions {
  /** Points on the evaluation grid, from the channel's min to its max (seaborn's gridsize). */
  gridSize: number;
  /** Multiplies Scott's bandwidth (seaborn's bw_adjust). */
  bwAdjust: number;
}

/** A density curve on a grid. */
export interface Density {
  x: number[];
  y: number[];
}

/** Statistics of one image's values in one channel. */
export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (ddof 0). */
  std: number;
  /** Share of values below 0 (drawn black). */
  below0: number;
  /** Share of values above 1 (drawn white). */
  above1: number;
  /** Gaussian kernel bandwidth used for the density (Scott, ddof 1, times bwAdjust). */
  bandwidth: number;
  density: Density;
}

export interface ChannelStats {
  channel: ChannelName;
  original: ValueStats;
  normalized: ValueStats;
  /** The write-up's min-max scaled variant (one min and max over the whole group). */
  minmax: ValueStats;
  /**
   * With given statistics (--stats): the shares below 0 and above 1 that the
   * batch's own statistics would have given, side by side, to show which
   * images a small batch distorts most.
   */
  ownBatch?: { below0: number; above1: number };
}

export interface ImageStats {
  /** The file's name (basename), as in the reference stats.json. */
  file: string;
  /** The file's path relative to the dataset root, when known. */
  path?: string;
  channels: ChannelStats[];
}

/**
 * One group's numbers: the document `bnviz inspect --json` prints and each
 * group's `stats.json` holds. Follows the reference stats.json schema, with
 * extra keys.
 */
export interface GroupStats {
  /** The bnviz version that made the numbers. */
  version: string;
  /** Every option the numbers depend on (decode, normalization, densities). */
  options: NumberOptions;
  epsilon: number;
  method: NormMethod;
  backend: string;
  /** The moments the normalization used, one entry a set of values normalized together. */
  moments: Moment[];
  /** The statistics given instead of the batch's own (`--stats`), when they were. */
  normalizedWith?: NormStats;
  /** Batch statistics per channel, as in the reference stats.json; only for batch normalization, the one method that uses them. */
  batch?: { mean: number[]; variance: number[] };
  /** The min and max over the whole group used by the min-max variant. */
  minmax: { min: number; max: number };
  images: ImageStats[];
}

/** The options that shape a group's numbers, as stats.json states them. */
export interface NumberOptions {
  size: number;
  fit: Fit;
  background: string;
  colorProfile: ColorProfile;
  /** Older records (before the setting) flattened. */
  alpha?: AlphaMode;
  method: NormMethod;
  epsilon: number;
  gamma: number | [number, number, number];
  beta: number | [number, number, number];
  groups: number;
  gridSize: number;
  bwAdjust: number;
}

/**
 * One mean and biased variance a normalization used: batch uses one per
 * channel over N, H, W; instance one per image and channel over H, W; layer
 * one per image over H, W, C; group one per image and channel group.
 */
export interface Moment {
  /** The image (its path as the group names it); absent for batch moments, taken over every image. */
  image?: string;
  channels: ChannelName[];
  /** The axes the moment is taken over: 'N,H,W', 'H,W' or 'H,W,C'. */
  over: string;
  mean: number;
  variance: number;
}

/** The arrays the figures draw, next to the statistics. */
export interface GroupArrays {
  original: TableImage[];
  normalized: TableImage[];
  minmax: TableImage[];
}

/** How images' unseen shares spread, per channel: images per bin of 5% and the sum of their shares; and the images counted. */
export interface SpreadTotals {
  counts: { R: number[]; G: number[]; B: number[] };
  sums: { R: number; G: number; B: number };
  images: number;
}
