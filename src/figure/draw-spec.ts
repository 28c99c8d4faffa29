/**
 * Draws a figure spec on a 2D context it is handed (a PNG canvas or an SVG
 * canvas alike). It decides nothing: every position, size and colour comes
 * from the spec; the arrays only supply pixels of image marks.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { GroupArrays } from '../types.js';
import { requireCjs } from '../util/require-cjs.js';
import { drawable } from './font-coverage.js';
import { imageFilter } from './image-filter.js';
import { imageTile } from './image-tile.js';
import { areaPathData } from './path-data.js';
import { axesTexts, placeText, project, type PlacedText } from './place-texts.js';
import type { AxesSpec, FigureSpec, Mark } from './spec.js';
import { STYLE } from './style.js';
import { ASCENT, DESCENT, FONT_FAMILY, LINE_SPACING } from './text-width.js';

const { Path2D } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');

/**
 * The context and the font last set on it: setting a font parses it and
 * looks it up, so text sets it only when it changes ('' when not known).
 */
interface Pen {
  ctx: SKRSContext2D;
  font: string;
  /** Where texts go instead of the canvas (the SVG writes them itself), in drawing order. */
  texts?: PlacedText[];
}

/**
 * Draws `spec` in figure units; the caller has scaled the context to its
 * pixels. With `texts`, each text (its lines as the font can draw them) is
 * handed there instead of being drawn: its background box is drawn.
 */
export function drawSpec(ctx: SKRSContext2D, spec: FigureSpec, arrays: GroupArrays, texts?: PlacedText[]): void {
  const pen: Pen = { ctx, font: '', ...(texts ? { texts } : {}) };
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = spec.background;
  ctx.fillRect(0, 0, spec.width, spec.height);
  for (const axes of spec.axes) drawAxes(pen, spec, axes, arrays);
  for (const p of spec.patches) {
    ctx.globalAlpha = p.alpha;
    ctx.fillStyle = p.color;
    ctx.fillRect(p.x, p.y, p.w, p.h);
  }
  ctx.globalAlpha = 1;
  for (const t of spec.texts) drawText(pen, spec.font, placeText(t, t.x, t.y));
}

function drawAxes(pen: Pen, spec: FigureSpec, axes: AxesSpec, arrays: GroupArrays): void {
  const { ctx } = pen;
  const { box } = axes;
  const px = (v: number) => project('x', axes.x.domain, box, v);
  const py = (v: number) => project('y', axes.y.domain, box, v);
  // restore() brings back the font of save() time
  const font = pen.font;
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.w, box.h);
  ctx.clip();
  for (const mark of axes.marks) drawMark(pen, mark, axes, px, py, arrays);
  ctx.restore();
  pen.font = font;
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
  if (axes.frame) {
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = STYLE.spineWidth;
    ctx.strokeRect(box.x, box.y, box.w, box.h);
  }
  if (axes.frame && axes.ticks) {
    ctx.lineWidth = STYLE.tickWidth;
    ctx.beginPath();
    for (const t of axes.x.ticks) {
      const x = px(t.value);
      ctx.moveTo(x, box.y + box.h);
      ctx.lineTo(x, box.y + box.h + STYLE.tickLength);
    }
    for (const t of axes.y.ticks) {
      const y = py(t.value);
      ctx.moveTo(box.x, y);
      ctx.lineTo(box.x - STYLE.tickLength, y);
    }
    ctx.stroke();
  }
  for (const t of axesTexts(axes)) drawText(pen, spec.font, t);
}

function drawMark(
  pen: Pen, mark: Mark, axes: AxesSpec,
  px: (v: number) => number, py: (v: number) => number, arrays: GroupArrays,
): void {
  const { ctx } = pen;
  const { box } = axes;
  switch (mark.type) {
    case 'area': {
      // seaborn's fill_between: the polygon along the curve and back along y = 0, face and edge.
      const path = new Path2D(areaPathData(mark.x, mark.y, px, py));
      ctx.globalAlpha = mark.fillAlpha;
      ctx.fillStyle = mark.color;
      ctx.fill(path);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = mark.color;
      ctx.lineWidth = mark.lineWidth;
      ctx.lineJoin = 'round';
      ctx.stroke(path);
      break;
    }
    case 'span': {
      ctx.globalAlpha = mark.alpha;
      ctx.fillStyle = mark.color;
      const x0 = px(mark.x0), x1 = px(mark.x1);
      ctx.fillRect(Math.min(x0, x1), box.y, Math.abs(x1 - x0), box.h);
      ctx.globalAlpha = 1;
      break;
    }
    case 'vline': {
      ctx.strokeStyle = mark.color;
      ctx.lineWidth = mark.lineWidth;
      ctx.setLineDash(mark.dash);
      ctx.beginPath();
      ctx.moveTo(px(mark.x), box.y);
      ctx.lineTo(px(mark.x), box.y + box.h);
      ctx.stroke();
      ctx.setLineDash([]);
      break;
    }
    case 'image': {
      const tile = imageTile(mark.source, arrays);
      const x0 = px(mark.x0), x1 = px(mark.x1), y0 = py(mark.y0), y1 = py(mark.y1);
      // the size in device pixels (the context is scaled to the PNG's scale)
      const m = ctx.getTransform();
      const drawn = { w: Math.abs(x1 - x0) * Math.hypot(m.a, m.b), h: Math.abs(y1 - y0) * Math.hypot(m.c, m.d) };
      ctx.imageSmoothingEnabled = imageFilter({ w: tile.width, h: tile.height }, drawn) === 'smooth';
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(tile, Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      break;
    }
    case 'patch': {
      ctx.globalAlpha = mark.alpha;
      ctx.fillStyle = mark.color;
      ctx.fillRect(box.x + mark.x * box.w, box.y + (1 - mark.y - mark.h) * box.h, mark.w * box.w, mark.h * box.h);
      ctx.globalAlpha = 1;
      break;
    }
    case 'text':
      drawText(pen, FONT_FAMILY, placeText(mark, box.x + mark.x * box.w, box.y + (1 - mark.y) * box.h));
      break;
  }
}

function drawText(pen: Pen, family: string, t: PlacedText): void {
  const { ctx } = pen;
  const font = `${t.size}px "${family}"`;
  if (pen.font !== font) {
    ctx.font = font;
    pen.font = font;
  }
  if (t.background) {
    ctx.globalAlpha = t.background.alpha;
    ctx.fillStyle = t.background.color;
    ctx.fillRect(t.rect.x - 2, t.rect.y - 1, t.rect.w + 4, t.rect.h + 2);
    ctx.globalAlpha = 1;
  }
  if (pen.texts) {
    pen.texts.push({ ...t, lines: t.lines.map(drawable) });
    return;
  }
  ctx.fillStyle = t.color;
  if (t.rotate) {
    ctx.save();
    ctx.translate(t.rect.x + t.rect.w / 2, t.rect.y + t.rect.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(drawable(t.lines[0]!), 0, ((ASCENT - DESCENT) / 2) * t.size);
    ctx.restore();
    return;
  }
  ctx.textAlign = t.align;
  const x = t.align === 'left' ? t.rect.x : t.align === 'center' ? t.rect.x + t.rect.w / 2 : t.rect.x + t.rect.w;
  t.lines.forEach((line, i) => ctx.fillText(drawable(line), x, t.baseline + i * LINE_SPACING * t.size));
}
