/** A folder whose worst groups (by unseen share) are known by construction. */
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * 12 groups of three 24 x 24 gradients (sorted order: g00/a..c, g01/a..c, ...);
 * in the groups named, the middle image is black: batch normalization pushes
 * every value of it below 0, so those groups, and only those, have an image
 * 100% unseen (a gradient's channels are at most about 71% unseen).
 */
export async function worstByConstruction(dir: string, worst: number[], groups = 12): Promise<void> {
  for (let g = 0; g < groups; g++) {
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const file = join(dir, `g${String(g).padStart(2, '0')}${name}.png`);
      if (i === 1 && worst.includes(g)) await sharp({ create: { width: 24, height: 24, channels: 3, background: '#000000' } }).png().toFile(file);
      else await sharp(ramps(24, i), { raw: { width: 24, height: 24, channels: 3 } }).png().toFile(file);
    }
  }
}

/** Every channel a ramp over [0, 1] (across, down, along the diagonal, by `turn`): no channel is all unseen. */
function ramps(w: number, turn: number): Buffer {
  const buf = Buffer.alloc(w * w * 3);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
    const v = [x / (w - 1), y / (w - 1), (x + y) / (2 * w - 2)];
    for (let c = 0; c < 3; c++) buf[(y * w + x) * 3 + c] = Math.round(255 * v[(c + turn) % 3]!);
  }
  return buf;
}

