/**
 * Axes builders shared by the figures: a density panel and an image panel,
 * each a plain AxesSpec for a box the grid layout hands in.
 */
import type { ValueStats } from '../types.js';
import { axisTicks } from './axis-ticks.js';
import { clearTop, type TextRegion } from './clear-top.js';
import { densityMarks, isSpike } from './density-marks.js';
import type { AxesSpec, ImageSource, Mark, Rect, TextMark } from './spec.js';
import { PT, STYLE } from './style.js';
import { fitText, textWidth } from './text-width.js';

export interface DensityPanel {
  id: string;
  channels: ValueStats[];
  xDomain: [number, number];
  /** The y range's top before any room for text (the data's max plus matplotlib's 5 % margin). */
  yTop: number;
  /** `peers`: the titles of the figure's other panels of this width, which keep one size with it (see fitTitle). */
  title?: { text: string; size: number; pad: number; peers?: string[] };
  yLabel?: { text: string; size: number; pad: number };
  xTickLabels?: boolean;
  yTickLabels?: boolean;
  /** Marks over the densities (spans, backing patches). */
  above?: Mark[];
  texts?: TextMark[];
  /** The y range is shared with panels that have curves (compare): keep its ticks even for spikes alone. */
  sharedY?: boolean;
  /** Text regions (axes fractions) the curves must stay below: the y range grows to keep them clear. */
  keepClear?: TextRegion[];
}

/**
 * A panel's title that takes no room from the data. It may overhang its
 * panel by about the width of the y tick labels, which the layout keeps
 * between panels anyway (the write-up's "batch norm." at 20 pt is wider
 * than its panel at three images); a longer one shrinks, with its peers,
 * down to 12 pt, and what still does not fit is shortened (fitText). The
 * figure's footer, the SVG's title or stats.json name it in full.
 */
export function fitTitle(title: NonNullable<DensityPanel['title']>, width: number): { text: string; size: number; pad: number } {
  const room = width + TITLE_OVERHANG;
  const widest = Math.max(...[title.text, ...(title.peers ?? [])].map((t) => textWidth(t, 1)));
  const size = Math.max(Math.min(title.size, 12 * PT), Math.min(title.size, room / widest));
  return { text: fitText(title.text, size, room), size, pad: title.pad };
}

/** How far a title may reach past its panel, both sides together: about the width of two y tick labels and their ticks. */
const TITLE_OVERHANG = 2 * (STYLE.tickLength + STYLE.tickPad) + textWidth('0.0', STYLE.tickLabelSize);

export function densityAxes(p: DensityPanel, box: Rect): AxesSpec {
  const yDomain: [number, number] = [0, clearTop(p.channels, p.xDomain, p.yTop, p.keepClear)];
  // spikes alone have no density values to read off the y axis
  const curves = p.sharedY === true || !p.channels.every(isSpike);
  return {
    id: p.id,
    box,
    x: { domain: p.xDomain, ticks: axisTicks(p.xDomain, box.w), tickLabels: p.xTickLabels ?? true },
    y: {
      domain: yDomain,
      ticks: curves ? axisTicks(yDomain, box.h, 'y') : [],
      tickLabels: (p.yTickLabels ?? true) && curves,
      ...(p.yLabel ? { label: p.yLabel.text, labelSize: p.yLabel.size, labelPad: p.yLabel.pad } : {}),
    },
    frame: true,
    ticks: true,
    ...(p.title ? { title: fitTitle(p.title, box.w) } : {}),
    marks: [...densityMarks(p.channels), ...(p.above ?? [])],
    overlays: p.texts ?? [],
  };
}

export interface ImagePanel {
  id: string;
  source: ImageSource;
  width: number;
  height: number;
  /** Pixel-coordinate ticks, as imshow shows them; off for insets. */
  ticks: boolean;
  marks?: Mark[];
  title?: { text: string; size: number; pad: number };
  /** The file's name, under the image, shortened to its width (see fitText). */
  caption?: string;
}

/** An image in pixel coordinates: x from -0.5 to width - 0.5, y downwards (imshow's extent). */
export function imageAxes(p: ImagePanel, box: Rect): AxesSpec {
  const xDomain: [number, number] = [-0.5, p.width - 0.5];
  const yDomain: [number, number] = [p.height - 0.5, -0.5];
  return {
    id: p.id,
    box,
    x: {
      domain: xDomain, ticks: p.ticks ? axisTicks(xDomain, box.w) : [], tickLabels: p.ticks,
      ...(p.caption ? { label: fitText(p.caption, STYLE.tickLabelSize, box.w), labelSize: STYLE.tickLabelSize, labelPad: STYLE.axisLabelPad } : {}),
    },
    y: { domain: yDomain, ticks: p.ticks ? axisTicks(yDomain, box.h, 'y') : [], tickLabels: p.ticks },
    frame: true,
    ticks: p.ticks,
    ...(p.title ? { title: p.title } : {}),
    marks: [{ type: 'image', source: p.source, x0: -0.5, x1: p.width - 0.5, y0: -0.5, y1: p.height - 0.5 }, ...(p.marks ?? [])],
  };
}

/**
 * A frameless axes that only holds a centred heading (the write-up's suptitle
 * and row titles). A heading wider than the figure shrinks to fit it, and
 * with it its `peers` (the figure's other headings), so all keep one size;
 * below the tick labels' size it is shortened instead (fitText).
 */
export function headingAxes(id: string, text: string, box: Rect, peers: string[] = [text]): AxesSpec {
  // ...but not below the tick labels' size: a longer heading is shortened instead
  const size = Math.max(STYLE.tickLabelSize, Math.min(STYLE.headingSize, ...[text, ...peers].map((t) => (0.98 * box.w) / textWidth(t, 1))));
  return {
    id,
    box,
    x: { domain: [0, 1], ticks: [], tickLabels: false },
    y: { domain: [0, 1], ticks: [], tickLabels: false },
    frame: false,
    ticks: false,
    marks: [],
    overlays: [{ type: 'text', x: 0.5, y: 0.5, lines: [fitText(text, size, 0.98 * box.w)], size, color: '#000000', align: 'center', valign: 'middle' }],
  };
}
