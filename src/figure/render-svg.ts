/**
 * Draws a spec on Skia's SVG canvas. Text becomes paths, so the SVG looks the
 * same without the font installed; images are embedded as PNG data.
 */
import { createCanvas, SvgExportFlag } from '@napi-rs/canvas';
import type { GroupArrays } from '../types.js';
import { drawSpec } from './draw-spec.js';
import { ensureFonts } from './fonts.js';
import type { FigureSpec } from './spec.js';

/** SVG text of the figure, in figure units (1/100 inch) as its user units. */
export function renderSvg(spec: FigureSpec, arrays: GroupArrays): Buffer {
  ensureFonts();
  const canvas = createCanvas(Math.round(spec.width), Math.round(spec.height), SvgExportFlag.ConvertTextToPaths);
  drawSpec(canvas.getContext('2d'), spec, arrays);
  return canvas.getContent();
}
