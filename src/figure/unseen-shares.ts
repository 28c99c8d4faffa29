/**
 * The shares of unseen values, stated in each normalized density panel: a
 * block at the top of the x < 0 span lists per channel the share below 0,
 * one at the top of the x > 1 span the share above 1; in the corners, or
 * slid along the span to where the curves leave room.
 */
import { CHANNELS, type ValueStats } from '../types.js';
import type { Mark, TextMark } from './spec.js';
import { CHANNEL_COLORS, PT, STYLE } from './style.js';
import { clearTop, spikeUnder, type TextRegion } from './clear-top.js';
import { LINE_SPACING, textBlock } from './text-width.js';

/**
 * A share as a percentage people read at a glance: 0%, <0.1%, 4.3%, 23%,
 * 99.6%, >99.9%, 100%. Only a share of exactly 0 or 1 reads "0%" or "100%":
 * a rounded one would hide that some values are (or are not) there.
 */
export function formatShare(share: number): string {
  if (share <= 0) return '0%';
  if (share >= 1) return '100%';
  if (share < 0.001) return '<0.1%';
  if (share > 0.999) return '>99.9%';
  if (share < 0.1 || share > 0.9) return `${(share * 100).toFixed(1)}%`;
  return `${Math.round(share * 100)}%`;
}

/** The smallest the shares shrink to in a narrow panel: 6 pt. */
const MIN_SHARE_SIZE = 6 * PT;

export interface ShareBlock {
  /** Marks to draw above the densities: a light backing patch each side. */
  marks: Mark[];
  texts: TextMark[];
  /** Where the blocks sit, in axes fractions, so the y range can keep the curves clear of them. */
  regions: TextRegion[];
}

export interface ShareOptions {
  /** The axes fraction where the blocks start (below any other label); default the top. */
  top?: number;
  /** Font size in figure units. */
  size?: number;
  /**
   * Find room for the blocks where the curves leave it, so that the y range
   * `yTop` (matplotlib's: the largest density and a 5 % margin) need not grow:
   * each block slides along its span from the corner inwards, and the text
   * shrinks, half a point at a time down to 6 pt. The first size whose blocks
   * need no more room is taken; if none, the one that needs the least (the
   * larger on a tie). Without it the blocks sit in the corners at `size`.
   */
  slide?: { xDomain: [number, number]; yTop: number };
}

/**
 * Text marks stating the shares, for an axes box `w` x `h` figure units:
 * the share below 0 in a block in the x < 0 span (top left), the share above
 * 1 in the x > 1 span (top right).
 */
export function unseenShares(channels: ValueStats[], w: number, h: number, { top = 1, size = STYLE.shareSize, slide }: ShareOptions = {}): ShareBlock {
  const inset = 4;
  // In a narrow panel the text shrinks (down to 6 pt) to keep both corners side by side; narrower
  // still, the right block hangs below the left one.
  const textW = SIDES.map((key) => textBlock(blockLines(channels, key), size).w);
  const fit = (w - 4 * inset) / (textW[0]! + textW[1]!);
  const stacked = fit * size < MIN_SHARE_SIZE;
  if (!stacked && fit < 1) size *= fit;
  const at = (s: number) => shareBlocks(channels, w, h, { top, size: s, inset, stacked, slide });
  if (!slide) return at(size);
  let best = at(size);
  let bestTop = neededTop(channels, slide, best.regions);
  for (let s = size - HALF_POINT; s >= MIN_SHARE_SIZE - 1e-9 && bestTop > slide.yTop; s -= HALF_POINT) {
    const blocks = at(s);
    const needed = neededTop(channels, slide, blocks.regions);
    if (needed < bestTop * (1 - 1e-9)) [best, bestTop] = [blocks, needed];
  }
  return best;
}

const SIDES = ['below0', 'above1'] as const;
const HALF_POINT = 0.5 * PT;

/** The side's lines: "R 41%", "G 46%", "B 47%". The corner says which side: left is below 0, right above 1 (the figure's caption or labels say so). */
function blockLines(channels: ValueStats[], key: 'below0' | 'above1'): string[] {
  return channels.map((s, c) => `${CHANNELS[c]} ${formatShare(s[key])}`);
}

/** The y range the blocks leave the curves (Infinity with a spike under one). */
function neededTop(channels: ValueStats[], slide: NonNullable<ShareOptions['slide']>, regions: TextRegion[]): number {
  return regions.some((r) => spikeUnder(channels, slide.xDomain, r)) ? Infinity : clearTop(channels, slide.xDomain, slide.yTop, regions);
}

function shareBlocks(
  channels: ValueStats[], w: number, h: number,
  { top, size, inset, stacked, slide }: { top: number; size: number; inset: number; stacked: boolean; slide: ShareOptions['slide'] },
): ShareBlock {
  const out: ShareBlock = { marks: [], texts: [], regions: [] };
  const step = (LINE_SPACING * size) / h;
  let blockTop = top;
  for (const key of SIDES) {
    const lines = blockLines(channels, key);
    const { w: bw, h: bh } = textBlock(lines, size);
    const width = (bw + 2 * inset) / w;
    const fy = blockTop - inset / h;
    const y0 = fy - (bh + inset) / h;
    const x0 = slide ? slideBlock(channels, key, width, y0, w, slide) : key === 'below0' ? 0 : 1 - width;
    const x1 = x0 + width;
    const fx = key === 'below0' ? x0 + inset / w : x1 - inset / w;
    out.marks.push({ type: 'patch', x: x0, y: y0, w: x1 - x0, h: blockTop - y0, color: '#ffffff', alpha: 0.55 });
    lines.forEach((line, c) =>
      out.texts.push({
        type: 'text', x: fx, y: fy - c * step, lines: [line], size, color: CHANNEL_COLORS[c]!,
        align: key === 'below0' ? 'left' : 'right', valign: 'top',
        meta: { share: key, channel: CHANNELS[c]!, value: channels[c]![key] },
      }),
    );
    out.regions.push({ x0, x1, y0 });
    if (stacked) blockTop = y0;
  }
  return out;
}

/**
 * The left edge (axes fraction) of a block `width` wide whose bottom is at
 * `y0`: of the places along its span (x < 0 for the shares below 0, x > 1
 * for those above 1), a figure unit apart from the corner inwards, the first
 * that needs the least y range to keep the curves below it, and no spike
 * under it. A block wider than its span, or with a spike under it
 * everywhere, stays in the corner.
 */
function slideBlock(channels: ValueStats[], key: 'below0' | 'above1', width: number, y0: number, w: number, slide: NonNullable<ShareOptions['slide']>): number {
  const { xDomain: [d0, d1], yTop } = slide;
  const frac = (v: number) => Math.min(1, Math.max(0, (v - d0) / (d1 - d0)));
  const corner = key === 'below0' ? 0 : 1 - width;
  // how far the block can move inwards and stay inside its span
  const room = key === 'below0' ? frac(0) - width : 1 - width - frac(1);
  let best = corner;
  let bestTop = Infinity;
  for (let moved = 0; moved <= room * w; moved++) {
    const x0 = key === 'below0' ? moved / w : corner - moved / w;
    const region = { x0, x1: x0 + width, y0 };
    // a spike runs over the whole height: no y range clears it (half its widest line, 1.5 pt, either side)
    if (spikeUnder(channels, slide.xDomain, region, (1.5 * PT) / w)) continue;
    const needed = clearTop(channels, slide.xDomain, yTop, [region]);
    if (needed < bestTop * (1 - 1e-9)) {
      best = x0;
      bestTop = needed;
    }
  }
  return best;
}
