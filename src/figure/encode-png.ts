/**
 * PNG encoding of rendered RGBA.
 */
import { createCanvas } from '@napi-rs/canvas';

export async function encodePng(rgba: { width: number; height: number; data: Buffer }): Promise<Buffer> {
  const canvas = createCanvas(rgba.width, rgba.height);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(rgba.width, rgba.height);
  img.data.set(rgba.data);
  ctx.putImageData(img, 0, 0);
  return canvas.encode('png');
}
