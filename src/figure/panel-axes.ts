/**
 * Axes builders shared by the figures: a density panel and an image panel,
 * each a plain AxesSpec for a box the grid layout hands in.
 */
import type { ValueStats } from '../types.js';
import { axisTicks } from './axis-ticks.js';
import { densityMarks, densityMaxWithin, isSpike } from './density-marks.js';
import type { AxesSpec, ImageSource, Mark, Rect, TextMark } from './spec.js';
import { STYLE } from './style.js';
import { fitText, textWidth } from './text-width.js';

export interface DensityPanel {
  id: string;
  channels: ValueStats[];
  xDomain: [number, number];
  /** The y range's top before any room for text (the data's max plus matplotlib's 5 % margin). */
  yTop: number;
  title?: { text: string; size: number; pad: number };
  yLabel?: { text: string; size: number; pad: number };
  xTickLabels?: boolean;
  yTickLabels?: boolean;
  /** Marks over the densities (spans, backing patches). */
  above?: Mark[];
  texts?: TextMark[];
  /** The y range is shared with panels that have curves (compare): keep its ticks even for spikes alone. */
  sharedY?: boolean;
  /** Text regions (axes fractions) the curves must stay below: the y range grows to keep them clear. */
  keepClear?: Array<{ x0: number; x1: number; y0: number }>;
}

/**
 * The top of a y range that keeps every curve below the given text regions
 * (axes fractions x0..x1, from y0 up to the top), so stated numbers never hide
 * a curve. Regions reaching below a fifth of the height are not kept clear.
 */
export function clearTop(channels: ValueStats[], xDomain: [number, number], yTop: number, regions: DensityPanel['keepClear']): number {
  const [d0, d1] = xDomain;
  let top = yTop;
  for (const r of regions ?? []) {
    const under = densityMaxWithin(channels, d0 + r.x0 * (d1 - d0), d0 + r.x1 * (d1 - d0));
    if (r.y0 > 0.2) top = Math.max(top, (under * 1.03) / r.y0);
  }
  return top;
}

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
    ...(p.title ? { title: p.title } : {}),
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
 * with it its `peers` (the figure's other headings), so all keep one size.
 */
export function headingAxes(id: string, text: string, box: Rect, peers: string[] = [text]): AxesSpec {
  const size = Math.min(STYLE.headingSize, ...[text, ...peers].map((t) => (0.98 * box.w) / textWidth(t, 1)));
  return {
    id,
    box,
    x: { domain: [0, 1], ticks: [], tickLabels: false },
    y: { domain: [0, 1], ticks: [], tickLabels: false },
    frame: false,
    ticks: false,
    marks: [],
    overlays: [{ type: 'text', x: 0.5, y: 0.5, lines: [text], size, color: '#000000', align: 'center', valign: 'middle' }],
  };
}
