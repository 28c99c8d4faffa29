/**
 * matplotlib's and seaborn's defaults (rcParams of matplotlib 3.6, seaborn
 * 0.12 kdeplot), in figure units: a point is 100/72 units at the write-up's
 * 100 dpi. Named once here so every figure draws the same way.
 */

/** Figure units per typographic point. */
export const PT = 100 / 72;

export const STYLE = {
  tickLabelSize: 10 * PT,
  tickLength: 3.5 * PT,
  tickPad: 3.5 * PT,
  tickWidth: 0.8 * PT,
  spineWidth: 0.8 * PT,
  axisLabelSize: 10 * PT,
  axisLabelPad: 4 * PT,
  /** tight_layout's pad: 1.08 font sizes between decorations and the figure edge or each other. */
  layoutPad: 1.08 * 10 * PT,
  /** seaborn kdeplot(fill=True): face alpha 0.25, opaque edge of patch.linewidth 1 pt. */
  densityFillAlpha: 0.25,
  densityLineWidth: 1 * PT,
  /** axvline(ls='--'): lines.linewidth 1.5 pt, dash pattern 3.7 on, 1.6 off (in line widths). */
  dashWidth: 1.5 * PT,
  dash: [3.7 * 1.5 * PT, 1.6 * 1.5 * PT],
  /** Under the seam's dashes, so they show on a dark image too (see overview-figure.ts). */
  seamUnder: '#ffffff',
  /** Title of the figures' panels (the write-up's fontsize 20, pad 12). */
  titleSize: 20 * PT,
  titlePad: 12 * PT,
  /** Row titles (the write-up's suptitle and set_title fontsize 24). */
  headingSize: 24 * PT,
  /** The unseen shares printed in normalized panels. */
  shareSize: 8 * PT,
  captionSize: 9 * PT,
} as const;

/** matplotlib's 'r', 'g', 'b'. */
export const CHANNEL_COLORS = ['#ff0000', '#008000', '#0000ff'] as const;

/**
 * Clipping indicators on the normalized half of an image, as photo editors
 * mark clipped shadows (blue) and highlights (red): pixels whose every
 * channel is below 0 (drawn pure black) or above 1 (pure white), so nothing
 * of them is shown. A pixel with only some channels out of range still shows
 * something (in the wrong colour); with batch-normalized data that is most
 * pixels, so marking it would hide the image.
 */
export const UNSEEN_MARK_COLORS = {
  below: [0, 96, 255],
  above: [255, 32, 32],
} as const;

export function rgbCss([r, g, b]: readonly number[]): string {
  return `rgb(${r}, ${g}, ${b})`;
}
