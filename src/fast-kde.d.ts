/** Types for fast-kde 0.2 (it ships none): the parts bnviz uses. */
declare module 'fast-kde' {
  export interface Density1dOptions<T> {
    /** Value accessor; default: the datum itself. */
    x?: ((d: T, i: number, data: ArrayLike<T>) => number) | string;
    /** Weight accessor; default: 1 / data.length. */
    weight?: ((d: T, i: number, data: ArrayLike<T>) => number) | string;
    /** Gaussian kernel standard deviation, in data units; default: adjust x nrd(data). */
    bandwidth?: number;
    /** Multiplies the default bandwidth. */
    adjust?: number;
    /** [lo, hi] of the grid; default: the data's extent padded by pad bandwidths. */
    extent?: [number, number];
    /** Bandwidths of padding when extent is not given; default 3. */
    pad?: number;
    /** Grid points; default 512. */
    bins?: number;
  }
  export interface Density1d {
    /** Density per bin, times the bin width (multiply by 1 / delta for a density). */
    grid(): Float64Array;
    extent(): [number, number];
    bandwidth(): number;
    points(x?: string, y?: string): Iterable<Record<string, number>>;
  }
  export function density1d<T = number>(data: ArrayLike<T>, options?: Density1dOptions<T>): Density1d;
  export function nrd<T = number>(data: ArrayLike<T>, x?: (d: T) => number): number;
}

/** fast-kde's Deriche smoother (src/deriche.js), which density1d runs on its binned grid. */
declare module 'fast-kde/src/deriche.js' {
  export interface DericheConfig { sigma: number; negative: boolean }
  /** Coefficients of Deriche's recursive Gaussian for `sigma` (in bins); `negative` keeps negative output. */
  export function dericheConfig(sigma: number, negative?: boolean): DericheConfig;
  /** The grid smoothed, a new array of `n` values. */
  export function dericheConv1d(config: DericheConfig, grid: Float64Array, n: number): Float64Array;
}
