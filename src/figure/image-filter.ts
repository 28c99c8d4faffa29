/**
 * How an image is resampled to the size it is drawn at, as matplotlib's
 * default imshow(interpolation='antialiased') decides it: its pixels as
 * blocks ('nearest') when it is enlarged by a factor of 1, 2 or 3 and more
 * along both axes, else smoothed ('hanning' there, Skia's high-quality filter
 * here), which keeps a reduced or slightly enlarged photo free of aliasing
 * (matplotlib's "Image antialiasing" example: "Only when there is upsampling
 * by a factor of 1, 2 or >=3 is 'nearest' neighbor interpolation used").
 * An 8x8 image shown 300 px wide is then 8 x 8 blocks of its own colours,
 * not a gradient between them.
 */
export type ImageFilter = 'nearest' | 'smooth';

/** The filter for `pixels` source pixels drawn over `drawn` device pixels, along each axis. */
export function imageFilter(pixels: { w: number; h: number }, drawn: { w: number; h: number }): ImageFilter {
  const blocks = (n: number, d: number) => d >= 3 * n || d === n || d === 2 * n;
  return blocks(pixels.w, drawn.w) && blocks(pixels.h, drawn.h) ? 'nearest' : 'smooth';
}
