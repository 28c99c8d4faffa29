/**
 * The shares of unseen values, stated in each normalized density panel: the
 * top-left corner (inside the x < 0 span) lists per channel the share below
 * 0, the top-right corner (inside the x > 1 span) the share above 1.
 */
import { CHANNELS, type ValueStats } from '../types.js';
import type { Mark, TextMark } from './spec.js';
import { CHANNEL_COLORS, PT, STYLE } from './style.js';
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
  regions: Array<{ x0: number; x1: number; y0: number }>;
}

/**
 * Text marks stating the shares, for an axes box `w` x `h` figure units.
 * `top` is the axes fraction where the blocks start (below any other label);
 * `size` the font size in figure units.
 */
export function unseenShares(channels: ValueStats[], w: number, h: number, top = 1, size: number = STYLE.shareSize): ShareBlock {
  const inset = 4;
  // The corner says which side: left is below 0, right above 1 (the figure's caption or labels say so).
  const block = (key: 'below0' | 'above1') => channels.map((s, c) => `${CHANNELS[c]} ${formatShare(s[key])}`);
  const out: ShareBlock = { marks: [], texts: [], regions: [] };
  // In a narrow panel the text shrinks (down to 6 pt) to keep both corners side by side; narrower
  // still, the right block hangs below the left one.
  const textW = (['below0', 'above1'] as const).map((key) => textBlock(block(key), size).w);
  const fit = (w - 4 * inset) / (textW[0]! + textW[1]!);
  const stacked = fit * size < MIN_SHARE_SIZE;
  if (!stacked && fit < 1) size *= fit;
  const step = (LINE_SPACING * size) / h;
  let blockTop = top;
  for (const key of ['below0', 'above1'] as const) {
    const lines = block(key);
    const { w: bw, h: bh } = textBlock(lines, size);
    const fx = key === 'below0' ? inset / w : 1 - inset / w;
    const fy = blockTop - inset / h;
    const x0 = key === 'below0' ? 0 : 1 - (bw + 2 * inset) / w;
    const x1 = key === 'below0' ? (bw + 2 * inset) / w : 1;
    const y0 = fy - (bh + inset) / h;
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
