/**
 * Where an axes' text goes (tick labels, axis labels, title, overlays) and how
 * far it reaches outside the box: the measure matplotlib's tight_layout takes
 * of each axes' tight bounding box. Layout and renderer share this one
 * placement, so what is measured is what is drawn. Pure: the font's own
 * widths, no canvas.
 */
import type { AxesSpec, Rect, TextMark } from './spec.js';
import { STYLE } from './style.js';
import { ASCENT, DESCENT, LINE_SPACING, textBlock, textWidth } from './text-width.js';

export interface Extent {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A line or block of text placed in figure units: its covered rectangle and first baseline. */
export interface PlacedText {
  rect: Rect;
  /** y of the first line's baseline (for rotated text: of the unrotated block centred on the rect). */
  baseline: number;
  lines: string[];
  size: number;
  color: string;
  align: 'left' | 'center' | 'right';
  /** Quarter turn counter-clockwise (y axis labels). */
  rotate: boolean;
  background?: TextMark['background'];
  role: 'tick' | 'label' | 'title' | 'overlay';
}

/** Position of a data value along the box (figure units), for either axis. */
export function project(axis: 'x' | 'y', domain: [number, number], box: Rect, v: number): number {
  const t = (v - domain[0]) / (domain[1] - domain[0]);
  return axis === 'x' ? box.x + t * box.w : box.y + box.h - t * box.h;
}

function line(text: string, size: number, x: number, top: number, role: PlacedText['role'], color = '#000000'): PlacedText {
  const w = textWidth(text, size);
  return { rect: { x, y: top, w, h: (ASCENT + DESCENT) * size }, baseline: top + ASCENT * size, lines: [text], size, color, align: 'left', rotate: false, role };
}

/** Every text an axes shows outside its marks, placed. */
export function axesTexts(axes: AxesSpec): PlacedText[] {
  const { box, x, y } = axes;
  const out: PlacedText[] = [];
  const size = STYLE.tickLabelSize;
  const lineH = (ASCENT + DESCENT) * size;
  const reach = STYLE.tickLength + STYLE.tickPad;
  const showX = axes.frame && axes.ticks && x.tickLabels;
  const showY = axes.frame && axes.ticks && y.tickLabels;
  if (showX) {
    for (const t of x.ticks) out.push(line(t.label, size, project('x', x.domain, box, t.value) - textWidth(t.label, size) / 2, box.y + box.h + reach, 'tick'));
  }
  let yLabelsW = 0;
  if (showY) {
    for (const t of y.ticks) {
      const w = textWidth(t.label, size);
      yLabelsW = Math.max(yLabelsW, w);
      out.push(line(t.label, size, box.x - reach - w, project('y', y.domain, box, t.value) - lineH / 2, 'tick'));
    }
  }
  const tickLen = axes.frame && axes.ticks ? STYLE.tickLength : 0;
  if (x.label) {
    const s = x.labelSize ?? STYLE.axisLabelSize;
    const top = box.y + box.h + (showX ? reach + lineH : tickLen) + (x.labelPad ?? STYLE.axisLabelPad);
    out.push({ ...line(x.label, s, box.x + box.w / 2 - textWidth(x.label, s) / 2, top, 'label') });
  }
  if (y.label) {
    const s = y.labelSize ?? STYLE.axisLabelSize;
    const b = textBlock([y.label], s);
    const right = box.x - (showY ? reach + yLabelsW : tickLen) - (y.labelPad ?? STYLE.axisLabelPad);
    const rect = { x: right - b.h, y: box.y + box.h / 2 - b.w / 2, w: b.h, h: b.w };
    out.push({ rect, baseline: 0, lines: [y.label], size: s, color: '#000000', align: 'center', rotate: true, role: 'label' });
  }
  if (axes.title) {
    const { text, size: s, pad } = axes.title;
    const b = textBlock([text], s);
    out.push(line(text, s, box.x + box.w / 2 - b.w / 2, box.y - pad - b.h, 'title'));
  }
  for (const t of axes.overlays ?? []) out.push(placeText(t, box.x + t.x * box.w, box.y + (1 - t.y) * box.h, 'overlay'));
  return out;
}

/** Places a text mark anchored at (ax, ay) in figure units, by its alignment. */
export function placeText(t: TextMark, ax: number, ay: number, role: PlacedText['role'] = 'overlay'): PlacedText {
  const { w, h } = textBlock(t.lines, t.size);
  const lastBaseline = ASCENT * t.size + (t.lines.length - 1) * LINE_SPACING * t.size;
  const top =
    t.valign === 'top' ? ay
    : t.valign === 'bottom' ? ay - h
    : t.valign === 'middle' ? ay - h / 2
    : ay - lastBaseline;
  const left = t.align === 'left' ? ax : t.align === 'center' ? ax - w / 2 : ax - w;
  return {
    rect: { x: left, y: top, w, h }, baseline: top + ASCENT * t.size, lines: t.lines, size: t.size, color: t.color,
    align: t.align, rotate: false, role, ...(t.background ? { background: t.background } : {}),
  };
}

/** How far the texts reach beyond each side of the box (never negative); ticks count too. */
export function axesExtent(axes: AxesSpec): Extent {
  const { box } = axes;
  const tickLen = axes.frame && axes.ticks ? STYLE.tickLength : 0;
  const ext: Extent = { left: tickLen, right: 0, top: 0, bottom: tickLen };
  for (const { rect: r } of axesTexts(axes)) {
    ext.left = Math.max(ext.left, box.x - r.x);
    ext.right = Math.max(ext.right, r.x + r.w - (box.x + box.w));
    ext.top = Math.max(ext.top, box.y - r.y);
    ext.bottom = Math.max(ext.bottom, r.y + r.h - (box.y + box.h));
  }
  return ext;
}
