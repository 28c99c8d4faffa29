/**
 * Draws a spec on a Skia canvas and encodes it as PNG.
 */
import type { Canvas } from '@napi-rs/canvas';
import type { GroupArrays } from '../types.js';
import { opaqueCanvases } from './canvas-cache.js';
import { drawSpec } from './draw-spec.js';
import { ensureFonts } from './fonts.js';
import type { FigureSpec } from './spec.js';

/**
 * Sizes kept: a run draws up to three figures, each of its own size, for
 * every group (with one canvas kept, the three default figures made three
 * canvases a group: about 20 ms).
 */
const canvasOf = opaqueCanvases(3);

export interface RenderOptions {
  /** PNG pixels per figure unit (1/100 inch); 1 by default. */
  scale: number;
}

/**
 * The figure's pixels as straight RGBA, `width * height * 4` bytes, before encoding.
 * @param onCanvas is handed the canvas as drawn, before anything else draws on
 *                 it (the canvas is kept for the next figure of its size), for
 *                 what else is made of the figure (its thumbnail)
 */
export function renderRgba(spec: FigureSpec, arrays: GroupArrays, options: RenderOptions, onCanvas?: (canvas: Canvas) => void): { width: number; height: number; data: Buffer } {
  ensureFonts();
  const width = Math.round(spec.width * options.scale);
  const height = Math.round(spec.height * options.scale);
  const { canvas, ctx } = canvasOf(width, height);
  ctx.reset();
  ctx.setTransform(options.scale, 0, 0, options.scale, 0, 0);
  drawSpec(ctx, spec, arrays);
  // data() copies the pixels out, so the canvas can be drawn on again.
  const data = canvas.data();
  onCanvas?.(canvas);
  return { width, height, data };
}
