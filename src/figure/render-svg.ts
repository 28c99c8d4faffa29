/**
 * Draws a spec on Skia's SVG canvas. Text stays text (`<text>` in the
 * figure's font, DejaVu Sans), so it can be searched, selected and edited;
 * images are embedded as PNG data. The root element gets a viewBox in figure
 * units (1/100 inch) and a size in inches, so the SVG scales and prints at
 * the PNG's size at 100 dpi.
 */
import type { GroupArrays } from '../types.js';
import { escapeHtml } from '../util/html.js';
import { requireCjs } from '../util/require-cjs.js';
import { drawSpec } from './draw-spec.js';
import { DPI_AT_SCALE_1 } from './encode-png.js';
import { ensureFonts } from './fonts.js';
import { FONT_FAMILY } from './text-width.js';
import type { FigureSpec } from './spec.js';

const { createCanvas, SvgExportFlag } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');

/** SVG text of the figure, in figure units (1/100 inch) as its user units. */
export function renderSvg(spec: FigureSpec, arrays: GroupArrays): Buffer {
  ensureFonts();
  const width = Math.round(spec.width);
  const height = Math.round(spec.height);
  // Any flag but ConvertTextToPaths keeps text as text (one flag only: the binding takes no combination).
  // Without pretty printing, a text element holds its string alone, no indentation around it.
  const canvas = createCanvas(width, height, SvgExportFlag.NoPrettyXML);
  drawSpec(canvas.getContext('2d'), spec, arrays);
  const svg = canvas.getContent().toString('utf8');
  const root = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">`;
  if (!svg.includes(root)) throw new Error('renderSvg: Skia\'s SVG root element is not the one expected');
  const inches = (v: number) => `${+(v / DPI_AT_SCALE_1).toFixed(4)}in`;
  // the figure's full description, where its texts had to be shortened (SVG 1.1 5.4: a <title> child of the root)
  const title = spec.title ? `<title>${escapeHtml(spec.title)}</title>` : '';
  return Buffer.from(svg
    .replace(root, root.replace(`width="${width}" height="${height}"`, `width="${inches(width)}" height="${inches(height)}" viewBox="0 0 ${width} ${height}"`) + title)
    // where DejaVu Sans is not installed: Bitstream Vera Sans (its parent, same metrics), then Verdana or any sans-serif
    .replaceAll(`font-family="${FONT_FAMILY}"`, `font-family="${FONT_FAMILY}, Bitstream Vera Sans, Verdana, sans-serif"`));
}
