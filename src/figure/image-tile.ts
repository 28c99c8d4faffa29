/**
 * The canvas an image mark is drawn from. One canvas, with its ImageData,
 * per image size and thread, written in place for each mark: making a canvas
 * and an ImageData for every image cost more than the pixels themselves.
 * Reusing it is safe because drawImage takes a snapshot of the canvas'
 * pixels, not a reference, so a later mark does not change an earlier one
 * (scripts/bench-figures.ts checks the pixels against fresh canvases).
 */
import type { Canvas, ImageData, SKRSContext2D } from '@napi-rs/canvas';
import type { GroupArrays } from '../types.js';
import { requireCjs } from '../util/require-cjs.js';
import { imageSize, writeImageRgba } from './image-pixels.js';
import type { ImageSource } from './spec.js';

const { createCanvas } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');

interface Tile {
  canvas: Canvas;
  ctx: SKRSContext2D;
  pixels: ImageData;
}

/** Sizes kept; a run's groups share one size, so more would only hold memory. */
const MAX_TILES = 2;
const tiles = new Map<string, Tile>();

/** A canvas holding the pixels of `source`, valid until the next call. */
export function imageTile(source: ImageSource, arrays: GroupArrays): Canvas {
  const { width, height } = imageSize(source, arrays);
  const tile = tileOf(width, height);
  writeImageRgba(source, arrays, tile.pixels.data);
  tile.ctx.putImageData(tile.pixels, 0, 0);
  return tile.canvas;
}

function tileOf(width: number, height: number): Tile {
  const key = `${width}x${height}`;
  let tile = tiles.get(key);
  if (!tile) {
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    tile = { canvas, ctx, pixels: ctx.createImageData(width, height) };
    if (tiles.size >= MAX_TILES) tiles.delete(tiles.keys().next().value!);
    tiles.set(key, tile);
  }
  return tile;
}
