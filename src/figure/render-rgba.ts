/**
 * Draws a spec on a Skia canvas and encodes it as PNG.
 */
import type { Canvas, SKRSContext2D } from '@napi-rs/canvas';
import type { GroupArrays } from '../types.js';
import { requireCjs } from '../util/require-cjs.js';
import { drawSpec } from './draw-spec.js';
import { ensureFonts } from './fonts.js';
import type { FigureSpec } from './spec.js';

const { createCanvas } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');

export interface RenderOptions {
  /** PNG pixels per figure unit (1/100 inch); 1 by default. */
  scale: number;
}

/** The figure's pixels as straight RGBA, `width * height * 4` bytes, before encoding. */
export function renderRgba(spec: FigureSpec, arrays: GroupArrays, options: RenderOptions): { width: number; height: number; data: Buffer } {
  ensureFonts();
  const width = Math.round(spec.width * options.scale);
  const height = Math.round(spec.height * options.scale);
  const { canvas, ctx } = canvasOf(width, height);
  ctx.setTransform(options.scale, 0, 0, options.scale, 0, 0);
  drawSpec(ctx, spec, arrays);
  // data() copies the pixels out, so the canvas can be drawn on again.
  return { width, height, data: canvas.data() };
}

type Surface = { canvas: Canvas; ctx: SKRSContext2D };

/** Sizes kept: a run draws up to three figures, each of its own size, for every group. */
const MAX_SURFACES = 3;
const surfaces = new Map<string, Surface>();

/**
 * One canvas per figure size and thread, kept for the next figure of that
 * size: making a 1200 x 600 canvas costs more than drawing the figure on it
 * (with one canvas kept, the three default figures made three canvases a
 * group: about 20 ms). Opaque, since figures have a white background, and
 * reading back an opaque canvas skips un-premultiplying (about 9 ms of 11 at
 * 1200 x 600).
 */
function canvasOf(width: number, height: number): Surface {
  const key = `${width}x${height}`;
  let surface = surfaces.get(key);
  if (!surface) {
    const canvas = createCanvas(width, height);
    surface = { canvas, ctx: canvas.getContext('2d', { alpha: false }) };
    if (surfaces.size >= MAX_SURFACES) surfaces.delete(surfaces.keys().next().value!);
    surfaces.set(key, surface);
  }
  surface.ctx.reset();
  return surface;
}
