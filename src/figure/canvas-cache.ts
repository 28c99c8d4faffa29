/**
 * Opaque Skia canvases kept by size in this thread, for the next drawing of
 * that size: making a 1200 x 600 canvas costs more than drawing a figure on
 * it. Opaque, since what is drawn on them is, and reading back an opaque
 * canvas skips un-premultiplying (about 9 ms of 11 at 1200 x 600). Skia is
 * loaded with the first canvas, so a module may keep a cache without loading
 * it at start (the dashboard reads thumbnail.ts's names and loads no Skia).
 */
import type { Canvas, SKRSContext2D } from '@napi-rs/canvas';
import { requireCjs } from '../util/require-cjs.js';

export interface Surface {
  canvas: Canvas;
  ctx: SKRSContext2D;
}

/** A cache of at most `max` sizes (the oldest made is dropped first): the canvas of a size, as last drawn. */
export function opaqueCanvases(max: number): (width: number, height: number) => Surface {
  const kept = new Map<string, Surface>();
  return (width, height) => {
    const key = `${width}x${height}`;
    let surface = kept.get(key);
    if (!surface) {
      const { createCanvas } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
      const canvas = createCanvas(width, height);
      surface = { canvas, ctx: canvas.getContext('2d', { alpha: false }) };
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
      kept.set(key, surface);
    }
    return surface;
  };
}
