/**
 * The figure spec: everything a figure shows, as plain JSON-serializable data.
 * Layout builds it (pure), the renderer only draws it. Coordinates are figure
 * units: 1/100 inch, so at scale 1 a unit is a pixel of the write-up's 100 dpi
 * figures (12 x 6 in = 1200 x 600). Marks inside axes use data coordinates or
 * axes fractions, as matplotlib's `transData` and `transAxes` do.
 */

export type { FigureKind } from '../types.js';
import type { FigureKind } from '../types.js';

/** A rectangle in figure units, y down from the figure's top edge. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type HAlign = 'left' | 'center' | 'right';
/** `baseline` anchors the last line's baseline, as matplotlib's va='baseline'. */
export type VAlign = 'top' | 'middle' | 'bottom' | 'baseline';

export interface Tick {
  value: number;
  label: string;
}

export interface AxisSpec {
  /** [start, end] in data units; an image's y axis runs from height - 0.5 down to -0.5. */
  domain: [number, number];
  ticks: Tick[];
  /** Draw tick labels (false for shared axes, as matplotlib's sharex/sharey hide them). */
  tickLabels: boolean;
  label?: string;
  labelSize?: number;
  labelPad?: number;
}

/** Pixels of one image of the group; the renderer reads them from the arrays it is given. */
export type ImageSource =
  | { kind: 'whole'; array: 'original' | 'normalized' | 'minmax'; index: number }
  /** Left half original, right half normalized (clipped to [0, 1] for display), as in the write-up's section 5. */
  | { kind: 'split'; index: number; markUnseen: boolean };

export type Mark =
  /** A filled density, drawn as seaborn's kdeplot(fill=True): translucent face, opaque edge around the polygon. */
  | { type: 'area'; x: number[]; y: number[]; color: string; fillAlpha: number; lineWidth: number; channel?: string }
  /** A vertical band from x0 to x1 over the whole height (matplotlib's axvspan). */
  | { type: 'span'; x0: number; x1: number; color: string; alpha: number; role?: 'unseen-below' | 'unseen-above' }
  /** A vertical line over the whole height: the seam of a split image, or the spike of a channel with one value (`channel` set). */
  | { type: 'vline'; x: number; color: string; lineWidth: number; dash: number[]; channel?: string }
  /** An image filling the data rectangle [x0, x1] x [y0, y1] (pixel edges, as imshow's extent). */
  | { type: 'image'; source: ImageSource; x0: number; x1: number; y0: number; y1: number }
  | TextMark
  /** A filled rectangle in axes fractions (legend patches). */
  | { type: 'patch'; x: number; y: number; w: number; h: number; color: string; alpha: number };

export interface TextMark {
  type: 'text';
  /** Position in axes fractions (0..1, y up) inside axes, or in figure units at figure level. */
  x: number;
  y: number;
  /** One entry a line. */
  lines: string[];
  size: number;
  color: string;
  align: HAlign;
  valign: VAlign;
  rotate?: number;
  /** A box behind the text: colour and opacity. */
  background?: { color: string; alpha: number };
  /** What the text states, for readers of the spec (e.g. `{ share: 'below0', channel: 'R', value: 0.23 }`). */
  meta?: Record<string, string | number>;
}

export interface AxesSpec {
  id: string;
  /** The plotting area, in figure units. */
  box: Rect;
  x: AxisSpec;
  y: AxisSpec;
  /** Spines and ticks; false for text-only rows. */
  frame: boolean;
  /** Hidden axes carry no ticks (insets). */
  ticks: boolean;
  title?: { text: string; size: number; pad: number };
  /** Drawn in order, clipped to the box. */
  marks: Mark[];
  /** Marks drawn after the clip is lifted (text may leave its axes). */
  overlays?: TextMark[];
}

export interface FigureSpec {
  kind: FigureKind;
  /** Figure size in units (1/100 inch). */
  width: number;
  height: number;
  font: string;
  background: string;
  axes: AxesSpec[];
  /** Figure-level text, in figure units. */
  texts: TextMark[];
  /** What the figure shows in full where its texts had to be shortened (the statistics given): the SVG's <title>. */
  title?: string;
  /** Figure-level legend patches, in figure units. */
  patches: Array<{ x: number; y: number; w: number; h: number; color: string; alpha: number }>;
}
